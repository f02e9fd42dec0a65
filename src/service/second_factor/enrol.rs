//! Enrolling an authenticator app: a secret kept aside until a code from the app
//! confirms it, then ten recovery codes; by the signed-in account, or before signing in
//! with the enrolment token a refused sign-in gives.

use super::{matching_step, now_secs, totp};
use crate::auth::{Auth, secret};
use crate::db::Db;
use crate::error::{MutationResult, UserError, UserErrorCode};
use crate::policy;
use crate::service::accounts::find;
use crate::service::audit::{self, Actor, Change};
use crate::viewer::Viewer;
use chrono::Utc;
use entity::{account, recovery_code};
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, Set};
use totp_rs::Secret;

/// Recovery codes made at enrolment.
pub const RECOVERY_CODES: usize = 10;
/// Seconds an enrolment token works.
const ENROLMENT_SECONDS: i64 = 600;

/// What an account needs to add the secret to its authenticator app.
pub struct Enrolment {
    /// Base32, as apps take it typed in.
    pub secret: String,
    /// `otpauth://totp/Concord:<email>?secret=…&issuer=Concord`.
    pub otpauth_url: String,
    /// The URL as a QR code (SVG).
    pub qr_svg: String,
}

/// Who enrols: the signed-in account, or the holder of an enrolment token.
pub fn enrolling(auth: &Auth, viewer: &Viewer, token: Option<&str>) -> MutationResult<i64> {
    match token {
        Some(token) => enrolment_account(auth, token).ok_or_else(|| {
            UserError::new(
                "enrollmentToken",
                UserErrorCode::Invalid,
                "This enrolment has expired or is not valid: sign in again",
            )
            .into()
        }),
        None => Ok(policy::own_account(viewer)?),
    }
}

/// An enrolment token for `account_id`, good for ten minutes.
pub fn enrolment_token(auth: &Auth, account_id: i64) -> String {
    let until = Utc::now().timestamp() + ENROLMENT_SECONDS;
    let claim = format!("{account_id}.{until}");
    let mac = secret::link_token(&auth.link_key, "cre_", &claim);
    format!("{claim}.{}", &mac[4..])
}

/// The account an enrolment token is for, while it works.
fn enrolment_account(auth: &Auth, token: &str) -> Option<i64> {
    let (claim, mac) = token.rsplit_once('.')?;
    let (id, until) = claim.split_once('.')?;
    let (id, until): (i64, i64) = (id.parse().ok()?, until.parse().ok()?);
    let expected = secret::link_token(&auth.link_key, "cre_", claim);
    let same = secret::constant_time_eq(&expected.as_bytes()[4..], mac.as_bytes());
    (same && until > Utc::now().timestamp()).then_some(id)
}

/// Starts an enrolment: a new secret, kept aside until a code confirms it.
pub async fn begin(db: &impl Db, account_id: i64) -> MutationResult<Enrolment> {
    let account = find(db, account_id).await?;
    if account.totp_secret.is_some() {
        return Err(UserError::new(
            "account",
            UserErrorCode::NotAllowed,
            "Two-step sign-in is already on: turn it off first to set up another app",
        )
        .into());
    }
    let secret_b32 = match Secret::Raw(secret::random_bytes(20)?).to_encoded() {
        Secret::Encoded(s) => s,
        Secret::Raw(_) => return Err(anyhow::anyhow!("base32 encoding").into()),
    };
    let t = totp(&secret_b32, &account.email)?;
    let url = t.get_url();
    let qr = qrcode::QrCode::new(url.as_bytes()).map_err(|e| anyhow::anyhow!("QR: {e}"))?;
    let qr_svg = qr
        .render::<qrcode::render::svg::Color<'_>>()
        .min_dimensions(200, 200)
        .build();
    account::Entity::update_many()
        .col_expr(
            account::Column::TotpPendingSecret,
            Expr::value(secret_b32.clone()),
        )
        .filter(account::Column::Id.eq(account.id))
        .exec(db)
        .await?;
    Ok(Enrolment {
        secret: secret_b32,
        otpauth_url: url,
        qr_svg,
    })
}

/// Confirms an enrolment with a code from the app; returns the recovery codes (shown
/// once; each works once).
pub async fn confirm(db: &impl Db, account_id: i64, code: &str) -> MutationResult<Vec<String>> {
    let account = find(db, account_id).await?;
    let Some(pending) = account.totp_pending_secret.clone() else {
        return Err(UserError::new(
            "code",
            UserErrorCode::NotAllowed,
            "Start setting up two-step sign-in first",
        )
        .into());
    };
    let t = totp(&pending, &account.email)?;
    let Some(step) = matching_step(&t, code, now_secs()) else {
        return Err(UserError::new(
            "code",
            UserErrorCode::Invalid,
            "This code does not match: check that your device's clock is right and enter the newest code",
        )
        .into());
    };
    let codes: Vec<String> = (0..RECOVERY_CODES)
        .map(|_| recovery_code_text())
        .collect::<anyhow::Result<_>>()?;
    let now = Utc::now();
    let txn = db.begin().await?;
    let enabled = account::Entity::update_many()
        .col_expr(account::Column::TotpSecret, Expr::value(pending.clone()))
        .col_expr(
            account::Column::TotpPendingSecret,
            Expr::value(Option::<String>::None),
        )
        .col_expr(account::Column::TotpLastStep, Expr::value(step))
        .filter(account::Column::Id.eq(account.id))
        .filter(account::Column::TotpPendingSecret.eq(pending))
        .exec(&txn)
        .await?;
    if enabled.rows_affected != 1 {
        return Err(UserError::new(
            "code",
            UserErrorCode::NotAllowed,
            "This setup was replaced by another: start again",
        )
        .into());
    }
    recovery_code::Entity::delete_many()
        .filter(recovery_code::Column::AccountId.eq(account.id))
        .exec(&txn)
        .await?;
    for code in &codes {
        recovery_code::ActiveModel {
            account_id: Set(account.id),
            code_hash: Set(secret::digest(code)),
            created_at: Set(now),
            used_at: Set(None),
            ..Default::default()
        }
        .insert(&txn)
        .await?;
    }
    audit::append(
        &txn,
        &Actor::account(account.id),
        Change {
            action: "account.second_factor_enable",
            target_type: "Account",
            target_id: Some(account.id),
            before: None,
            after: None,
        },
    )
    .await?;
    txn.commit().await?;
    Ok(codes)
}

/// A recovery code: `xxxxx-xxxxx` in lowercase letters and digits (about 50 bits).
fn recovery_code_text() -> anyhow::Result<String> {
    const ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyz23456789";
    let bytes = secret::random_bytes(10)?;
    let chars: String = bytes
        .iter()
        .map(|b| ALPHABET[*b as usize % ALPHABET.len()] as char)
        .collect();
    Ok(format!("{}-{}", &chars[..5], &chars[5..]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recovery_codes_are_two_groups_of_five() {
        let c = recovery_code_text().unwrap();
        assert_eq!(c.len(), 11);
        assert_eq!(&c[5..6], "-");
    }
}
