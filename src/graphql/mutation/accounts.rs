//! Accounts and their passwords.

use super::announced;
use crate::graphql::args::{id_of, stakeholder_of};
use crate::graphql::context::{request, request_public};
use crate::graphql::types::{Account, UserErrorObject, outcome};
use crate::ids::NodeType;
use crate::service::accounts::{self, AccountChanges, NewAccount};
use crate::service::passwords;
use crate::viewer::Subject;
use async_graphql::{Context, ID, InputObject, Object, Result, SimpleObject};
use chrono::{DateTime, Utc};
use entity::enums::{PrincipalStatus, Role};
use secrecy::ExposeSecret;

/// Accounts and passwords.
#[derive(Default)]
pub struct AccountMutation;

/// A new account.
#[derive(InputObject)]
pub struct AccountCreateInput {
    /// Email address; unique regardless of case.
    pub email: String,
    /// Name shown to others.
    pub display_name: String,
    /// Initial password (at least 12 characters); the holder should change it.
    pub password: String,
    /// What the account may do.
    pub role: Role,
    /// The stakeholder it speaks for; required for MEMBER_STATE (a Government) and OBSERVER.
    pub stakeholder: Option<ID>,
}

/// Changes to an account; fields left out stay as they are.
#[derive(InputObject)]
pub struct AccountUpdateInput {
    /// The account.
    pub id: ID,
    /// The version you edited (`CONFLICT` when stale).
    pub version: i32,
    /// New display name.
    pub display_name: Option<String>,
    /// New role.
    pub role: Option<Role>,
    /// New stakeholder.
    pub stakeholder: Option<ID>,
}

/// One account.
#[derive(InputObject)]
pub struct AccountIdInput {
    /// The account.
    pub id: ID,
}

/// The result of an account mutation.
#[derive(SimpleObject)]
pub struct AccountPayload {
    /// The account as it now is; null when nothing changed.
    pub account: Option<Account>,
    /// Problems with the input; empty on success.
    pub user_errors: Vec<UserErrorObject>,
}

/// A one-time password-reset token.
#[derive(SimpleObject)]
pub struct AccountPasswordResetPayload {
    /// Hand this to the account's holder; it works once, until `expiresAt`.
    pub reset_token: Option<String>,
    /// When the token stops working.
    pub expires_at: Option<DateTime<Utc>>,
    /// Problems with the input; empty on success.
    pub user_errors: Vec<UserErrorObject>,
}

/// A reset token and the new password.
#[derive(InputObject)]
pub struct PasswordResetCompleteInput {
    /// The token from `accountPasswordReset`.
    pub reset_token: String,
    /// The new password (at least 12 characters).
    pub new_password: String,
}

/// The current and the new password.
#[derive(InputObject)]
pub struct PasswordChangeInput {
    /// The password in use now.
    pub current_password: String,
    /// The new password (at least 12 characters).
    pub new_password: String,
}

/// The result of a password mutation.
#[derive(SimpleObject)]
pub struct PasswordPayload {
    /// Whether the password was changed.
    pub changed: bool,
    /// Problems with the input; empty on success.
    pub user_errors: Vec<UserErrorObject>,
}

/// Disables or enables an account, and announces the change of its access.
async fn set_status(
    ctx: &Context<'_>,
    input: AccountIdInput,
    status: PrincipalStatus,
) -> Result<AccountPayload> {
    let rd = request(ctx)?;
    let id = id_of(&input.id, NodeType::Account)?;
    let result = accounts::set_status(&rd.db, &rd.viewer, id, status).await;
    account_payload(announced(rd, Subject::Account(id), result).await)
}

fn account_payload(
    result: crate::error::MutationResult<entity::account::Model>,
) -> Result<AccountPayload> {
    let (account, user_errors) = outcome(result)?;
    Ok(AccountPayload {
        account: account.map(Account),
        user_errors,
    })
}

/// Accounts and passwords.
#[Object]
impl AccountMutation {
    /// Changes the signed-in account's own password.
    async fn password_change(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Current and new password.")] input: PasswordChangeInput,
    ) -> Result<PasswordPayload> {
        let rd = request(ctx)?;
        let (done, user_errors) = outcome(
            passwords::change(
                &rd.db,
                &rd.viewer,
                &input.current_password,
                &input.new_password,
            )
            .await,
        )?;
        Ok(PasswordPayload {
            changed: done.is_some(),
            user_errors,
        })
    }

    /// Sets a new password with a reset token from the secretariat; ends every session.
    async fn password_reset_complete(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Token and new password.")] input: PasswordResetCompleteInput,
    ) -> Result<PasswordPayload> {
        let rd = request_public(ctx)?;
        let (done, user_errors) = outcome(
            passwords::complete_reset(&rd.db, &input.reset_token, &input.new_password).await,
        )?;
        Ok(PasswordPayload {
            changed: done.is_some(),
            user_errors,
        })
    }

    /// Creates an account (secretariat).
    async fn account_create(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The new account.")] input: AccountCreateInput,
    ) -> Result<AccountPayload> {
        let rd = request(ctx)?;
        let new = NewAccount {
            email: input.email,
            display_name: input.display_name,
            password: input.password,
            role: input.role,
            stakeholder_id: stakeholder_of(input.stakeholder.as_ref())?,
        };
        account_payload(accounts::create(&rd.db, &rd.viewer, new).await)
    }

    /// Changes an account's name, role or stakeholder (secretariat).
    async fn account_update(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The changes.")] input: AccountUpdateInput,
    ) -> Result<AccountPayload> {
        let rd = request(ctx)?;
        let id = id_of(&input.id, NodeType::Account)?;
        let changes = AccountChanges {
            display_name: input.display_name,
            role: input.role,
            stakeholder_id: input
                .stakeholder
                .as_ref()
                .map(|s| stakeholder_of(Some(s)))
                .transpose()?,
        };
        let result = accounts::update(&rd.db, &rd.viewer, id, input.version, changes).await;
        account_payload(announced(rd, Subject::Account(id), result).await)
    }

    /// Disables an account (secretariat): it can no longer sign in, and its tokens are
    /// refused from the next request on.
    async fn account_disable(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The account.")] input: AccountIdInput,
    ) -> Result<AccountPayload> {
        set_status(ctx, input, PrincipalStatus::Disabled).await
    }

    /// Enables a disabled account (secretariat).
    async fn account_enable(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The account.")] input: AccountIdInput,
    ) -> Result<AccountPayload> {
        set_status(ctx, input, PrincipalStatus::Active).await
    }

    /// Issues a one-time, expiring password-reset token for an account (secretariat).
    async fn account_password_reset(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The account.")] input: AccountIdInput,
    ) -> Result<AccountPasswordResetPayload> {
        let rd = request(ctx)?;
        let id = id_of(&input.id, NodeType::Account)?;
        let (issued, user_errors) =
            outcome(passwords::issue_reset(&rd.db, &rd.auth, &rd.viewer, id).await)?;
        let (reset_token, expires_at) = issued.map_or((None, None), |(t, e)| {
            (Some(t.expose_secret().to_owned()), Some(e))
        });
        Ok(AccountPasswordResetPayload {
            reset_token,
            expires_at,
            user_errors,
        })
    }
}
