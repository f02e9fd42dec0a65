//! Business logic, one module per domain noun. Services take the connection and the
//! [`Viewer`](crate::viewer::Viewer), go through [`crate::policy`] for every read of
//! something not public, and return typed errors. No GraphQL in here.

pub mod accounts;
pub mod api_clients;
pub mod audit;
pub mod catalogue;
pub mod consultations;
pub mod contributions;
pub mod documents;
pub mod export;
pub mod idempotency;
pub mod mechanisms;
pub mod meetings;
pub mod policy_issues;
pub mod relations;
pub mod sessions;
pub mod stakeholders;
pub mod statistics;
pub mod tombstones;
pub mod workflow;

use crate::error::AppResult;
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter};
use std::collections::HashMap;

/// Loads the rows of `E` with the given ids, keyed by id (a loader's batch query).
pub(crate) async fn by_ids<E>(
    db: &DatabaseConnection,
    id: E::Column,
    ids: &[i64],
    key: fn(&E::Model) -> i64,
) -> AppResult<HashMap<i64, E::Model>>
where
    E: EntityTrait,
{
    let rows = E::find()
        .filter(id.is_in(ids.iter().copied()))
        .all(db)
        .await?;
    Ok(rows.into_iter().map(|m| (key(&m), m)).collect())
}

/// Groups `(parent, child)` pairs into lists per parent, keeping their order.
pub(crate) fn group_by_parent<T>(
    pairs: impl IntoIterator<Item = (i64, T)>,
) -> HashMap<i64, Vec<T>> {
    let mut map: HashMap<i64, Vec<T>> = HashMap::new();
    for (parent, child) in pairs {
        map.entry(parent).or_default().push(child);
    }
    map
}

/// The columns that make a row editable at a named version.
pub(crate) struct Versioned<C> {
    pub id: C,
    pub version: C,
    pub updated_at: C,
}

/// Writes `changes` to row `id` only if it is still at `version` (else `CONFLICT`,
/// `what` naming the record), setting the next version and `updated_at`; returns the
/// row as written. Every versioned edit goes through here, so no update is lost.
pub(crate) async fn save_at_version<E, A, C>(
    txn: &C,
    cols: Versioned<E::Column>,
    id: i64,
    version: i32,
    mut changes: A,
    what: &'static str,
) -> crate::error::MutationResult<E::Model>
where
    E: EntityTrait<ActiveModel = A>,
    A: sea_orm::ActiveModelTrait<Entity = E> + sea_orm::ActiveModelBehavior + Send,
    C: sea_orm::ConnectionTrait,
{
    changes.set(cols.version, (version + 1).into());
    changes.set(cols.updated_at, chrono::Utc::now().into());
    let done = E::update_many()
        .set(changes)
        .filter(cols.id.eq(id))
        .filter(cols.version.eq(version))
        .exec(txn)
        .await?;
    if done.rows_affected != 1 {
        return Err(crate::error::AppError::Conflict(what).into());
    }
    let row = E::find().filter(cols.id.eq(id)).one(txn).await?;
    Ok(row.ok_or_else(|| anyhow::anyhow!("{what} {id} vanished inside its own transaction"))?)
}
