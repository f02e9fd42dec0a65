//! Through the real PgBouncer (issue 21): Debian's own (1.18), in transaction mode,
//! loses prepared statements between transactions and cannot carry LISTEN; Concord
//! refuses such a pool at start (naming the fix) and reports it in `/readyz`, and works
//! through it in session mode. PostgreSQL only (these are PostgreSQL's poolers); where
//! `pgbouncer` is missing the tests say so, and fail under `CONCORD_REQUIRE_TOOLS`.

use crate::helpers::{TEST_SECRET, TestApp, free_port, spawn_app, start_instance, test_settings};
use concord::startup::Databases;
use serde_json::{Value, json};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const PGBOUNCER: &str = "/usr/sbin/pgbouncer";

/// A PgBouncer on 127.0.0.1 in front of the test database's server, stopped on drop.
pub struct Bouncer {
    pub port: u16,
    child: Child,
    dir: std::path::PathBuf,
}

impl Bouncer {
    /// Starts one in `mode` (`transaction` or `session`) for `app`'s PostgreSQL, or
    /// `None` (having said why) where that cannot be.
    pub fn start(app: &TestApp, mode: &str, test: &str) -> Option<Bouncer> {
        if !app.db_url.starts_with("postgres") {
            eprintln!("SKIPPED {test}: PgBouncer fronts PostgreSQL (set TEST_DATABASE_URL)");
            return None;
        }
        if !std::path::Path::new(PGBOUNCER).exists() {
            let message = format!("{test}: needs Debian's pgbouncer (apt-get install pgbouncer)");
            if std::env::var_os("CONCORD_REQUIRE_TOOLS").is_some() {
                panic!("{message}");
            }
            eprintln!("SKIPPED {message}");
            return None;
        }
        let server = url::Url::parse(&app.db_url).unwrap();
        let port = free_port();
        let dir = std::env::temp_dir().join(format!("concord-pgbouncer-{port}"));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("users.txt"), "\"postgres\" \"\"\n").unwrap();
        let ini = format!(
            "[databases]\n* = host={} port={}\n[pgbouncer]\nlisten_addr = 127.0.0.1\n\
             listen_port = {port}\nauth_type = trust\nauth_file = {}\npool_mode = {mode}\n\
             ignore_startup_parameters = extra_float_digits\nunix_socket_dir =\n\
             max_client_conn = 200\ndefault_pool_size = 20\n",
            server.host_str().unwrap(),
            server.port().unwrap_or(5432),
            dir.join("users.txt").display()
        );
        std::fs::write(dir.join("pgbouncer.ini"), ini).unwrap();
        // It will not run as root: as the database's own user.
        Command::new("chmod")
            .args(["-R", "a+rX", dir.to_str().unwrap()])
            .status()
            .unwrap();
        let child = Bouncer::run(&dir, port);
        Some(Bouncer { port, child, dir })
    }

    /// Runs PgBouncer on `dir`'s configuration; returns once it listens on `port`.
    fn run(dir: &std::path::Path, port: u16) -> Child {
        let ini = dir.join("pgbouncer.ini");
        let child = Command::new(PGBOUNCER)
            .args(["-u", "postgres", ini.to_str().unwrap()])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start pgbouncer");
        let deadline = Instant::now() + Duration::from_secs(10);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(Instant::now() < deadline, "pgbouncer did not start");
            std::thread::sleep(Duration::from_millis(50));
        }
        child
    }

    /// Stops PgBouncer as an operator would (SIGINT, its safe shutdown), waits for it
    /// to exit (at most a minute), and starts it again on the same port; returns how
    /// long it took to stop.
    pub fn restart(&mut self) -> Duration {
        let started = Instant::now();
        Command::new("kill")
            .args(["-INT", &self.child.id().to_string()])
            .status()
            .unwrap();
        while self.child.try_wait().unwrap().is_none() {
            assert!(
                started.elapsed() < Duration::from_secs(60),
                "pgbouncer did not stop within a minute"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        let stopped = started.elapsed();
        self.child = Bouncer::run(&self.dir, self.port);
        stopped
    }

    /// `app`'s database URL, through this pooler.
    pub fn url(&self, app: &TestApp) -> String {
        let mut url = url::Url::parse(&app.db_url).unwrap();
        url.set_port(Some(self.port)).unwrap();
        url.to_string()
    }
}

impl Drop for Bouncer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// Runs `concord serve` with these variables until it exits or 40 s pass; returns
/// whether it exited, its status, and what it wrote.
fn serve_exits(app: &TestApp, env: &[(&str, &str)]) -> (Option<i32>, String) {
    let mut command = serve_command(
        free_port(),
        &[&[("DATABASE_URL", app.db_url.as_str())][..], env].concat(),
    );
    command.stdout(Stdio::piped()).stderr(Stdio::piped());
    let mut child = command.spawn().expect("start concord serve");
    let deadline = Instant::now() + Duration::from_secs(40);
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            let out = child.wait_with_output().unwrap();
            let text = String::from_utf8_lossy(&out.stderr).into_owned()
                + &String::from_utf8_lossy(&out.stdout);
            return (status.code(), text);
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let out = child.wait_with_output().unwrap();
            return (None, String::from_utf8_lossy(&out.stderr).into_owned());
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// `/readyz` of `address`, polled until `done` holds or 15 s pass; the last answer.
async fn readyz_until(
    app: &TestApp,
    address: &str,
    done: impl Fn(u16, &Value) -> bool,
) -> (u16, Value) {
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let response = app
            .client
            .get(format!("{address}/readyz"))
            .send()
            .await
            .unwrap();
        let status = response.status().as_u16();
        let body: Value = response.json().await.unwrap();
        if done(status, &body) || Instant::now() > deadline {
            return (status, body);
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// A PostgreSQL pool on `url` for an instance started in the test.
async fn pool(url: &str) -> sea_orm::DatabaseConnection {
    concord::db::connect(url).await.expect("connect")
}

#[tokio::test]
async fn a_pooler_that_loses_prepared_statements_is_refused_at_start_and_by_readyz() {
    let app = spawn_app().await;
    let Some(bouncer) = Bouncer::start(&app, "transaction", "pooler refusal") else {
        return;
    };
    let through = bouncer.url(&app);
    // At start: refused before anything is done, naming the fix.
    let (status, said) = serve_exits(
        &app,
        &[
            ("DATABASE_URL", &through),
            ("CONCORD_LISTEN_DATABASE_URL", &app.db_url),
        ],
    );
    assert!(
        matches!(status, Some(code) if code != 0),
        "{status:?}: {said}"
    );
    assert!(said.contains("DATABASE_URL"), "{said}");
    assert!(said.contains("max_prepared_statements"), "{said}");
    // The command line too: nothing is done through such a pooler.
    let out = Command::new(env!("CARGO_BIN_EXE_concord"))
        .args(["account", "list"])
        .env("DATABASE_URL", &through)
        .output()
        .unwrap();
    let said = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{said}");
    assert!(said.contains("max_prepared_statements"), "{said}");
    // Should the pooler change under a running instance: /readyz says so (503).
    let primary = pool(&through).await;
    let address = start_instance(
        &test_settings(),
        Databases {
            primary,
            read: None,
            listen: Some(
                pool(&app.db_url)
                    .await
                    .get_postgres_connection_pool()
                    .clone(),
            ),
        },
        app.auth.clone(),
    );
    // (At once a prepared statement fails where a simple query works; once the check
    // has run again, every 30 s, it says what to set.) Either names the pooler.
    let (status, body) = readyz_until(&app, &address, |s, b| {
        s == 503
            && b["reason"]
                .as_str()
                .is_some_and(|r| r.contains("pooler in transaction mode"))
    })
    .await;
    assert_eq!(status, 503, "{body}");
}

#[tokio::test]
async fn listen_through_a_transaction_pooler_is_refused_and_reported() {
    let app = spawn_app().await;
    let Some(bouncer) = Bouncer::start(&app, "transaction", "LISTEN refusal") else {
        return;
    };
    let through = bouncer.url(&app);
    let (status, said) = serve_exits(&app, &[("CONCORD_LISTEN_DATABASE_URL", &through)]);
    assert!(
        matches!(status, Some(code) if code != 0),
        "{status:?}: {said}"
    );
    assert!(said.contains("CONCORD_LISTEN_DATABASE_URL"), "{said}");
    // A running instance given such a connection for LISTEN says it hears nothing.
    let listen = pool(&through).await.get_postgres_connection_pool().clone();
    let address = start_instance(
        &test_settings(),
        Databases {
            primary: app.db.clone(),
            read: None,
            listen: Some(listen),
        },
        app.auth.clone(),
    );
    let (status, body) = readyz_until(&app, &address, |s, b| {
        s == 503 && b["reason"].as_str().is_some_and(|r| r.contains("LISTEN"))
    })
    .await;
    assert_eq!(status, 503, "{body}");
    assert_eq!(body["liveUpdates"], false, "{body}");
    assert!(
        body["reason"]
            .as_str()
            .unwrap()
            .contains("CONCORD_LISTEN_DATABASE_URL"),
        "{body}"
    );
}

#[tokio::test]
async fn through_a_session_pooler_requests_and_live_updates_work() {
    let app = crate::helpers::spawn_seeded_app().await;
    let Some(bouncer) = Bouncer::start(&app, "session", "session pooling") else {
        return;
    };
    let through = bouncer.url(&app);
    let (_serving, port) = serve(&[("DATABASE_URL", &through)]).await;
    let address = format!("http://127.0.0.1:{port}");
    let (status, body) = readyz_until(&app, &address, |s, _| s == 200).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["liveUpdates"], true);
    // Mixed queries and mutations through the pooler: no errors.
    let admin = app
        .sign_in_as("sec@un.example", entity::enums::Role::Secretariat, None)
        .await;
    let errors = mixed_load(&app.client, &address, &admin, 1, 100).await;
    assert!(
        errors.is_empty(),
        "{} errors: {:?}",
        errors.len(),
        errors.first()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_its_setting_concord_works_through_a_pooler_that_loses_statements() {
    let app = crate::helpers::spawn_seeded_app().await;
    let Some(bouncer) = Bouncer::start(&app, "transaction", "transaction pooler setting") else {
        return;
    };
    let through = bouncer.url(&app);
    // The setting where there is no such pooler: refused, it would only cost.
    let (status, said) = serve_exits(&app, &[("CONCORD_DB_TRANSACTION_POOLER", "true")]);
    assert!(
        matches!(status, Some(code) if code != 0),
        "{status:?}: {said}"
    );
    assert!(said.contains("unset it"), "{said}");
    // With it, through Debian's PgBouncer 1.18 in transaction mode (LISTEN direct).
    let (_serving, port) = serve(&[
        ("DATABASE_URL", &through),
        ("CONCORD_LISTEN_DATABASE_URL", &app.db_url),
        ("CONCORD_DB_TRANSACTION_POOLER", "true"),
    ])
    .await;
    let address = format!("http://127.0.0.1:{port}");
    let (status, body) = readyz_until(&app, &address, |s, _| s == 200).await;
    assert_eq!(status, 200, "{body}");
    let admin = app
        .sign_in_as("sec@un.example", entity::enums::Role::Secretariat, None)
        .await;
    // Four clients at once, queries and mutations (a keyed one, a transaction), through
    // the pooler's few server connections.
    let errors = mixed_load(&app.client, &address, &admin, 4, 60).await;
    let (status, body) = readyz_until(&app, &address, |s, _| s == 200).await;
    assert!(
        errors.is_empty(),
        "{} errors: {:?}",
        errors.len(),
        errors.first()
    );
    assert_eq!(status, 200, "{body}");
}

/// `concord serve` on `port` with the tests' key, no rate limits, 127.0.0.1 as the
/// trusted proxy, warnings only, and these variables (later ones win).
fn serve_command(port: u16, env: &[(&str, &str)]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_concord"));
    command
        .args(["serve", "--bind", &format!("127.0.0.1:{port}")])
        .env("CONCORD_JWT_SECRET", TEST_SECRET)
        .env("CONCORD_RATE_LIMITS", "off")
        .env("CONCORD_TRUSTED_PROXIES", "127.0.0.1/32")
        .env("RUST_LOG", "warn");
    for (k, v) in env {
        command.env(k, v);
    }
    command
}

/// A `concord serve` stopped (SIGKILL) when dropped.
pub struct Serving(pub Child);

impl Drop for Serving {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// `concord serve` on a free port ([`serve_command`]); returns once it listens (with what
/// it said, if it stopped instead).
pub async fn serve(env: &[(&str, &str)]) -> (Serving, u16) {
    let port = free_port();
    let mut command = serve_command(port, env);
    command.stdout(Stdio::null());
    let log = std::env::temp_dir().join(format!("concord-serve-{port}.log"));
    command.stderr(std::fs::File::create(&log).unwrap());
    let mut child = command.spawn().expect("start concord serve");
    let deadline = Instant::now() + Duration::from_secs(30);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        if child.try_wait().unwrap().is_some() || Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!(
                "serve: {}",
                std::fs::read_to_string(&log).unwrap_or_default()
            );
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    (Serving(child), port)
}

/// `workers` clients at once, each sending `each` requests to `address` as `token`: two
/// queries of the seeded consultation (nested lists, statistics) for every keyed
/// mutation, whose answer must name what it created. Returns the answers that were not
/// right.
pub async fn mixed_load(
    client: &reqwest::Client,
    address: &str,
    token: &str,
    workers: usize,
    each: u32,
) -> Vec<Value> {
    let mut tasks = Vec::new();
    for worker in 0..workers {
        let (client, address, token) = (client.clone(), address.to_owned(), token.to_owned());
        tasks.push(tokio::spawn(async move {
            let mut errors = Vec::new();
            for i in 0..each {
                let port = address.rsplit(':').next().unwrap_or("");
                let name = format!("Loaded through {port}: {worker}-{i}");
                let (query, variables) = if i.is_multiple_of(3) {
                    (
                        "mutation($n: String!) { stakeholderCreate(input: { name: $n, group: CIVIL_SOCIETY, accreditation: WSIS_ACCREDITED }) { stakeholder { id name } userErrors { code } } }",
                        json!({ "n": name }),
                    )
                } else {
                    (
                        "query($n: Int!) { consultations(first: 1) { nodes { title statistics { total } contributions(first: $n) { nodes { title stakeholder { name } } } } } }",
                        json!({ "n": 1 + i % 5 }),
                    )
                };
                let body: Value = client
                    .post(format!("{address}/graphql"))
                    .bearer_auth(&token)
                    .header("idempotency-key", format!("load-{worker}-{i}"))
                    .json(&json!({ "query": query, "variables": variables }))
                    .send()
                    .await
                    .unwrap()
                    .json()
                    .await
                    .unwrap();
                let wrong = i.is_multiple_of(3)
                    && body.pointer("/data/stakeholderCreate/stakeholder/name")
                        != Some(&json!(name));
                if body.get("errors").is_some() || wrong {
                    errors.push(body);
                }
            }
            errors
        }));
    }
    let mut errors = Vec::new();
    for task in tasks {
        errors.extend(task.await.unwrap());
    }
    errors
}
