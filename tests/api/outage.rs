//! What clients see when the database goes away and comes back, on a PostgreSQL cluster
//! of the test's own (initdb and pg_ctl on a free port; the shared server is never
//! stopped): every request fails fast with `503 SERVICE_UNAVAILABLE` and `Retry-After`,
//! live updates reconnect, and `serve` waits for a database that is not up yet.

use crate::helpers::{TestApp, TestDb, free_port, spawn_with, test_auth, test_settings};
use crate::sockets::{PUBLISHED, connect_as, next_for, send};
use crate::workflow::{open_consultation, stakeholder_id};
use concord::config::AuthSettings;
use entity::enums::Role;
use serde_json::{Value, json};
use std::path::PathBuf;
use std::process::Command;
use std::sync::Arc;
use std::sync::atomic::AtomicUsize;
use std::time::{Duration, Instant};

/// Where a test's PostgreSQL cluster lives.
#[derive(Clone)]
struct Server {
    dir: PathBuf,
    port: u16,
    bin: PathBuf,
}

/// A PostgreSQL cluster made for one test, removed when it ends.
struct Cluster(Server);

/// Runs `command` as the `postgres` user (the server refuses to run as root).
fn as_postgres(command: &str) -> std::process::Output {
    Command::new("su")
        .args(["postgres", "-s", "/bin/bash", "-c", command])
        .output()
        .expect("su postgres")
}

impl Cluster {
    async fn start() -> Cluster {
        tokio::task::spawn_blocking(|| {
            let bin = std::fs::read_dir("/usr/lib/postgresql")
                .expect("PostgreSQL's binaries (Debian's postgresql package)")
                .filter_map(|v| v.ok().map(|v| v.path().join("bin")))
                .find(|b| b.join("initdb").exists())
                .expect("initdb");
            let port = free_port();
            let dir =
                std::env::temp_dir().join(format!("concord-pg-{}-{port}", std::process::id()));
            std::fs::create_dir_all(&dir).unwrap();
            Command::new("chown")
                .args(["-R", "postgres:postgres"])
                .arg(&dir)
                .status()
                .unwrap();
            let init = as_postgres(&format!(
                "{}/initdb -D {}/data -U postgres --auth=trust -E UTF8 --no-locale",
                bin.display(),
                dir.display()
            ));
            assert!(
                init.status.success(),
                "initdb: {}",
                String::from_utf8_lossy(&init.stderr)
            );
            let server = Server { dir, port, bin };
            server.pg_ctl("start");
            Cluster(server)
        })
        .await
        .unwrap()
    }
}

impl Server {
    fn pg_ctl(&self, action: &str) {
        let options = match action {
            "start" => format!(
                "-l {dir}/log -o '-p {port} -k {dir} -c listen_addresses=127.0.0.1' start",
                dir = self.dir.display(),
                port = self.port
            ),
            other => format!("-m fast {other}"),
        };
        let out = as_postgres(&format!(
            "{}/pg_ctl -D {}/data -w {options}",
            self.bin.display(),
            self.dir.display()
        ));
        assert!(
            out.status.success(),
            "pg_ctl {action}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

impl Cluster {
    async fn stop_server(&self) {
        let server = self.0.clone();
        tokio::task::spawn_blocking(move || server.pg_ctl("stop"))
            .await
            .unwrap();
    }

    async fn start_server(&self) {
        let server = self.0.clone();
        tokio::task::spawn_blocking(move || server.pg_ctl("start"))
            .await
            .unwrap();
    }

    fn url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:{}/postgres", self.0.port)
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        let _ = as_postgres(&format!(
            "{}/pg_ctl -D {}/data -m immediate stop",
            self.0.bin.display(),
            self.0.dir.display()
        ));
        let _ = std::fs::remove_dir_all(&self.0.dir);
    }
}

/// The app on the cluster, with the production pool settings.
async fn app_on(cluster: &Cluster) -> TestApp {
    let db = concord::db::connect(&cluster.url()).await.expect("connect");
    concord::service::setup::migrate(&db)
        .await
        .expect("migrate");
    concord::seed::run(&db, concord::seed::Dataset::Report2010)
        .await
        .expect("seed");
    let auth = test_auth(
        &db,
        AuthSettings {
            jwt_secret: Some(crate::helpers::TEST_SECRET.into()),
            ..AuthSettings::default()
        },
    )
    .await;
    spawn_with(
        &test_settings(),
        db,
        Arc::new(AtomicUsize::new(0)),
        TestDb::external(&cluster.url()),
        auth,
    )
}

async fn ready_within(app: &TestApp, limit: Duration) -> bool {
    let start = Instant::now();
    while start.elapsed() < limit {
        if let Ok(r) = app.client.get(app.url("/readyz")).send().await
            && r.status() == 200
        {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    false
}

/// Status, `Retry-After`, body and time taken of a query.
async fn timed(app: &TestApp, token: Option<&str>) -> (u16, Option<String>, Value, Duration) {
    let start = Instant::now();
    let mut request = app
        .client
        .post(app.url("/graphql"))
        .json(&json!({ "query": "{ consultations { totalCount } }" }));
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    let retry = response
        .headers()
        .get("retry-after")
        .map(|v| v.to_str().unwrap().to_owned());
    let body = response.json().await.unwrap();
    (status, retry, body, start.elapsed())
}

#[tokio::test]
async fn during_an_outage_everyone_gets_a_quick_503_and_live_updates_come_back() {
    let cluster = Cluster::start().await;
    let app = app_on(&cluster).await;
    let admin = app
        .sign_in_as("sec@un.example", Role::Secretariat, None)
        .await;
    let consultation = open_consultation(&app, &admin, "outage").await;
    let gov = concord::ids::GlobalId::new(
        concord::ids::NodeType::Stakeholder,
        stakeholder_id(&app, "Government delegation 1").await,
    )
    .encode();
    let (_, created) = app
        .graphql_as(
            &admin,
            "mutation($i: ContributionCreateInput!) { contributionCreate(input: $i) { contribution { id } } }",
            json!({ "i": { "consultation": consultation, "stakeholder": gov, "title": "After the outage", "body": "B", "language": "en" } }),
        )
        .await;
    let contribution = created["data"]["contributionCreate"]["contribution"]["id"].clone();
    app.graphql_as(
        &admin,
        "mutation($id: ID!) { contributionSubmit(input: { id: $id, version: 1 }) { contribution { status } } }",
        json!({ "id": contribution }),
    )
    .await;
    assert!(
        ready_within(&app, Duration::from_secs(10)).await,
        "ready before the outage"
    );
    let mut subscriber = connect_as(&app, None).await;
    send(
        &mut subscriber,
        "events",
        PUBLISHED,
        json!({ "c": consultation }),
    )
    .await;

    cluster.stop_server().await;
    for token in [None, Some(admin.as_str())] {
        let (status, retry, body, took) = timed(&app, token).await;
        assert_eq!(status, 503, "{body}");
        assert_eq!(
            body["errors"][0]["extensions"]["code"], "SERVICE_UNAVAILABLE",
            "the same for everyone: {body}"
        );
        assert!(retry.is_some(), "Retry-After");
        assert!(took < Duration::from_millis(1500), "failed fast: {took:?}");
    }
    assert_eq!(
        app.client
            .get(app.url("/readyz"))
            .send()
            .await
            .unwrap()
            .status(),
        503
    );
    // Longer than the five seconds after which LISTEN used to give up for good.
    tokio::time::sleep(Duration::from_secs(7)).await;
    cluster.start_server().await;
    assert!(
        ready_within(&app, Duration::from_secs(30)).await,
        "ready again: the database answers and LISTEN is back"
    );
    let (status, _, body, _) = timed(&app, Some(&admin)).await;
    assert_eq!(status, 200, "{body}");

    let (_, published) = app
        .graphql_as(
            &admin,
            "mutation($id: ID!) { contributionPublish(input: { id: $id, version: 2 }) { contribution { status } } }",
            json!({ "id": contribution }),
        )
        .await;
    assert_eq!(
        published["data"]["contributionPublish"]["contribution"]["status"], "PUBLISHED",
        "{published}"
    );
    let event = next_for(&mut subscriber, "events").await;
    assert_eq!(
        event["data"]["contributionPublished"]["id"], contribution,
        "{event}"
    );
}

#[tokio::test]
async fn serve_waits_for_a_database_that_is_not_up_yet() {
    let cluster = Cluster::start().await;
    cluster.stop_server().await;
    let port = free_port();
    let log = cluster.0.dir.join("concord.log");
    let mut child = Command::new(env!("CARGO_BIN_EXE_concord"))
        .args(["serve", "--bind", &format!("127.0.0.1:{port}")])
        .env("DATABASE_URL", cluster.url())
        .env("CONCORD_DB_WAIT", "60")
        .env("CONCORD_JWT_SECRET", crate::helpers::TEST_SECRET)
        .stdout(std::process::Stdio::null())
        .stderr(std::fs::File::create(&log).unwrap())
        .spawn()
        .expect("the concord binary");
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert!(
        child.try_wait().unwrap().is_none(),
        "still waiting, not exited"
    );
    let waiting = std::fs::read_to_string(&log).unwrap();
    assert!(
        waiting.contains("waiting for the database"),
        "each attempt is logged: {waiting}"
    );
    cluster.start_server().await;
    concord::telemetry::install_crypto_provider();
    let client = reqwest::Client::new();
    let start = Instant::now();
    let mut ready = false;
    while start.elapsed() < Duration::from_secs(45) {
        if let Ok(r) = client
            .get(format!("http://127.0.0.1:{port}/readyz"))
            .send()
            .await
            && r.status() == 200
        {
            ready = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    let _ = child.kill();
    let _ = child.wait();
    assert!(ready, "{}", std::fs::read_to_string(&log).unwrap());
}
