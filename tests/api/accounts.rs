//! Account management by the secretariat, passwords, and the audit log.

use crate::helpers::{TestApp, first_error_code, spawn_app, spawn_seeded_app};
use entity::enums::Role;
use sea_orm::ConnectionTrait;
use serde_json::{Value, json};
use std::io::Write;
use std::process::{Command, Stdio};

const CREATE: &str = r#"mutation($i: AccountCreateInput!) {
  accountCreate(input: $i) { account { id email role status stakeholder { name } } userErrors { field message code } }
}"#;

async fn government(app: &TestApp, name: &str) -> Value {
    let data = app
        .data(
            "{ stakeholders(first: 100) { nodes { id name } } }",
            json!({}),
        )
        .await;
    data["stakeholders"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["name"] == name)
        .unwrap()["id"]
        .clone()
}

#[tokio::test]
async fn the_secretariat_creates_accounts_and_bad_input_changes_nothing() {
    let app = spawn_seeded_app().await;
    let admin = app
        .sign_in_as("sec@un.example", Role::Secretariat, None)
        .await;
    let delegation = government(&app, "Government delegation 3").await;
    let icc = app
        .data(
            "{ stakeholders(first: 100) { nodes { id acronym } } }",
            json!({}),
        )
        .await["stakeholders"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["acronym"] == "ICC")
        .unwrap()["id"]
        .clone();

    let (_, ok) = app
        .graphql_as(&admin, CREATE, json!({ "i": { "email": "Delegate@Gov.example", "displayName": "Delegate", "password": "a long enough password", "role": "MEMBER_STATE", "stakeholder": delegation } }))
        .await;
    let account = &ok["data"]["accountCreate"];
    assert_eq!(account["userErrors"], json!([]), "{ok}");
    assert_eq!(
        account["account"]["stakeholder"]["name"],
        "Government delegation 3"
    );

    let bad: Vec<(Value, &str, &str)> = vec![
        (
            json!({ "email": "delegate@gov.example", "displayName": "Again", "password": "a long enough password", "role": "SECRETARIAT" }),
            "email",
            "TAKEN",
        ),
        (
            json!({ "email": "not-an-email", "displayName": "X", "password": "a long enough password", "role": "SECRETARIAT" }),
            "email",
            "INVALID",
        ),
        (
            json!({ "email": "short@un.example", "displayName": "X", "password": "short", "role": "SECRETARIAT" }),
            "password",
            "INVALID",
        ),
        (
            json!({ "email": "obs@un.example", "displayName": "X", "password": "a long enough password", "role": "OBSERVER" }),
            "stakeholder",
            "INVALID",
        ),
        (
            json!({ "email": "ms@un.example", "displayName": "X", "password": "a long enough password", "role": "MEMBER_STATE", "stakeholder": icc }),
            "stakeholder",
            "INVALID",
        ),
    ];
    for (input, field, code) in bad {
        let (_, body) = app.graphql_as(&admin, CREATE, json!({ "i": input })).await;
        let p = &body["data"]["accountCreate"];
        assert_eq!(p["account"], Value::Null, "{body}");
        assert_eq!(
            p["userErrors"][0]["field"],
            json!(["input", field]),
            "{body}"
        );
        assert_eq!(p["userErrors"][0]["code"], code, "{body}");
    }
    let (_, listed) = app
        .graphql_as(&admin, "{ accounts { totalCount } }", json!({}))
        .await;
    assert_eq!(
        listed["data"]["accounts"]["totalCount"], 2,
        "only the two good accounts exist"
    );

    // Anyone else: FORBIDDEN, and the list is closed to them.
    let delegate = app
        .login("delegate@gov.example", "a long enough password")
        .await["data"]["login"]["accessToken"]
        .as_str()
        .unwrap()
        .to_owned();
    let (_, refused) = app
        .graphql_as(&delegate, CREATE, json!({ "i": { "email": "x@un.example", "displayName": "X", "password": "a long enough password", "role": "SECRETARIAT" } }))
        .await;
    assert_eq!(first_error_code(&refused), Some("FORBIDDEN"));
    let (_, list) = app
        .graphql_as(&delegate, "{ accounts { totalCount } }", json!({}))
        .await;
    assert_eq!(first_error_code(&list), Some("FORBIDDEN"));
    let anonymous = app.graphql(CREATE, json!({ "i": { "email": "y@un.example", "displayName": "Y", "password": "a long enough password", "role": "SECRETARIAT" } })).await;
    assert_eq!(first_error_code(&anonymous), Some("UNAUTHENTICATED"));
}

#[tokio::test]
async fn password_reset_tokens_work_once_and_password_change_needs_the_old_one() {
    let app = spawn_app().await;
    let admin = app
        .sign_in_as("sec@un.example", Role::Secretariat, None)
        .await;
    let user = app
        .sign_in_as("user@un.example", Role::Secretariat, None)
        .await;
    let (_, me) = app
        .graphql_as(&user, "{ viewer { account { id } } }", json!({}))
        .await;
    let user_id = me["data"]["viewer"]["account"]["id"].clone();

    let (_, reset) = app
        .graphql_as(&admin, "mutation($id: ID!) { accountPasswordReset(input: { id: $id }) { resetToken expiresAt userErrors { message } } }", json!({ "id": user_id }))
        .await;
    let token = reset["data"]["accountPasswordReset"]["resetToken"]
        .as_str()
        .unwrap()
        .to_owned();
    const COMPLETE: &str = "mutation($t: String!, $p: String!) { passwordResetComplete(input: { resetToken: $t, newPassword: $p }) { changed userErrors { field code } } }";
    let done = app
        .data(COMPLETE, json!({ "t": token, "p": "a brand new password" }))
        .await;
    assert_eq!(done["passwordResetComplete"]["changed"], true);
    let again = app
        .graphql(COMPLETE, json!({ "t": token, "p": "yet another password" }))
        .await;
    assert_eq!(
        first_error_code(&again),
        Some("UNAUTHENTICATED"),
        "one use only"
    );
    assert!(
        app.login("user@un.example", "a brand new password").await["data"]["login"].is_object()
    );

    let fresh =
        app.login("user@un.example", "a brand new password").await["data"]["login"]["accessToken"]
            .as_str()
            .unwrap()
            .to_owned();
    const CHANGE: &str = "mutation($c: String!, $n: String!) { passwordChange(input: { currentPassword: $c, newPassword: $n }) { changed userErrors { field code } } }";
    let (_, wrong) = app
        .graphql_as(
            &fresh,
            CHANGE,
            json!({ "c": "not my password", "n": "whatever is long enough" }),
        )
        .await;
    assert_eq!(
        wrong["data"]["passwordChange"],
        json!({ "changed": false, "userErrors": [{ "field": ["input", "currentPassword"], "code": "INVALID" }] })
    );
    let (_, changed) = app
        .graphql_as(
            &fresh,
            CHANGE,
            json!({ "c": "a brand new password", "n": "the third password" }),
        )
        .await;
    assert_eq!(changed["data"]["passwordChange"]["changed"], true);
    assert!(app.login("user@un.example", "the third password").await["data"]["login"].is_object());
}

#[tokio::test]
async fn the_first_account_comes_from_the_command_line() {
    let app = spawn_app().await;
    let url = crate::helpers::db_url(&app);
    let run = |args: &[&str], stdin: &str| {
        let mut child = Command::new(env!("CARGO_BIN_EXE_concord"))
            .args(args)
            .env("DATABASE_URL", &url)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        child
            .stdin
            .take()
            .unwrap()
            .write_all(stdin.as_bytes())
            .unwrap();
        let out = child.wait_with_output().unwrap();
        (
            out.status.success(),
            format!(
                "{}{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            ),
        )
    };
    let (ok, out) = run(
        &[
            "account",
            "create",
            "--email",
            "first@un.example",
            "--role",
            "SECRETARIAT",
            "--password-stdin",
        ],
        "the first password\n",
    );
    assert!(ok, "{out}");
    assert!(app.login("first@un.example", "the first password").await["data"]["login"].is_object());
    let (ok, out) = run(
        &[
            "account",
            "create",
            "--email",
            "weak@un.example",
            "--role",
            "SECRETARIAT",
            "--password-stdin",
        ],
        "short\n",
    );
    assert!(!ok);
    assert!(out.contains("at least 12 characters"), "{out}");
    let (ok, _) = run(
        &[
            "account",
            "create",
            "--email",
            "no@un.example",
            "--role",
            "SECRETARIAT",
        ],
        "",
    );
    assert!(!ok, "no password on the command line, and no default one");
}

#[tokio::test]
async fn every_change_is_audited_and_tampering_is_detected() {
    let app = spawn_seeded_app().await;
    let admin = app
        .sign_in_as("sec@un.example", Role::Secretariat, None)
        .await;
    app.sign_in_as("other@un.example", Role::Secretariat, None)
        .await;
    let (_, events) = app
        .graphql_as(&admin, "{ auditEvents(first: 10) { totalCount nodes { action actorLabel targetType targetId prevHash hash } } }", json!({}))
        .await;
    let nodes = events["data"]["auditEvents"]["nodes"]
        .as_array()
        .unwrap()
        .clone();
    // Two accounts created from the command line, and two sign-ins.
    let actions: Vec<&str> = nodes
        .iter()
        .map(|n| n["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        actions,
        [
            "account.create",
            "session.login",
            "account.create",
            "session.login"
        ],
        "{events}"
    );
    assert_eq!(nodes[0]["actorLabel"], "system");
    assert_eq!(nodes[0]["prevHash"], "");
    for pair in nodes.windows(2) {
        assert_eq!(pair[1]["prevHash"], pair[0]["hash"], "chained");
    }

    let (_, filtered) = app
        .graphql_as(&admin, "query($t: ID!) { auditEvents(filter: { target: $t, action: \"account.create\" }) { totalCount } }", json!({ "t": nodes[2]["targetId"] }))
        .await;
    assert_eq!(filtered["data"]["auditEvents"]["totalCount"], 1);

    let url = crate::helpers::db_url(&app);
    let verify = || {
        let out = Command::new(env!("CARGO_BIN_EXE_concord"))
            .args(["audit", "verify"])
            .env("DATABASE_URL", &url)
            .output()
            .unwrap();
        (
            out.status.success(),
            format!(
                "{}{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            ),
        )
    };
    let (ok, out) = verify();
    assert!(ok && out.contains("intact: 4 events"), "{out}");

    app.db.execute_unprepared("UPDATE audit_event SET actor_label = 'someone-else' WHERE id = (SELECT MIN(id) FROM audit_event)").await.unwrap();
    let (ok, out) = verify();
    assert!(!ok, "{out}");
    let first_id: i64 = {
        use sea_orm::EntityTrait;
        entity::audit_event::Entity::find()
            .all(&app.db)
            .await
            .unwrap()
            .iter()
            .map(|e| e.id)
            .min()
            .unwrap()
    };
    assert!(
        out.contains(&format!("broken at event {first_id}")),
        "names the first broken link: {out}"
    );

    let observer = app
        .sign_in_as("obs@un.example", Role::Observer, Some(1))
        .await;
    let (_, refused) = app
        .graphql_as(&observer, "{ auditEvents { totalCount } }", json!({}))
        .await;
    assert_eq!(
        first_error_code(&refused),
        Some("FORBIDDEN"),
        "only the secretariat reads the log"
    );
}

#[tokio::test]
async fn identity_nodes_resolve_for_those_who_may_see_them() {
    let app = spawn_seeded_app().await;
    let admin = app
        .sign_in_as("sec@un.example", Role::Secretariat, None)
        .await;
    let observer = app
        .sign_in_as("obs@un.example", Role::Observer, Some(1))
        .await;
    let (_, me) = app
        .graphql_as(&observer, "{ viewer { account { id } } }", json!({}))
        .await;
    let observer_id = me["data"]["viewer"]["account"]["id"].clone();
    let (_, events) = app
        .graphql_as(
            &admin,
            "{ accountsList: accounts { nodes { id } } auditEvents(first: 1) { nodes { id } } }",
            json!({}),
        )
        .await;
    let event_id = events["data"]["auditEvents"]["nodes"][0]["id"].clone();
    const NODE: &str = "query($id: ID!) { node(id: $id) { __typename id } }";

    for id in [&observer_id, &event_id] {
        let (_, body) = app.graphql_as(&admin, NODE, json!({ "id": id })).await;
        assert_eq!(body["data"]["node"]["id"], *id, "the secretariat sees {id}");
    }
    let (_, own) = app
        .graphql_as(&observer, NODE, json!({ "id": observer_id }))
        .await;
    assert_eq!(
        own["data"]["node"]["__typename"], "Account",
        "one's own account"
    );
    let (_, event) = app
        .graphql_as(&observer, NODE, json!({ "id": event_id }))
        .await;
    assert_eq!(
        first_error_code(&event),
        Some("NOT_FOUND"),
        "the log is the secretariat's"
    );
    let anonymous = app.graphql(NODE, json!({ "id": observer_id })).await;
    assert_eq!(first_error_code(&anonymous), Some("NOT_FOUND"));
}

#[tokio::test]
async fn account_updates_name_the_version_they_edit() {
    let app = spawn_seeded_app().await;
    let admin = app
        .sign_in_as("sec@un.example", Role::Secretariat, None)
        .await;
    let user = app
        .sign_in_as("user@un.example", Role::Observer, Some(1))
        .await;
    let (_, me) = app
        .graphql_as(&user, "{ viewer { account { id version } } }", json!({}))
        .await;
    let account = me["data"]["viewer"]["account"].clone();
    const UPDATE: &str = "mutation($i: AccountUpdateInput!) { accountUpdate(input: $i) { account { displayName version } userErrors { code } } }";
    let input = json!({ "i": { "id": account["id"], "version": account["version"], "displayName": "Renamed" } });
    let (_, first) = app.graphql_as(&admin, UPDATE, input.clone()).await;
    assert_eq!(
        first["data"]["accountUpdate"]["account"],
        json!({ "displayName": "Renamed", "version": 2 }),
        "{first}"
    );
    let (_, stale) = app.graphql_as(&admin, UPDATE, input).await;
    assert_eq!(first_error_code(&stale), Some("CONFLICT"));
}
