//! Sign-in, sessions, passwords, accounts and API clients.

use crate::error::MutationResult;
use crate::graphql::args::{id_of, stakeholder_of};
use crate::graphql::context::{RequestData, request, request_public};
use crate::graphql::types::{Account, ApiClient, Scope, UserErrorObject, outcome};
use crate::ids::NodeType;
use crate::service::accounts::{self, AccountChanges, NewAccount};
use crate::service::api_clients::{self, NewApiClient};
use crate::service::passwords;
use crate::service::sessions::{self, Session};
use crate::viewer::Subject;
use async_graphql::{Context, ID, InputObject, Object, Result, SimpleObject};
use chrono::{DateTime, Utc};
use entity::enums::{PrincipalStatus, Role};
use secrecy::ExposeSecret;

/// Sign-in, accounts and API clients.
#[derive(Default)]
pub struct IdentityMutation;

/// Email and password.
#[derive(InputObject)]
pub struct LoginInput {
    /// The account's email (any case).
    pub email: String,
    /// The account's password.
    pub password: String,
}

/// A refresh token.
#[derive(InputObject)]
pub struct RefreshTokenInput {
    /// The refresh token from `login` or an earlier `sessionRefresh`.
    pub refresh_token: String,
}

/// A signed-in session: an access token to send as `Authorization: Bearer …`, and a
/// refresh token that buys the next one.
#[derive(SimpleObject)]
pub struct SessionPayload {
    /// Short-lived signed token (JWT) for the `Authorization` header.
    pub access_token: String,
    /// When the access token expires.
    pub access_token_expires_at: DateTime<Utc>,
    /// Opaque token for `sessionRefresh`; it works once and is replaced each time.
    pub refresh_token: String,
    /// When the refresh token expires.
    pub refresh_token_expires_at: DateTime<Utc>,
    /// The signed-in account.
    pub account: Account,
}

impl From<Session> for SessionPayload {
    fn from(s: Session) -> Self {
        SessionPayload {
            access_token: s.access_token,
            access_token_expires_at: s.access_expires_at,
            refresh_token: s.refresh_token,
            refresh_token_expires_at: s.refresh_expires_at,
            account: Account(s.account),
        }
    }
}

/// The outcome of `logout`.
#[derive(SimpleObject)]
pub struct LogoutPayload {
    /// Always true: the session, if it existed, has ended.
    pub logged_out: bool,
}

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

/// A new API client.
#[derive(InputObject)]
pub struct ApiClientCreateInput {
    /// What the partner calls it.
    pub name: String,
    /// The stakeholder it belongs to.
    pub stakeholder: ID,
    /// The role its tokens carry.
    pub role: Role,
    /// Its scopes (at least one).
    pub scopes: Vec<Scope>,
}

/// One API client.
#[derive(InputObject)]
pub struct ApiClientIdInput {
    /// The API client.
    pub id: ID,
}

/// The result of an API client mutation.
#[derive(SimpleObject)]
pub struct ApiClientPayload {
    /// The client as it now is; null when nothing changed.
    pub api_client: Option<ApiClient>,
    /// The client's secret, shown this once (on create and rotate only).
    pub client_secret: Option<String>,
    /// Problems with the input; empty on success.
    pub user_errors: Vec<UserErrorObject>,
}

/// Announces a successful change to `subject`'s access, so that open sockets read its
/// record again at once.
async fn announced<T>(
    rd: &RequestData,
    subject: Subject,
    result: MutationResult<T>,
) -> MutationResult<T> {
    if result.is_ok() {
        rd.events.access_changed(subject).await;
    }
    result
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

fn client_payload(
    result: crate::error::MutationResult<(entity::api_client::Model, Option<String>)>,
) -> Result<ApiClientPayload> {
    let (value, user_errors) = outcome(result)?;
    let (api_client, client_secret) = match value {
        Some((client, secret)) => (Some(ApiClient(client)), secret),
        None => (None, None),
    };
    Ok(ApiClientPayload {
        api_client,
        client_secret,
        user_errors,
    })
}

/// Sign-in, accounts and API clients.
#[Object]
impl IdentityMutation {
    /// Signs in. A wrong email and a wrong password get the same `UNAUTHENTICATED`
    /// error; repeated failures are `RATE_LIMITED` per email and per client address.
    async fn login(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Email and password.")] input: LoginInput,
    ) -> Result<SessionPayload> {
        let rd = request_public(ctx)?;
        let session = sessions::login(
            &rd.db,
            &rd.auth,
            &input.email,
            &input.password,
            rd.client_ip.as_deref(),
        )
        .await?;
        Ok(session.into())
    }

    /// Exchanges a refresh token for a new access token and a new refresh token. The
    /// old refresh token stops working; presenting it again ends the whole session.
    async fn session_refresh(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The refresh token.")] input: RefreshTokenInput,
    ) -> Result<SessionPayload> {
        let rd = request_public(ctx)?;
        Ok(sessions::refresh(&rd.db, &rd.auth, &input.refresh_token)
            .await?
            .into())
    }

    /// Ends the session a refresh token belongs to.
    async fn logout(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The refresh token.")] input: RefreshTokenInput,
    ) -> Result<LogoutPayload> {
        let rd = request_public(ctx)?;
        if let Some(account) = sessions::logout(&rd.db, &input.refresh_token).await? {
            rd.events.access_changed(Subject::Account(account)).await;
        }
        Ok(LogoutPayload { logged_out: true })
    }

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

    /// Registers a partner's API client (secretariat); the secret is shown once.
    async fn api_client_create(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The new client.")] input: ApiClientCreateInput,
    ) -> Result<ApiClientPayload> {
        let rd = request(ctx)?;
        let new = NewApiClient {
            name: input.name,
            stakeholder_id: id_of(&input.stakeholder, NodeType::Stakeholder)?,
            role: input.role,
            scopes: input.scopes.iter().map(|s| s.name().to_owned()).collect(),
        };
        client_payload(
            api_clients::create(&rd.db, &rd.viewer, new)
                .await
                .map(|(c, s)| (c, Some(s.expose_secret().to_owned()))),
        )
    }

    /// Replaces a client's secret (secretariat); the old one stops working at once.
    async fn api_client_rotate_secret(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The client.")] input: ApiClientIdInput,
    ) -> Result<ApiClientPayload> {
        let rd = request(ctx)?;
        let id = id_of(&input.id, NodeType::ApiClient)?;
        let result = api_clients::rotate(&rd.db, &rd.viewer, id).await;
        let result = announced(rd, Subject::Client(id), result).await;
        client_payload(result.map(|(c, s)| (c, Some(s.expose_secret().to_owned()))))
    }

    /// Revokes a client (secretariat): its secret and its tokens stop working.
    async fn api_client_revoke(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The client.")] input: ApiClientIdInput,
    ) -> Result<ApiClientPayload> {
        let rd = request(ctx)?;
        let id = id_of(&input.id, NodeType::ApiClient)?;
        let result = api_clients::revoke(&rd.db, &rd.viewer, id).await;
        let result = announced(rd, Subject::Client(id), result).await;
        client_payload(result.map(|c| (c, None)))
    }
}
