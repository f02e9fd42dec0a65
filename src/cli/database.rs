//! Upkeep of the database: `concord migrate`, `seed`, `tally` and `audit`.

use super::Database;
use crate::db;
use crate::seed::{self, Dataset};
use crate::service::audit::{self, Verification};
use crate::service::tally;
use clap::Subcommand;
use migration::{Migrator, MigratorTrait};
use sea_orm::TransactionTrait;

#[derive(Subcommand, Debug)]
pub enum MigrateAction {
    /// Apply every pending migration.
    Up,
    /// List migrations and whether each is applied.
    Status,
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

/// What `concord seed` takes.
#[derive(clap::Args, Debug)]
pub struct SeedArgs {
    #[arg(value_enum)]
    pub dataset: SeedDataset,
    /// `synthetic`: how many stakeholders to create.
    #[arg(long, default_value_t = 2_000)]
    pub stakeholders: u32,
    /// `synthetic`: how many contributions to create.
    #[arg(long, default_value_t = 200_000)]
    pub contributions: u64,
    /// `synthetic`: the random seed; the same sizes and seed give the same rows.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
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

#[derive(Subcommand, Debug)]
pub enum AuditAction {
    /// Walk the hash chain; exit non-zero and name the first broken event if any.
    Verify,
}

#[derive(Subcommand, Debug)]
pub enum ReceiptsAction {
    /// Sign receipts with a new key from now on; the old keys stay published at
    /// `/.well-known/jwks.json`, so receipts signed with them still verify. Prints the
    /// new key's `kid`.
    RotateKey,
}

#[derive(Subcommand, Debug)]
pub enum AttachmentsAction {
    /// Remove uploads past their time and blobs no row names (older than the grace
    /// period); prints what was removed.
    Sweep {
        #[command(flatten)]
        settings: crate::config::AttachmentArgs,
    },
}

/// `concord attachments sweep`.
pub async fn attachments(database: &Database, action: AttachmentsAction) -> anyhow::Result<()> {
    let AttachmentsAction::Sweep { settings } = action;
    let db = database.connect().await?;
    crate::service::setup::migrate(&db).await?;
    let attachments =
        crate::service::attachments::Attachments::open(settings.settings(&database.url)?)?;
    let swept = crate::service::attachments::sweep::once(&db, &attachments).await?;
    println!(
        "{} expired uploads and {} unreferenced blobs removed",
        swept.expired_uploads, swept.removed_blobs
    );
    Ok(())
}

/// `concord receipts rotate-key`.
pub async fn rotate_receipt_key(database: &Database) -> anyhow::Result<()> {
    let db = database.connect().await?;
    crate::service::setup::migrate(&db).await?;
    let kid = crate::service::receipts::rotate(&db)
        .await
        .map_err(|e| anyhow::anyhow!(e.message()))?;
    println!("receipts are signed with key {kid} from now on");
    Ok(())
}

/// `concord migrate`.
pub async fn migrate(database: &Database, action: MigrateAction) -> anyhow::Result<()> {
    let db = database.connect().await?;
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

/// `concord seed`.
pub async fn seed(database: &Database, args: SeedArgs) -> anyhow::Result<()> {
    let SeedArgs {
        dataset,
        stakeholders,
        contributions,
        seed: random_seed,
    } = args;
    let db = database.connect().await?;
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

/// `concord audit verify`.
pub async fn audit(database: &Database) -> anyhow::Result<()> {
    let db = database.connect().await?;
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

/// `concord tally`.
pub async fn tally(database: &Database, action: TallyAction) -> anyhow::Result<()> {
    let db = database.connect().await?;
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
