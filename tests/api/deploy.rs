//! Past one machine: queries read from a replica (`CONCORD_READ_DATABASE_URL`) while
//! writes and sign-ins stay on the primary; LISTEN on a direct connection
//! (`CONCORD_LISTEN_DATABASE_URL`); the deployment example in `docs/deploy/` is checked.

use crate::helpers::{TestApp, TestDb, spawn_seeded_app, start_instance, test_settings};
use concord::startup::Databases;
use entity::enums::Role;
use sea_orm::DbBackend;
use serde_json::{Value, json};

async fn count(app: &TestApp, address: &str, token: Option<&str>) -> Value {
    let mut request = app.client.post(format!("{address}/graphql"));
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    let body: Value = request
        .json(&json!({ "query": "{ consultations { totalCount } }" }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    body["data"]["consultations"]["totalCount"].clone()
}

#[tokio::test]
async fn queries_read_from_the_replica_and_writes_go_to_the_primary() {
    let app = spawn_seeded_app().await;
    // A stand-in for a replica that has not caught up at all: migrated, empty. What the
    // instance answers tells which database it read.
    let replica_db = TestDb::create().await;
    let replica = concord::db::connect(&replica_db.url).await.unwrap();
    concord::service::setup::migrate(&replica).await.unwrap();
    let address = start_instance(
        &test_settings(),
        Databases {
            primary: app.db.clone(),
            read: Some(replica.clone()),
            listen: None,
        },
        app.auth.clone(),
    );

    assert_eq!(count(&app, &app.address, None).await, 1);
    assert_eq!(
        count(&app, &address, None).await,
        0,
        "the query read the replica"
    );

    // Signing in and writing go to the primary (the replica has no accounts).
    let admin = app
        .sign_in_as("sec@un.example", Role::Secretariat, None)
        .await;
    let created: Value = app
        .client
        .post(format!("{address}/graphql"))
        .bearer_auth(&admin)
        .json(&json!({ "query": "mutation { consultationCreate(input: { title: \"Second\", slug: \"second\", mandate: \"M\", guidingQuestions: [\"Q?\"], opensAt: \"2011-01-01T00:00:00Z\", closesAt: \"2011-02-01T00:00:00Z\" }) { consultation { title } userErrors { message } } }" }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        created["data"]["consultationCreate"]["consultation"]["title"], "Second",
        "{created}"
    );
    // (A draft consultation: the secretariat sees it.)
    assert_eq!(
        count(&app, &app.address, Some(&admin)).await,
        2,
        "written to the primary"
    );
    assert_eq!(count(&app, &address, Some(&admin)).await, 0);

    // Exports read the replica too.
    let consultation =
        concord::ids::GlobalId::new(concord::ids::NodeType::Consultation, 1).encode();
    let export = app
        .client
        .get(format!(
            "{address}/consultations/{consultation}/contributions.csv"
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(export.status(), 404);
    // And readiness asks both.
    let ready = app
        .client
        .get(format!("{address}/readyz"))
        .send()
        .await
        .unwrap();
    assert_eq!(ready.status(), 200);
}

#[tokio::test]
async fn live_updates_listen_on_the_connection_they_are_given() {
    let app = spawn_seeded_app().await;
    if app.db.get_database_backend() != DbBackend::Postgres {
        // SQLite has no LISTEN: the server refuses the setting at start.
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_concord"))
            .args([
                "serve",
                "--listen-database-url",
                "postgres://postgres@127.0.0.1:1/none",
            ])
            .env("DATABASE_URL", &app.db_url)
            .output()
            .unwrap();
        assert!(!out.status.success());
        assert!(String::from_utf8_lossy(&out.stderr).contains("is for PostgreSQL"));
        return;
    }
    let ready = |listen: sea_orm::sqlx::PgPool| {
        let app = &app;
        async move {
            let address = start_instance(
                &test_settings(),
                Databases {
                    primary: app.db.clone(),
                    read: None,
                    listen: Some(listen),
                },
                app.auth.clone(),
            );
            let mut last = Value::Null;
            for _ in 0..30 {
                tokio::time::sleep(std::time::Duration::from_millis(200)).await;
                last = app
                    .client
                    .get(format!("{address}/readyz"))
                    .send()
                    .await
                    .unwrap()
                    .json()
                    .await
                    .unwrap();
                if last["liveUpdates"] == true {
                    break;
                }
            }
            last["liveUpdates"].clone()
        }
    };
    let options = sea_orm::sqlx::postgres::PgPoolOptions::new()
        .max_connections(1)
        .acquire_timeout(std::time::Duration::from_secs(1));
    let nowhere = options
        .clone()
        .connect_lazy("postgres://postgres@127.0.0.1:1/none")
        .unwrap();
    assert_eq!(
        ready(nowhere).await,
        false,
        "LISTEN used the connection it was given"
    );
    let direct = options.connect_lazy(&app.db_url).unwrap();
    assert_eq!(ready(direct).await, true);
}

/// `docs/deploy/compose.yaml` as JSON (through Python's YAML reader), or `None` where
/// that is missing and not required.
fn compose() -> Option<Value> {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/docs/deploy/compose.yaml");
    let out = std::process::Command::new("python3")
        .args([
            "-c",
            "import json, sys, yaml; print(json.dumps(yaml.safe_load(open(sys.argv[1]))))",
            path,
        ])
        .output();
    match out {
        Ok(out) if out.status.success() => Some(serde_json::from_slice(&out.stdout).unwrap()),
        other => {
            let message = format!("the compose check needs python3 with PyYAML: {other:?}");
            if std::env::var_os("CONCORD_REQUIRE_TOOLS").is_some() {
                panic!("{message}");
            }
            eprintln!("SKIPPED {message}");
            None
        }
    }
}

#[test]
fn the_compose_example_is_consistent() {
    let Some(compose) = compose() else { return };
    let services = compose["services"].as_object().unwrap();
    for needed in ["postgres", "pgbouncer", "lb"] {
        assert!(services.contains_key(needed), "{needed}");
    }
    // What `concord serve` reads from the environment.
    let help = std::process::Command::new(env!("CARGO_BIN_EXE_concord"))
        .args(["serve", "--help"])
        .output()
        .unwrap();
    let help = String::from_utf8_lossy(&help.stdout).into_owned();
    let mut known: Vec<String> = help
        .split("[env: ")
        .skip(1)
        .map(|rest| rest.split(['=', ']']).next().unwrap().to_owned())
        .collect();
    known.extend(["CONCORD_LOG_FORMAT".to_owned(), "RUST_LOG".to_owned()]);

    let instances: Vec<(&String, &Value)> = services
        .iter()
        .filter(|(name, _)| name.starts_with("concord-"))
        .collect();
    assert!(instances.len() >= 2, "several instances");
    let nginx = include_str!("../../docs/deploy/nginx.conf");
    for (name, service) in &instances {
        let env = service["environment"].as_object().unwrap();
        for key in env.keys() {
            assert!(
                known.contains(key),
                "{name}: {key} is not a setting of concord serve"
            );
        }
        let host = |key: &str| {
            url::Url::parse(env[key].as_str().unwrap())
                .unwrap()
                .host_str()
                .unwrap()
                .to_owned()
        };
        assert_eq!(
            host("DATABASE_URL"),
            "pgbouncer",
            "{name}: requests through the pooler"
        );
        assert_eq!(
            host("CONCORD_LISTEN_DATABASE_URL"),
            "postgres",
            "{name}: LISTEN direct"
        );
        for proxy in env["CONCORD_TRUSTED_PROXIES"].as_str().unwrap().split(',') {
            concord::config::parse_proxy(proxy).unwrap();
        }
        let timeout: u64 = env["CONCORD_SHUTDOWN_TIMEOUT"]
            .as_str()
            .unwrap()
            .parse()
            .unwrap();
        assert!((1..=600).contains(&timeout));
        let port = env["CONCORD_BIND"]
            .as_str()
            .unwrap()
            .rsplit(':')
            .next()
            .unwrap();
        assert!(
            nginx.contains(&format!("server {name}:{port}")),
            "nginx balances over {name}:{port}"
        );
        assert!(
            service["stop_grace_period"]
                .as_str()
                .unwrap()
                .trim_end_matches('s')
                .parse::<u64>()
                .unwrap()
                > timeout
        );
    }
    assert_eq!(
        services["pgbouncer"]["environment"]["POOL_MODE"],
        "transaction"
    );
    assert!(
        nginx.contains("proxy_set_header Upgrade"),
        "WebSockets pass through"
    );
    // PgBouncer keeps prepared statements (1.21+) and lets sqlx's startup parameter by.
    let bouncer = services["pgbouncer"]["environment"].as_object().unwrap();
    let kept: u64 = bouncer["MAX_PREPARED_STATEMENTS"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(kept > 0);
    assert_eq!(bouncer["IGNORE_STARTUP_PARAMETERS"], "extra_float_digits");
    // nginx lets through every body Concord accepts.
    let body = nginx
        .lines()
        .find_map(|l| l.trim().strip_prefix("client_max_body_size "))
        .unwrap()
        .trim_end_matches(';');
    let mib: usize = body.trim_end_matches('m').parse().unwrap();
    assert!(mib << 20 >= concord::http::MAX_BODY_BYTES, "{body}");
    // Every setting docs/DEPLOY.md names is one `concord serve` reads.
    let deploy = include_str!("../../docs/DEPLOY.md");
    for word in deploy.split(|c: char| !(c.is_ascii_uppercase() || c == '_')) {
        if word.starts_with("CONCORD_") && !word.ends_with('_') {
            assert!(known.iter().any(|k| k == word), "DEPLOY.md names {word}");
        }
    }
    let dockerfile = include_str!("../../docs/deploy/Dockerfile");
    assert!(dockerfile.contains("cargo build --release --locked --bin concord"));
    assert!(dockerfile.contains("ENTRYPOINT [\"concord\"]"));
}
