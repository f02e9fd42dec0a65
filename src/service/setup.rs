//! Setting a database up for this version: its migrations, and what they leave for
//! the services to fill in (the search text of contributions made before it existed).

use anyhow::Context;
use migration::{Migrator, MigratorTrait};
use sea_orm::{ConnectionTrait, DatabaseConnection, DbBackend, TransactionTrait};

/// Applies pending migrations. Instances that start together take turns: the run
/// holds a lock for its whole transaction (a PostgreSQL advisory lock; on SQLite the
/// write lock, taken first), so each migration is applied once and the others find
/// nothing left to do.
pub async fn migrate(db: &DatabaseConnection) -> anyhow::Result<()> {
    if db.get_database_backend() == DbBackend::Sqlite {
        db.execute_unprepared(
            "CREATE TABLE IF NOT EXISTS concord_migration_lock (id INTEGER PRIMARY KEY)",
        )
        .await?;
    }
    let txn = db.begin().await?;
    crate::db::take_setup_lock(&txn).await?;
    Migrator::up(&txn, None)
        .await
        .context("migrating the database")?;
    // Contributions made before the search migration (or written around the API) get
    // their searchable text here, once, under the same lock.
    let indexed = super::search::fill_missing(&txn)
        .await
        .context("indexing contributions for search")?;
    if indexed > 0 {
        tracing::info!(indexed, "indexed contributions for search");
    }
    txn.commit().await?;
    Ok(())
}
