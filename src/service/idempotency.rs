//! Safe retries. The first request with a given `Idempotency-Key` (per caller) claims
//! the key and stores its response; a retry with the same key and body gets that
//! response again and changes nothing; the same key with another body is refused.
//! Concurrent retries wait for the first to finish.
//!
//! A claim whose request never finished (its process died, or the database went away
//! before the key could be released) is resolved after [`STALE_SECONDS`] from what really
//! happened: the mutation's own transaction marks the key applied (through
//! [`mark_applied`], which every audited change calls), so an unapplied claim runs again,
//! once, and an applied one answers [`Claim::Applied`] instead of running twice.

use crate::error::AppResult;
use chrono::{Duration, Utc};
use entity::idempotency_key::{ActiveModel, Column, Entity};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter, Set};
use serde_json::Value;

/// How long a key is remembered.
pub const RETENTION_HOURS: i64 = 24;

/// After how long a claim without an answer is taken to be abandoned. No request runs
/// this long: bodies must arrive within 30 s and mutations take milliseconds.
pub const STALE_SECONDS: i64 = 60;

tokio::task_local! {
    /// The (principal, key) of the keyed request this task is running, if any.
    static RUNNING: (String, String);
}

/// Runs `request` as the keyed request (`principal`, `key`), so that the changes it
/// commits mark the key applied.
pub async fn running<F: std::future::Future>(principal: &str, key: &str, request: F) -> F::Output {
    RUNNING
        .scope((principal.to_owned(), key.to_owned()), request)
        .await
}

/// Marks the running keyed request's key applied, inside the transaction of the change
/// (nothing when no keyed request runs).
pub async fn mark_applied(txn: &impl ConnectionTrait) -> AppResult<()> {
    let Ok((principal, key)) = RUNNING.try_with(Clone::clone) else {
        return Ok(());
    };
    Entity::update_many()
        .col_expr(Column::AppliedAt, Expr::value(Utc::now()))
        .filter(Column::Principal.eq(principal))
        .filter(Column::Key.eq(key))
        .filter(Column::AppliedAt.is_null())
        .exec(txn)
        .await?;
    Ok(())
}

/// What to do with a request that carries a key.
#[derive(Debug)]
pub enum Claim {
    /// First use: run the request, then call [`complete`].
    Run,
    /// Seen before with the same body: answer this (status, body).
    Replay(u16, Value),
    /// Seen before with another body.
    Mismatch,
    /// The first request with this key is still running.
    InProgress,
    /// The first request's change was applied, but it never stored its answer (its
    /// process stopped first): it is not run again.
    Applied,
}

/// Claims `key` for `principal` and a request whose body hashes to `request_hash`.
pub async fn claim(
    db: &DatabaseConnection,
    principal: &str,
    key: &str,
    request_hash: &str,
) -> AppResult<Claim> {
    // Forget keys past their retention, so they can be used again.
    let expired = Utc::now() - Duration::hours(RETENTION_HOURS);
    Entity::delete_many()
        .filter(Column::Principal.eq(principal))
        .filter(Column::Key.eq(key))
        .filter(Column::CreatedAt.lt(expired))
        .exec(db)
        .await?;
    let row = ActiveModel {
        principal: Set(principal.to_owned()),
        key: Set(key.to_owned()),
        request_hash: Set(request_hash.to_owned()),
        response: Set(None),
        created_at: Set(Utc::now()),
        applied_at: Set(None),
    };
    if Entity::insert(row).exec(db).await.is_ok() {
        return Ok(Claim::Run);
    }
    // Taken: by an earlier request, or one running now. Wait for it briefly.
    for attempt in 0..100u64 {
        let Some(existing) = Entity::find_by_id((principal.to_owned(), key.to_owned()))
            .one(db)
            .await?
        else {
            return Ok(Claim::InProgress);
        };
        if existing.request_hash != request_hash {
            return Ok(Claim::Mismatch);
        }
        if let Some(stored) = existing.response {
            let stored: Value = serde_json::from_str(&stored).unwrap_or(Value::Null);
            let status = stored["status"]
                .as_u64()
                .and_then(|s| u16::try_from(s).ok())
                .unwrap_or(200);
            return Ok(Claim::Replay(status, stored["body"].clone()));
        }
        if existing.created_at < Utc::now() - Duration::seconds(STALE_SECONDS) {
            if existing.applied_at.is_some() {
                return Ok(Claim::Applied);
            }
            // Abandoned before its change committed: take it over (one taker only).
            let taken = Entity::update_many()
                .col_expr(Column::CreatedAt, Expr::value(Utc::now()))
                .filter(Column::Principal.eq(principal))
                .filter(Column::Key.eq(key))
                .filter(Column::CreatedAt.eq(existing.created_at))
                .filter(Column::AppliedAt.is_null())
                .filter(Column::Response.is_null())
                .exec(db)
                .await?;
            if taken.rows_affected == 1 {
                return Ok(Claim::Run);
            }
            continue;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20 + attempt.min(10) * 10)).await;
    }
    Ok(Claim::InProgress)
}

/// Stores the first request's response.
pub async fn complete(
    db: &DatabaseConnection,
    principal: &str,
    key: &str,
    status: u16,
    body: &Value,
) -> AppResult<()> {
    let stored = serde_json::json!({ "status": status, "body": body }).to_string();
    Entity::update_many()
        .col_expr(Column::Response, Expr::value(stored))
        .filter(Column::Principal.eq(principal))
        .filter(Column::Key.eq(key))
        .exec(db)
        .await?;
    Ok(())
}

/// Releases a key whose request failed on our side, so that a retry runs again; unless
/// its change was applied after all, in which case `body` is kept as its answer (a retry
/// must not apply it twice).
pub async fn release(
    db: &DatabaseConnection,
    principal: &str,
    key: &str,
    status: u16,
    body: &Value,
) -> AppResult<()> {
    let released = Entity::delete_many()
        .filter(Column::Principal.eq(principal))
        .filter(Column::Key.eq(key))
        .filter(Column::Response.is_null())
        .filter(Column::AppliedAt.is_null())
        .exec(db)
        .await?;
    if released.rows_affected == 0 {
        complete(db, principal, key, status, body).await?;
    }
    Ok(())
}
