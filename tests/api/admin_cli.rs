//! The secretariat's work from the command line (issue 13, point 3): accounts, API
//! clients and the consultation lifecycle, through the same services as the API (the
//! same refusals, the same audit events, as `system`), `--json` output and exit codes.

use crate::helpers::{TEST_SECRET, TestApp, spawn_seeded_app};
use entity::enums::Role;
use serde_json::{Value, json};
use std::process::Command;

/// Runs `concord ARGS` on the app's database; returns the exit status, standard
/// output and standard error.
fn concord(app: &TestApp, args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_concord"))
        .args(args)
        .env("DATABASE_URL", &app.db_url)
        .env("CONCORD_JWT_SECRET", TEST_SECRET)
        .env("RUST_LOG", "warn")
        .output()
        .expect("run concord");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Runs a `--json` command that must succeed; returns its JSON.
fn ok_json(app: &TestApp, args: &[&str]) -> Value {
    let (code, stdout, stderr) = concord(app, args);
    assert_eq!(code, 0, "{args:?}: {stderr}");
    serde_json::from_str(stdout.trim()).unwrap_or_else(|e| panic!("{args:?}: {e}: {stdout}"))
}

/// Runs a `--json` command that must be refused; returns the reasons.
fn refused(app: &TestApp, args: &[&str]) -> Value {
    let (code, stdout, stderr) = concord(app, args);
    assert_eq!(code, 3, "{args:?}: {stdout} {stderr}");
    assert!(stderr.contains("refused"), "{stderr}");
    serde_json::from_str::<Value>(stdout.trim()).unwrap()["errors"].clone()
}

async fn last_audit(app: &TestApp, admin: &str) -> Value {
    app.graphql_as(
        admin,
        "{ auditEvents(last: 1) { nodes { action actorLabel } } }",
        json!({}),
    )
    .await
    .1["data"]["auditEvents"]["nodes"][0]
        .clone()
}

#[tokio::test]
async fn accounts_clients_and_consultations_from_the_command_line() {
    let app = spawn_seeded_app().await;
    let admin = app
        .sign_in_as("sec@un.example", Role::Secretariat, None)
        .await;
    let gov = crate::workflow::stakeholder_id(&app, "Government delegation 1").await;
    let member = app
        .sign_in_as("a@gov.example", Role::MemberState, Some(gov))
        .await;

    // Listing, narrowed.
    let all = ok_json(&app, &["account", "list", "--json"]);
    assert_eq!(all["accounts"].as_array().unwrap().len(), 2, "{all}");
    let members = ok_json(
        &app,
        &["account", "list", "--role", "MEMBER_STATE", "--json"],
    );
    assert_eq!(members["accounts"][0]["email"], "a@gov.example");
    assert_eq!(members["accounts"].as_array().unwrap().len(), 1);

    // Disabling: the member state's next request is refused; the audit log says the
    // command line did it.
    let disabled = ok_json(&app, &["account", "disable", "a@gov.example", "--json"]);
    assert_eq!(disabled["account"]["status"], "DISABLED");
    let (_, refused_now) = app
        .graphql_as(&member, "{ viewer { role } }", json!({}))
        .await;
    assert_eq!(
        refused_now["errors"][0]["extensions"]["code"],
        "UNAUTHENTICATED"
    );
    assert_eq!(
        last_audit(&app, &admin).await,
        json!({ "action": "account.disable", "actorLabel": "system" })
    );
    let enabled = ok_json(&app, &["account", "enable", "a@gov.example", "--json"]);
    assert_eq!(enabled["account"]["status"], "ACTIVE");
    // Someone who does not exist: refused, exit status 3, nothing changed.
    let errors = refused(
        &app,
        &["account", "disable", "nobody@example.org", "--json"],
    );
    assert_eq!(errors[0]["code"], "NOT_FOUND");

    // A password reset: the token is printed once and works once.
    let reset = ok_json(
        &app,
        &["account", "reset-password", "a@gov.example", "--json"],
    );
    let token = reset["resetToken"].as_str().unwrap();
    let done = app
        .data(
            "mutation($t: String!) { passwordResetComplete(input: { resetToken: $t, newPassword: \"another long password\" }) { changed userErrors { message } } }",
            json!({ "t": token }),
        )
        .await;
    assert_eq!(done["passwordResetComplete"]["changed"], true, "{done}");
    assert!(
        app.login("a@gov.example", "another long password").await["data"]["login"]["accessToken"]
            .is_string()
    );

    // API clients: the same rules as the API (a member state's client speaks for a
    // Government), the secret printed once, rotation and revocation.
    let icann = crate::clients::stakeholder_id(&app, "ICANN").await;
    let icann = icann.as_str().unwrap();
    let errors = refused(
        &app,
        &[
            "client",
            "create",
            "--name",
            "Mirror",
            "--stakeholder",
            icann,
            "--role",
            "MEMBER_STATE",
            "--scope",
            "read",
            "--json",
        ],
    );
    assert_eq!(errors[0]["field"], "stakeholder", "{errors}");
    let created = ok_json(
        &app,
        &[
            "client",
            "create",
            "--name",
            "Mirror",
            "--stakeholder",
            icann,
            "--role",
            "OBSERVER",
            "--scope",
            "read",
            "--json",
        ],
    );
    let client_id = created["client"]["clientId"].as_str().unwrap().to_owned();
    let secret = created["clientSecret"].as_str().unwrap().to_owned();
    assert_eq!(created["client"]["scopes"], json!(["read"]));
    let (status, _) = crate::clients::token_request(
        &app,
        Some((&client_id, &secret)),
        &[("grant_type", "client_credentials")],
    )
    .await;
    assert_eq!(status, 200);
    let rotated = ok_json(&app, &["client", "rotate", &client_id, "--json"]);
    let new_secret = rotated["clientSecret"].as_str().unwrap();
    let (old, _) = crate::clients::token_request(
        &app,
        Some((&client_id, &secret)),
        &[("grant_type", "client_credentials")],
    )
    .await;
    assert_eq!(old, 401);
    let (new, _) = crate::clients::token_request(
        &app,
        Some((&client_id, new_secret)),
        &[("grant_type", "client_credentials")],
    )
    .await;
    assert_eq!(new, 200);
    let listed = ok_json(&app, &["client", "list", "--json"]);
    assert_eq!(listed["clients"][0]["clientId"], json!(client_id));
    let revoked = ok_json(&app, &["client", "revoke", &client_id, "--json"]);
    assert_eq!(revoked["client"]["status"], "DISABLED");
    assert_eq!(
        last_audit(&app, &admin).await,
        json!({ "action": "api_client.revoke", "actorLabel": "system" })
    );

    // The lifecycle: open a draft, close it; closing twice is refused.
    let now = chrono::Utc::now();
    app.graphql_as(
        &admin,
        "mutation($i: ConsultationCreateInput!) { consultationCreate(input: $i) { consultation { id } } }",
        json!({ "i": { "slug": "by-hand", "title": "T", "mandate": "M", "guidingQuestions": [],
            "opensAt": (now - chrono::Duration::hours(1)).to_rfc3339(),
            "closesAt": (now + chrono::Duration::days(1)).to_rfc3339() } }),
    )
    .await;
    let opened = ok_json(&app, &["consultation", "open", "by-hand", "--json"]);
    assert_eq!(opened["consultation"]["status"], "OPEN");
    let closed = ok_json(&app, &["consultation", "close", "by-hand", "--json"]);
    assert_eq!(closed["consultation"]["status"], "CLOSED");
    let errors = refused(&app, &["consultation", "close", "by-hand", "--json"]);
    assert_eq!(errors[0]["code"], "NOT_ALLOWED", "{errors}");
    // Without --json, words; refused, the reasons on standard error.
    let (code, stdout, _) = concord(&app, &["consultation", "open", "enhanced-cooperation-2010"]);
    assert_eq!(code, 3);
    assert!(stdout.is_empty());
    let (code, stdout, stderr) = concord(&app, &["account", "list"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stdout.contains("a@gov.example\tMEMBER_STATE\tACTIVE"),
        "{stdout}"
    );
}

/// Runs `concord ARGS` with `input` on its standard input.
fn concord_with_input(app: &TestApp, args: &[&str], input: &str) -> (i32, String, String) {
    use std::io::Write;
    let mut child = Command::new(env!("CARGO_BIN_EXE_concord"))
        .args(args)
        .env("DATABASE_URL", &app.db_url)
        .env("CONCORD_JWT_SECRET", TEST_SECRET)
        .env("RUST_LOG", "warn")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("run concord");
    // A command refused before it reads its input may exit before the input is
    // written (a broken pipe): what it answered is what counts.
    let _ = child.stdin.take().unwrap().write_all(input.as_bytes());
    let out = child.wait_with_output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Arguments as owned strings.
fn words(args: &[&str]) -> Vec<String> {
    args.iter().map(|a| (*a).to_owned()).collect()
}

/// Everything a test can count that a refused command might have changed.
async fn counts(app: &TestApp) -> [u64; 5] {
    use sea_orm::{EntityTrait, PaginatorTrait};
    [
        entity::account::Entity::find()
            .count(&app.db)
            .await
            .unwrap(),
        entity::api_client::Entity::find()
            .count(&app.db)
            .await
            .unwrap(),
        entity::audit_event::Entity::find()
            .count(&app.db)
            .await
            .unwrap(),
        entity::persisted_operation::Entity::find()
            .count(&app.db)
            .await
            .unwrap(),
        entity::consultation::Entity::find()
            .count(&app.db)
            .await
            .unwrap(),
    ]
}

#[tokio::test]
async fn every_commands_refusals_exit_3_and_change_nothing() {
    let app = spawn_seeded_app().await;
    app.sign_in_as("sec@un.example", Role::Secretariat, None)
        .await;
    let icann = crate::clients::stakeholder_id(&app, "ICANN").await;
    let icann = icann.as_str().unwrap().to_owned();
    let gov = crate::workflow::stakeholder_id(&app, "Government delegation 1")
        .await
        .to_string();
    let dir = std::env::temp_dir().join(format!("concord-refusals-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let bad = dir.join("bad.graphql");
    std::fs::write(&bad, "{ consultations { nodes { tilte } } }").unwrap();
    let empty = dir.join("empty");
    std::fs::create_dir_all(&empty).unwrap();
    let before = counts(&app).await;
    let password = "a long enough password\n";
    let create = |email: &str, role: &str, stakeholder: Option<&str>| {
        let mut args = vec!["account", "create", "--email", email, "--role", role];
        if let Some(s) = stakeholder {
            args.extend(["--stakeholder", s]);
        }
        args.push("--password-stdin");
        args.into_iter().map(str::to_owned).collect::<Vec<_>>()
    };
    let cases: Vec<(Vec<String>, &str, &str)> = vec![
        // (arguments, standard input, what the reasons must say)
        (
            create("sec@un.example", "SECRETARIAT", None),
            password,
            "email",
        ),
        (
            create("new@un.example", "MEMBER_STATE", Some(&icann)),
            password,
            "stakeholder",
        ),
        (
            create("new@un.example", "SECRETARIAT", None),
            "",
            "password",
        ),
        (create("new@un.example", "KING", None), password, "role"),
        (
            create("new@un.example", "OBSERVER", Some("not-an-id")),
            password,
            "stakeholder",
        ),
        (
            create("not an email", "SECRETARIAT", None),
            password,
            "email",
        ),
        (
            create("gov@un.example", "MEMBER_STATE", Some(&gov)),
            "short\n",
            "password",
        ),
        (
            words(&["account", "list", "--status", "SLEEPING"]),
            "",
            "status",
        ),
        (words(&["account", "disable", "nobody@example.org"]), "", ""),
        (words(&["account", "enable", "nobody@example.org"]), "", ""),
        (
            words(&["account", "reset-password", "nobody@example.org"]),
            "",
            "",
        ),
        (words(&["client", "rotate", "no-such-client"]), "", ""),
        (words(&["client", "revoke", "no-such-client"]), "", ""),
        (
            words(&[
                "client",
                "create",
                "--name",
                "Mirror",
                "--stakeholder",
                &icann,
                "--role",
                "MEMBER_STATE",
                "--scope",
                "read",
            ]),
            "",
            "",
        ),
        (
            words(&[
                "client",
                "create",
                "--name",
                "Mirror",
                "--stakeholder",
                &icann,
                "--role",
                "OBSERVER",
                "--scope",
                "everything",
            ]),
            "",
            "",
        ),
        (
            words(&["consultation", "open", "no-such-consultation"]),
            "",
            "",
        ),
        (
            words(&["consultation", "close", "no-such-consultation"]),
            "",
            "",
        ),
        (
            words(&["operations", "add", bad.to_str().unwrap()]),
            "",
            "bad.graphql: unknown fields: Consultation.tilte",
        ),
        (
            words(&["operations", "add", empty.to_str().unwrap()]),
            "",
            "no .graphql file",
        ),
    ];
    for (args, input, says) in &cases {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let (code, stdout, stderr) = concord_with_input(&app, &args, input);
        assert_eq!(code, 3, "{args:?}: {stdout} {stderr}");
        assert!(stderr.contains("refused"), "{args:?}: {stderr}");
        assert!(stderr.contains(says), "{args:?} says {says:?}: {stderr}");
        // With --json, the reasons as JSON on standard output, the same status.
        let mut with_json = args.clone();
        with_json.push("--json");
        let (code, stdout, stderr) = concord_with_input(&app, &with_json, input);
        if stderr.contains("unexpected argument") {
            continue; // (account create has no --json)
        }
        assert_eq!(code, 3, "{with_json:?}: {stdout} {stderr}");
        let reasons: Value = serde_json::from_str(stdout.trim())
            .unwrap_or_else(|e| panic!("{with_json:?}: {e}: {stdout}"));
        assert!(reasons["errors"][0]["code"].is_string(), "{reasons}");
    }
    assert_eq!(counts(&app).await, before, "nothing changed");
    let _ = std::fs::remove_dir_all(&dir);
}
