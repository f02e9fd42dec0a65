//! Invitations to hold an account, and how their emails fare.

use super::{Account, Stakeholder};
use crate::graphql::context::request;
use crate::graphql::loaders::{AccountKey, EmailMessageKey};
use crate::ids::{GlobalId, NodeType};
use async_graphql::{Context, ID, Object, Result, SimpleObject};
use chrono::{DateTime, Utc};
use entity::enums::{EmailLanguage, EmailStatus, Role};
use entity::invitation;

/// An invitation to hold an account: a one-time link, bound to its email, to choose a
/// password. Visible to the secretariat.
#[derive(Clone)]
pub struct Invitation(pub invitation::Model);

/// An invitation to hold an account: a one-time link, bound to its email, to choose a
/// password. Visible to the secretariat.
#[Object]
impl Invitation {
    /// Opaque global ID.
    pub async fn id(&self) -> ID {
        GlobalId::new(NodeType::Invitation, self.0.id)
            .encode()
            .into()
    }

    /// The email it was sent to; the account made from it holds this email.
    async fn email(&self) -> &str {
        &self.0.email
    }

    /// The name the account starts with (its holder may choose another on accepting).
    async fn display_name(&self) -> &str {
        &self.0.display_name
    }

    /// What the account may do.
    async fn role(&self) -> Role {
        self.0.role
    }

    /// The stakeholder it will speak for.
    async fn stakeholder(&self, ctx: &Context<'_>) -> Result<Option<Stakeholder>> {
        super::identity::stakeholder(ctx, self.0.stakeholder_id).await
    }

    /// The language of its emails.
    async fn language(&self) -> EmailLanguage {
        self.0.language
    }

    /// When it was made.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }

    /// When its link stops working.
    async fn expires_at(&self) -> DateTime<Utc> {
        self.0.expires_at
    }

    /// When it was accepted; null until then.
    async fn accepted_at(&self) -> Option<DateTime<Utc>> {
        self.0.accepted_at
    }

    /// When a newer invitation to the same email replaced it.
    async fn superseded_at(&self) -> Option<DateTime<Utc>> {
        self.0.superseded_at
    }

    /// The account made when it was accepted.
    async fn account(&self, ctx: &Context<'_>) -> Result<Option<Account>> {
        let Some(id) = self.0.account_id else {
            return Ok(None);
        };
        let rd = request(ctx)?;
        Ok(rd.loader.load_one(AccountKey(id)).await?.map(Account))
    }

    /// The email that carries its link; null when the link was handed over.
    async fn email_delivery(&self, ctx: &Context<'_>) -> Result<Option<EmailDelivery>> {
        let Some(id) = self.0.email_message_id else {
            return Ok(None);
        };
        let rd = request(ctx)?;
        // Batched: a list of invitations reads its emails in one statement.
        let message = rd.loader.load_one(EmailMessageKey(id)).await?;
        Ok(message.map(|m| EmailDelivery {
            status: m.status,
            attempts: m.attempts,
            last_error: m.last_error,
            next_attempt_at: (m.status == EmailStatus::Pending).then_some(m.next_attempt_at),
            sent_at: m.sent_at,
        }))
    }
}

/// How an email fares in the outbox.
#[derive(SimpleObject)]
pub struct EmailDelivery {
    /// PENDING until the SMTP server accepts it (SENT) or it is given up (FAILED).
    pub status: EmailStatus,
    /// Attempts made so far.
    pub attempts: i32,
    /// What went wrong last, in the SMTP server's words when it answered (e.g. a
    /// refused recipient).
    pub last_error: Option<String>,
    /// When it is tried next, while PENDING.
    pub next_attempt_at: Option<DateTime<Utc>>,
    /// When the SMTP server accepted it.
    pub sent_at: Option<DateTime<Utc>>,
}
