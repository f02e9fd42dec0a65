//! The `concord` command itself, run as a process.

use crate::helpers::TestDb;
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

fn concord(db: &TestDb, args: &[&str]) -> (bool, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_concord"))
        .args(args)
        .env("DATABASE_URL", &db.url)
        .env("RUST_LOG", "info")
        .output()
        .expect("run concord");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), text)
}

#[test]
fn seed_and_migrate_commands() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let db = rt.block_on(TestDb::create());

    let (ok, first) = concord(&db, &["seed", "report-2010"]);
    assert!(ok, "{first}");
    assert!(first.contains("seed report-2010: created"), "{first}");
    let (ok, second) = concord(&db, &["seed", "report-2010"]);
    assert!(ok, "{second}");
    assert!(
        second.contains("already loaded, nothing changed"),
        "{second}"
    );

    let (ok, status) = concord(&db, &["migrate", "status"]);
    assert!(ok, "{status}");
    assert!(
        status.contains("Applied\tm20261129_000001_domain"),
        "{status}"
    );

    let (ok, bad) = concord(&db, &["seed", "no-such-dataset"]);
    assert!(!ok);
    assert!(
        bad.contains("report-2010"),
        "the error lists the datasets: {bad}"
    );
}

/// Rows changed around the API leave the kept counts behind: `tally check` names the
/// buckets that differ and fails; `tally rebuild` recounts them; the check then passes.
#[test]
fn tally_check_finds_rows_changed_around_the_api_and_rebuild_recounts_them() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let db = rt.block_on(TestDb::create());
    let (ok, seeded) = concord(&db, &["seed", "report-2010"]);
    assert!(ok, "{seeded}");
    let (ok, agree) = concord(&db, &["tally", "check"]);
    assert!(ok && agree.contains("tallies agree"), "{agree}");

    rt.block_on(async {
        use sea_orm::ConnectionTrait;
        let conn = concord::db::connect(&db.url).await.unwrap();
        conn.execute_unprepared(
            "UPDATE contribution SET status = 'WITHDRAWN' \
             WHERE id = (SELECT MIN(id) FROM contribution)",
        )
        .await
        .unwrap();
    });
    let (ok, differ) = concord(&db, &["tally", "check"]);
    assert!(!ok, "{differ}");
    assert!(
        differ.contains("WITHDRAWN") && differ.contains("kept 0, counted 1"),
        "{differ}"
    );
    assert!(differ.contains("concord tally rebuild"), "{differ}");

    let (ok, rebuilt) = concord(&db, &["tally", "rebuild"]);
    assert!(ok && rebuilt.contains("tallies rebuilt"), "{rebuilt}");
    let (ok, agree) = concord(&db, &["tally", "check"]);
    assert!(ok, "{agree}");
}

/// `seed synthetic` is deterministic (the same sizes and seed give the same rows on a
/// fresh database; another seed gives others), loads once, tags contributions with the
/// report's issues and mechanisms, and leaves the kept counts right.
#[test]
fn seed_synthetic_is_deterministic_and_loads_once() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let fingerprint = |db: &TestDb| {
        rt.block_on(async {
            use sea_orm::{EntityTrait, QueryOrder};
            let conn = concord::db::connect(&db.url).await.unwrap();
            let rows = entity::contribution::Entity::find()
                .order_by_asc(entity::contribution::Column::Id)
                .all(&conn)
                .await
                .unwrap();
            let hashes = entity::contribution_revision::Entity::find()
                .order_by_asc(entity::contribution_revision::Column::Id)
                .all(&conn)
                .await
                .unwrap();
            let tags = entity::contribution_issue::Entity::find()
                .all(&conn)
                .await
                .unwrap();
            let stances = entity::contribution_mechanism::Entity::find()
                .all(&conn)
                .await
                .unwrap();
            let rows: Vec<String> = rows
                .iter()
                .map(|c| {
                    format!(
                        "{} {} {:?} {:?} {:?} {} {}",
                        c.stakeholder_id,
                        c.title,
                        c.kind,
                        c.status,
                        c.visibility,
                        c.language,
                        c.created_at
                    )
                })
                .collect();
            let hashes: Vec<String> = hashes.into_iter().map(|r| r.content_hash).collect();
            (rows, hashes, tags.len(), stances.len())
        })
    };
    let args = [
        "seed",
        "synthetic",
        "--stakeholders",
        "20",
        "--contributions",
        "1500",
        "--seed",
        "42",
    ];
    let first = rt.block_on(TestDb::create());
    let second = rt.block_on(TestDb::create());
    for db in [&first, &second] {
        let (ok, seeded) = concord(db, &["seed", "report-2010"]);
        assert!(ok, "{seeded}");
        let (ok, synthetic) = concord(db, &args);
        assert!(
            ok && synthetic.contains("seed synthetic: created"),
            "{synthetic}"
        );
    }
    let (ok, again) = concord(&first, &args);
    assert!(
        ok && again.contains("already loaded, nothing changed"),
        "{again}"
    );

    let (rows, hashes, tags, stances) = fingerprint(&first);
    assert_eq!(rows.len(), 98 + 1500);
    assert_eq!(hashes.len(), rows.len());
    assert!(
        tags > 1000 && stances > 500,
        "tagged: {tags} issues, {stances} stances"
    );
    assert_eq!(
        (rows, hashes, tags, stances),
        fingerprint(&second),
        "same seed, same rows"
    );

    // Every contribution is found by its text, and on PostgreSQL each search vector is
    // the one its text stems into: the bodies stemmed once for the whole load
    // (`search::BodyVectors`) give what stemming each row would.
    rt.block_on(async {
        use sea_orm::{ConnectionTrait, DbBackend, Statement};
        let conn = concord::db::connect(&first.url).await.unwrap();
        let backend = conn.get_database_backend();
        let count = |sql: &str| {
            let conn = &conn;
            let sql = sql.to_owned();
            async move {
                let row = conn
                    .query_one_raw(Statement::from_string(backend, sql))
                    .await
                    .unwrap()
                    .unwrap();
                row.try_get_by_index::<i64>(0).unwrap()
            }
        };
        assert_eq!(
            count("SELECT COUNT(*) FROM contribution_search").await,
            98 + 1500
        );
        if backend == DbBackend::Postgres {
            let differ = count(
                "SELECT COUNT(*) FROM contribution_search WHERE document IS DISTINCT FROM \
                 setweight(to_tsvector(config, title), 'A') || setweight(to_tsvector(config, body), 'B') \
                 || setweight(to_tsvector(config, translations), 'C')",
            )
            .await;
            assert_eq!(differ, 0, "search vectors that are not their text's");
            let found = count(
                "SELECT COUNT(*) FROM contribution_search \
                 WHERE document @@ websearch_to_tsquery(config, 'coopération')",
            )
            .await;
            assert!(found > 100, "{found} French bodies found");
        }
    });

    let other = rt.block_on(TestDb::create());
    let (ok, _) = concord(&other, &["seed", "report-2010"]);
    assert!(ok);
    let (ok, _) = concord(
        &other,
        &[
            "seed",
            "synthetic",
            "--stakeholders",
            "20",
            "--contributions",
            "1500",
            "--seed",
            "43",
        ],
    );
    assert!(ok);
    assert_ne!(
        fingerprint(&first).1,
        fingerprint(&other).1,
        "another seed, other rows"
    );

    let (ok, agree) = concord(&first, &["tally", "check"]);
    assert!(ok, "{agree}");
}

#[test]
fn serve_logs_where_graphiql_is_and_which_database_it_uses() {
    let dir = std::env::temp_dir().join(format!("concord-serve-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("fresh.db");
    let _ = std::fs::remove_file(&file);

    let mut child = Command::new(env!("CARGO_BIN_EXE_concord"))
        .args(["serve", "--bind", "127.0.0.1:0"])
        .env("DATABASE_URL", format!("sqlite://{}", file.display()))
        .env("RUST_LOG", "info")
        .env("NO_COLOR", "1")
        .stderr(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .expect("start concord serve");
    let stderr = child.stderr.take().unwrap();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let mut log = Vec::new();
    let found = loop {
        match rx.recv_timeout(Duration::from_secs(30)) {
            Ok(line) => {
                let done = line.contains("GraphiQL: http://127.0.0.1:");
                log.push(line);
                if done {
                    break true;
                }
            }
            Err(_) => break false,
        }
    };
    let _ = child.kill();
    let _ = child.wait();
    let log = log.join("\n");
    assert!(found, "no GraphiQL line in: {log}");
    assert!(log.contains("using SQLite"), "{log}");
    assert!(
        !log.contains("127.0.0.1:0/graphql"),
        "the real port is printed: {log}"
    );
    assert!(file.exists(), "the SQLite file was created");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn instances_starting_together_migrate_once() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let db = TestDb::create().await;
        let mut tasks = Vec::new();
        for _ in 0..4 {
            let url = db.url.clone();
            tasks.push(tokio::spawn(async move {
                let conn = concord::db::connect(&url).await?;
                concord::service::setup::migrate(&conn).await
            }));
        }
        for task in tasks {
            task.await.unwrap().expect("every instance starts");
        }
        let conn = concord::db::connect(&db.url).await.unwrap();
        use migration::MigratorTrait;
        assert!(
            migration::Migrator::get_pending_migrations(&conn)
                .await
                .unwrap()
                .is_empty()
        );
    });
}

#[tokio::test]
async fn json_logs_name_each_request_by_its_id() {
    let db = crate::helpers::TestDb::create().await;
    let port = crate::helpers::free_port();
    let mut server = Command::new(env!("CARGO_BIN_EXE_concord"))
        .args(["serve", "--bind", &format!("127.0.0.1:{port}")])
        .env("DATABASE_URL", &db.url)
        .env("CONCORD_LOG_FORMAT", "json")
        .env("RUST_LOG", "info,concord=debug")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    concord::telemetry::install_crypto_provider();
    let client = reqwest::Client::new();
    let url = format!("http://127.0.0.1:{port}/graphql");
    let mut answered = false;
    for _ in 0..100 {
        let sent = client
            .post(&url)
            .header("x-request-id", "json-log-check-7")
            .json(&serde_json::json!({ "query": "{ __typename }" }))
            .send()
            .await;
        if sent.is_ok_and(|r| r.status().is_success()) {
            answered = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    // A failed sign-in: its service span logs the error, inside the request's span.
    client
        .post(&url)
        .header("x-request-id", "json-log-login-8")
        .json(&serde_json::json!({ "query": "mutation { login(input: { email: \"nobody@un.example\", password: \"wrong password\" }) { accessToken } }" }))
        .send()
        .await
        .unwrap();
    server.kill().ok();
    let out = server.wait_with_output().unwrap();
    assert!(answered, "the server answered");
    let stderr = String::from_utf8_lossy(&out.stderr);
    let lines: Vec<serde_json::Value> = stderr
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|_| panic!("not JSON: {l}")))
        .collect();
    let served = lines
        .iter()
        .find(|l| l["span"]["request_id"] == "json-log-check-7")
        .unwrap_or_else(|| panic!("no line for the request:\n{stderr}"));
    assert_eq!(served["span"]["path"], "/graphql");
    assert!(served["level"].is_string() && served["timestamp"].is_string());
    let login = lines
        .iter()
        .find(|l| l["span"]["name"] == "sessions::login")
        .unwrap_or_else(|| panic!("no line in the sign-in's span:\n{stderr}"));
    let spans = login["spans"].as_array().unwrap();
    assert!(
        spans.iter().any(|s| s["request_id"] == "json-log-login-8"),
        "{login}"
    );
}

#[tokio::test]
async fn sigterm_lets_requests_finish_closes_sockets_with_1001_and_exits_0() {
    use async_graphql::futures_util::{SinkExt, StreamExt};
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    use tokio_tungstenite::tungstenite::Message;
    use tokio_tungstenite::tungstenite::client::IntoClientRequest;

    let db = crate::helpers::TestDb::create().await;
    let port = crate::helpers::free_port();
    let address = format!("127.0.0.1:{port}");
    let mut server = Command::new(env!("CARGO_BIN_EXE_concord"))
        .args(["serve", "--bind", &address, "--seed", "report-2010"])
        .env("DATABASE_URL", &db.url)
        .env("RUST_LOG", "info")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    concord::telemetry::install_crypto_provider();
    let client = reqwest::Client::new();
    let mut up = false;
    for _ in 0..300 {
        if client
            .get(format!("http://{address}/healthz"))
            .send()
            .await
            .is_ok_and(|r| r.status().is_success())
        {
            up = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(up, "the server started");

    // A socket, open and acknowledged.
    let mut request = format!("ws://{address}/graphql/ws")
        .into_client_request()
        .unwrap();
    request.headers_mut().insert(
        "sec-websocket-protocol",
        "graphql-transport-ws".parse().unwrap(),
    );
    let (mut socket, _) = tokio_tungstenite::connect_async(request).await.unwrap();
    socket
        .send(Message::Text(
            serde_json::json!({ "type": "connection_init" })
                .to_string()
                .into(),
        ))
        .await
        .unwrap();
    let ack = socket.next().await.unwrap().unwrap();
    assert!(ack.to_string().contains("connection_ack"), "{ack}");

    // A request in flight: its body half sent.
    let body = serde_json::json!({ "query": concord::http::graphiql::FIRST_QUERY }).to_string();
    let (head, tail) = body.split_at(body.len() / 2);
    let mut in_flight = tokio::net::TcpStream::connect(&address).await.unwrap();
    in_flight
        .write_all(
            format!(
                "POST /graphql HTTP/1.1\r\nHost: {address}\r\nContent-Type: application/json\r\n\
                 Content-Length: {}\r\nConnection: close\r\n\r\n{head}",
                body.len()
            )
            .as_bytes(),
        )
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(200)).await;

    let pid = server.id().to_string();
    let killed = Command::new("kill").args(["-TERM", &pid]).status().unwrap();
    assert!(killed.success());

    // The socket is told the server is going away.
    let closed = tokio::time::timeout(Duration::from_secs(5), async {
        while let Some(message) = socket.next().await {
            if let Ok(Message::Close(frame)) = message {
                return frame;
            }
        }
        None
    })
    .await
    .expect("a close frame within 5 s")
    .expect("a close frame with a code");
    assert_eq!(u16::from(closed.code), 1001, "{closed:?}");

    // No new connections…
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert!(
        client
            .get(format!("http://{address}/healthz"))
            .timeout(Duration::from_secs(2))
            .send()
            .await
            .is_err(),
        "a new request after SIGTERM is not served"
    );
    // …but the request in flight is answered in full.
    in_flight.write_all(tail.as_bytes()).await.unwrap();
    let mut answer = String::new();
    tokio::time::timeout(
        Duration::from_secs(10),
        in_flight.read_to_string(&mut answer),
    )
    .await
    .expect("the answer within 10 s")
    .unwrap();
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert!(answer.contains("\"total\":98"), "{answer}");

    // And the process ends, successfully.
    let status = tokio::task::spawn_blocking(move || server.wait())
        .await
        .unwrap()
        .unwrap();
    assert!(status.success(), "{status:?}");
}

/// A stand-in OTLP/HTTP collector: answers 200 to every POST and hands over each
/// request's path and body.
fn fake_collector() -> (u16, std::sync::mpsc::Receiver<(String, Vec<u8>)>) {
    use std::io::{BufRead, Read, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(stream) = stream else { continue };
            let mut reader = BufReader::new(stream);
            let mut line = String::new();
            if reader.read_line(&mut line).is_err() {
                continue;
            }
            let path = line.split(' ').nth(1).unwrap_or("").to_owned();
            let mut length = 0;
            loop {
                let mut header = String::new();
                if reader.read_line(&mut header).is_err() || header.trim().is_empty() {
                    break;
                }
                let lower = header.to_ascii_lowercase();
                if let Some(n) = lower.strip_prefix("content-length:") {
                    length = n.trim().parse().unwrap_or(0);
                }
            }
            let mut body = vec![0; length];
            let _ = reader.read_exact(&mut body);
            let mut stream = reader.into_inner();
            let _ = stream
                .write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
            let _ = tx.send((path, body));
        }
    });
    (port, rx)
}

#[tokio::test]
async fn with_an_otlp_endpoint_the_services_spans_are_exported() {
    let (collector, received) = fake_collector();
    let db = crate::helpers::TestDb::create().await;
    let port = crate::helpers::free_port();
    let mut server = Command::new(env!("CARGO_BIN_EXE_concord"))
        .args(["serve", "--bind", &format!("127.0.0.1:{port}")])
        .env("DATABASE_URL", &db.url)
        .env(
            "OTEL_EXPORTER_OTLP_ENDPOINT",
            format!("http://127.0.0.1:{collector}"),
        )
        .env("OTEL_BSP_SCHEDULE_DELAY", "100")
        .env("RUST_LOG", "info")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    concord::telemetry::install_crypto_provider();
    let client = reqwest::Client::new();
    let url = format!("http://127.0.0.1:{port}/graphql");
    let mut answered = false;
    for _ in 0..100 {
        let sent = client
            .post(&url)
            .json(&serde_json::json!({ "query": "mutation { login(input: { email: \"nobody@un.example\", password: \"wrong password\" }) { accessToken } }" }))
            .send()
            .await;
        if sent.is_ok_and(|r| r.status().is_success()) {
            answered = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(answered, "the server answered");
    let mut exported = Vec::new();
    let deadline = std::time::Instant::now() + Duration::from_secs(15);
    while std::time::Instant::now() < deadline {
        if let Ok((path, body)) = received.recv_timeout(Duration::from_millis(200)) {
            assert_eq!(path, "/v1/traces");
            exported.extend(body);
            let text = String::from_utf8_lossy(&exported);
            if text.contains("sessions::login") && text.contains("request") {
                break;
            }
        }
    }
    server.kill().ok();
    server.wait().ok();
    let text = String::from_utf8_lossy(&exported);
    assert!(
        text.contains("sessions::login"),
        "the sign-in's span was not exported"
    );
    assert!(text.contains("concord"), "service name");
}
