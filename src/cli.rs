//! The `concord` command.

pub mod admin;
mod operations;

use crate::config::{AuthSettings, Settings};
use crate::db::{self, DEFAULT_DATABASE_URL};
use crate::ids::{GlobalId, NodeType};
use crate::seed::{self, Dataset};
use crate::service::accounts::{self, NewAccount};
use crate::service::audit::{self, Actor, Verification};
use crate::service::tally;
use crate::startup::Application;
use clap::{Parser, Subcommand};
use entity::enums::{PrincipalStatus, Role};
use migration::{Migrator, MigratorTrait};
use sea_orm::TransactionTrait;
use std::io::Read;
use std::sync::Arc;

/// Concord: a GraphQL API server for open, multi-stakeholder consultations.
#[derive(Parser, Debug)]
#[command(name = "concord", version, about)]
pub struct Cli {
    /// Database URL: `sqlite://FILE` (created if missing) or `postgres://USER@HOST/DB`.
    #[arg(long, env = "DATABASE_URL", default_value = DEFAULT_DATABASE_URL, global = true)]
    pub database_url: String,

    /// Seconds to wait for the database at start when it is not up yet (each attempt
    /// is logged).
    #[arg(long, env = "CONCORD_DB_WAIT", default_value_t = 30, global = true)]
    pub db_wait: u64,

    /// PostgreSQL: `DATABASE_URL` (and the replica's) goes through a pooler in
    /// transaction mode that does not keep prepared statements (PgBouncer before 1.21):
    /// every use of a connection then runs in a transaction of its own (docs/DEPLOY.md).
    /// Checked at start: set when there is no such pooler, it stops the start.
    #[arg(long, env = "CONCORD_DB_TRANSACTION_POOLER", default_value_t = false,
          action = clap::ArgAction::Set, global = true)]
    pub db_transaction_pooler: bool,

    #[command(subcommand)]
    pub command: Command,
}

// Parsed once at start: the size of the `serve` variant does not matter.
#[allow(clippy::large_enum_variant)]
#[derive(Subcommand, Debug)]
pub enum Command {
    /// Run the HTTP server (applies pending migrations first).
    Serve {
        /// Address to listen on.
        #[arg(long, env = "CONCORD_BIND", default_value = "127.0.0.1:8080")]
        bind: String,
        /// Load a dataset at start (does nothing if it is already loaded).
        #[arg(long, env = "CONCORD_SEED", value_enum)]
        seed: Option<Dataset>,
        /// Origin allowed to call the API from a browser (repeat, or comma-separate in
        /// the variable); `*` allows any origin.
        #[arg(
            long = "cors-origin",
            env = "CONCORD_CORS_ORIGINS",
            value_delimiter = ','
        )]
        cors_origins: Vec<String>,
        /// A proxy or load balancer in front of Concord (an address or a network;
        /// repeat, or comma-separate in the variable). Only requests from these have
        /// their `Forwarded` / `X-Forwarded-For` read for the client's address.
        #[arg(
            long = "trusted-proxy",
            env = "CONCORD_TRUSTED_PROXIES",
            value_delimiter = ',',
            value_parser = crate::config::parse_proxy
        )]
        trusted_proxies: Vec<ipnet::IpNet>,
        /// Seconds a client may take to send a request body.
        #[arg(long, env = "CONCORD_BODY_TIMEOUT", default_value_t = 30)]
        body_timeout: u64,
        /// Whether the schema may be introspected (`__schema`, `__type`): GraphiQL's Docs
        /// panel and code generators need it; a production server may switch it off.
        #[arg(long, env = "CONCORD_INTROSPECTION", default_value_t = true, action = clap::ArgAction::Set)]
        introspection: bool,
        /// Run only the operations on the allow-list (`concord operations add`), by
        /// hash or in full; any other is refused with `OPERATION_NOT_ALLOWED`.
        #[arg(long, env = "CONCORD_ONLY_PERSISTED", default_value_t = false, action = clap::ArgAction::Set)]
        only_persisted: bool,
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
        rate_limits: Vec<crate::config::RateLimitRule>,
        /// A replica of the database for queries and exports (writes, sign-ins and
        /// subscriptions stay on `DATABASE_URL`); the same kind of database.
        #[arg(long, env = "CONCORD_READ_DATABASE_URL", hide_env_values = true)]
        read_database_url: Option<String>,
        /// PostgreSQL only: a direct connection (not through a pooler in transaction
        /// mode) for LISTEN and for migrations, when `DATABASE_URL` goes through one.
        #[arg(long, env = "CONCORD_LISTEN_DATABASE_URL", hide_env_values = true)]
        listen_database_url: Option<String>,
        /// PostgreSQL: most connections each pool opens (the primary's; the replica's).
        #[arg(long, env = "CONCORD_DB_MAX_CONNECTIONS", default_value_t = 20,
              value_parser = clap::value_parser!(u32).range(1..=1000))]
        db_max_connections: u32,
        /// PostgreSQL: seconds after which a connection is closed when next returned to
        /// its pool (bounds how long a pooler restart or a failover waits for Concord).
        #[arg(long, env = "CONCORD_DB_MAX_LIFETIME", default_value_t = 300,
              value_parser = clap::value_parser!(u64).range(1..=86400))]
        db_max_lifetime: u64,
        /// PostgreSQL: seconds after which an idle connection is closed.
        #[arg(long, env = "CONCORD_DB_IDLE_TIMEOUT", default_value_t = 60,
              value_parser = clap::value_parser!(u64).range(1..=86400))]
        db_idle_timeout: u64,
        /// Seconds requests in flight may take to finish after SIGTERM (1 to 600).
        #[arg(long, env = "CONCORD_SHUTDOWN_TIMEOUT", default_value_t = 30,
              value_parser = clap::value_parser!(u64).range(1..=600))]
        shutdown_timeout: u64,
        /// Let webhooks point at loopback addresses, over plain http too: for local
        /// tests only (private addresses stay refused).
        #[arg(long, env = "CONCORD_WEBHOOK_ALLOW_LOOPBACK", default_value_t = false,
              action = clap::ArgAction::Set)]
        webhook_allow_loopback: bool,
        /// Milliseconds before a failed webhook delivery is tried again; doubled for each
        /// attempt after (at most six hours apart).
        #[arg(long, env = "CONCORD_WEBHOOK_RETRY_BASE_MS", default_value_t = 30_000,
              value_parser = clap::value_parser!(u64).range(10..=3_600_000))]
        webhook_retry_base_ms: u64,
        /// Whether this instance sends webhook deliveries (false: it only writes them to
        /// the outbox, for the instances that do).
        #[arg(long, env = "CONCORD_WEBHOOK_DELIVERY", default_value_t = true,
              action = clap::ArgAction::Set)]
        webhook_delivery: bool,
        /// Attempts before a webhook delivery is given up.
        #[arg(long, env = "CONCORD_WEBHOOK_MAX_ATTEMPTS", default_value_t = 10,
              value_parser = clap::value_parser!(i32).range(1..=30))]
        webhook_max_attempts: i32,
        #[command(flatten)]
        auth: AuthSettings,
    },
    /// Manage the database schema.
    Migrate {
        #[command(subcommand)]
        action: MigrateAction,
    },
    /// Load a dataset (does nothing if it is already loaded).
    Seed {
        #[arg(value_enum)]
        dataset: SeedDataset,
        /// `synthetic`: how many stakeholders to create.
        #[arg(long, default_value_t = 2_000)]
        stakeholders: u32,
        /// `synthetic`: how many contributions to create.
        #[arg(long, default_value_t = 200_000)]
        contributions: u64,
        /// `synthetic`: the random seed; the same sizes and seed give the same rows.
        #[arg(long, default_value_t = 1)]
        seed: u64,
    },
    /// Manage accounts.
    Account {
        #[command(subcommand)]
        action: AccountAction,
    },
    /// Manage partners' API clients.
    Client {
        #[command(subcommand)]
        action: admin::ClientAction,
    },
    /// Move a consultation through its lifecycle.
    Consultation {
        #[command(subcommand)]
        action: admin::ConsultationAction,
    },
    /// Check the audit log.
    Audit {
        #[command(subcommand)]
        action: AuditAction,
    },
    /// Check or rebuild the contribution counts that statistics read.
    Tally {
        #[command(subcommand)]
        action: TallyAction,
    },
    /// Manage the allow-list of persisted operations (`CONCORD_ONLY_PERSISTED`).
    Operations {
        #[command(subcommand)]
        action: OperationsAction,
    },
    /// Print the GraphQL schema (SDL), or compare two versions of it.
    Schema {
        #[command(subcommand)]
        action: Option<SchemaAction>,
    },
}

#[derive(Subcommand, Debug)]
pub enum SchemaAction {
    /// List what changed from OLD to NEW (SDL files; `-` for this binary's schema) and
    /// exit 1 if a change breaks clients.
    Diff {
        old: std::path::PathBuf,
        new: std::path::PathBuf,
    },
}

#[derive(Subcommand, Debug)]
pub enum OperationsAction {
    /// Put operations on the allow-list: `.graphql` files (one document each, stored as
    /// written: clients send that text or its SHA-256), directories of them, or Apollo
    /// persisted-query manifests (`.json`). All are checked first; if one fails, none is
    /// added.
    Add {
        #[arg(required = true)]
        paths: Vec<std::path::PathBuf>,
        /// Print what was added as JSON.
        #[arg(long)]
        json: bool,
    },
    /// List the allow-list.
    List {
        /// Print it as JSON, documents included.
        #[arg(long)]
        json: bool,
    },
}

#[derive(Subcommand, Debug)]
pub enum TallyAction {
    /// Compare the kept counts with a count of the contributions; exit non-zero and
    /// list the buckets that differ if any.
    Check,
    /// Recount them from the contributions (after loading rows around the API, such as
    /// a bulk load by SQL).
    Rebuild,
}

/// What `concord seed` loads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum SeedDataset {
    /// The 2010 consultation of the Secretary-General's report (see `serve --seed`).
    #[value(name = "report-2010")]
    Report2010,
    /// A consultation of generated stakeholders and contributions, for benchmarks:
    /// deterministic for given sizes and seed (load `report-2010` first to tag the
    /// contributions with its issues and mechanisms).
    Synthetic,
}

#[derive(Subcommand, Debug)]
pub enum MigrateAction {
    /// Apply every pending migration.
    Up,
    /// List migrations and whether each is applied.
    Status,
}

#[derive(Subcommand, Debug)]
pub enum AccountAction {
    /// Create an account, e.g. the first secretariat account. The password is read
    /// from standard input, never from the command line.
    Create {
        #[arg(long)]
        email: String,
        /// SECRETARIAT, MEMBER_STATE or OBSERVER.
        #[arg(long)]
        role: String,
        /// The stakeholder it speaks for (its global ID or number); required for
        /// MEMBER_STATE and OBSERVER.
        #[arg(long)]
        stakeholder: Option<String>,
        /// Name shown to others (defaults to the email).
        #[arg(long)]
        display_name: Option<String>,
        /// Read the password from standard input (required).
        #[arg(long, required = true)]
        password_stdin: bool,
    },
    /// List accounts (every field given narrows the list).
    List {
        /// Email or display name containing this text.
        #[arg(long)]
        search: Option<String>,
        /// SECRETARIAT, MEMBER_STATE or OBSERVER.
        #[arg(long)]
        role: Option<String>,
        /// ACTIVE or DISABLED.
        #[arg(long)]
        status: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// Disable an account (by email or global ID): it can no longer sign in, and its
    /// tokens are refused from the next request on.
    Disable {
        account: String,
        #[arg(long)]
        json: bool,
    },
    /// Enable a disabled account (by email or global ID).
    Enable {
        account: String,
        #[arg(long)]
        json: bool,
    },
    /// Issue a one-time password-reset token for an account (printed once).
    ResetPassword {
        account: String,
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        auth: AuthSettings,
    },
}

#[derive(Subcommand, Debug)]
pub enum AuditAction {
    /// Walk the hash chain; exit non-zero and name the first broken event if any.
    Verify,
}

fn parse_role(role: &str) -> anyhow::Result<Role> {
    Role::ALL
        .iter()
        .copied()
        .find(|r| r.as_str() == role)
        .ok_or_else(|| {
            admin::refused(
                "role",
                "INVALID",
                format!("unknown role {role}; use SECRETARIAT, MEMBER_STATE or OBSERVER"),
            )
        })
}

fn parse_stakeholder(raw: &str) -> anyhow::Result<i64> {
    if let Ok(id) = raw.parse::<i64>() {
        return Ok(id);
    }
    GlobalId::decode_as(raw, NodeType::Stakeholder)
        .map_err(|e| admin::refused("stakeholder", "INVALID", e.message()))
}

/// Connects to the database, refusing a PostgreSQL pool on which prepared statements
/// are not safe (as `serve` does; see `pooler`).
async fn connect_checked(
    url: &str,
    transaction_pooler: bool,
) -> anyhow::Result<sea_orm::DatabaseConnection> {
    let pool = db::PoolSettings {
        transaction_pooler,
        ..db::PoolSettings::default()
    };
    let db = db::connect_with(url, pool).await?;
    if !db::is_sqlite(url) {
        refuse_unsafe_statements("DATABASE_URL", &db, transaction_pooler).await?;
    }
    Ok(db)
}

/// Connects to the database and applies pending migrations.
async fn open(url: &str, transaction_pooler: bool) -> anyhow::Result<sea_orm::DatabaseConnection> {
    let db = connect_checked(url, transaction_pooler).await?;
    crate::service::setup::migrate(&db).await?;
    Ok(db)
}

/// Runs the command.
pub async fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::Schema { action: None } => {
            print!("{}", crate::graphql::sdl());
            Ok(())
        }
        Command::Schema {
            action: Some(SchemaAction::Diff { old, new }),
        } => {
            let read = |path: &std::path::Path| -> anyhow::Result<String> {
                if path.as_os_str() == "-" {
                    return Ok(crate::graphql::sdl());
                }
                std::fs::read_to_string(path)
                    .map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))
            };
            let changes = crate::graphql::schema_diff::diff(&read(&old)?, &read(&new)?)
                .map_err(anyhow::Error::msg)?;
            for change in &changes {
                let mark = if change.breaking { "BREAKING" } else { "safe" };
                println!("{mark}\t{}\t{}", change.path, change.message);
            }
            let broken = changes.iter().filter(|c| c.breaking).count();
            if broken > 0 {
                anyhow::bail!("{broken} breaking changes");
            }
            Ok(())
        }
        Command::Operations { action } => {
            let db = connect_checked(&cli.database_url, cli.db_transaction_pooler).await?;
            crate::service::setup::migrate(&db).await?;
            match action {
                OperationsAction::Add { paths, json } => operations::add(&db, &paths, json).await,
                OperationsAction::List { json } => operations::list(&db, json).await,
            }
        }
        Command::Migrate { action } => {
            let db = connect_checked(&cli.database_url, cli.db_transaction_pooler).await?;
            match action {
                MigrateAction::Up => {
                    crate::service::setup::migrate(&db).await?;
                    tracing::info!("database is up to date");
                }
                MigrateAction::Status => {
                    for m in Migrator::get_migration_with_status(&db).await? {
                        println!("{:?}\t{}", m.status(), m.name());
                    }
                }
            }
            Ok(())
        }
        Command::Seed {
            dataset,
            stakeholders,
            contributions,
            seed: random_seed,
        } => {
            let db = connect_checked(&cli.database_url, cli.db_transaction_pooler).await?;
            crate::service::setup::migrate(&db).await?;
            match dataset {
                SeedDataset::Report2010 => {
                    let report = seed::run(&db, Dataset::Report2010).await?;
                    println!("{report}");
                }
                SeedDataset::Synthetic => {
                    let size = seed::synthetic::Size {
                        stakeholders,
                        contributions,
                        seed: random_seed,
                    };
                    let started = std::time::Instant::now();
                    match seed::run_synthetic(&db, size).await? {
                        0 => println!("seed synthetic: already loaded, nothing changed"),
                        n => println!(
                            "seed synthetic: created {n} records in {:.1} s",
                            started.elapsed().as_secs_f64()
                        ),
                    }
                }
            }
            Ok(())
        }
        Command::Account { action } => match action {
            AccountAction::Create {
                email,
                role,
                stakeholder,
                display_name,
                password_stdin: _,
            } => {
                let role = parse_role(&role)?;
                let stakeholder_id = stakeholder.as_deref().map(parse_stakeholder).transpose()?;
                let mut password = String::new();
                std::io::stdin().read_to_string(&mut password)?;
                let password = password.trim_end_matches(['\r', '\n']).to_owned();
                let db = connect_checked(&cli.database_url, cli.db_transaction_pooler).await?;
                crate::service::setup::migrate(&db).await?;
                let input = NewAccount {
                    display_name: display_name.unwrap_or_else(|| email.clone()),
                    email,
                    password,
                    role,
                    stakeholder_id,
                };
                let account =
                    admin::settle(accounts::create_as(&db, &Actor::system(), input).await)?;
                println!(
                    "created account {} ({})",
                    account.email,
                    GlobalId::new(NodeType::Account, account.id).encode()
                );
                Ok(())
            }
            AccountAction::List {
                search,
                role,
                status,
                json,
            } => {
                let role = role.as_deref().map(parse_role).transpose()?;
                let status = match status.as_deref() {
                    None => None,
                    Some("ACTIVE") => Some(PrincipalStatus::Active),
                    Some("DISABLED") => Some(PrincipalStatus::Disabled),
                    Some(other) => {
                        return Err(admin::refused(
                            "status",
                            "INVALID",
                            format!("unknown status {other}; use ACTIVE or DISABLED"),
                        ));
                    }
                };
                let filter = accounts::AccountFilter {
                    search,
                    roles: role.map(|r| vec![r]),
                    statuses: status.map(|s| vec![s]),
                    stakeholder_id: None,
                };
                admin::account_list(
                    &open(&cli.database_url, cli.db_transaction_pooler).await?,
                    filter,
                    json,
                )
                .await
            }
            AccountAction::Disable { account, json } => {
                let db = open(&cli.database_url, cli.db_transaction_pooler).await?;
                admin::account_status(&db, &account, PrincipalStatus::Disabled, json).await
            }
            AccountAction::Enable { account, json } => {
                let db = open(&cli.database_url, cli.db_transaction_pooler).await?;
                admin::account_status(&db, &account, PrincipalStatus::Active, json).await
            }
            AccountAction::ResetPassword {
                account,
                json,
                auth,
            } => {
                let db = open(&cli.database_url, cli.db_transaction_pooler).await?;
                admin::account_reset(&db, &account, &auth, json).await
            }
        },
        Command::Client { action } => {
            let db = connect_checked(&cli.database_url, cli.db_transaction_pooler).await?;
            crate::service::setup::migrate(&db).await?;
            admin::client(&db, action).await
        }
        Command::Consultation { action } => {
            let db = connect_checked(&cli.database_url, cli.db_transaction_pooler).await?;
            crate::service::setup::migrate(&db).await?;
            admin::consultation(&db, action).await
        }
        Command::Audit {
            action: AuditAction::Verify,
        } => {
            let db = connect_checked(&cli.database_url, cli.db_transaction_pooler).await?;
            match audit::verify(&db)
                .await
                .map_err(|e| anyhow::anyhow!(e.message()))?
            {
                Verification::Intact { events } => {
                    println!("audit log intact: {events} events");
                    Ok(())
                }
                Verification::Broken { event_id, reason } => {
                    anyhow::bail!("audit log broken at event {event_id}: {reason}")
                }
            }
        }
        Command::Tally { action } => {
            let db = connect_checked(&cli.database_url, cli.db_transaction_pooler).await?;
            match action {
                TallyAction::Check => {
                    let differ = tally::check(&db).await?;
                    if differ.is_empty() {
                        println!("tallies agree with the contributions");
                        return Ok(());
                    }
                    for line in &differ {
                        println!("{line}");
                    }
                    anyhow::bail!(
                        "{} tallies differ; run `concord tally rebuild`",
                        differ.len()
                    )
                }
                TallyAction::Rebuild => {
                    let txn = db.begin().await?;
                    db::take_setup_lock(&txn).await?;
                    tally::rebuild(&txn).await?;
                    txn.commit().await?;
                    println!("tallies rebuilt");
                    Ok(())
                }
            }
        }
        Command::Serve {
            bind,
            seed: dataset,
            cors_origins,
            trusted_proxies,
            body_timeout,
            introspection,
            only_persisted,
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
        } => {
            let rate_limits =
                crate::config::RateLimits::from_rules(&rate_limits).map_err(anyhow::Error::msg)?;
            let db_kind = if db::is_sqlite(&cli.database_url) {
                "SQLite"
            } else {
                "PostgreSQL"
            };
            tracing::info!(database = %db::redact(&cli.database_url), "using {db_kind}");
            let wait = std::time::Duration::from_secs(cli.db_wait);
            let postgres = !db::is_sqlite(&cli.database_url);
            let same_kind = |url: &str| db::is_sqlite(url) != postgres;
            if let Some(url) = &read_database_url
                && !same_kind(url)
            {
                anyhow::bail!(
                    "CONCORD_READ_DATABASE_URL must be the same kind of database as DATABASE_URL"
                );
            }
            if listen_database_url.is_some() && !postgres {
                anyhow::bail!(
                    "CONCORD_LISTEN_DATABASE_URL is for PostgreSQL (SQLite has no LISTEN)"
                );
            }
            let pool = db::PoolSettings {
                max_connections: db_max_connections,
                max_lifetime: std::time::Duration::from_secs(db_max_lifetime),
                idle_timeout: std::time::Duration::from_secs(db_idle_timeout),
                transaction_pooler: cli.db_transaction_pooler,
            };
            let db = db::connect_waiting(&cli.database_url, wait, pool).await?;
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
                refuse_unsafe_statements("DATABASE_URL", &db, cli.db_transaction_pooler).await?;
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
                    refuse_unsafe_statements(
                        "CONCORD_READ_DATABASE_URL",
                        &read,
                        cli.db_transaction_pooler,
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
                rate_limits,
                shutdown_timeout: std::time::Duration::from_secs(shutdown_timeout),
                webhooks: crate::service::webhooks::deliver::DeliverySettings {
                    targets: crate::service::webhooks::Targets {
                        allow_loopback: webhook_allow_loopback,
                    },
                    retry_base: std::time::Duration::from_millis(webhook_retry_base_ms),
                    max_attempts: webhook_max_attempts,
                    deliver: webhook_delivery,
                    ..Default::default()
                },
            };
            let app = Application::build_with(&settings, databases, auth)?;
            tracing::info!(
                "GraphiQL: http://{}/graphql",
                browser_address(&bind, app.port())
            );
            app.run_until_stopped().await?;
            Ok(())
        }
    }
}

/// Stops the start when prepared statements are not safe on `db`'s pool (a pooler in
/// transaction mode that does not keep them), naming the setting and the fix; and when
/// `CONCORD_DB_TRANSACTION_POOLER` says there is such a pooler where there is none.
async fn refuse_unsafe_statements(
    setting: &str,
    db: &sea_orm::DatabaseConnection,
    transaction_pooler: bool,
) -> anyhow::Result<()> {
    let pool = db.get_postgres_connection_pool();
    if transaction_pooler && crate::pooler::session_kept(pool).await? {
        anyhow::bail!(
            "{setting}: CONCORD_DB_TRANSACTION_POOLER is set, but the connection keeps its \
             server session (directly, or through a pooler in session mode): unset it"
        );
    }
    match crate::pooler::statements_survive(pool).await? {
        Some(why) => anyhow::bail!("{setting}: {why}"),
        None => Ok(()),
    }
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
