//! Datasets that `concord seed` and `serve --seed` load. Each is shipped inside the
//! binary (nothing is read from disk at run time) and loads idempotently: every record
//! is found by its natural key before it is created, all in one transaction, so a second
//! run changes nothing and a failed run leaves nothing behind.

mod report_2010;
mod report_text;
pub mod synthetic;

use sea_orm::{DatabaseConnection, TransactionTrait};
use std::fmt;

/// A dataset that can be loaded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Dataset {
    /// The 2010 open consultations on enhanced cooperation, from the Secretary-General's
    /// report of 4 May 2011: its meeting, issues, mechanisms, organizations, documents
    /// and the 98 contributions of its table.
    #[value(name = "report-2010")]
    Report2010,
}

/// What a seed run did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SeedReport {
    pub dataset: Dataset,
    /// Records created by this run; 0 when the dataset was already loaded.
    pub created: usize,
}

impl fmt::Display for SeedReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let name = match self.dataset {
            Dataset::Report2010 => "report-2010",
        };
        if self.created == 0 {
            write!(f, "seed {name}: already loaded, nothing changed")
        } else {
            write!(f, "seed {name}: created {} records", self.created)
        }
    }
}

/// Loads `dataset` into `db` (migrated), in one transaction. Instances seeding
/// together take turns (the setup lock of [`crate::db::take_setup_lock`]): the first
/// loads, the others find it loaded.
pub async fn run(db: &DatabaseConnection, dataset: Dataset) -> anyhow::Result<SeedReport> {
    let txn = std::sync::Arc::new(db.begin().await?);
    crate::db::take_setup_lock(&txn).await?;
    let (created, report) = match dataset {
        Dataset::Report2010 => report_2010::load(&txn).await?,
    };
    // The report drafted by this run is published, rendered from what the transaction
    // holds.
    if let Some(report) = report {
        let handle = crate::db::Handle::Transaction(txn.clone());
        crate::service::reports::publish_seeded(&handle, report)
            .await
            .map_err(|e| anyhow::anyhow!("cannot publish the seeded report: {}", e.message()))?;
    }
    let txn = std::sync::Arc::try_unwrap(txn)
        .map_err(|_| anyhow::anyhow!("the seed's transaction is still shared"))?;
    txn.commit().await?;
    Ok(SeedReport { dataset, created })
}

/// Loads a synthetic consultation of `size` (see [`synthetic`]) in one transaction,
/// under the setup lock, then refreshes the planner's statistics (`ANALYZE`); returns
/// the records created (0 when it was already loaded).
pub async fn run_synthetic(
    db: &DatabaseConnection,
    size: synthetic::Size,
) -> anyhow::Result<usize> {
    let txn = db.begin().await?;
    crate::db::take_setup_lock(&txn).await?;
    let created = synthetic::load(&txn, size).await?;
    txn.commit().await?;
    // Fresh statistics for the planner: without them, PostgreSQL plans the queries over
    // the new rows as if the tables were still empty (seconds instead of milliseconds).
    use sea_orm::ConnectionTrait;
    db.execute_unprepared("ANALYZE").await?;
    Ok(created)
}
