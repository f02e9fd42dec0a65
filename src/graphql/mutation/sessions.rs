//! Signing in and out: sessions.

use crate::graphql::context::request_public;
use crate::graphql::types::Account;
use crate::service::sessions::{self, Session};
use crate::viewer::Subject;
use async_graphql::{Context, InputObject, Object, Result, SimpleObject};
use chrono::{DateTime, Utc};

/// Sign-in and sessions.
#[derive(Default)]
pub struct SessionMutation;

/// Email and password.
#[derive(InputObject)]
pub struct LoginInput {
    /// The account's email (any case).
    pub email: String,
    /// The account's password.
    pub password: String,
    /// For an account with a second factor: the code its authenticator app shows now,
    /// or one of its recovery codes (`xxxxx-xxxxx`).
    pub code: Option<String>,
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

/// Sign-in and sessions.
#[Object]
impl SessionMutation {
    /// Signs in. A wrong email and a wrong password get the same `UNAUTHENTICATED`
    /// error; repeated failures are `RATE_LIMITED` per email and per client address.
    /// With the right password, an account with a second factor needs `code`
    /// (`SECOND_FACTOR_REQUIRED` without it; a wrong or replayed code is
    /// `UNAUTHENTICATED` and counts as a failure); a secretariat account without one,
    /// where the secretariat requires it, is `SECOND_FACTOR_ENROLLMENT_REQUIRED`.
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
            input.code.as_deref(),
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
}
