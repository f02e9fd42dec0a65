//! Webhooks for partners (issue 12, point 5): signed deliveries from a durable outbox,
//! retried with backoff, logged with status codes, rotatable secrets, only what the
//! endpoint's owner may read, refused targets, and an event that survives the process
//! that wrote it.

use crate::helpers::{TEST_SECRET, TestApp, spawn_seeded_app, test_settings};
use crate::reports::{ask, call};
use entity::enums::Role;
use hmac::{KeyInit, Mac};
use serde_json::{Value, json};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// One request a receiver got.
#[derive(Debug, Clone)]
pub struct Received {
    pub headers: HashMap<String, String>,
    pub body: String,
}

/// An HTTP endpoint on 127.0.0.1 that records what it is sent and answers with the
/// statuses it is given, in turn (200 once they run out).
pub struct Receiver {
    pub url: String,
    pub got: Arc<Mutex<Vec<Received>>>,
}

impl Receiver {
    pub async fn start(statuses: Vec<u16>) -> Receiver {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        Receiver::on(listener, statuses)
    }

    pub fn on(listener: tokio::net::TcpListener, statuses: Vec<u16>) -> Receiver {
        let url = format!("http://{}/hooks", listener.local_addr().unwrap());
        let got = Arc::new(Mutex::new(Vec::new()));
        let statuses = Arc::new(Mutex::new(statuses.into_iter()));
        let log = got.clone();
        tokio::spawn(async move {
            loop {
                let Ok((mut socket, _)) = listener.accept().await else {
                    return;
                };
                let log = log.clone();
                let statuses = statuses.clone();
                tokio::spawn(async move {
                    let mut buffer = Vec::new();
                    let mut chunk = [0u8; 4096];
                    let (head_end, length) = loop {
                        let n = socket.read(&mut chunk).await.unwrap_or(0);
                        if n == 0 {
                            return;
                        }
                        buffer.extend_from_slice(&chunk[..n]);
                        if let Some(end) = buffer.windows(4).position(|w| w == b"\r\n\r\n") {
                            let head = String::from_utf8_lossy(&buffer[..end]).to_string();
                            let length = head
                                .lines()
                                .find_map(|l| {
                                    let (k, v) = l.split_once(':')?;
                                    k.eq_ignore_ascii_case("content-length")
                                        .then(|| v.trim().parse::<usize>().ok())?
                                })
                                .unwrap_or(0);
                            break (end + 4, length);
                        }
                    };
                    while buffer.len() < head_end + length {
                        let n = socket.read(&mut chunk).await.unwrap_or(0);
                        if n == 0 {
                            break;
                        }
                        buffer.extend_from_slice(&chunk[..n]);
                    }
                    let head = String::from_utf8_lossy(&buffer[..head_end]).to_string();
                    let headers = head
                        .lines()
                        .skip(1)
                        .filter_map(|l| l.split_once(':'))
                        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_owned()))
                        .collect();
                    let body = String::from_utf8_lossy(&buffer[head_end..]).to_string();
                    let status = statuses.lock().unwrap().next().unwrap_or(200);
                    log.lock().unwrap().push(Received { headers, body });
                    let answer = format!(
                        "HTTP/1.1 {status} X\r\ncontent-length: 0\r\nconnection: close\r\n\r\n"
                    );
                    let _ = socket.write_all(answer.as_bytes()).await;
                    let _ = socket.shutdown().await;
                });
            }
        });
        Receiver { url, got }
    }

    /// Waits until `n` requests came; returns them all.
    pub async fn wait_for(&self, n: usize, seconds: u64) -> Vec<Received> {
        let deadline = Instant::now() + Duration::from_secs(seconds);
        loop {
            let got = self.got.lock().unwrap().clone();
            if got.len() >= n {
                return got;
            }
            assert!(
                Instant::now() < deadline,
                "waited {seconds} s for {n} requests, got {got:?}"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

/// Checks a delivery's signature with `secret` as a receiver would.
pub fn signed_with(received: &Received, secret: &str) -> bool {
    let header = &received.headers["concord-signature"];
    let (t, v1) = header
        .split_once(",v1=")
        .map(|(t, v)| (t.trim_start_matches("t="), v))
        .unwrap_or_else(|| panic!("signature header: {header}"));
    let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(format!("{t}.{}", received.body).as_bytes());
    hex::encode(mac.finalize().into_bytes()) == v1
}

const CREATE: &str = "mutation($i: WebhookCreateInput!) { webhookCreate(input: $i) { webhook { id version url events active } secret userErrors { field code message } } }";

/// Registers a webhook for `url` with `events`; returns (ID, version, secret).
pub async fn register(
    app: &TestApp,
    token: &str,
    url: &str,
    events: Value,
) -> (Value, i64, String) {
    let data = ask(
        app,
        Some(token),
        CREATE,
        json!({ "i": { "url": url, "events": events, "description": "mirror" } }),
    )
    .await;
    let p = &data["webhookCreate"];
    assert_eq!(p["userErrors"], json!([]), "{data}");
    let secret = p["secret"].as_str().unwrap().to_owned();
    assert!(secret.starts_with("whsec_"));
    (
        p["webhook"]["id"].clone(),
        p["webhook"]["version"].as_i64().unwrap(),
        secret,
    )
}

/// A member state's written comment in `consultation`, submitted and published;
/// returns its ID.
pub async fn published_comment(
    app: &TestApp,
    member: &str,
    admin: &str,
    consultation: &Value,
    extra: Value,
) -> Value {
    let mut input = json!({ "consultation": consultation, "title": "On access", "body": "B", "language": "en" });
    input
        .as_object_mut()
        .unwrap()
        .extend(extra.as_object().unwrap().clone());
    let created = ask(
        app,
        Some(member),
        "mutation($i: ContributionCreateInput!) { contributionCreate(input: $i) { contribution { id version } userErrors { message } } }",
        json!({ "i": input }),
    )
    .await;
    let c = created["contributionCreate"]["contribution"].clone();
    assert!(!c.is_null(), "{created}");
    ask(app, Some(member), "mutation($id: ID!) { contributionSubmit(input: { id: $id, version: 1 }) { contribution { id } } }", json!({ "id": c["id"] })).await;
    let published = ask(app, Some(admin), "mutation($id: ID!) { contributionPublish(input: { id: $id, version: 2 }) { contribution { status } userErrors { message } } }", json!({ "id": c["id"] })).await;
    assert_eq!(
        published["contributionPublish"]["contribution"]["status"], "PUBLISHED",
        "{published}"
    );
    c["id"].clone()
}

#[tokio::test]
async fn deliveries_are_signed_retried_with_backoff_and_logged() {
    let app = spawn_seeded_app().await;
    let (admin, member, consultation) =
        crate::workflow::secretariat_member_and_consultation(&app, "hooks").await;
    // The endpoint fails the first time, then accepts.
    let receiver = Receiver::start(vec![500]).await;
    let (hook, version, secret) = register(
        &app,
        &admin,
        &receiver.url,
        json!([
            "CONTRIBUTION_PUBLISHED",
            "CONSULTATION_CLOSED",
            "CONTRIBUTION_WITHDRAWN"
        ]),
    )
    .await;
    let id = published_comment(&app, &member, &admin, &consultation, json!({})).await;

    let got = receiver.wait_for(2, 20).await;
    assert_eq!(got.len(), 2, "no more than asked for: {got:?}");
    for (n, r) in got.iter().enumerate() {
        assert!(signed_with(r, &secret), "attempt {n} is signed: {r:?}");
        assert!(!signed_with(r, "whsec_wrong"));
        assert_eq!(r.headers["concord-event"], "contribution.published");
        assert_eq!(r.headers["concord-attempt"], (n + 1).to_string());
        assert_eq!(r.headers["content-type"], "application/json");
    }
    assert_eq!(got[0].body, got[1].body, "the same body on every attempt");
    let body: Value = serde_json::from_str(&got[1].body).unwrap();
    assert_eq!(body["event"], "contribution.published");
    assert!(body["id"].as_str().unwrap().starts_with("evt_"));
    assert_eq!(body["data"]["contribution"]["id"], id);
    assert_eq!(body["data"]["contribution"]["consultation"], consultation);
    assert_eq!(
        body["data"]["contribution"]["stakeholderGroup"],
        "GOVERNMENT"
    );
    assert!(!body["data"]["contribution"]["stakeholder"].is_null());

    // The delivery log: one delivery, two attempts with their status codes (recorded
    // once the endpoint's answer is in).
    let deadline = Instant::now() + Duration::from_secs(10);
    let log = loop {
        let log = ask(
            &app,
            Some(&admin),
            "query($id: ID!) { node(id: $id) { ... on Webhook { deliveries(first: 10) { totalCount nodes { event status attemptCount lastStatusCode deliveredAt attempts { statusCode error durationMs } } } } } }",
            json!({ "id": hook }),
        )
        .await;
        if log["node"]["deliveries"]["nodes"][0]["status"] != "PENDING" || Instant::now() > deadline
        {
            break log;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    let deliveries = &log["node"]["deliveries"];
    assert_eq!(deliveries["totalCount"], 1, "{log}");
    let d = &deliveries["nodes"][0];
    assert_eq!(d["status"], "DELIVERED", "{d}");
    assert_eq!(d["attemptCount"], 2);
    assert_eq!(d["lastStatusCode"], 200);
    assert_eq!(d["attempts"][0]["statusCode"], 500);
    assert_eq!(
        d["attempts"][0]["error"],
        "the endpoint answered 500 Internal Server Error"
    );
    assert_eq!(d["attempts"][1]["statusCode"], 200);

    // A new secret: shown once, and what signs from now on.
    let rotated = ask(
        &app,
        Some(&admin),
        "mutation($id: ID!, $v: Int!) { webhookRotateSecret(input: { id: $id, version: $v }) { webhook { version } secret userErrors { code } } }",
        json!({ "id": hook, "v": version }),
    )
    .await;
    let new_secret = rotated["webhookRotateSecret"]["secret"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_ne!(new_secret, secret);
    let listed = call(
        &app,
        Some(&admin),
        "{ webhooks(first: 5) { nodes { id url secret } } }",
        json!({}),
    )
    .await;
    assert!(
        listed["errors"].is_array(),
        "the secret is not a field: {listed}"
    );
    let closed = ask(
        &app,
        Some(&admin),
        "query($c: ID!) { node(id: $c) { ... on Consultation { version } } }",
        json!({ "c": consultation }),
    )
    .await;
    ask(
        &app,
        Some(&admin),
        "mutation($c: ID!, $v: Int!) { consultationClose(input: { id: $c, version: $v }) { consultation { status } } }",
        json!({ "c": consultation, "v": closed["node"]["version"] }),
    )
    .await;
    let got = receiver.wait_for(3, 20).await;
    let closing = &got[2];
    assert_eq!(closing.headers["concord-event"], "consultation.closed");
    assert!(signed_with(closing, &new_secret));
    assert!(
        !signed_with(closing, &secret),
        "the old secret no longer signs"
    );
    let body: Value = serde_json::from_str(&closing.body).unwrap();
    assert_eq!(body["data"]["consultation"]["status"], "CLOSED");
}

#[tokio::test]
async fn a_partner_hears_only_what_its_client_may_read() {
    let app = spawn_seeded_app().await;
    let (admin, member, consultation) =
        crate::workflow::secretariat_member_and_consultation(&app, "partners").await;
    let (client_id, client_secret, _) = crate::clients::client(&app, &admin, &["read"]).await;
    let (status, token) = crate::clients::token_request(
        &app,
        Some((&client_id, &client_secret)),
        &[("grant_type", "client_credentials")],
    )
    .await;
    assert_eq!(status, 200, "{token}");
    let partner = token["access_token"].as_str().unwrap().to_owned();

    let secretariat_end = Receiver::start(vec![]).await;
    let partner_end = Receiver::start(vec![]).await;
    register(
        &app,
        &admin,
        &secretariat_end.url,
        json!(["CONTRIBUTION_PUBLISHED"]),
    )
    .await;
    let (partner_hook, _, _) = register(
        &app,
        &partner,
        &partner_end.url,
        json!(["CONTRIBUTION_PUBLISHED"]),
    )
    .await;
    // A member state's account manages no webhooks (it would use an API client).
    let refused = call(
        &app,
        Some(&member),
        CREATE,
        json!({ "i": { "url": partner_end.url, "events": ["CONTRIBUTION_PUBLISHED"] } }),
    )
    .await;
    assert_eq!(refused["errors"][0]["extensions"]["code"], "FORBIDDEN");
    // The partner sees its own webhook only; the secretariat sees both.
    let own = ask(
        &app,
        Some(&partner),
        "{ webhooks(first: 5) { totalCount nodes { id owner } } }",
        json!({}),
    )
    .await;
    assert_eq!(own["webhooks"]["totalCount"], 1);
    assert_eq!(own["webhooks"]["nodes"][0]["id"], partner_hook);
    let all = ask(
        &app,
        Some(&admin),
        "{ webhooks(first: 5) { totalCount } }",
        json!({}),
    )
    .await;
    assert_eq!(all["webhooks"]["totalCount"], 2);

    // For member states only, then public but not attributed.
    let restricted = published_comment(
        &app,
        &member,
        &admin,
        &consultation,
        json!({ "visibility": "MEMBER_STATES", "title": "For member states" }),
    )
    .await;
    let unattributed = published_comment(
        &app,
        &member,
        &admin,
        &consultation,
        json!({ "attributed": false, "title": "Unattributed" }),
    )
    .await;
    let to_secretariat = secretariat_end.wait_for(2, 20).await;
    let ids: Vec<Value> = to_secretariat
        .iter()
        .map(|r| {
            serde_json::from_str::<Value>(&r.body).unwrap()["data"]["contribution"]["id"].clone()
        })
        .collect();
    // Both, in either order: deliveries due together go out together.
    assert!(
        ids.contains(&restricted) && ids.contains(&unattributed),
        "{ids:?}"
    );
    let to_partner = partner_end.wait_for(1, 20).await;
    // Give a delivery of the restricted one time to arrive, were it (wrongly) written.
    tokio::time::sleep(Duration::from_millis(800)).await;
    let to_partner_now = partner_end.got.lock().unwrap().clone();
    assert_eq!(to_partner_now.len(), 1, "{to_partner_now:?}");
    let body: Value = serde_json::from_str(&to_partner[0].body).unwrap();
    assert_eq!(body["data"]["contribution"]["id"], unattributed);
    assert_eq!(body["data"]["contribution"]["title"], "Unattributed");
    assert!(
        body["data"]["contribution"]["stakeholder"].is_null(),
        "a partner does not learn who made an unattributed contribution: {body}"
    );
    assert_eq!(
        body["data"]["contribution"]["stakeholderGroup"],
        "GOVERNMENT"
    );
    // The secretariat learns who made it.
    let to_secretariat: Value = to_secretariat
        .iter()
        .map(|r| serde_json::from_str::<Value>(&r.body).unwrap())
        .find(|b| b["data"]["contribution"]["id"] == unattributed)
        .unwrap();
    assert!(!to_secretariat["data"]["contribution"]["stakeholder"].is_null());
    // The partner's log holds one delivery.
    let log = ask(
        &app,
        Some(&partner),
        "query($id: ID!) { node(id: $id) { ... on Webhook { deliveries(first: 5) { totalCount } } } }",
        json!({ "id": partner_hook }),
    )
    .await;
    assert_eq!(log["node"]["deliveries"]["totalCount"], 1);
}

#[tokio::test]
async fn webhook_targets_must_be_public_https_and_nothing_is_kept_otherwise() {
    let app = spawn_seeded_app().await;
    let admin = app
        .sign_in_as("sec@un.example", Role::Secretariat, None)
        .await;
    for (url, events) in [
        (
            "http://partner.example.org/hooks",
            json!(["REPORT_PUBLISHED"]),
        ),
        ("https://10.1.2.3/hooks", json!(["REPORT_PUBLISHED"])),
        ("https://192.168.0.10/hooks", json!(["REPORT_PUBLISHED"])),
        (
            "https://169.254.169.254/latest/meta-data",
            json!(["REPORT_PUBLISHED"]),
        ),
        ("https://[fd00::1]/hooks", json!(["REPORT_PUBLISHED"])),
        (
            "https://user:pw@partner.example.org/hooks",
            json!(["REPORT_PUBLISHED"]),
        ),
        ("not a url", json!(["REPORT_PUBLISHED"])),
        ("https://partner.example.org/hooks", json!([])),
    ] {
        let data = ask(
            &app,
            Some(&admin),
            CREATE,
            json!({ "i": { "url": url, "events": events } }),
        )
        .await;
        let p = &data["webhookCreate"];
        assert!(
            p["webhook"].is_null() && p["secret"].is_null(),
            "{url}: {data}"
        );
        assert_eq!(p["userErrors"][0]["code"], "INVALID", "{url}: {data}");
    }
    let none = ask(
        &app,
        Some(&admin),
        "{ webhooks(first: 5) { totalCount } }",
        json!({}),
    )
    .await;
    assert_eq!(none["webhooks"]["totalCount"], 0);
    // An unknown event name is refused by the schema.
    let bad = call(
        &app,
        Some(&admin),
        CREATE,
        json!({ "i": { "url": "https://partner.example.org/hooks", "events": ["contribution.published"] } }),
    )
    .await;
    assert!(bad["errors"].is_array(), "{bad}");
}

#[tokio::test]
async fn an_event_written_by_a_process_that_dies_is_delivered_by_another() {
    // The test's own instance writes deliveries but does not send them.
    let mut settings = test_settings();
    settings.webhooks.deliver = false;
    let app = crate::helpers::spawn_app_with(settings).await;
    concord::seed::run(&app.db, concord::seed::Dataset::Report2010)
        .await
        .unwrap();
    let (admin, member, consultation) =
        crate::workflow::secretariat_member_and_consultation(&app, "outbox").await;
    // The endpoint is down for now: its port is reserved, nothing answers there.
    let reserved = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = reserved.local_addr().unwrap();
    drop(reserved);
    let url = format!("http://{address}/hooks");
    let (hook, _, secret) = register(&app, &admin, &url, json!(["CONTRIBUTION_PUBLISHED"])).await;

    // Another process, which sends nothing either, makes the change and is killed at once.
    let port = crate::helpers::free_port();
    let mut process = std::process::Command::new(env!("CARGO_BIN_EXE_concord"))
        .args(["serve", "--bind", &format!("127.0.0.1:{port}")])
        .env("DATABASE_URL", &app.db_url)
        .env("CONCORD_JWT_SECRET", TEST_SECRET)
        .env("CONCORD_WEBHOOK_DELIVERY", "false")
        .env("CONCORD_RATE_LIMITS", "off")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("start concord serve");
    let other = format!("http://127.0.0.1:{port}/graphql");
    let deadline = Instant::now() + Duration::from_secs(30);
    while app
        .client
        .get(format!("http://127.0.0.1:{port}/healthz"))
        .send()
        .await
        .is_err()
    {
        assert!(Instant::now() < deadline, "the other process did not start");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let created: Value = app
        .client
        .post(&other)
        .bearer_auth(&member)
        .json(&json!({ "query": "mutation($c: ID!) { contributionCreate(input: { consultation: $c, title: \"T\", body: \"B\", language: \"en\" }) { contribution { id } } }", "variables": { "c": consultation } }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let id = created["data"]["contributionCreate"]["contribution"]["id"].clone();
    for (token, query) in [
        (
            &member,
            "mutation($id: ID!) { contributionSubmit(input: { id: $id, version: 1 }) { contribution { status } } }",
        ),
        (
            &admin,
            "mutation($id: ID!) { contributionPublish(input: { id: $id, version: 2 }) { contribution { status } } }",
        ),
    ] {
        let answer: Value = app
            .client
            .post(&other)
            .bearer_auth(token)
            .json(&json!({ "query": query, "variables": { "id": id } }))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert!(answer["errors"].is_null(), "{answer}");
    }
    process.kill().unwrap();
    process.wait().unwrap();

    // The delivery was written with the change, and waits.
    let log = ask(
        &app,
        Some(&admin),
        "query($id: ID!) { node(id: $id) { ... on Webhook { deliveries(first: 5) { nodes { status attemptCount } } } } }",
        json!({ "id": hook }),
    )
    .await;
    assert_eq!(
        log["node"]["deliveries"]["nodes"],
        json!([{ "status": "PENDING", "attemptCount": 0 }])
    );
    // The endpoint comes up, and an instance that sends starts: the event arrives.
    let listener = tokio::net::TcpListener::bind(address).await.unwrap();
    let receiver = Receiver::on(listener, vec![]);
    app.another_instance(&test_settings());
    let got = receiver.wait_for(1, 20).await;
    assert!(signed_with(&got[0], &secret));
    let body: Value = serde_json::from_str(&got[0].body).unwrap();
    assert_eq!(body["data"]["contribution"]["id"], id);
}

#[tokio::test]
async fn publishing_a_report_is_announced() {
    let d = crate::reports::Drafted::new().await;
    let receiver = Receiver::start(vec![]).await;
    let (_, _, secret) =
        register(&d.app, &d.admin, &receiver.url, json!(["REPORT_PUBLISHED"])).await;
    d.cite().await;
    let published = d.publish().await;
    let hash = published["reportPublish"]["publication"]["contentHash"].clone();
    let got = receiver.wait_for(1, 20).await;
    assert!(signed_with(&got[0], &secret));
    let body: Value = serde_json::from_str(&got[0].body).unwrap();
    assert_eq!(body["event"], "report.published");
    assert_eq!(body["data"]["report"]["contentHash"], hash);
    assert_eq!(
        body["data"]["report"]["number"], 2,
        "the seed published the first"
    );
    // The path it names serves the text the hash covers.
    let path = body["data"]["report"]["markdownPath"].as_str().unwrap();
    let text = d
        .app
        .client
        .get(d.app.url(path))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    use sha2::Digest;
    assert_eq!(
        json!(hex::encode(sha2::Sha256::digest(text.as_bytes()))),
        hash
    );
}
