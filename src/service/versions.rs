//! Versioned rows: created at version 1 with their audit event, and edited at a named
//! version: a stale version is `CONFLICT` and changes nothing, so no update is ever
//! lost. Every versioned edit goes through [`save_at_version`].

use crate::db::Db;
use crate::error::{AppError, MutationResult};
use crate::service::audit;
use crate::viewer::Viewer;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde::Serialize;

/// A table whose rows are edited at a named version: its key, its version and the time
/// of its last change.
pub(crate) trait Versioned: EntityTrait {
    const ID: Self::Column;
    const VERSION: Self::Column;
    const UPDATED_AT: Self::Column;
}

/// Every versioned table (each has `id`, `version` and `updated_at`).
macro_rules! versioned {
    ($($table:ident),* $(,)?) => {
        $(
            impl Versioned for entity::$table::Entity {
                const ID: entity::$table::Column = entity::$table::Column::Id;
                const VERSION: entity::$table::Column = entity::$table::Column::Version;
                const UPDATED_AT: entity::$table::Column = entity::$table::Column::UpdatedAt;
            }
        )*
    };
}

versioned!(
    account,
    api_client,
    consultation,
    contribution,
    mechanism,
    meeting,
    policy_issue,
    report_paragraph,
    stakeholder,
    webhook,
);

/// Writes `changes` to row `id` only if it is still at `version` (else `CONFLICT`,
/// `what` naming the record), setting the next version and `updated_at`; returns the
/// row as written. Every versioned edit goes through here, so no update is lost.
pub(crate) async fn save_at_version<E, A, C>(
    txn: &C,
    id: i64,
    version: i32,
    mut changes: A,
    what: &'static str,
) -> MutationResult<E::Model>
where
    E: Versioned + EntityTrait<ActiveModel = A>,
    A: sea_orm::ActiveModelTrait<Entity = E> + sea_orm::ActiveModelBehavior + Send,
    C: sea_orm::ConnectionTrait,
{
    changes.set(E::VERSION, (version + 1).into());
    changes.set(E::UPDATED_AT, chrono::Utc::now().into());
    let done = E::update_many()
        .set(changes)
        .filter(E::ID.eq(id))
        .filter(E::VERSION.eq(version))
        .exec(txn)
        .await?;
    if done.rows_affected != 1 {
        return Err(AppError::Conflict(what).into());
    }
    let row = E::find().filter(E::ID.eq(id)).one(txn).await?;
    Ok(row.ok_or_else(|| anyhow::anyhow!("{what} {id} vanished inside its own transaction"))?)
}

/// Edits one row of `E`: reads it (`NOT_FOUND` naming `target` when missing), checks
/// that it is still at `version` (else `CONFLICT`), lets `changes` compute the edit
/// from the row as it is (or refuse it with `userErrors`), saves it and appends the
/// audit event `action`, in one transaction. The caller has checked access.
pub(crate) async fn edit_row<E, A>(
    db: &impl Db,
    viewer: &Viewer,
    (target, action): (&'static str, &str),
    (id, version): (i64, i32),
    changes: impl FnOnce(&E::Model) -> MutationResult<A>,
) -> MutationResult<E::Model>
where
    E: Versioned + EntityTrait<ActiveModel = A>,
    E::Model: Serialize + sea_orm::IntoActiveModel<A> + Sync,
    A: sea_orm::ActiveModelTrait<Entity = E> + sea_orm::ActiveModelBehavior + Send,
{
    let Some(before) = E::find().filter(E::ID.eq(id)).one(db).await? else {
        return Err(AppError::NotFound(target).into());
    };
    let current: i32 = match sea_orm::ModelTrait::get(&before, E::VERSION) {
        sea_orm::Value::Int(Some(v)) => v,
        _ => 0,
    };
    if current != version {
        return Err(AppError::Conflict("record").into());
    }
    let row = changes(&before)?;
    let txn = db.begin().await?;
    let after = save_at_version(&txn, id, version, row, "record").await?;
    audit::append_change(&txn, viewer, action, (target, id), Some(&before), &after).await?;
    txn.commit().await?;
    Ok(after)
}

/// Inserts a new row (the caller sets its version 1 and times) with its audit event
/// `action`, in one transaction; `id` reads the new row's id. The caller has checked
/// access and input.
pub(crate) async fn create_row<E, A>(
    db: &impl Db,
    viewer: &Viewer,
    (target, action): (&'static str, &str),
    id: fn(&E::Model) -> i64,
    row: A,
) -> MutationResult<E::Model>
where
    E: EntityTrait<ActiveModel = A>,
    E::Model: Serialize + sea_orm::IntoActiveModel<A> + Sync,
    A: sea_orm::ActiveModelTrait<Entity = E> + sea_orm::ActiveModelBehavior + Send,
{
    let txn = db.begin().await?;
    let created = row.insert(&txn).await?;
    audit::append_change(&txn, viewer, action, (target, id(&created)), None, &created).await?;
    txn.commit().await?;
    Ok(created)
}
