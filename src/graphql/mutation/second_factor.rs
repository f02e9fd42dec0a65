//! The second factor: enrolling an authenticator app, turning it off, and the
//! secretariat requiring it of its accounts.

use crate::graphql::context::{request, request_public};
use crate::graphql::types::{Account, UserErrorObject, outcome};
use crate::service::second_factor;
use async_graphql::{Context, InputObject, Object, Result, SimpleObject};

/// The second factor.
#[derive(Default)]
pub struct SecondFactorMutation;

/// Who enrols: the signed-in account, or the one an enrolment token names.
#[derive(InputObject, Default)]
pub struct SecondFactorEnrollBeginInput {
    /// From `login`'s `SECOND_FACTOR_ENROLLMENT_REQUIRED` error, when not signed in.
    pub enrollment_token: Option<String>,
}

/// A secret to add to an authenticator app.
#[derive(SimpleObject)]
pub struct SecondFactorEnrollmentPayload {
    /// The secret in base32, to type into the app. Shown once.
    pub secret: Option<String>,
    /// The `otpauth://totp/…` URL the QR code holds.
    pub otpauth_url: Option<String>,
    /// The URL as a QR code, an SVG image, for the app to scan.
    pub qr_code_svg: Option<String>,
    /// Problems with the input; empty on success.
    pub user_errors: Vec<UserErrorObject>,
}

/// A code from the app, confirming the enrolment.
#[derive(InputObject)]
pub struct SecondFactorEnrollConfirmInput {
    /// The six digits the app shows now.
    pub code: String,
    /// As for `secondFactorEnrollBegin`, when not signed in.
    pub enrollment_token: Option<String>,
}

/// The recovery codes of a new second factor.
#[derive(SimpleObject)]
pub struct SecondFactorConfirmPayload {
    /// Ten codes, each of which signs in once in place of the app's code. Shown once:
    /// keep them somewhere safe.
    pub recovery_codes: Option<Vec<String>>,
    /// Problems with the input; empty on success.
    pub user_errors: Vec<UserErrorObject>,
}

/// A code, to turn the second factor off.
#[derive(InputObject)]
pub struct SecondFactorDisableInput {
    /// The app's code now, or a recovery code.
    pub code: String,
}

/// Whether secretariat accounts must sign in with a second factor.
#[derive(InputObject)]
pub struct SecondFactorRequirementInput {
    /// True: every secretariat account must (those without one enrol at their next
    /// sign-in); false: each chooses.
    pub secretariat: bool,
}

/// The requirement as it now is.
#[derive(SimpleObject)]
pub struct SecondFactorRequirementPayload {
    /// Whether secretariat accounts must sign in with a second factor.
    pub secretariat: bool,
    /// Problems with the input; empty on success.
    pub user_errors: Vec<UserErrorObject>,
}

/// The second factor.
#[Object]
impl SecondFactorMutation {
    /// Starts enrolling an authenticator app (the signed-in account, or the holder of
    /// an enrolment token): a new secret, with its URL and QR code; confirm it with
    /// `secondFactorEnrollConfirm`.
    async fn second_factor_enroll_begin(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "An enrolment token, when not signed in.", default)]
        input: SecondFactorEnrollBeginInput,
    ) -> Result<SecondFactorEnrollmentPayload> {
        let rd = request_public(ctx)?;
        let result =
            match second_factor::enrolling(&rd.auth, &rd.viewer, input.enrollment_token.as_deref())
            {
                Ok(id) => second_factor::begin(&rd.db, id).await,
                Err(e) => Err(e),
            };
        let (enrolment, user_errors) = outcome(result)?;
        Ok(match enrolment {
            Some(e) => SecondFactorEnrollmentPayload {
                secret: Some(e.secret),
                otpauth_url: Some(e.otpauth_url),
                qr_code_svg: Some(e.qr_svg),
                user_errors,
            },
            None => SecondFactorEnrollmentPayload {
                secret: None,
                otpauth_url: None,
                qr_code_svg: None,
                user_errors,
            },
        })
    }

    /// Confirms the enrolment with a code from the app: from now on sign-in asks for a
    /// code. Returns ten recovery codes, shown once.
    async fn second_factor_enroll_confirm(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The app's code.")] input: SecondFactorEnrollConfirmInput,
    ) -> Result<SecondFactorConfirmPayload> {
        let rd = request_public(ctx)?;
        let result =
            match second_factor::enrolling(&rd.auth, &rd.viewer, input.enrollment_token.as_deref())
            {
                Ok(id) => second_factor::confirm(&rd.db, id, &input.code).await,
                Err(e) => Err(e),
            };
        let (recovery_codes, user_errors) = outcome(result)?;
        Ok(SecondFactorConfirmPayload {
            recovery_codes,
            user_errors,
        })
    }

    /// Turns the signed-in account's second factor off, with a code (refused where the
    /// secretariat requires it).
    async fn second_factor_disable(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "A code.")] input: SecondFactorDisableInput,
    ) -> Result<super::accounts::AccountPayload> {
        let rd = request(ctx)?;
        let (account, user_errors) =
            outcome(second_factor::disable(&rd.db, &rd.viewer, &input.code).await)?;
        Ok(super::accounts::AccountPayload {
            account: account.map(Account),
            user_errors,
        })
    }

    /// Takes an account's second factor away (secretariat), for a holder who lost both
    /// the app and the recovery codes; its sessions end.
    async fn account_second_factor_reset(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The account.")] input: super::accounts::AccountIdInput,
    ) -> Result<super::accounts::AccountPayload> {
        let rd = request(ctx)?;
        let id = crate::graphql::args::id_of(&input.id, crate::ids::NodeType::Account)?;
        let (account, user_errors) = outcome(second_factor::reset(&rd.db, &rd.viewer, id).await)?;
        Ok(super::accounts::AccountPayload {
            account: account.map(Account),
            user_errors,
        })
    }

    /// Requires (or stops requiring) a second factor of every secretariat account
    /// (secretariat).
    async fn second_factor_requirement_set(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The requirement.")] input: SecondFactorRequirementInput,
    ) -> Result<SecondFactorRequirementPayload> {
        let rd = request(ctx)?;
        let (set, user_errors) = outcome(
            second_factor::set_required_for_secretariat(&rd.db, &rd.viewer, input.secretariat)
                .await,
        )?;
        Ok(SecondFactorRequirementPayload {
            secretariat: set.unwrap_or(false),
            user_errors,
        })
    }
}
