//! Safe retries. A mutation sent with an `Idempotency-Key` (per caller) runs in one
//! transaction with its claim of the key and its stored answer: they commit together or
//! not at all. A retry with the same key and body gets that answer again and changes
//! nothing; the same key with another body is refused. A request that dies midway
//! (a crash, an outage) leaves nothing behind, so its retry runs once; a concurrent retry
//! waits for the first (its claim blocks on the first's uncommitted one) and replays it.

use crate::db::Db;
use crate::error::AppResult;
use chrono::{Duration, Utc};
use entity::idempotency_key::{ActiveModel, Column, Entity};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set, SqlErr};
use serde_json::Value;

/// How long a key is remembered.
pub const RETENTION_HOURS: i64 = 24;

/// What an earlier use of a key says to a new request with it.
#[derive(Debug)]
pub enum Claim {
    /// Seen before with the same body: answer this (status, body).
    Replay(u16, Value),
    /// Seen before with another body.
    Mismatch,
    /// Its first request has not finished (only a key kept by an older version of
    /// Concord, which stored its claim apart from its change, can say this).
    InProgress,
}

/// Claims `key` for `principal` inside `txn`, the transaction the request will run in:
/// `true` when this request runs; `false` when the key is taken (then [`earlier`] says
/// what to answer). On PostgreSQL a claim made by a request still running waits for it.
pub async fn claim_in(
    txn: &impl ConnectionTrait,
    principal: &str,
    key: &str,
    request_hash: &str,
) -> AppResult<bool> {
    // Forget keys past their retention, so they can be used again.
    let expired = Utc::now() - Duration::hours(RETENTION_HOURS);
    Entity::delete_many()
        .filter(Column::Principal.eq(principal))
        .filter(Column::Key.eq(key))
        .filter(Column::CreatedAt.lt(expired))
        .exec(txn)
        .await?;
    let row = ActiveModel {
        principal: Set(principal.to_owned()),
        key: Set(key.to_owned()),
        request_hash: Set(request_hash.to_owned()),
        response: Set(None),
        created_at: Set(Utc::now()),
    };
    match Entity::insert(row).exec(txn).await {
        Ok(_) => Ok(true),
        Err(err) if matches!(err.sql_err(), Some(SqlErr::UniqueConstraintViolation(_))) => {
            Ok(false)
        }
        Err(err) => Err(err.into()),
    }
}

/// What the earlier request with `key` answered.
pub async fn earlier(
    db: &impl Db,
    principal: &str,
    key: &str,
    request_hash: &str,
) -> AppResult<Claim> {
    let Some(existing) = Entity::find_by_id((principal.to_owned(), key.to_owned()))
        .one(db)
        .await?
    else {
        return Ok(Claim::InProgress);
    };
    if existing.request_hash != request_hash {
        return Ok(Claim::Mismatch);
    }
    let Some(stored) = existing.response else {
        return Ok(Claim::InProgress);
    };
    let stored: Value = serde_json::from_str(&stored).unwrap_or(Value::Null);
    let status = stored["status"]
        .as_u64()
        .and_then(|s| u16::try_from(s).ok())
        .unwrap_or(200);
    Ok(Claim::Replay(status, stored["body"].clone()))
}

/// Stores the request's answer, inside its transaction.
pub async fn complete(
    txn: &impl ConnectionTrait,
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
        .exec(txn)
        .await?;
    Ok(())
}
