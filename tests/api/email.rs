//! Email: invitations, reset links and their outbox, against an SMTP receiver the tests
//! start on 127.0.0.1 (`smtp::Sink`), through lettre as in production.

use crate::helpers::{
    TestApp, first_error_code, free_port, spawn_seeded_app, spawn_seeded_app_with, test_settings,
};
use crate::smtp::{Sink, mail_to};
use entity::enums::{EmailStatus, Role};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter};
use serde_json::{Value, json};
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

const INVITE: &str = "mutation($i: AccountInviteInput!) { accountInvite(input: $i) { invitation { id email role language stakeholder { name } } invitationToken emailed userErrors { field code message } } }";
const ACCEPT: &str = "mutation($i: InvitationAcceptInput!) { invitationAccept(input: $i) { account { email displayName role language stakeholder { name } } userErrors { field code message } } }";
const FORGOT: &str = "mutation($e: String!) { passwordResetRequest(input: { email: $e }) { accepted userErrors { field code message } } }";
const COMPLETE: &str = "mutation($t: String!, $p: String!) { passwordResetComplete(input: { resetToken: $t, newPassword: $p }) { changed userErrors { field code } } }";

async fn app_mailing_to(sink: &Sink) -> TestApp {
    spawn_seeded_app_with(concord::config::Settings {
        mail: mail_to(sink.port),
        ..test_settings()
    })
    .await
}

async fn invite(app: &TestApp, admin: &str, input: Value) -> Value {
    let (_, body) = app.graphql_as(admin, INVITE, json!({ "i": input })).await;
    body["data"]["accountInvite"].clone()
}

fn token_of(link: &str) -> String {
    link.rsplit('/').next().unwrap().to_owned()
}

/// The invitation's email, once its status is `status` (waits up to 20 s).
async fn delivery_when(app: &TestApp, admin: &str, id: &Value, status: &str) -> Value {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let (_, body) = app
            .graphql_as(
                admin,
                "query($id: ID!) { node(id: $id) { ... on Invitation { emailDelivery { status attempts lastError sentAt } } } }",
                json!({ "id": id }),
            )
            .await;
        let d = body["data"]["node"]["emailDelivery"].clone();
        if d["status"] == status || Instant::now() > deadline {
            assert_eq!(d["status"], status, "{body}");
            return d;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn count_accounts(app: &TestApp, email: &str) -> u64 {
    entity::account::Entity::find()
        .filter(entity::account::Column::EmailNormalized.eq(email.to_lowercase()))
        .count(&app.db)
        .await
        .unwrap()
}

async fn outbox(app: &TestApp) -> Vec<entity::email_message::Model> {
    entity::email_message::Entity::find()
        .all(&app.db)
        .await
        .unwrap()
}

#[tokio::test]
async fn an_invitation_goes_by_email_in_its_language_and_its_link_makes_the_account_once() {
    let sink = Sink::start().await;
    let app = app_mailing_to(&sink).await;
    let admin = app
        .sign_in_as("sec@un.example", Role::Secretariat, None)
        .await;
    let icann = crate::clients::stakeholder_id(&app, "ICANN").await;
    let made = invite(
        &app,
        &admin,
        json!({ "email": "Ana.Lima@Example.org", "role": "OBSERVER", "stakeholder": icann, "language": "FR" }),
    )
    .await;
    assert_eq!(made["userErrors"], json!([]), "{made}");
    assert_eq!(made["emailed"], true);
    assert_eq!(
        made["invitationToken"],
        Value::Null,
        "an emailed link is not handed back"
    );
    assert_eq!(made["invitation"]["language"], "FR");
    let id = made["invitation"]["id"].clone();

    let mail = sink.wait_for(1).await.remove(0);
    assert_eq!(mail.to, ["ana.lima@example.org"]);
    assert_eq!(mail.subject(), "Invitation à Concord");
    assert!(
        mail.header("Message-ID")
            .is_some_and(|m| m.starts_with("<concord.") && m.ends_with("@concord.example.org>")),
        "{:?}",
        mail.header("Message-ID")
    );
    assert!(mail.header("From").unwrap().contains("concord@un.example"));
    let text = mail.part("text/plain").expect("a plain-text part");
    let html = mail.part("text/html").expect("an HTML part");
    assert!(text.contains("Bonjour Ana Lima,"), "{text}");
    assert!(
        text.contains("pour Internet Corporation for Assigned Names"),
        "the stakeholder is named: {text}"
    );
    assert!(html.contains("lang=\"fr\""), "{html}");
    let link = mail.link("/console#/accept/").expect("a link to accept");
    assert!(
        link.starts_with("https://concord.example.org/console#/accept/cri_"),
        "{link}"
    );
    assert!(html.contains(&format!("href=\"{link}\"")), "{html}");
    let token = token_of(&link);
    for row in outbox(&app).await {
        assert!(
            !row.params.contains(&token),
            "the outbox holds no working link"
        );
    }
    delivery_when(&app, &admin, &id, "SENT").await;

    // A password under the rules: refused, nothing made.
    let weak = app
        .graphql(
            ACCEPT,
            json!({ "i": { "token": token, "password": "short" } }),
        )
        .await;
    let weak = &weak["data"]["invitationAccept"];
    assert_eq!(
        weak["userErrors"][0]["field"],
        json!(["input", "password"]),
        "{weak}"
    );
    assert_eq!(count_accounts(&app, "ana.lima@example.org").await, 0);

    let done = app
        .data(
            ACCEPT,
            json!({ "i": { "token": token, "password": "a long enough password" } }),
        )
        .await;
    let account = &done["invitationAccept"]["account"];
    assert_eq!(
        account["email"], "Ana.Lima@Example.org",
        "bound to the invited email"
    );
    assert_eq!(account["displayName"], "Ana Lima");
    assert_eq!(account["role"], "OBSERVER");
    assert_eq!(account["language"], "FR");
    assert_eq!(
        account["stakeholder"]["name"],
        made["invitation"]["stakeholder"]["name"]
    );
    assert!(
        app.login("ana.lima@example.org", "a long enough password")
            .await["data"]["login"]
            .is_object()
    );

    let again = app
        .data(
            ACCEPT,
            json!({ "i": { "token": token, "password": "another long password" } }),
        )
        .await;
    let again = &again["invitationAccept"];
    assert_eq!(again["account"], Value::Null);
    assert_eq!(again["userErrors"][0]["field"], json!(["input", "token"]));
    assert!(
        again["userErrors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("already been used")
    );
    assert_eq!(count_accounts(&app, "ana.lima@example.org").await, 1);
    let rows = outbox(&app).await;
    assert_eq!(rows.len(), 1);
    let attempts = entity::email_attempt::Entity::find()
        .filter(entity::email_attempt::Column::MessageId.eq(rows[0].id))
        .all(&app.db)
        .await
        .unwrap();
    assert_eq!(attempts.len(), 1, "each attempt is logged");
    assert_eq!(attempts[0].error, None);
    assert_eq!(sink.received().len(), 1, "sent once");
}

#[tokio::test]
async fn without_email_the_link_is_handed_over_and_wrong_invitations_change_nothing() {
    let app = spawn_seeded_app().await;
    let admin = app
        .sign_in_as("sec@un.example", Role::Secretariat, None)
        .await;
    let gov = concord::ids::GlobalId::new(
        concord::ids::NodeType::Stakeholder,
        crate::workflow::stakeholder_id(&app, "Government delegation 1").await,
    )
    .encode();
    let invitations = || async {
        entity::invitation::Entity::find()
            .count(&app.db)
            .await
            .unwrap()
    };
    for (input, field, code) in [
        (
            json!({ "email": "SEC@un.example", "role": "SECRETARIAT" }),
            "email",
            "TAKEN",
        ),
        (
            json!({ "email": "not an email", "role": "SECRETARIAT" }),
            "email",
            "INVALID",
        ),
        (
            json!({ "email": "m@gov.example", "role": "MEMBER_STATE" }),
            "stakeholder",
            "INVALID",
        ),
    ] {
        let refused = invite(&app, &admin, input.clone()).await;
        assert_eq!(refused["invitation"], Value::Null, "{input}: {refused}");
        assert_eq!(
            refused["userErrors"][0]["field"],
            json!(["input", field]),
            "{input}: {refused}"
        );
        assert_eq!(refused["userErrors"][0]["code"], code, "{input}: {refused}");
    }
    assert_eq!(invitations().await, 0, "nothing half-done");

    let first = invite(
        &app,
        &admin,
        json!({ "email": "m@gov.example", "role": "MEMBER_STATE", "stakeholder": gov }),
    )
    .await;
    assert_eq!(first["emailed"], false);
    let first_token = first["invitationToken"]
        .as_str()
        .expect("a token to hand over")
        .to_owned();
    assert!(first_token.starts_with("cri_"));
    let second = invite(
        &app,
        &admin,
        json!({ "email": "M@gov.example", "role": "MEMBER_STATE", "stakeholder": gov }),
    )
    .await;
    let second_token = second["invitationToken"].as_str().unwrap().to_owned();
    assert!(
        outbox(&app).await.is_empty(),
        "no email without an SMTP server"
    );
    let (_, listed) = app
        .graphql_as(&admin, "{ invitations { email } }", json!({}))
        .await;
    assert_eq!(
        listed["data"]["invitations"],
        json!([{ "email": "M@gov.example" }]),
        "the replaced one is gone"
    );

    let replaced = app
        .data(
            ACCEPT,
            json!({ "i": { "token": first_token, "password": "a long enough password" } }),
        )
        .await;
    assert!(
        replaced["invitationAccept"]["userErrors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("newer invitation"),
        "{replaced}"
    );
    entity::invitation::Entity::update_many()
        .col_expr(
            entity::invitation::Column::ExpiresAt,
            sea_orm::sea_query::Expr::value(chrono::Utc::now() - chrono::Duration::minutes(1)),
        )
        .exec(&app.db)
        .await
        .unwrap();
    let expired = app
        .data(
            ACCEPT,
            json!({ "i": { "token": second_token, "password": "a long enough password" } }),
        )
        .await;
    assert!(
        expired["invitationAccept"]["userErrors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("expired"),
        "{expired}"
    );
    let bogus = app
        .data(
            ACCEPT,
            json!({ "i": { "token": "cri_nothing", "password": "a long enough password" } }),
        )
        .await;
    assert!(
        bogus["invitationAccept"]["userErrors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("not valid")
    );
    assert_eq!(count_accounts(&app, "m@gov.example").await, 0);

    // "Forgot password?" on a server that sends no email says so.
    let forgot = app.data(FORGOT, json!({ "e": "sec@un.example" })).await;
    assert_eq!(forgot["passwordResetRequest"]["accepted"], false);
    assert_eq!(
        forgot["passwordResetRequest"]["userErrors"][0]["code"],
        "NOT_ALLOWED"
    );
    // Only the secretariat invites.
    let observer = app
        .sign_in_as(
            "obs@example.org",
            Role::Observer,
            Some(icann_id(&app).await),
        )
        .await;
    let (_, refused) = app
        .graphql_as(
            &observer,
            INVITE,
            json!({ "i": { "email": "x@example.org", "role": "OBSERVER" } }),
        )
        .await;
    assert_eq!(first_error_code(&refused), Some("FORBIDDEN"), "{refused}");
}

#[tokio::test]
async fn forgot_password_answers_alike_for_any_address_and_mails_only_an_account() {
    let sink = Sink::start().await;
    let app = app_mailing_to(&sink).await;
    let icann = icann_id(&app).await;
    app.sign_in_as("obs@example.org", Role::Observer, Some(icann))
        .await;

    for email in ["OBS@example.org", "nobody@example.org"] {
        let body = app.graphql(FORGOT, json!({ "e": email })).await;
        assert_eq!(
            body["data"]["passwordResetRequest"]["accepted"], true,
            "{body}"
        );
    }
    let mail = sink.wait_for(1).await.remove(0);
    assert_eq!(mail.to, ["obs@example.org"]);
    assert_eq!(mail.subject(), "Choose a new Concord password");
    let link = mail.link("/console#/reset/").expect("a reset link");
    tokio::time::sleep(Duration::from_millis(800)).await;
    assert_eq!(
        sink.received().len(),
        1,
        "nothing to an address without an account"
    );
    let rows = outbox(&app).await;
    let unknown = rows
        .iter()
        .find(|r| r.recipient == "nobody@example.org")
        .unwrap();
    assert_eq!(unknown.status, EmailStatus::Dropped);

    let done = app
        .data(
            COMPLETE,
            json!({ "t": token_of(&link), "p": "a brand new password" }),
        )
        .await;
    assert_eq!(done["passwordResetComplete"]["changed"], true);
    assert!(
        app.login("obs@example.org", "a brand new password").await["data"]["login"].is_object()
    );

    // Three requests per address in the window, whoever holds it.
    for email in ["obs@example.org", "nobody@example.org"] {
        for _ in 0..2 {
            let body = app.graphql(FORGOT, json!({ "e": email })).await;
            assert_eq!(
                body["data"]["passwordResetRequest"]["accepted"], true,
                "{body}"
            );
        }
        let limited = app.graphql(FORGOT, json!({ "e": email })).await;
        assert_eq!(
            first_error_code(&limited),
            Some("RATE_LIMITED"),
            "{email}: {limited}"
        );
    }
    sink.wait_for(3).await;
    // And three links an hour per account, even once the address's window has passed.
    app.db
        .execute_unprepared("UPDATE login_throttle SET failures = 0 WHERE key LIKE 'reset:%'")
        .await
        .unwrap();
    let body = app.graphql(FORGOT, json!({ "e": "obs@example.org" })).await;
    assert_eq!(
        body["data"]["passwordResetRequest"]["accepted"], true,
        "{body}"
    );
    let deadline = Instant::now() + Duration::from_secs(10);
    let last = loop {
        let rows = outbox(&app).await;
        let last = rows.into_iter().max_by_key(|r| r.id).unwrap();
        if last.status != EmailStatus::Pending || Instant::now() > deadline {
            break last;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert_eq!(last.status, EmailStatus::Dropped, "{last:?}");
    assert!(last.last_error.unwrap().contains("last hour"));
    assert_eq!(sink.received().len(), 3);
}

#[tokio::test]
async fn forgot_password_does_the_same_work_whether_an_account_holds_the_address() {
    let sink = Sink::start().await;
    // An instance that only writes the outbox: what is counted is the request's own work.
    let app = spawn_seeded_app_with(concord::config::Settings {
        mail: concord::config::MailSettings {
            send: false,
            ..mail_to(sink.port)
        },
        ..test_settings()
    })
    .await;
    app.sign_in_as(
        "obs@example.org",
        Role::Observer,
        Some(icann_id(&app).await),
    )
    .await;
    // This client's own counter exists for both requests, as after any first one.
    app.graphql(FORGOT, json!({ "e": "first@example.org" }))
        .await;
    let mut answers = Vec::new();
    for email in ["OBS@example.org", "nobody@example.org"] {
        let before = app.queries.load(Ordering::SeqCst);
        let body = app.graphql(FORGOT, json!({ "e": email })).await;
        answers.push((body, app.queries.load(Ordering::SeqCst) - before));
    }
    assert_eq!(
        answers[0], answers[1],
        "the same answer after the same statements"
    );
    assert_eq!(
        answers[0].0["data"]["passwordResetRequest"]["accepted"],
        true
    );
    let rows = outbox(&app).await;
    assert_eq!(rows.len(), 3);
    assert!(
        rows.iter()
            .all(|r| r.kind == "reset_request" && r.params == "{}")
    );
}

#[tokio::test]
async fn a_refused_recipient_fails_the_email_at_once_with_the_servers_words() {
    let sink = Sink::start().await;
    sink.refuse("gone@example.org");
    let app = app_mailing_to(&sink).await;
    let admin = app
        .sign_in_as("sec@un.example", Role::Secretariat, None)
        .await;
    let made = invite(
        &app,
        &admin,
        json!({ "email": "gone@example.org", "role": "SECRETARIAT" }),
    )
    .await;
    let d = delivery_when(&app, &admin, &made["invitation"]["id"], "FAILED").await;
    assert_eq!(d["attempts"], 1, "a 5xx is not tried again: {d}");
    let error = d["lastError"].as_str().unwrap();
    assert!(
        error.contains("550") && error.contains("User unknown"),
        "{error}"
    );
    assert!(sink.received().is_empty());
}

#[tokio::test]
async fn an_email_written_while_smtp_is_down_survives_a_kill_and_goes_out_once() {
    let app = spawn_seeded_app().await;
    let admin = app
        .sign_in_as("sec@un.example", Role::Secretariat, None)
        .await;
    let smtp_port = free_port().to_string();
    let url = crate::helpers::db_url(&app);
    let env = |retry: &'static str| -> Vec<(&'static str, &str)> {
        vec![
            ("DATABASE_URL", url.as_str()),
            ("CONCORD_SMTP_HOST", "127.0.0.1"),
            ("CONCORD_SMTP_PORT", smtp_port.as_str()),
            ("CONCORD_SMTP_TLS", "none"),
            ("CONCORD_SMTP_RETRY_BASE_MS", retry),
        ]
    };
    let (serving, port) = crate::pooler::serve(&env("3000")).await;
    let (status, body) = graphql_at(
        &app,
        port,
        &admin,
        INVITE,
        json!({ "i": { "email": "late@example.org", "role": "SECRETARIAT" } }),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["data"]["accountInvite"]["emailed"], true, "{body}");

    // The SMTP server is down: the attempt fails, is logged, and the email waits.
    let deadline = Instant::now() + Duration::from_secs(20);
    let waiting = loop {
        let row = outbox(&app).await.remove(0);
        if row.attempts >= 1 || Instant::now() > deadline {
            break row;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert_eq!(waiting.status, EmailStatus::Pending, "{waiting:?}");
    assert_eq!(waiting.attempts, 1, "{waiting:?}");
    assert!(waiting.last_error.is_some());
    // The instance dies (SIGKILL) with the email unsent.
    drop(serving);

    let sink = Sink::start_on(smtp_port.parse().unwrap()).await;
    let (_serving, _) = crate::pooler::serve(&env("200")).await;
    let got = sink.wait_for(1).await;
    assert_eq!(got[0].to, ["late@example.org"]);
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_eq!(sink.received().len(), 1, "sent once");
    let row = outbox(&app).await.remove(0);
    assert_eq!(row.status, EmailStatus::Sent);
    assert_eq!(row.attempts, 2);
}

#[tokio::test]
async fn the_command_line_invites_and_prints_the_link_as_json() {
    let app = spawn_seeded_app().await;
    let url = crate::helpers::db_url(&app);
    let icann = crate::clients::stakeholder_id(&app, "ICANN").await;
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_concord"))
        .args([
            "account",
            "invite",
            "--email",
            "cli@example.org",
            "--role",
            "OBSERVER",
            "--stakeholder",
            icann.as_str().unwrap(),
            "--language",
            "fr",
            "--json",
        ])
        .env("DATABASE_URL", &url)
        .env("CONCORD_JWT_SECRET", crate::helpers::TEST_SECRET)
        .env("CONCORD_PUBLIC_URL", "https://concord.example.org")
        .env_remove("CONCORD_SMTP_HOST")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let printed: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(printed["emailed"], false);
    assert_eq!(printed["invitation"]["language"], "FR");
    let link = printed["link"].as_str().unwrap();
    assert!(
        link.starts_with("https://concord.example.org/console#/accept/cri_"),
        "{link}"
    );
    let done = app
        .data(
            ACCEPT,
            json!({ "i": { "token": token_of(link), "password": "a long enough password" } }),
        )
        .await;
    assert_eq!(
        done["invitationAccept"]["account"]["email"], "cli@example.org",
        "{done}"
    );

    // Refused: an email that has an account now; exit 3, JSON reasons, nothing written.
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_concord"))
        .args([
            "account",
            "invite",
            "--email",
            "CLI@example.org",
            "--role",
            "OBSERVER",
            "--stakeholder",
            icann.as_str().unwrap(),
            "--json",
        ])
        .env("DATABASE_URL", &url)
        .env("CONCORD_JWT_SECRET", crate::helpers::TEST_SECRET)
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(3),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    let reasons: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(reasons["errors"][0]["code"], "TAKEN", "{reasons}");
    assert_eq!(reasons["errors"][0]["field"], "email", "{reasons}");
    assert_eq!(
        entity::invitation::Entity::find()
            .count(&app.db)
            .await
            .unwrap(),
        1
    );
}

async fn graphql_at(
    app: &TestApp,
    port: u16,
    token: &str,
    query: &str,
    variables: Value,
) -> (u16, Value) {
    let response = app
        .client
        .post(format!("http://127.0.0.1:{port}/graphql"))
        .bearer_auth(token)
        .json(&json!({ "query": query, "variables": variables }))
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap())
}

async fn icann_id(app: &TestApp) -> i64 {
    let id = crate::clients::stakeholder_id(app, "ICANN").await;
    concord::ids::GlobalId::decode_as(id.as_str().unwrap(), concord::ids::NodeType::Stakeholder)
        .unwrap()
}

#[tokio::test]
async fn authors_hear_what_the_secretariat_does_to_their_words_unless_they_opt_out() {
    let sink = Sink::start().await;
    let app = app_mailing_to(&sink).await;
    let admin = app
        .sign_in_as("sec@un.example", Role::Secretariat, None)
        .await;
    let icann = icann_id(&app).await;
    app.sign_in_as("en@icann.example", Role::Observer, Some(icann))
        .await;
    let french = app
        .sign_in_as("fr@icann.example", Role::Observer, Some(icann))
        .await;
    let quiet = app
        .sign_in_as("quiet@icann.example", Role::Observer, Some(icann))
        .await;
    const PREFS: &str = "mutation($i: AccountPreferencesInput!) { accountPreferencesUpdate(input: $i) { account { language moderationEmails } userErrors { message } } }";
    let (_, fr) = app
        .graphql_as(&french, PREFS, json!({ "i": { "language": "FR" } }))
        .await;
    assert_eq!(
        fr["data"]["accountPreferencesUpdate"]["account"]["language"], "FR",
        "{fr}"
    );
    let (_, off) = app
        .graphql_as(&quiet, PREFS, json!({ "i": { "moderationEmails": false } }))
        .await;
    assert_eq!(
        off["data"]["accountPreferencesUpdate"]["account"]["moderationEmails"],
        false
    );

    // ICANN's comment, submitted by one of its accounts and published by the secretariat.
    let en = app
        .login("en@icann.example", "a long enough password")
        .await["data"]["login"]["accessToken"]
        .as_str()
        .unwrap()
        .to_owned();
    let consultation = crate::workflow::open_consultation(&app, &admin, "told").await;
    let title = "Our comment on access";
    let (_, created) = app
        .graphql_as(
            &en,
            "mutation($i: ContributionCreateInput!) { contributionCreate(input: $i) { contribution { id version } userErrors { message } } }",
            json!({ "i": { "consultation": consultation, "title": title, "body": "Access matters.", "language": "EN" } }),
        )
        .await;
    let id = created["data"]["contributionCreate"]["contribution"]["id"].clone();
    let (_, submitted) = app
        .graphql_as(
            &en,
            "mutation($id: ID!, $v: Int!) { contributionSubmit(input: { id: $id, version: $v }) { contribution { version } userErrors { message } } }",
            json!({ "id": id, "v": 1 }),
        )
        .await;
    let (_, first) = app
        .graphql_as(
            &admin,
            "mutation($id: ID!, $v: Int!) { contributionPublish(input: { id: $id, version: $v }) { contribution { version } userErrors { message } } }",
            json!({ "id": id, "v": submitted["data"]["contributionSubmit"]["contribution"]["version"] }),
        )
        .await;
    let got = sink.wait_for(2).await;
    assert!(got.iter().all(|m| m.subject().contains("was published") || m.subject().contains("a été publiée")), "{got:#?}");
    let c = json!({ "id": id, "version": first["data"]["contributionPublish"]["contribution"]["version"] });
    let version = |v: &Value| {
        v["data"].as_object().unwrap().values().next().unwrap()["contribution"]["version"].clone()
    };

    let (_, unpublished) = app
        .graphql_as(
            &admin,
            "mutation($id: ID!, $v: Int!) { contributionUnpublish(input: { id: $id, version: $v, reason: \"It names a person who asked not to be named.\" }) { contribution { version } userErrors { message } } }",
            json!({ "id": c["id"], "v": c["version"] }),
        )
        .await;
    let got = sink.wait_for(4).await[2..].to_vec();
    let mut to: Vec<_> = got.iter().map(|m| m.to[0].clone()).collect();
    to.sort();
    assert_eq!(
        to,
        ["en@icann.example", "fr@icann.example"],
        "not the one who opted out"
    );
    let en = got.iter().find(|m| m.to[0] == "en@icann.example").unwrap();
    assert_eq!(
        en.subject(),
        format!("Your contribution “{title}” was taken back from publication")
    );
    let text = en.part("text/plain").unwrap();
    assert!(
        text.contains("The reason given: It names a person who asked not to be named."),
        "{text}"
    );
    assert!(
        text.contains("https://concord.example.org/console#/settings"),
        "{text}"
    );
    let fr = got.iter().find(|m| m.to[0] == "fr@icann.example").unwrap();
    assert!(
        fr.subject().starts_with("Votre contribution « "),
        "{}",
        fr.subject()
    );

    let (_, published) = app
        .graphql_as(
            &admin,
            "mutation($id: ID!, $v: Int!) { contributionPublish(input: { id: $id, version: $v }) { contribution { version } userErrors { message } } }",
            json!({ "id": c["id"], "v": version(&unpublished) }),
        )
        .await;
    let got = sink.wait_for(6).await;
    assert!(got[4..].iter().all(|m| m.subject().contains("was published") || m.subject().contains("a été publiée")));
    app.graphql_as(
        &admin,
        "mutation($id: ID!, $v: Int!) { contributionWithdraw(input: { id: $id, version: $v, reason: \"Sent twice by mistake.\" }) { contribution { status } userErrors { message } } }",
        json!({ "id": c["id"], "v": version(&published) }),
    )
    .await;
    let got = sink.wait_for(8).await;
    let withdrawn = got[6..]
        .iter()
        .find(|m| m.to[0] == "en@icann.example")
        .unwrap();
    assert!(withdrawn.subject().ends_with("was withdrawn"));
    assert!(
        withdrawn
            .part("text/plain")
            .unwrap()
            .contains("Sent twice by mistake.")
    );
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(
        sink.received().len(),
        8,
        "nothing twice, nothing to the one who opted out"
    );

    // A note that breaks the rules is refused, and nothing is told.
    let (_, bad) = app
        .graphql_as(
            &admin,
            "mutation($id: ID!) { contributionUnpublish(input: { id: $id, version: 1, reason: \"\" }) { contribution { id } userErrors { field message } } }",
            json!({ "id": c["id"] }),
        )
        .await;
    assert!(
        bad["data"]["contributionUnpublish"]["userErrors"][0]["message"].is_string(),
        "{bad}"
    );
}

#[tokio::test]
async fn a_reset_the_secretariat_issues_goes_to_the_holder_and_is_not_handed_back() {
    let sink = Sink::start().await;
    let app = app_mailing_to(&sink).await;
    let admin = app
        .sign_in_as("sec@un.example", Role::Secretariat, None)
        .await;
    let icann = icann_id(&app).await;
    app.sign_in_as("obs@example.org", Role::Observer, Some(icann))
        .await;
    let (_, found) = app
        .graphql_as(
            &admin,
            "{ accounts(filter: { search: \"obs@\" }) { nodes { id } } }",
            json!({}),
        )
        .await;
    let id = found["data"]["accounts"]["nodes"][0]["id"].clone();
    let (_, issued) = app
        .graphql_as(
            &admin,
            "mutation($id: ID!) { accountPasswordReset(input: { id: $id }) { resetToken emailed expiresAt userErrors { message } } }",
            json!({ "id": id }),
        )
        .await;
    let issued = &issued["data"]["accountPasswordReset"];
    assert_eq!(issued["emailed"], true, "{issued}");
    assert_eq!(
        issued["resetToken"],
        Value::Null,
        "the link goes to its holder only"
    );
    let mail = sink.wait_for(1).await.remove(0);
    assert_eq!(mail.to, ["obs@example.org"]);
    let link = mail.link("/console#/reset/").expect("a reset link");
    let done = app
        .data(
            COMPLETE,
            json!({ "t": token_of(&link), "p": "a brand new password" }),
        )
        .await;
    assert_eq!(done["passwordResetComplete"]["changed"], true, "{done}");
}
