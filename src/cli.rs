//! The `concord` command: the flags every command shares, the commands, and the one
//! way each reaches the database. Each group of commands has its file: `serve`,
//! `accounts`, `admin` (API clients, consultations), `database` (migrate, seed, tally,
//! audit), `operations` (the allow-list) and `schema`.

mod accounts;
pub mod admin;
mod database;
mod operations;
mod schema;
mod serve;

use crate::db::{self, DEFAULT_DATABASE_URL};
use clap::{Parser, Subcommand};

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
    Serve(serve::ServeArgs),
    /// Manage the database schema.
    Migrate {
        #[command(subcommand)]
        action: database::MigrateAction,
    },
    /// Load a dataset (does nothing if it is already loaded).
    Seed(database::SeedArgs),
    /// Manage accounts.
    Account {
        #[command(subcommand)]
        action: accounts::AccountAction,
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
        action: database::AuditAction,
    },
    /// Manage the keys that sign receipts.
    Receipts {
        #[command(subcommand)]
        action: database::ReceiptsAction,
    },
    /// Check or rebuild the contribution counts that statistics read.
    Tally {
        #[command(subcommand)]
        action: database::TallyAction,
    },
    /// Manage the allow-list of persisted operations (`CONCORD_ONLY_PERSISTED`).
    Operations {
        #[command(subcommand)]
        action: operations::OperationsAction,
    },
    /// Documents: remove what no row names (the server sweeps on its own too).
    Attachments {
        #[command(subcommand)]
        action: database::AttachmentsAction,
    },
    /// (Internal) Print the text of the document on stdin: what the server runs, with
    /// these limits, to read a PDF, DOCX or ODT for search.
    #[command(hide = true)]
    ExtractText {
        /// pdf, docx or odt.
        kind: String,
        /// Most bytes of memory the process may map.
        #[arg(long, default_value_t = 512 * 1024 * 1024)]
        max_memory: u64,
        /// Most seconds of CPU time.
        #[arg(long, default_value_t = 20)]
        max_seconds: u64,
    },
    /// Print the GraphQL schema (SDL), or compare two versions of it.
    Schema {
        #[command(subcommand)]
        action: Option<schema::SchemaAction>,
    },
}

/// The database a command works on, as the shared flags name it.
pub struct Database {
    pub url: String,
    /// How long to wait for it at start.
    pub wait: std::time::Duration,
    /// Whether it is reached through a pooler in transaction mode.
    pub transaction_pooler: bool,
}

impl Database {
    /// Connects, refusing a PostgreSQL pool on which prepared statements are not safe
    /// (as `serve` does; see `pooler`).
    async fn connect(&self) -> anyhow::Result<sea_orm::DatabaseConnection> {
        let pool = db::PoolSettings {
            transaction_pooler: self.transaction_pooler,
            ..db::PoolSettings::default()
        };
        let db = db::connect_with(&self.url, pool).await?;
        if !db::is_sqlite(&self.url) {
            refuse_unsafe_statements("DATABASE_URL", &db, self.transaction_pooler).await?;
        }
        Ok(db)
    }

    /// Connects and applies pending migrations.
    async fn open(&self) -> anyhow::Result<sea_orm::DatabaseConnection> {
        let db = self.connect().await?;
        crate::service::setup::migrate(&db).await?;
        Ok(db)
    }
}

/// Runs the command.
pub async fn run(cli: Cli) -> anyhow::Result<()> {
    let database = Database {
        url: cli.database_url,
        wait: std::time::Duration::from_secs(cli.db_wait),
        transaction_pooler: cli.db_transaction_pooler,
    };
    match cli.command {
        Command::Serve(args) => serve::run(&database, args).await,
        Command::Schema { action } => schema::run(action),
        Command::Operations { action } => operations::run(&database, action).await,
        Command::Migrate { action } => database::migrate(&database, action).await,
        Command::Seed(args) => database::seed(&database, args).await,
        Command::Account { action } => accounts::run(&database, action).await,
        Command::Client { action } => admin::client(&database.open().await?, action).await,
        Command::Consultation { action } => {
            admin::consultation(&database.open().await?, action).await
        }
        Command::Audit {
            action: database::AuditAction::Verify,
        } => database::audit(&database).await,
        Command::Tally { action } => database::tally(&database, action).await,
        Command::Receipts {
            action: database::ReceiptsAction::RotateKey,
        } => database::rotate_receipt_key(&database).await,
        Command::Attachments { action } => database::attachments(&database, action).await,
        Command::ExtractText {
            kind,
            max_memory,
            max_seconds,
        } => {
            use crate::service::attachments::extract;
            let text = match extract::run_child(&kind, max_memory, max_seconds) {
                Ok(text) => text,
                Err(err) if err.downcast_ref::<extract::TooMuch>().is_some() => {
                    eprintln!("concord: {err}");
                    std::process::exit(extract::LIMIT_EXIT);
                }
                Err(err) => return Err(err),
            };
            use std::io::Write;
            std::io::stdout().write_all(text.as_bytes())?;
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
