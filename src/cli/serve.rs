//! `concord serve`: the HTTP server, its databases checked and migrated first.

use super::Database;
use crate::config::{AuthSettings, Settings};
use crate::db;
use crate::seed::{self, Dataset};
use crate::startup::Application;
use std::sync::Arc;

/// What `serve` takes (flags, or their environment variables).
#[derive(clap::Args, Debug)]
pub struct ServeArgs {
    /// Address to listen on.
    #[arg(long, env = "CONCORD_BIND", default_value = "127.0.0.1:8080")]
    pub bind: String,
    /// Load a dataset at start (does nothing if it is already loaded).
    #[arg(long, env = "CONCORD_SEED", value_enum)]
    pub seed: Option<Dataset>,
    /// Origin allowed to call the API from a browser (repeat, or comma-separate in
    /// the variable); `*` allows any origin.
    #[arg(
        long = "cors-origin",
        env = "CONCORD_CORS_ORIGINS",
        value_delimiter = ','
    )]
    pub cors_origins: Vec<String>,
    /// A proxy or load balancer in front of Concord (an address or a network;
    /// repeat, or comma-separate in the variable). Only requests from these have
    /// their `Forwarded` / `X-Forwarded-For` read for the client's address.
    #[arg(
        long = "trusted-proxy",
        env = "CONCORD_TRUSTED_PROXIES",
        value_delimiter = ',',
        value_parser = crate::config::parse_proxy
    )]
    pub trusted_proxies: Vec<ipnet::IpNet>,
    /// Seconds a client may take to send a request body.
    #[arg(long, env = "CONCORD_BODY_TIMEOUT", default_value_t = 30)]
    pub body_timeout: u64,
    /// Whether the schema may be introspected (`__schema`, `__type`): GraphiQL's Docs
    /// panel and code generators need it; a production server may switch it off.
    #[arg(long, env = "CONCORD_INTROSPECTION", default_value_t = true, action = clap::ArgAction::Set)]
    pub introspection: bool,
    /// Run only the operations on the allow-list (`concord operations add`), by
    /// hash or in full; any other is refused with `OPERATION_NOT_ALLOWED`.
    #[arg(long, env = "CONCORD_ONLY_PERSISTED", default_value_t = false, action = clap::ArgAction::Set)]
    pub only_persisted: bool,
    /// Run the queries the planner knows as plans (one statement per field and level,
    /// the answer built directly) instead of field by field: `true`; `false` runs every
    /// query through the resolvers (the answers are the same); `verify` runs both and
    /// answers an internal error where they differ.
    #[arg(long, env = "CONCORD_COMPILED_READS", default_value = "true",
          value_parser = crate::config::parse_compiled_reads)]
    pub compiled_reads: crate::config::CompiledReads,
    /// Budgets of cost points, as `WHO=POINTS/WINDOW` (repeat, or comma-separate in
    /// the variable): WHO is ANONYMOUS (per address), SECRETARIAT, MEMBER_STATE,
    /// OBSERVER (per account or client of that role) or `client:CLIENT_ID`; WINDOW in
    /// seconds or with s/m/h. Rules change the defaults (per minute: 300000
    /// anonymous, 600000 member states and observers, 1200000 the secretariat);
    /// `off` switches limits off.
    #[arg(
        long = "rate-limit",
        env = "CONCORD_RATE_LIMITS",
        value_delimiter = ',',
        value_parser = crate::config::parse_rate_limit
    )]
    pub rate_limits: Vec<crate::config::RateLimitRule>,
    /// A replica of the database for queries and exports (writes, sign-ins and
    /// subscriptions stay on `DATABASE_URL`); the same kind of database.
    #[arg(long, env = "CONCORD_READ_DATABASE_URL", hide_env_values = true)]
    pub read_database_url: Option<String>,
    /// PostgreSQL only: a direct connection (not through a pooler in transaction
    /// mode) for LISTEN and for migrations, when `DATABASE_URL` goes through one.
    #[arg(long, env = "CONCORD_LISTEN_DATABASE_URL", hide_env_values = true)]
    pub listen_database_url: Option<String>,
    /// PostgreSQL: most connections each pool opens (the primary's; the replica's).
    #[arg(long, env = "CONCORD_DB_MAX_CONNECTIONS", default_value_t = 20,
          value_parser = clap::value_parser!(u32).range(1..=1000))]
    pub db_max_connections: u32,
    /// PostgreSQL: seconds after which a connection is closed when next returned to
    /// its pool (bounds how long a pooler restart or a failover waits for Concord).
    #[arg(long, env = "CONCORD_DB_MAX_LIFETIME", default_value_t = 300,
          value_parser = clap::value_parser!(u64).range(1..=86400))]
    pub db_max_lifetime: u64,
    /// PostgreSQL: seconds after which an idle connection is closed.
    #[arg(long, env = "CONCORD_DB_IDLE_TIMEOUT", default_value_t = 60,
          value_parser = clap::value_parser!(u64).range(1..=86400))]
    pub db_idle_timeout: u64,
    /// Seconds requests in flight may take to finish after SIGTERM (1 to 600).
    #[arg(long, env = "CONCORD_SHUTDOWN_TIMEOUT", default_value_t = 30,
          value_parser = clap::value_parser!(u64).range(1..=600))]
    pub shutdown_timeout: u64,
    /// Let webhooks point at loopback addresses, over plain http too: for local
    /// tests only (private addresses stay refused).
    #[arg(long, env = "CONCORD_WEBHOOK_ALLOW_LOOPBACK", default_value_t = false,
          action = clap::ArgAction::Set)]
    pub webhook_allow_loopback: bool,
    /// Milliseconds before a failed webhook delivery is tried again; doubled for each
    /// attempt after (at most six hours apart).
    #[arg(long, env = "CONCORD_WEBHOOK_RETRY_BASE_MS", default_value_t = 30_000,
          value_parser = clap::value_parser!(u64).range(10..=3_600_000))]
    pub webhook_retry_base_ms: u64,
    /// Whether this instance sends webhook deliveries (false: it only writes them to
    /// the outbox, for the instances that do).
    #[arg(long, env = "CONCORD_WEBHOOK_DELIVERY", default_value_t = true,
          action = clap::ArgAction::Set)]
    pub webhook_delivery: bool,
    /// Attempts before a webhook delivery is given up.
    #[arg(long, env = "CONCORD_WEBHOOK_MAX_ATTEMPTS", default_value_t = 10,
          value_parser = clap::value_parser!(i32).range(1..=30))]
    pub webhook_max_attempts: i32,
    #[command(flatten)]
    pub auth: AuthSettings,
    #[command(flatten)]
    pub mail: crate::config::MailArgs,
    #[command(flatten)]
    pub attachments: crate::config::AttachmentArgs,
}

/// Runs the server until it is told to stop.
pub async fn run(database: &Database, args: ServeArgs) -> anyhow::Result<()> {
    let ServeArgs {
        bind,
        seed: dataset,
        cors_origins,
        trusted_proxies,
        body_timeout,
        introspection,
        only_persisted,
        compiled_reads,
        rate_limits,
        shutdown_timeout,
        read_database_url,
        listen_database_url,
        db_max_connections,
        db_max_lifetime,
        db_idle_timeout,
        webhook_allow_loopback,
        webhook_retry_base_ms,
        webhook_delivery,
        webhook_max_attempts,
        auth,
        mail,
        attachments,
    } = args;
    let mail = mail.settings()?;
    let attachments = attachments.settings(&database.url)?;
    let rate_limits =
        crate::config::RateLimits::from_rules(&rate_limits).map_err(anyhow::Error::msg)?;
    let db_kind = if db::is_sqlite(&database.url) {
        "SQLite"
    } else {
        "PostgreSQL"
    };
    tracing::info!(database = %db::redact(&database.url), "using {db_kind}");
    let wait = database.wait;
    let postgres = !db::is_sqlite(&database.url);
    let same_kind = |url: &str| db::is_sqlite(url) != postgres;
    if let Some(url) = &read_database_url
        && !same_kind(url)
    {
        anyhow::bail!(
            "CONCORD_READ_DATABASE_URL must be the same kind of database as DATABASE_URL"
        );
    }
    if listen_database_url.is_some() && !postgres {
        anyhow::bail!("CONCORD_LISTEN_DATABASE_URL is for PostgreSQL (SQLite has no LISTEN)");
    }
    let pool = db::PoolSettings {
        max_connections: db_max_connections,
        max_lifetime: std::time::Duration::from_secs(db_max_lifetime),
        idle_timeout: std::time::Duration::from_secs(db_idle_timeout),
        transaction_pooler: database.transaction_pooler,
    };
    let db = db::connect_waiting(&database.url, wait, pool).await?;
    // Migrations and LISTEN on the direct connection, if there is one: two
    // connections at most (LISTEN holds one; migrations take one at start).
    let direct = match &listen_database_url {
        Some(url) => {
            tracing::info!(database = %db::redact(url), "LISTEN and migrations on a direct connection");
            let direct_pool = db::PoolSettings {
                max_connections: 2,
                transaction_pooler: false,
                ..pool
            };
            Some(db::connect_waiting(url, wait, direct_pool).await?)
        }
        None => None,
    };
    // What requests and LISTEN rely on, checked before anything else is done
    // through these connections (see `pooler`).
    if postgres {
        super::refuse_unsafe_statements("DATABASE_URL", &db, database.transaction_pooler).await?;
        let listen_pool = direct
            .as_ref()
            .unwrap_or(&db)
            .get_postgres_connection_pool();
        if !crate::pooler::session_kept(listen_pool).await? {
            anyhow::bail!(
                "LISTEN (live updates) would go through a pooler in transaction mode, \
                 where notifications are lost and reach other clients: set \
                 CONCORD_LISTEN_DATABASE_URL to a direct connection to PostgreSQL \
                 (docs/DEPLOY.md)"
            );
        }
    }
    crate::service::setup::migrate(direct.as_ref().unwrap_or(&db)).await?;
    if let Some(dataset) = dataset {
        let report = seed::run(&db, dataset).await?;
        tracing::info!("{report}");
    }
    let read = match &read_database_url {
        Some(url) => {
            tracing::info!(database = %db::redact(url), "queries and exports read from a replica");
            let read = db::connect_waiting(url, wait, pool).await?;
            super::refuse_unsafe_statements(
                "CONCORD_READ_DATABASE_URL",
                &read,
                database.transaction_pooler,
            )
            .await?;
            Some(read)
        }
        None => None,
    };
    let databases = crate::startup::Databases {
        primary: db.clone(),
        read,
        listen: direct.map(|d| d.get_postgres_connection_pool().clone()),
    };
    let auth = Arc::new(crate::auth::setup::load(&db, &auth).await?);
    let settings = Settings {
        bind: bind.clone(),
        cors_origins,
        trusted_proxies,
        body_timeout: std::time::Duration::from_secs(body_timeout),
        introspection,
        only_persisted,
        compiled_reads,
        rate_limits,
        shutdown_timeout: std::time::Duration::from_secs(shutdown_timeout),
        webhooks: crate::config::DeliverySettings {
            targets: crate::config::Targets {
                allow_loopback: webhook_allow_loopback,
            },
            retry_base: std::time::Duration::from_millis(webhook_retry_base_ms),
            max_attempts: webhook_max_attempts,
            deliver: webhook_delivery,
            ..Default::default()
        },
        mail,
        attachments,
    };
    let app = Application::build_with(&settings, databases, auth)?;
    tracing::info!(
        "GraphiQL: http://{}/graphql",
        browser_address(&bind, app.port())
    );
    app.run_until_stopped().await?;
    Ok(())
}

/// Where a browser on this machine reaches a server bound to `bind`.
fn browser_address(bind: &str, port: u16) -> String {
    let host = bind.rsplit_once(':').map_or(bind, |(host, _)| host);
    let host = match host {
        "" | "0.0.0.0" | "[::]" => "localhost",
        other => other,
    };
    format!("{host}:{port}")
}
