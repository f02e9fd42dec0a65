//! Sign-in: short-lived access tokens (JWT) and rotating refresh tokens. A refresh
//! token works once; presenting a used one again means it leaked, so its whole family
//! (every token descended from the same sign-in) is revoked.

use crate::auth::{Auth, password, secret};
use crate::db::Db;
use crate::error::{AppError, AppResult};
use crate::service::accounts;
use crate::service::audit::{self, Actor, Change};
use crate::service::{refresh_tokens, second_factor};
use crate::viewer::{Scopes, Subject};
use chrono::{DateTime, Duration, Utc};
use entity::account;
use entity::enums::PrincipalStatus;
use entity::login_throttle;
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set};

/// Failed sign-ins allowed per email in a window.
pub const EMAIL_LIMIT: i32 = 5;
/// Failed sign-ins allowed per client address in a window.
pub const IP_LIMIT: i32 = 50;
/// The throttling window.
pub const WINDOW_MINUTES: i64 = 15;

const WRONG_CREDENTIALS: &str = "Wrong email or password";
const INVALID_REFRESH: &str = "This refresh token is not valid; sign in again";

/// A signed-in session.
#[derive(Debug, Clone)]
pub struct Session {
    pub access_token: String,
    pub access_expires_at: DateTime<Utc>,
    pub refresh_token: String,
    pub refresh_expires_at: DateTime<Utc>,
    pub account: account::Model,
}

fn throttle_keys(email: &str, ip: Option<&str>) -> Vec<(String, i32)> {
    let mut keys = vec![(
        format!("email:{}", email.trim().to_lowercase()),
        EMAIL_LIMIT,
    )];
    if let Some(ip) = ip {
        keys.push((format!("ip:{ip}"), IP_LIMIT));
    }
    keys
}

/// Refuses when any key has used up its failures in the current window, saying
/// `what` was too many.
pub(crate) async fn check_throttle(
    db: &impl Db,
    keys: &[(String, i32)],
    what: &str,
) -> AppResult<()> {
    let window_start = Utc::now() - Duration::minutes(WINDOW_MINUTES);
    for (key, limit) in keys {
        let row = login_throttle::Entity::find_by_id(key.clone())
            .one(db)
            .await?;
        if let Some(row) =
            row.filter(|r| r.window_started_at > window_start && r.failures >= *limit)
        {
            let retry = row.window_started_at + Duration::minutes(WINDOW_MINUTES);
            return Err(AppError::RateLimited(format!(
                "{what}; try again after {}",
                retry.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
            )));
        }
    }
    Ok(())
}

/// Counts a failure (or a request, for what is limited by requests) against every key.
pub(crate) async fn record_failure(db: &impl Db, keys: &[(String, i32)]) -> AppResult<()> {
    let now = Utc::now();
    let window_start = now - Duration::minutes(WINDOW_MINUTES);
    for (key, _) in keys {
        match login_throttle::Entity::find_by_id(key.clone())
            .one(db)
            .await?
        {
            Some(row) if row.window_started_at > window_start => {
                login_throttle::Entity::update_many()
                    .col_expr(
                        login_throttle::Column::Failures,
                        Expr::col(login_throttle::Column::Failures).add(1),
                    )
                    .filter(login_throttle::Column::Key.eq(key.as_str()))
                    .exec(db)
                    .await?;
            }
            Some(row) => {
                let mut row: login_throttle::ActiveModel = row.into();
                row.window_started_at = Set(now);
                row.failures = Set(1);
                row.update(db).await?;
            }
            None => {
                let row = login_throttle::ActiveModel {
                    key: Set(key.clone()),
                    window_started_at: Set(now),
                    failures: Set(1),
                };
                // A concurrent first failure may have inserted it; one lost count is fine.
                let _ = login_throttle::Entity::insert(row).exec(db).await;
            }
        }
    }
    Ok(())
}

/// Signs in with email and password. Unknown email, wrong password and disabled
/// account all get the same error after the same work (one Argon2 verification).
#[tracing::instrument(
    name = "sessions::login",
    level = "info",
    skip_all,
    err(Debug, level = "debug")
)]
pub async fn login(
    db: &impl Db,
    auth: &Auth,
    email: &str,
    password_attempt: &str,
    code: Option<&str>,
    client_ip: Option<&str>,
) -> AppResult<Session> {
    let keys = throttle_keys(email, client_ip);
    check_throttle(db, &keys, "Too many failed sign-ins").await?;
    let account = accounts::by_email(db, email).await?;
    let ok = match &account {
        Some(a) => {
            password::verify(password_attempt, &a.password_hash).await
                && a.status == PrincipalStatus::Active
        }
        None => {
            password::verify_dummy(password_attempt).await;
            false
        }
    };
    let Some(account) = account.filter(|_| ok) else {
        record_failure(db, &keys).await?;
        return Err(AppError::Unauthenticated(WRONG_CREDENTIALS));
    };
    // The right password; then the second factor, whose wrong codes count as failures.
    if let Err(err) = second_factor::check_at_sign_in(db, auth, &account, code).await {
        if matches!(err, AppError::Unauthenticated(_)) {
            record_failure(db, &keys).await?;
        }
        return Err(err);
    }
    login_throttle::Entity::delete_by_id(keys[0].0.clone())
        .exec(db)
        .await?;
    let family_id = hex::encode(secret::random_bytes(16)?);
    start(db, auth, account, family_id, "session.login").await
}

/// Issues an access token and a new refresh token of the family `family_id`.
async fn start(
    db: &impl Db,
    auth: &Auth,
    account: account::Model,
    family_id: String,
    action: &str,
) -> AppResult<Session> {
    let (access_token, access_expires_at) = auth.keys.issue(
        Subject::Account(account.id).label(),
        family_id.clone(),
        account.role,
        account.stakeholder_id,
        Scopes::ALL.names(),
    )?;
    let refresh_token = secret::new_token("crt_")?;
    let now = Utc::now();
    let refresh_expires_at = now + auth.refresh_ttl;
    let txn = db.begin().await?;
    refresh_tokens::insert(
        &txn,
        account.id,
        family_id,
        &refresh_token,
        refresh_expires_at,
    )
    .await?;
    audit_session(&txn, account.id, action).await?;
    txn.commit().await?;
    Ok(Session {
        access_token,
        access_expires_at,
        refresh_token,
        refresh_expires_at,
        account,
    })
}

/// Exchanges a refresh token for a new pair; the old token stops working.
#[tracing::instrument(
    name = "sessions::refresh",
    level = "info",
    skip_all,
    err(Debug, level = "debug")
)]
pub async fn refresh(db: &impl Db, auth: &Auth, token: &str) -> AppResult<Session> {
    let invalid = AppError::Unauthenticated(INVALID_REFRESH);
    let Some(row) = refresh_tokens::find(db, token).await? else {
        return Err(invalid);
    };
    if row.revoked_at.is_some() || row.expires_at < Utc::now() {
        return Err(invalid);
    }
    // Claim the token: only one caller can move it from unused to rotated.
    if !refresh_tokens::claim(db, row.id).await? {
        // Already used: someone else holds a copy. End the whole family, on the record.
        let txn = db.begin().await?;
        refresh_tokens::revoke_family(&txn, &row.family_id).await?;
        audit_session(&txn, row.account_id, "session.reuse_revoked").await?;
        txn.commit().await?;
        tracing::warn!(
            account = row.account_id,
            "refresh token reused; its session family is revoked"
        );
        return Err(invalid);
    }
    let Some(account) = account::Entity::find_by_id(row.account_id).one(db).await? else {
        return Err(invalid);
    };
    if account.status != PrincipalStatus::Active {
        return Err(invalid);
    }
    // The new token descends from the same sign-in: same family.
    start(db, auth, account, row.family_id, "session.refresh").await
}

/// Ends the session a refresh token belongs to; returns its account. Unknown tokens
/// are ignored.
#[tracing::instrument(
    name = "sessions::logout",
    level = "info",
    skip_all,
    err(Debug, level = "debug")
)]
pub async fn logout(db: &impl Db, token: &str) -> AppResult<Option<i64>> {
    let Some(row) = refresh_tokens::find(db, token).await? else {
        return Ok(None);
    };
    let txn = db.begin().await?;
    refresh_tokens::revoke_family(&txn, &row.family_id).await?;
    audit_session(&txn, row.account_id, "session.logout").await?;
    txn.commit().await?;
    Ok(Some(row.account_id))
}

/// Records a change to an account's sessions, as that account.
async fn audit_session(txn: &impl ConnectionTrait, account_id: i64, action: &str) -> AppResult<()> {
    audit::append(
        txn,
        &Actor::account(account_id),
        Change {
            action,
            target_type: "Account",
            target_id: Some(account_id),
            before: None,
            after: None,
        },
    )
    .await
}
