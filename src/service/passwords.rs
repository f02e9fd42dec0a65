//! Passwords: the secretariat's one-time reset tokens, and a holder changing their own.
//! A new password ends every session of the account.

use crate::auth::{Auth, password, secret};
use crate::db::Db;
use crate::domain::Email;
use crate::error::{AppError, MutationError, MutationResult, UserError, UserErrorCode};
use crate::policy::{self, Action};
use crate::service::accounts::{find, save, save_in};
use crate::service::audit::{self, Actor, Change};
use crate::service::mail::{self, Kind};
use crate::service::{refresh_tokens, sessions};
use crate::viewer::Viewer;
use chrono::{DateTime, Utc};
use entity::account::ActiveModel;
use entity::enums::EmailLanguage;
use entity::password_reset;
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, Set};
use secrecy::SecretString;
use serde_json::json;

/// Issues a one-time, expiring password-reset link for an account (secretariat). With
/// `by_email` the link goes to the account's email (written to the outbox in the same
/// transaction) and no token is returned; without, the token is returned to hand over.
#[tracing::instrument(
    name = "passwords::issue_reset",
    level = "info",
    skip_all,
    err(Debug, level = "debug")
)]
pub async fn issue_reset(
    db: &impl Db,
    auth: &Auth,
    viewer: &Viewer,
    id: i64,
    by_email: bool,
) -> MutationResult<(Option<SecretString>, DateTime<Utc>)> {
    policy::may(viewer, Action::ManageIdentities)?;
    let account = find(db, id).await?;
    let nonce = secret::new_nonce()?;
    let token = secret::link_token(&auth.link_key, "crs_", &nonce);
    let now = Utc::now();
    let expires = now + auth.reset_ttl;
    let txn = db.begin().await?;
    let reset = password_reset::ActiveModel {
        account_id: Set(account.id),
        token_hash: Set(secret::digest(&token)),
        expires_at: Set(expires),
        created_at: Set(now),
        used_at: Set(None),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    if by_email {
        mail::enqueue(
            &txn,
            Kind::PasswordReset,
            &account.email,
            account.language,
            json!({ "nonce": nonce, "reset": reset.id }),
        )
        .await?;
    }
    audit::append(
        &txn,
        &Actor::of(viewer),
        Change {
            action: "account.password_reset_issue",
            target_type: "Account",
            target_id: Some(account.id),
            before: None,
            after: None,
        },
    )
    .await?;
    txn.commit().await?;
    if by_email {
        mail::send::nudge();
    }
    Ok(((!by_email).then(|| SecretString::from(token)), expires))
}

/// Reset requests allowed per address typed, in the sign-in throttle's window.
pub const REQUESTS_PER_ADDRESS: i32 = 3;
/// Reset requests allowed per client address, in the same window.
pub const REQUESTS_PER_CLIENT: i32 = 20;

/// "Forgot password?": writes a reset email for `email` to the outbox. Whether an
/// account holds the address is decided when the email is sent (`mail::send`), not
/// here: every well-formed address gets the same answer after the same work. Limited
/// per address typed and per client address here, and per account when sent.
#[tracing::instrument(
    name = "passwords::request_reset",
    level = "info",
    skip_all,
    err(Debug, level = "debug")
)]
pub async fn request_reset(
    db: &impl Db,
    email: &str,
    client_ip: Option<&str>,
    by_email: bool,
) -> MutationResult<()> {
    if !by_email {
        return Err(UserError::new(
            "email",
            UserErrorCode::NotAllowed,
            "This server sends no email; ask the secretariat for a reset link",
        )
        .into());
    }
    let email = Email::parse(email)?;
    let mut keys = vec![(
        format!("reset:email:{}", email.normalized()),
        REQUESTS_PER_ADDRESS,
    )];
    if let Some(ip) = client_ip {
        keys.push((format!("reset:ip:{ip}"), REQUESTS_PER_CLIENT));
    }
    sessions::check_throttle(db, &keys, "Too many reset requests").await?;
    sessions::record_failure(db, &keys).await?;
    let txn = db.begin().await?;
    mail::enqueue(
        &txn,
        Kind::ResetRequest,
        email.normalized(),
        EmailLanguage::En,
        json!({}),
    )
    .await?;
    txn.commit().await?;
    mail::send::nudge();
    Ok(())
}

/// Sets a new password with a reset token (the token works once); ends every session
/// of the account, and returns the account.
#[tracing::instrument(
    name = "passwords::complete_reset",
    level = "info",
    skip_all,
    err(Debug, level = "debug")
)]
pub async fn complete_reset(db: &impl Db, token: &str, new_password: &str) -> MutationResult<i64> {
    if let Err(message) = password::check_strength(new_password) {
        return Err(UserError::new("newPassword", UserErrorCode::Invalid, message).into());
    }
    let invalid = || {
        MutationError::App(AppError::Unauthenticated(
            "This reset token is not valid; ask the secretariat for a new one",
        ))
    };
    let reset = password_reset::Entity::find()
        .filter(password_reset::Column::TokenHash.eq(secret::digest(token)))
        .one(db)
        .await?
        .ok_or_else(invalid)?;
    if reset.used_at.is_some() || reset.expires_at < Utc::now() {
        return Err(invalid());
    }
    let account = find(db, reset.account_id).await?;
    let hash = password::hash(new_password).await?;
    let txn = db.begin().await?;
    // Conditional, so two concurrent uses cannot both succeed.
    let used = password_reset::Entity::update_many()
        .col_expr(
            password_reset::Column::UsedAt,
            sea_orm::sea_query::Expr::value(Utc::now()),
        )
        .filter(password_reset::Column::Id.eq(reset.id))
        .filter(password_reset::Column::UsedAt.is_null())
        .exec(&txn)
        .await?;
    if used.rows_affected != 1 {
        return Err(invalid());
    }
    let id = account.id;
    let changes = ActiveModel {
        password_hash: Set(hash),
        ..Default::default()
    };
    let actor = Actor::account(id);
    save_in(
        &txn,
        &actor,
        "account.password_reset_complete",
        account,
        changes,
    )
    .await?;
    // In the same transaction: a reset password keeps no session.
    refresh_tokens::revoke_all(&txn, id).await?;
    txn.commit().await?;
    Ok(id)
}

/// Changes the signed-in account's own password.
#[tracing::instrument(
    name = "passwords::change",
    level = "info",
    skip_all,
    err(Debug, level = "debug")
)]
pub async fn change(
    db: &impl Db,
    viewer: &Viewer,
    current: &str,
    new_password: &str,
) -> MutationResult<()> {
    let id = policy::own_account(viewer)?;
    let account = find(db, id).await?;
    if !password::verify(current, &account.password_hash).await {
        return Err(UserError::new(
            "currentPassword",
            UserErrorCode::Invalid,
            "The current password is wrong",
        )
        .into());
    }
    if let Err(message) = password::check_strength(new_password) {
        return Err(UserError::new("newPassword", UserErrorCode::Invalid, message).into());
    }
    let mut row: ActiveModel = account.clone().into();
    row.password_hash = Set(password::hash(new_password).await?);
    save(
        db,
        &Actor::of(viewer),
        "account.password_change",
        account,
        row,
    )
    .await?;
    Ok(())
}
