//! Persisted operations: documents stored by their SHA-256, registered by clients
//! (Apollo's automatic persisted queries) or put on the allow-list by an operator
//! (`concord operations add`). Shared by every instance through the database.

use chrono::Utc;
use entity::persisted_operation::{self, Entity as PersistedOperation};
use sea_orm::sea_query::OnConflict;
use sea_orm::{ActiveValue::Set, ConnectionTrait, DbErr, EntityTrait, PaginatorTrait};
use sha2::{Digest, Sha256};

/// Longest document stored (a persisted operation is a client's own query, not data).
pub const MAX_DOCUMENT_BYTES: usize = 64 * 1024;
/// Most documents clients may register automatically; past it a registration is
/// skipped (the operation still runs, sent in full) and a warning logged.
pub const MAX_AUTOMATIC: u64 = 10_000;

/// The SHA-256 of a document, lowercase hex, as Apollo's clients compute it.
pub fn hash(document: &str) -> String {
    hex::encode(Sha256::digest(document.as_bytes()))
}

/// The operation stored under `hash`, if any.
pub async fn find(
    db: &impl ConnectionTrait,
    hash: &str,
) -> Result<Option<persisted_operation::Model>, DbErr> {
    PersistedOperation::find_by_id(hash.to_owned())
        .one(db)
        .await
}

/// Stores a document a client registered (not on the allow-list); `false` when it was
/// not stored because clients have registered [`MAX_AUTOMATIC`] already.
pub async fn register(db: &impl ConnectionTrait, document: &str) -> Result<bool, DbErr> {
    let stored = PersistedOperation::find().count(db).await?;
    if stored >= MAX_AUTOMATIC {
        tracing::warn!(
            stored,
            "persisted operations: the table is full; a client's registration is skipped"
        );
        return Ok(false);
    }
    insert(db, document, None, false).await?;
    Ok(true)
}

/// What [`allow`] did with one document.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Allowed {
    pub hash: String,
    pub name: Option<String>,
    /// Already on the allow-list.
    pub existed: bool,
}

/// Puts a checked document on the allow-list (registered before by a client or not).
pub async fn allow(
    db: &impl ConnectionTrait,
    document: &str,
    name: Option<String>,
) -> Result<Allowed, DbErr> {
    let hash = hash(document);
    let existed = find(db, &hash).await?.is_some_and(|op| op.allowed);
    insert(db, document, name.clone(), true).await?;
    Ok(Allowed {
        hash,
        name,
        existed,
    })
}

/// Every operation on the allow-list, by name then hash.
pub async fn allowed(db: &impl ConnectionTrait) -> Result<Vec<persisted_operation::Model>, DbErr> {
    use sea_orm::{ColumnTrait, QueryFilter, QueryOrder};
    PersistedOperation::find()
        .filter(persisted_operation::Column::Allowed.eq(true))
        .order_by_asc(persisted_operation::Column::Name)
        .order_by_asc(persisted_operation::Column::Hash)
        .all(db)
        .await
}

async fn insert(
    db: &impl ConnectionTrait,
    document: &str,
    name: Option<String>,
    allowed: bool,
) -> Result<(), DbErr> {
    let row = persisted_operation::ActiveModel {
        hash: Set(hash(document)),
        document: Set(document.to_owned()),
        allowed: Set(allowed),
        name: Set(name),
        created_at: Set(Utc::now()),
    };
    let mut conflict = OnConflict::column(persisted_operation::Column::Hash);
    if allowed {
        conflict.update_columns([
            persisted_operation::Column::Allowed,
            persisted_operation::Column::Name,
        ]);
    } else {
        conflict.do_nothing();
    }
    match PersistedOperation::insert(row)
        .on_conflict(conflict)
        .exec(db)
        .await
    {
        Ok(_) | Err(DbErr::RecordNotInserted) => Ok(()),
        Err(err) => Err(err),
    }
}
