//! A second factor at sign-in: time-based one-time codes (RFC 6238: HMAC-SHA1, six
//! digits, 30-second steps, through `totp-rs`), with ten single-use recovery codes.
//!
//! An account enrols by asking for a secret (shown once, with its `otpauth://` URL and
//! a QR code) and confirming it with a code from the app. From then on `login` needs a
//! code: one of the step before, the step now, or the step after (a clock off by one
//! step is accepted), never one of a step already used (a code seen over a shoulder or
//! replayed is refused), or an unused recovery code. A password reset by email sets the
//! password only: the second factor is still asked.
//!
//! The secretariat may require it of every secretariat account
//! ([`policy::second_factor_required`]): a secretariat account without one that signs
//! in with the right password is refused with `SECOND_FACTOR_ENROLLMENT_REQUIRED` and
//! an enrolment token (ten minutes, this account only) to enrol with, before it signs in.

use crate::auth::{Auth, secret};
use crate::db::Db;
use crate::error::{AppError, AppResult, MutationResult, UserError, UserErrorCode};
use crate::policy::{self, Action};
use crate::service::accounts::find;
use crate::service::audit::{self, Actor, Change};
use crate::viewer::Viewer;
use chrono::Utc;
use entity::{account, recovery_code, server_setting};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter, Set,
};
use totp_rs::{Algorithm, Secret, TOTP};

/// Recovery codes made at enrolment.
pub const RECOVERY_CODES: usize = 10;
/// Seconds an enrolment token works.
const ENROLMENT_SECONDS: i64 = 600;
/// The setting that requires a second factor of secretariat accounts.
const REQUIRED_FOR_SECRETARIAT: &str = "second_factor.required_for_secretariat";

const WRONG_CODE: &str = "Wrong code: enter the newest code your authenticator app shows, or an unused recovery code";
const REPLAYED: &str =
    "This code was used already: wait for your authenticator app's next one";

/// What an account needs to add the secret to its authenticator app.
pub struct Enrolment {
    /// Base32, as apps take it typed in.
    pub secret: String,
    /// `otpauth://totp/Concord:<email>?secret=…&issuer=Concord`.
    pub otpauth_url: String,
    /// The URL as a QR code (SVG).
    pub qr_svg: String,
}

fn totp(secret_b32: &str, email: &str) -> anyhow::Result<TOTP> {
    let bytes = Secret::Encoded(secret_b32.to_owned())
        .to_bytes()
        .map_err(|e| anyhow::anyhow!("a stored TOTP secret is not base32: {e:?}"))?;
    TOTP::new(
        Algorithm::SHA1,
        6,
        1,
        30,
        bytes,
        Some("Concord".to_owned()),
        email.replace(':', ""),
    )
    .map_err(|e| anyhow::anyhow!("TOTP: {e:?}"))
}

/// The step (of 30 s) whose code `code` is, within one step either side of `now` (unix
/// seconds); none when it is no such code.
pub fn matching_step(t: &TOTP, code: &str, now: u64) -> Option<i64> {
    let code: String = code.chars().filter(|c| !c.is_whitespace()).collect();
    if code.len() != 6 || !code.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    let step = now / 30;
    [step.saturating_sub(1), step, step + 1]
        .into_iter()
        .find(|s| {
            let expected = t.generate(s * 30);
            // Compared in constant time.
            expected
                .bytes()
                .zip(code.bytes())
                .fold(0u8, |acc, (a, b)| acc | (a ^ b))
                == 0
        })
        .map(|s| s as i64)
}

fn now_secs() -> u64 {
    Utc::now().timestamp().max(0) as u64
}

/// Whether secretariat accounts must sign in with a second factor.
pub async fn required_for_secretariat(db: &impl ConnectionTrait) -> AppResult<bool> {
    Ok(server_setting::Entity::find_by_id(REQUIRED_FOR_SECRETARIAT)
        .one(db)
        .await?
        .is_some_and(|s| s.value == "true"))
}

/// Requires (or stops requiring) a second factor of every secretariat account
/// (secretariat).
pub async fn set_required_for_secretariat(
    db: &impl Db,
    viewer: &Viewer,
    required: bool,
) -> MutationResult<bool> {
    policy::may(viewer, Action::ManageIdentities)?;
    let txn = db.begin().await?;
    server_setting::Entity::delete_by_id(REQUIRED_FOR_SECRETARIAT)
        .exec(&txn)
        .await?;
    server_setting::ActiveModel {
        key: Set(REQUIRED_FOR_SECRETARIAT.to_owned()),
        value: Set(required.to_string()),
        updated_at: Set(Utc::now()),
    }
    .insert(&txn)
    .await?;
    audit::append(
        &txn,
        &Actor::of(viewer),
        Change {
            action: if required {
                "second_factor.require"
            } else {
                "second_factor.unrequire"
            },
            target_type: "Setting",
            target_id: None,
            before: None,
            after: None,
        },
    )
    .await?;
    txn.commit().await?;
    Ok(required)
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
    let same = expected[4..].len() == mac.len()
        && expected[4..]
            .bytes()
            .zip(mac.bytes())
            .fold(0u8, |acc, (a, b)| acc | (a ^ b))
            == 0;
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

/// Turns the signed-in account's second factor off, with a code; refused where it is
/// required.
pub async fn disable(db: &impl Db, viewer: &Viewer, code: &str) -> MutationResult<account::Model> {
    let id = policy::own_account(viewer)?;
    let account = find(db, id).await?;
    if account.totp_secret.is_none() {
        return Err(UserError::new("code", UserErrorCode::NotAllowed, "Two-step sign-in is not on").into());
    }
    if policy::second_factor_required(account.role, required_for_secretariat(db).await?) {
        return Err(UserError::new(
            "code",
            UserErrorCode::NotAllowed,
            "The secretariat requires two-step sign-in of this account",
        )
        .into());
    }
    if let Err(err) = use_code(db, &account, code).await {
        return Err(UserError::new("code", UserErrorCode::Invalid, err.message()).into());
    }
    let txn = db.begin().await?;
    account::Entity::update_many()
        .col_expr(account::Column::TotpSecret, Expr::value(Option::<String>::None))
        .col_expr(account::Column::TotpLastStep, Expr::value(Option::<i64>::None))
        .filter(account::Column::Id.eq(id))
        .exec(&txn)
        .await?;
    recovery_code::Entity::delete_many()
        .filter(recovery_code::Column::AccountId.eq(id))
        .exec(&txn)
        .await?;
    audit::append(
        &txn,
        &Actor::of(viewer),
        Change {
            action: "account.second_factor_disable",
            target_type: "Account",
            target_id: Some(id),
            before: None,
            after: None,
        },
    )
    .await?;
    txn.commit().await?;
    Ok(find(db, id).await?)
}

/// At sign-in, once the password is right: what the account's second factor asks.
pub(crate) async fn check_at_sign_in(
    db: &impl Db,
    auth: &Auth,
    account: &account::Model,
    code: Option<&str>,
) -> AppResult<()> {
    if account.totp_secret.is_none() {
        if policy::second_factor_required(account.role, required_for_secretariat(db).await?) {
            return Err(AppError::SecondFactor {
                code: "SECOND_FACTOR_ENROLLMENT_REQUIRED",
                message: "The secretariat requires two-step sign-in of this account: set it up with the enrolment token, then sign in with a code",
                enrollment_token: Some(enrolment_token(auth, account.id)),
            });
        }
        return Ok(());
    }
    match code.map(str::trim).filter(|c| !c.is_empty()) {
        None => Err(AppError::SecondFactor {
            code: "SECOND_FACTOR_REQUIRED",
            message: "Enter the code from your authenticator app (or a recovery code)",
            enrollment_token: None,
        }),
        Some(code) => use_code(db, account, code).await,
    }
}

/// Uses a code: a TOTP code of a step not used before, or an unused recovery code.
async fn use_code(db: &impl Db, account: &account::Model, code: &str) -> AppResult<()> {
    let code = code.trim();
    if code.contains('-') {
        let used = recovery_code::Entity::update_many()
            .col_expr(recovery_code::Column::UsedAt, Expr::value(Utc::now()))
            .filter(recovery_code::Column::AccountId.eq(account.id))
            .filter(recovery_code::Column::CodeHash.eq(secret::digest(&code.to_lowercase())))
            .filter(recovery_code::Column::UsedAt.is_null())
            .exec(db)
            .await?;
        return if used.rows_affected == 1 {
            Ok(())
        } else {
            Err(AppError::Unauthenticated(WRONG_CODE))
        };
    }
    let Some(secret_b32) = &account.totp_secret else {
        return Err(AppError::Unauthenticated(WRONG_CODE));
    };
    let t = totp(secret_b32, &account.email)?;
    let Some(step) = matching_step(&t, code, now_secs()) else {
        return Err(AppError::Unauthenticated(WRONG_CODE));
    };
    // Only a step after the last one used: conditional, so two sign-ins with the same
    // code cannot both pass.
    let taken = account::Entity::update_many()
        .col_expr(account::Column::TotpLastStep, Expr::value(step))
        .filter(account::Column::Id.eq(account.id))
        .filter(
            Condition::any()
                .add(account::Column::TotpLastStep.is_null())
                .add(Expr::col(account::Column::TotpLastStep).lt(step)),
        )
        .exec(db)
        .await?;
    if taken.rows_affected == 1 {
        Ok(())
    } else {
        Err(AppError::Unauthenticated(REPLAYED))
    }
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
    fn a_code_matches_one_step_either_side_and_no_further() {
        let t = totp("JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP", "a@example.org").unwrap();
        let now = 1_800_000_015u64;
        let step = (now / 30) as i64;
        for (offset, expected) in [(-30i64, Some(step - 1)), (0, Some(step)), (30, Some(step + 1))] {
            let code = t.generate((now as i64 + offset) as u64);
            assert_eq!(matching_step(&t, &code, now), expected, "offset {offset}");
        }
        for offset in [-60i64, 60] {
            let code = t.generate((now as i64 + offset) as u64);
            // A code two steps away may, by chance, equal a nearer one; it never matches
            // as its own step.
            assert_ne!(matching_step(&t, &code, now), Some(step + offset / 30));
        }
        assert_eq!(matching_step(&t, "12345", now), None);
        assert_eq!(matching_step(&t, "abcdef", now), None);
    }

    #[test]
    fn recovery_codes_are_two_groups_of_five() {
        let c = recovery_code_text().unwrap();
        assert_eq!(c.len(), 11);
        assert_eq!(&c[5..6], "-");
    }
}
