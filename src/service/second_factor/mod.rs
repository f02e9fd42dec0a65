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
use crate::service::refresh_tokens;
use crate::viewer::Viewer;
use chrono::Utc;
use entity::{account, recovery_code, server_setting};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter, Set,
};
use totp_rs::{Algorithm, Secret, TOTP};

mod enrol;

pub use enrol::{Enrolment, RECOVERY_CODES, begin, confirm, enrolling, enrolment_token};
/// The setting that requires a second factor of secretariat accounts.
const REQUIRED_FOR_SECRETARIAT: &str = "second_factor.required_for_secretariat";

const WRONG_CODE: &str =
    "Wrong code: enter the newest code your authenticator app shows, or an unused recovery code";
const REPLAYED: &str = "This code was used already: wait for your authenticator app's next one";

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
            secret::constant_time_eq(expected.as_bytes(), code.as_bytes())
        })
        .map(|s| s as i64)
}

fn now_secs() -> u64 {
    u64::try_from(Utc::now().timestamp()).unwrap_or(0)
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

/// Turns the signed-in account's second factor off, with a code; refused where it is
/// required.
pub async fn disable(db: &impl Db, viewer: &Viewer, code: &str) -> MutationResult<account::Model> {
    let id = policy::own_account(viewer)?;
    let account = find(db, id).await?;
    if account.totp_secret.is_none() {
        return Err(UserError::new(
            "code",
            UserErrorCode::NotAllowed,
            "Two-step sign-in is not on",
        )
        .into());
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
    turn_off(db, &Actor::of(viewer), id, "account.second_factor_disable").await
}

/// Takes an account's second factor away (secretariat), for a holder who lost both the
/// app and the recovery codes: its sessions end, and it signs in with its password
/// alone, or sets one up again (at once, where the secretariat requires it).
pub async fn reset(db: &impl Db, viewer: &Viewer, id: i64) -> MutationResult<account::Model> {
    policy::may(viewer, Action::ManageIdentities)?;
    let account = find(db, id).await?;
    if account.totp_secret.is_none() {
        return Err(UserError::new(
            "id",
            UserErrorCode::NotAllowed,
            "This account has no two-step sign-in to reset",
        )
        .into());
    }
    turn_off(db, &Actor::of(viewer), id, "account.second_factor_reset").await
}

/// Turns account `id`'s second factor off and ends its sessions, audited as `action`.
async fn turn_off(
    db: &impl Db,
    actor: &Actor,
    id: i64,
    action: &'static str,
) -> MutationResult<account::Model> {
    let txn = db.begin().await?;
    account::Entity::update_many()
        .col_expr(
            account::Column::TotpSecret,
            Expr::value(Option::<String>::None),
        )
        .col_expr(
            account::Column::TotpLastStep,
            Expr::value(Option::<i64>::None),
        )
        .filter(account::Column::Id.eq(id))
        .exec(&txn)
        .await?;
    recovery_code::Entity::delete_many()
        .filter(recovery_code::Column::AccountId.eq(id))
        .exec(&txn)
        .await?;
    // Whoever held a session signed in with the old factor signs in again.
    refresh_tokens::revoke_all(&txn, id).await?;
    audit::append(
        &txn,
        actor,
        Change {
            action,
            target_type: "Account",
            target_id: Some(id),
            before: None,
            after: None,
        },
    )
    .await?;
    txn.commit().await?;
    find(db, id).await
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
                message: "The secretariat requires two-step sign-in of this account: set it up with the enrolment token, then sign in with a code",
                enrollment_token: Some(enrolment_token(auth, account.id)),
            });
        }
        return Ok(());
    }
    match code.map(str::trim).filter(|c| !c.is_empty()) {
        None => Err(AppError::SecondFactor {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_code_matches_one_step_either_side_and_no_further() {
        let t = totp("JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP", "a@example.org").unwrap();
        let now = 1_800_000_015u64;
        let step = (now / 30) as i64;
        for (offset, expected) in [
            (-30i64, Some(step - 1)),
            (0, Some(step)),
            (30, Some(step + 1)),
        ] {
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
}
