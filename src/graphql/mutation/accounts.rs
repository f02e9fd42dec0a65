//! Accounts and their passwords.

use super::announced;
use crate::graphql::args::{id_of, stakeholder_of};
use crate::graphql::context::{request, request_public};
use crate::graphql::types::{Account, Invitation, UserErrorObject, outcome};
use crate::ids::NodeType;
use crate::service::accounts::{self, AccountChanges, NewAccount};
use crate::service::invitations::{self, NewInvitation};
use crate::service::passwords;
use crate::viewer::Subject;
use async_graphql::{Context, ID, InputObject, Object, Result, SimpleObject};
use chrono::{DateTime, Utc};
use entity::enums::{EmailLanguage, PrincipalStatus, Role};
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

/// A one-time password-reset link.
#[derive(SimpleObject)]
pub struct AccountPasswordResetPayload {
    /// The link's token, when this server sends no email: hand it to the account's
    /// holder (the console shows it as a link); it works once, until `expiresAt`. Null
    /// when the link went to the account's email.
    pub reset_token: Option<String>,
    /// Whether the link went to the account's email.
    pub emailed: bool,
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

/// Who to invite.
#[derive(InputObject)]
pub struct AccountInviteInput {
    /// Email address the link goes to; the account will hold it.
    pub email: String,
    /// Name the account starts with; read from the email if not given.
    pub display_name: Option<String>,
    /// What the account may do.
    pub role: Role,
    /// The stakeholder it speaks for; required for MEMBER_STATE (a Government) and OBSERVER.
    pub stakeholder: Option<ID>,
    /// The language of its emails.
    #[graphql(default_with = "EmailLanguage::En")]
    pub language: EmailLanguage,
}

/// The result of `accountInvite`.
#[derive(SimpleObject)]
pub struct AccountInvitePayload {
    /// The invitation; null when nothing was made.
    pub invitation: Option<Invitation>,
    /// The link's token when this server sends no email: hand it over (the console
    /// shows it as a link, `/console#/accept/<token>`). Shown once.
    pub invitation_token: Option<String>,
    /// Whether the link goes by email.
    pub emailed: bool,
    /// Problems with the input; empty on success.
    pub user_errors: Vec<UserErrorObject>,
}

/// An invitation's token and the password its holder chooses.
#[derive(InputObject)]
pub struct InvitationAcceptInput {
    /// The token from the invitation's link.
    pub token: String,
    /// The password (at least 12 characters).
    pub password: String,
    /// The name to show others, if not the one the secretariat gave.
    pub display_name: Option<String>,
}

/// An email address that forgot its password.
#[derive(InputObject)]
pub struct PasswordResetRequestInput {
    /// The account's email (any case).
    pub email: String,
}

/// The result of `passwordResetRequest`.
#[derive(SimpleObject)]
pub struct PasswordResetRequestPayload {
    /// True once the request is taken: a link goes to the email if an account holds it.
    pub accepted: bool,
    /// Problems with the input; empty on success.
    pub user_errors: Vec<UserErrorObject>,
}

/// The signed-in account's email preferences; fields left out stay as they are.
#[derive(InputObject)]
pub struct AccountPreferencesInput {
    /// The language of its emails.
    pub language: Option<EmailLanguage>,
    /// Whether to hear by email of the moderation of its stakeholder's contributions.
    pub moderation_emails: Option<bool>,
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
        let by_email = rd.links_by_email;
        let (issued, user_errors) =
            outcome(passwords::issue_reset(&rd.db, &rd.auth, &rd.viewer, id, by_email).await)?;
        let emailed = issued.is_some() && by_email;
        let (reset_token, expires_at) = issued.map_or((None, None), |(t, e)| {
            (t.map(|t| t.expose_secret().to_owned()), Some(e))
        });
        Ok(AccountPasswordResetPayload {
            reset_token,
            emailed,
            expires_at,
            user_errors,
        })
    }

    /// Invites a person to hold an account (secretariat): a one-time link, bound to the
    /// email, to choose a password. With email configured the link goes to the email;
    /// without, `invitationToken` is returned to hand over. A newer invitation to the
    /// same email replaces the older; an email that already has an account is `TAKEN`.
    async fn account_invite(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Who to invite.")] input: AccountInviteInput,
    ) -> Result<AccountInvitePayload> {
        let rd = request(ctx)?;
        let new = NewInvitation {
            email: input.email,
            display_name: input.display_name,
            role: input.role,
            stakeholder_id: stakeholder_of(input.stakeholder.as_ref())?,
            language: input.language,
        };
        let by_email = rd.links_by_email;
        let (invited, user_errors) =
            outcome(invitations::invite(&rd.db, &rd.auth, &rd.viewer, new, by_email).await)?;
        Ok(match invited {
            Some(i) => AccountInvitePayload {
                invitation: Some(Invitation(i.invitation)),
                invitation_token: i.token.map(|t| t.expose_secret().to_owned()),
                emailed: by_email,
                user_errors,
            },
            None => AccountInvitePayload {
                invitation: None,
                invitation_token: None,
                emailed: false,
                user_errors,
            },
        })
    }

    /// Accepts an invitation: makes the account with the chosen password. Anyone with
    /// the link's token may call it; it works once, until the invitation expires.
    async fn invitation_accept(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The link's token and the password.")] input: InvitationAcceptInput,
    ) -> Result<AccountPayload> {
        let rd = request_public(ctx)?;
        account_payload(
            invitations::accept(
                &rd.db,
                &input.token,
                &input.password,
                input.display_name.as_deref(),
            )
            .await,
        )
    }

    /// "Forgot password?": sends a reset link to the email, if an active account holds
    /// it. The answer is the same whether or not one does; limited per email and per
    /// client address (`RATE_LIMITED`), and to three links an hour per account.
    async fn password_reset_request(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The email.")] input: PasswordResetRequestInput,
    ) -> Result<PasswordResetRequestPayload> {
        let rd = request_public(ctx)?;
        let (done, user_errors) = outcome(
            passwords::request_reset(
                &rd.db,
                &input.email,
                rd.client_ip.as_deref(),
                rd.links_by_email,
            )
            .await,
        )?;
        Ok(PasswordResetRequestPayload {
            accepted: done.is_some(),
            user_errors,
        })
    }

    /// Changes the signed-in account's own email preferences.
    async fn account_preferences_update(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The preferences to change.")] input: AccountPreferencesInput,
    ) -> Result<AccountPayload> {
        let rd = request(ctx)?;
        account_payload(
            accounts::set_preferences(&rd.db, &rd.viewer, input.language, input.moderation_emails)
                .await,
        )
    }
}
