//! Spawning the app against a fresh database, and small request helpers.

use concord::auth::Auth;
use concord::config::{AuthSettings, Settings};
use concord::seed::{self, Dataset};
use concord::startup::Application;
use sea_orm::{ConnectionTrait, Database, DatabaseConnection};
use serde_json::{Value, json};
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

/// A database made for one test, removed when the test ends (even if it fails).
pub struct TestDb {
    pub url: String,
    cleanup: Cleanup,
}

enum Cleanup {
    SqliteFile(PathBuf),
    Postgres {
        admin_url: String,
        name: String,
    },
    /// A database the test made and removes itself (a throwaway cluster).
    Nothing,
}

fn unique_name() -> String {
    static COUNTER: AtomicUsize = AtomicUsize::new(0);
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    format!(
        "concord_test_{}_{}_{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed),
        nanos % 1_000_000_000
    )
}

impl TestDb {
    /// A database at `url` that the test manages itself.
    pub fn external(url: &str) -> TestDb {
        TestDb {
            url: url.to_owned(),
            cleanup: Cleanup::Nothing,
        }
    }

    pub async fn create() -> TestDb {
        TestDb::create_from(Template::Migrated).await
    }

    /// On PostgreSQL, a copy of a database with the 2010 consultation loaded (elsewhere
    /// an empty one, which the caller seeds).
    pub async fn create_seeded() -> TestDb {
        TestDb::create_from(Template::Seeded).await
    }

    async fn create_from(kind: Template) -> TestDb {
        let name = unique_name();
        match std::env::var("TEST_DATABASE_URL") {
            Ok(admin_url) if !admin_url.is_empty() => {
                let admin = Database::connect(&admin_url)
                    .await
                    .expect("connect to TEST_DATABASE_URL");
                let template = template(&admin_url, kind).await;
                admin
                    .execute_unprepared(&format!(
                        "CREATE DATABASE \"{name}\" TEMPLATE \"{template}\""
                    ))
                    .await
                    .expect("create the test database");
                admin.close().await.ok();
                let mut url = url::Url::parse(&admin_url).expect("TEST_DATABASE_URL is a URL");
                url.set_path(&format!("/{name}"));
                TestDb {
                    url: url.to_string(),
                    cleanup: Cleanup::Postgres { admin_url, name },
                }
            }
            _ => {
                let path = std::env::temp_dir().join(format!("{name}.db"));
                TestDb {
                    url: format!("sqlite://{}?mode=rwc", path.display()),
                    cleanup: Cleanup::SqliteFile(path),
                }
            }
        }
    }
}

/// What a test database on PostgreSQL is copied from.
#[derive(Clone, Copy)]
enum Template {
    /// Migrated.
    Migrated,
    /// Migrated, with the 2010 consultation loaded.
    Seeded,
}

/// On PostgreSQL, the databases each test's database is copied from (a copy takes a tenth
/// of the time of the migrations, and of the seed). Each is named after the source it
/// was made by (the migrations, and for the seeded one the whole crate's source), kept
/// between runs like a build cache (`concord_test_template_<hash>`), made once under an
/// advisory lock shared by every test process; templates of other sources are dropped
/// when a new one is made.
async fn template(admin_url: &str, kind: Template) -> String {
    static MIGRATED: tokio::sync::OnceCell<String> = tokio::sync::OnceCell::const_new();
    static SEEDED: tokio::sync::OnceCell<String> = tokio::sync::OnceCell::const_new();
    let cell = match kind {
        Template::Migrated => &MIGRATED,
        Template::Seeded => &SEEDED,
    };
    cell.get_or_init(|| async {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let (from, tag) = match kind {
            Template::Migrated => (None, "migrated"),
            Template::Seeded => (
                Some(Box::pin(template(admin_url, Template::Migrated)).await),
                "seeded",
            ),
        };
        let mut dirs = vec![root.join("migration/src")];
        if from.is_some() {
            dirs.push(root.join("src"));
            dirs.push(root.join("entity/src"));
        }
        let name = format!("concord_test_template_{tag}_{}", source_hash(&dirs));
        let admin = Database::connect(admin_url)
            .await
            .expect("connect to TEST_DATABASE_URL");
        // Any constant the test processes share.
        admin
            .execute_unprepared("SELECT pg_advisory_lock(3074503041)")
            .await
            .expect("the template lock");
        let exists = admin
            .query_one_raw(sea_orm::Statement::from_sql_and_values(
                sea_orm::DbBackend::Postgres,
                "SELECT 1 FROM pg_database WHERE datname = $1",
                [name.clone().into()],
            ))
            .await
            .expect("list databases")
            .is_some();
        if !exists {
            // Built under another name and renamed when done: a run stopped halfway
            // leaves no template that looks whole.
            let building = format!("{name}_building");
            let create = match &from {
                Some(from) => format!("CREATE DATABASE \"{building}\" TEMPLATE \"{from}\""),
                None => format!("CREATE DATABASE \"{building}\""),
            };
            for sql in [
                format!("DROP DATABASE IF EXISTS \"{building}\" WITH (FORCE)"),
                create,
            ] {
                admin
                    .execute_unprepared(&sql)
                    .await
                    .expect("make the template");
            }
            let mut url = url::Url::parse(admin_url).expect("TEST_DATABASE_URL is a URL");
            url.set_path(&format!("/{building}"));
            let db = Database::connect(url.as_str()).await.expect("connect");
            match kind {
                Template::Migrated => concord::service::setup::migrate(&db)
                    .await
                    .expect("migrate the template"),
                Template::Seeded => {
                    seed::run(&db, Dataset::Report2010)
                        .await
                        .expect("seed the template");
                }
            }
            db.close().await.expect("close the template");
            admin
                .execute_unprepared(&format!(
                    "ALTER DATABASE \"{building}\" RENAME TO \"{name}\""
                ))
                .await
                .expect("name the template");
            let stale = admin
                .query_all_raw(sea_orm::Statement::from_sql_and_values(
                    sea_orm::DbBackend::Postgres,
                    "SELECT datname FROM pg_database WHERE datname LIKE $1 AND datname <> $2",
                    [
                        format!("concord\\_test\\_template\\_{tag}\\_%").into(),
                        name.clone().into(),
                    ],
                ))
                .await
                .expect("list templates");
            for row in stale {
                let old: String = row.try_get("", "datname").expect("a name");
                let _ = admin
                    .execute_unprepared(&format!("DROP DATABASE IF EXISTS \"{old}\""))
                    .await;
            }
        }
        admin
            .execute_unprepared("SELECT pg_advisory_unlock(3074503041)")
            .await
            .expect("the template lock");
        admin.close().await.ok();
        name
    })
    .await
    .clone()
}

/// A short hash of every file under `dirs` (names and contents).
fn source_hash(dirs: &[PathBuf]) -> String {
    use sha2::{Digest, Sha256};
    fn walk(dir: &std::path::Path, out: &mut Vec<PathBuf>) {
        for entry in std::fs::read_dir(dir).expect("a source folder") {
            let path = entry.expect("entry").path();
            if path.is_dir() {
                walk(&path, out);
            } else {
                out.push(path);
            }
        }
    }
    let mut files = Vec::new();
    for dir in dirs {
        walk(dir, &mut files);
    }
    files.sort();
    let mut hash = Sha256::new();
    for file in files {
        hash.update(file.as_os_str().as_encoded_bytes());
        hash.update(std::fs::read(&file).expect("read a source file"));
    }
    hex::encode(hash.finalize())[..16].to_owned()
}

impl Drop for TestDb {
    fn drop(&mut self) {
        match &self.cleanup {
            Cleanup::Nothing => {}
            Cleanup::SqliteFile(path) => {
                for suffix in ["", "-wal", "-shm"] {
                    let mut p = path.clone().into_os_string();
                    p.push(suffix);
                    let _ = std::fs::remove_file(p);
                }
            }
            Cleanup::Postgres { admin_url, name } => {
                // Drop may run inside the test's runtime, so use a runtime of our own on
                // another thread.
                let (admin_url, name) = (admin_url.clone(), name.clone());
                let _ = std::thread::spawn(move || {
                    let rt = tokio::runtime::Builder::new_current_thread()
                        .enable_all()
                        .build()?;
                    rt.block_on(async {
                        if let Ok(admin) = Database::connect(&admin_url).await {
                            let sql = format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)");
                            let _ = admin.execute_unprepared(&sql).await;
                            let _ = admin.close().await;
                        }
                    });
                    Ok::<(), std::io::Error>(())
                })
                .join();
            }
        }
    }
}

/// The app running on port 0 with its own database.
pub struct TestApp {
    pub address: String,
    pub client: reqwest::Client,
    pub db: DatabaseConnection,
    /// SQL statements the app has run since it started.
    pub queries: Arc<AtomicUsize>,
    /// The database's URL, for running the `concord` binary against it.
    pub db_url: String,
    /// The app's keys, to forge tokens in tests.
    pub auth: Arc<Auth>,
    _test_db: TestDb,
}

/// Spawns the app on a fresh, migrated, empty database.
pub async fn spawn_app() -> TestApp {
    spawn_app_with(test_settings()).await
}

/// Settings for a test: any free port, nothing else configured.
pub fn test_settings() -> Settings {
    Settings {
        bind: "127.0.0.1:0".into(),
        cors_origins: Vec::new(),
        trusted_proxies: Vec::new(),
        body_timeout: concord::http::BODY_TIMEOUT,
        introspection: true,
        only_persisted: false,
        // Every query the planner knows runs as a plan and through the resolvers, the
        // answers compared (an internal error where they differ): every test checks
        // the compiled reads against the resolvers with the queries it sends.
        compiled_reads: concord::config::CompiledReads::Verify,
        // Every request is charged, as in production, to budgets no test exhausts
        // (tests/api/quotas.rs sets small ones).
        rate_limits: concord::config::RateLimits::from_rules(&[
            concord::config::parse_rate_limit("ANONYMOUS=2000000000/1").unwrap(),
            concord::config::parse_rate_limit("MEMBER_STATE=2000000000/1").unwrap(),
            concord::config::parse_rate_limit("OBSERVER=2000000000/1").unwrap(),
            concord::config::parse_rate_limit("SECRETARIAT=2000000000/1").unwrap(),
        ])
        .unwrap(),
        shutdown_timeout: std::time::Duration::from_secs(5),
        // Webhooks reach the tests' receivers on 127.0.0.1, retried quickly.
        webhooks: concord::service::webhooks::deliver::DeliverySettings {
            targets: concord::service::webhooks::Targets {
                allow_loopback: true,
            },
            retry_base: std::time::Duration::from_millis(200),
            poll: std::time::Duration::from_millis(200),
            ..Default::default()
        },
        // No email (tests/api/email.rs points it at an SMTP receiver of its own).
        mail: Default::default(),
        // Documents in memory (tests/api/attachments.rs uses a folder and S3); text
        // extracted by the binary built beside the tests.
        attachments: concord::service::attachments::AttachmentSettings {
            extractor: Some(env!("CARGO_BIN_EXE_concord").into()),
            ..Default::default()
        },
    }
}

/// Test settings in which the anonymous budget is the smallest allowed, 25,000 points
/// an hour: a few costly queries spend it.
pub fn small_anonymous_budget() -> Settings {
    let mut settings = test_settings();
    settings.rate_limits =
        concord::config::RateLimits::from_rules(&[concord::config::parse_rate_limit(
            "ANONYMOUS=25000/1h",
        )
        .unwrap()])
        .unwrap();
    settings
}

/// Spawns the app with these settings on a fresh, migrated, empty database.
pub async fn spawn_app_with(settings: Settings) -> TestApp {
    spawn_app_on(settings, TestDb::create().await).await
}

/// Spawns the app with these settings on `test_db`, migrated.
async fn spawn_app_on(settings: Settings, test_db: TestDb) -> TestApp {
    // The tests' HTTP clients use the process's TLS provider, as the server's do.
    concord::telemetry::install_crypto_provider();
    if std::env::var_os("TEST_LOG").is_some() {
        concord::telemetry::init();
    }
    let mut db = concord::db::connect(&test_db.url)
        .await
        .expect("connect to the test database");
    concord::service::setup::migrate(&db)
        .await
        .expect("migrate");
    let queries = Arc::new(AtomicUsize::new(0));
    let counter = queries.clone();
    // Statements that resolve requests; the rate-limit charge (one per request, on
    // PostgreSQL) is not one of them.
    concord::db::observe(&mut db, move |info| {
        // Nor are the webhook deliverer's and the mailer's, which run beside the requests.
        if !info.statement.sql.contains("rate_limit_bucket")
            && !info.statement.sql.contains("webhook")
            && !info.statement.sql.contains("email_")
        {
            counter.fetch_add(1, Ordering::Relaxed);
        }
    });
    let auth = test_auth(
        &db,
        AuthSettings {
            jwt_secret: Some(TEST_SECRET.into()),
            ..AuthSettings::default()
        },
    )
    .await;
    spawn_with(&settings, db, queries, test_db, auth)
}

/// The HS256 secret test apps sign with.
pub const TEST_SECRET: &str = "test-secret-test-secret-test-secret-0123";

/// Builds the app's authentication from settings.
pub async fn test_auth(db: &DatabaseConnection, settings: AuthSettings) -> Arc<Auth> {
    Arc::new(
        concord::auth::setup::load(db, &settings)
            .await
            .expect("auth settings"),
    )
}

/// Spawns the app with the 2010 consultation loaded.
pub async fn spawn_seeded_app() -> TestApp {
    spawn_seeded_app_with(test_settings()).await
}

/// Test settings with compiled reads `mode` (the tests' default is `Verify`), for a
/// test that counts the statements one way runs.
pub fn compiled_reads(mode: concord::config::CompiledReads) -> Settings {
    let mut settings = test_settings();
    settings.compiled_reads = mode;
    settings
}

/// Spawns the app with these settings and the 2010 consultation loaded.
pub async fn spawn_seeded_app_with(settings: Settings) -> TestApp {
    // On PostgreSQL the database is a copy of one seeded already: this finds it loaded.
    let app = spawn_app_on(settings, TestDb::create_seeded().await).await;
    seed::run(&app.db, Dataset::Report2010)
        .await
        .expect("seed report-2010");
    app
}

/// Spawns the app on a database connection the caller made.
pub fn spawn_with(
    settings: &Settings,
    db: DatabaseConnection,
    queries: Arc<AtomicUsize>,
    test_db: TestDb,
    auth: Arc<Auth>,
) -> TestApp {
    let app = Application::build(settings, db.clone(), auth.clone()).expect("build the app");
    let address = format!("http://127.0.0.1:{}", app.port());
    tokio::spawn(app.run_until_stopped());
    TestApp {
        address,
        client: reqwest::Client::new(),
        db,
        queries,
        db_url: test_db.url.clone(),
        auth,
        _test_db: test_db,
    }
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.address)
    }

    /// POSTs a GraphQL request; returns the whole response body.
    pub async fn graphql(&self, query: &str, variables: Value) -> Value {
        let response = self
            .client
            .post(self.url("/graphql"))
            .json(&json!({ "query": query, "variables": variables }))
            .send()
            .await
            .expect("request");
        assert!(
            response.status().is_success(),
            "status {}",
            response.status()
        );
        response.json().await.expect("JSON body")
    }

    /// POSTs a GraphQL request that must succeed without errors; returns its `data`.
    pub async fn data(&self, query: &str, variables: Value) -> Value {
        let body = self.graphql(query, variables).await;
        assert!(body.get("errors").is_none(), "unexpected errors: {body:#}");
        body["data"].clone()
    }

    pub fn query_count(&self) -> usize {
        self.queries.load(Ordering::Relaxed)
    }
}

/// A query of `n` root fields `a0: selection`, `a1: selection`, …
pub fn aliased(n: usize, selection: &str) -> String {
    let fields: Vec<String> = (0..n).map(|i| format!("a{i}: {selection}")).collect();
    format!("{{ {} }}", fields.join(" "))
}

/// The `extensions.code` of the first error.
pub fn first_error_code(body: &Value) -> Option<&str> {
    body.pointer("/errors/0/extensions/code")
        .and_then(Value::as_str)
}

impl TestApp {
    /// POSTs a GraphQL request with `Authorization: Bearer <token>`; returns status and body.
    pub async fn graphql_as(&self, token: &str, query: &str, variables: Value) -> (u16, Value) {
        let response = self
            .client
            .post(self.url("/graphql"))
            .bearer_auth(token)
            .json(&json!({ "query": query, "variables": variables }))
            .send()
            .await
            .expect("request");
        let status = response.status().as_u16();
        (status, response.json().await.expect("JSON body"))
    }

    /// Creates an account directly (as the command line does) and signs it in;
    /// returns its access token.
    pub async fn sign_in_as(
        &self,
        email: &str,
        role: entity::enums::Role,
        stakeholder_id: Option<i64>,
    ) -> String {
        let password = "a long enough password";
        concord::service::accounts::create_as(
            &self.db,
            &concord::service::audit::Actor::system(),
            concord::service::accounts::NewAccount {
                email: email.into(),
                display_name: email.into(),
                password: password.into(),
                role,
                stakeholder_id,
            },
        )
        .await
        .map_err(|e| format!("{e:?}"))
        .expect("create account");
        self.login(email, password).await["data"]["login"]["accessToken"]
            .as_str()
            .expect("an access token")
            .to_owned()
    }

    /// Calls `login`; returns the whole body.
    pub async fn login(&self, email: &str, password: &str) -> Value {
        self.graphql(
            "mutation($i: LoginInput!) { login(input: $i) { accessToken refreshToken accessTokenExpiresAt account { id email role } } }",
            json!({ "i": { "email": email, "password": password } }),
        )
        .await
    }
}

/// Starts another server on `databases` with `settings` and `auth`, as a second
/// instance behind a load balancer would be; returns its address.
pub fn start_instance(
    settings: &Settings,
    databases: concord::startup::Databases,
    auth: Arc<Auth>,
) -> String {
    let instance = concord::startup::Application::build_with(settings, databases, auth)
        .expect("build another instance");
    let address = format!("http://127.0.0.1:{}", instance.port());
    tokio::spawn(instance.run_until_stopped());
    address
}

impl TestApp {
    /// Another instance on this app's database, with `settings` and this app's keys;
    /// returns its address.
    pub fn another_instance(&self, settings: &Settings) -> String {
        start_instance(
            settings,
            concord::startup::Databases::one(self.db.clone()),
            self.auth.clone(),
        )
    }
}

/// The URL of the app's database.
pub fn db_url(app: &TestApp) -> String {
    app.db_url.clone()
}

/// A TCP port nothing listens on just now, for a server a test starts itself.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port()
}

/// The value of a counter without labels at a server's `/metrics` (0 before it counts).
pub async fn counter(client: &reqwest::Client, address: &str, name: &str) -> u64 {
    let text = client
        .get(format!("{address}/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    text.lines()
        .find_map(|l| l.strip_prefix(name)?.strip_prefix(' '))
        .map_or(0, |v| v.parse::<u64>().unwrap())
}
