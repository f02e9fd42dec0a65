//! The `concord` command.

use crate::config::Settings;
use crate::db::{self, DEFAULT_DATABASE_URL};
use crate::seed::{self, Dataset};
use crate::startup::Application;
use clap::{Parser, Subcommand};
use migration::{Migrator, MigratorTrait};

/// Concord: a GraphQL API server for open, multi-stakeholder consultations.
#[derive(Parser, Debug)]
#[command(name = "concord", version, about)]
pub struct Cli {
    /// Database URL: `sqlite://FILE` (created if missing) or `postgres://USER@HOST/DB`.
    #[arg(long, env = "DATABASE_URL", default_value = DEFAULT_DATABASE_URL, global = true)]
    pub database_url: String,

    #[command(subcommand)]
    pub command: Command,
}

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
    },
    /// Manage the database schema.
    Migrate {
        #[command(subcommand)]
        action: MigrateAction,
    },
    /// Load a dataset (does nothing if it is already loaded).
    Seed {
        #[arg(value_enum)]
        dataset: Dataset,
    },
    /// Print the GraphQL schema (SDL).
    Schema,
}

#[derive(Subcommand, Debug)]
pub enum MigrateAction {
    /// Apply every pending migration.
    Up,
    /// List migrations and whether each is applied.
    Status,
}

/// Runs the command.
pub async fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::Schema => {
            print!("{}", crate::graphql::sdl());
            Ok(())
        }
        Command::Migrate { action } => {
            let db = db::connect(&cli.database_url).await?;
            match action {
                MigrateAction::Up => {
                    db::migrate(&db).await?;
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
        Command::Seed { dataset } => {
            let db = db::connect(&cli.database_url).await?;
            db::migrate(&db).await?;
            let report = seed::run(&db, dataset).await?;
            println!("{report}");
            Ok(())
        }
        Command::Serve {
            bind,
            seed: dataset,
            cors_origins,
        } => {
            let db_kind = if db::is_sqlite(&cli.database_url) {
                "SQLite"
            } else {
                "PostgreSQL"
            };
            tracing::info!(database = %db::redact(&cli.database_url), "using {db_kind}");
            let db = db::connect(&cli.database_url).await?;
            db::migrate(&db).await?;
            if let Some(dataset) = dataset {
                let report = seed::run(&db, dataset).await?;
                tracing::info!("{report}");
            }
            let settings = Settings {
                bind: bind.clone(),
                cors_origins,
            };
            let app = Application::build(&settings, db)?;
            tracing::info!(
                "GraphiQL: http://{}/graphql",
                browser_address(&bind, app.port())
            );
            app.run_until_stopped().await?;
            Ok(())
        }
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
