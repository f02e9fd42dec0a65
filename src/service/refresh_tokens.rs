//! The store of refresh tokens: each sign-in starts a family, each refresh adds one
//! token to it, and ending a session revokes a family or every family of an account.
//! Tokens are kept only as their SHA-256.

use crate::auth::secret;
use crate::error::AppResult;
use chrono::{DateTime, Utc};
use entity::refresh_token::{ActiveModel, Column, Entity, Model};
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set};

/// Stores a new token of `family_id` for an account.
pub async fn insert(
    db: &impl ConnectionTrait,
    account_id: i64,
    family_id: String,
    token: &str,
    expires_at: DateTime<Utc>,
) -> AppResult<()> {
    ActiveModel {
        account_id: Set(account_id),
        family_id: Set(family_id),
        token_hash: Set(secret::digest(token)),
        expires_at: Set(expires_at),
        created_at: Set(Utc::now()),
        rotated_at: Set(None),
        revoked_at: Set(None),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok(())
}

/// The stored token a presented one is, if any.
pub async fn find(db: &impl ConnectionTrait, token: &str) -> AppResult<Option<Model>> {
    Ok(Entity::find()
        .filter(Column::TokenHash.eq(secret::digest(token)))
        .one(db)
        .await?)
}

/// Marks a token used; `false` when it already was (only one caller can rotate it).
pub async fn claim(db: &impl ConnectionTrait, id: i64) -> AppResult<bool> {
    let claimed = Entity::update_many()
        .col_expr(Column::RotatedAt, Expr::value(Utc::now()))
        .filter(Column::Id.eq(id))
        .filter(Column::RotatedAt.is_null())
        .exec(db)
        .await?;
    Ok(claimed.rows_affected == 1)
}

/// Whether session `family_id` of the account is still on: none of its tokens revoked.
/// (Revoking a session revokes every token of its family at once.)
pub async fn session_active(
    db: &impl ConnectionTrait,
    account_id: i64,
    family_id: &str,
) -> AppResult<bool> {
    let token = Entity::find()
        .filter(Column::FamilyId.eq(family_id))
        .filter(Column::AccountId.eq(account_id))
        .filter(Column::RevokedAt.is_null())
        .one(db)
        .await?;
    Ok(token.is_some())
}

/// Ends one session: every token descended from the same sign-in.
pub async fn revoke_family(db: &impl ConnectionTrait, family_id: &str) -> AppResult<()> {
    Entity::update_many()
        .col_expr(Column::RevokedAt, Expr::value(Utc::now()))
        .filter(Column::FamilyId.eq(family_id))
        .filter(Column::RevokedAt.is_null())
        .exec(db)
        .await?;
    Ok(())
}

/// Ends every session of an account (disabled, or its password was reset).
pub async fn revoke_all(db: &impl ConnectionTrait, account_id: i64) -> AppResult<()> {
    Entity::update_many()
        .col_expr(Column::RevokedAt, Expr::value(Utc::now()))
        .filter(Column::AccountId.eq(account_id))
        .filter(Column::RevokedAt.is_null())
        .exec(db)
        .await?;
    Ok(())
}
