//! Partners' webhooks and their delivery log.

use crate::graphql::args::page;
use crate::graphql::connection::connection;
use crate::graphql::context::request;
use crate::graphql::enums::EventName;
use crate::ids::{GlobalId, NodeType};
use crate::service::webhooks;
use async_graphql::{Context, ID, Object, Result, SimpleObject};
use chrono::{DateTime, Utc};
use entity::enums::WebhookDeliveryStatus;
use entity::{webhook, webhook_attempt, webhook_delivery};

/// An HTTPS endpoint that hears of events, signed with its secret. Its owner (the
/// secretariat, or a partner's API client) manages it; it hears only of what its owner
/// may read.
#[derive(Clone)]
pub struct Webhook(pub webhook::Model);

/// An HTTPS endpoint that hears of events, signed with its secret. Its owner (the
/// secretariat, or a partner's API client) manages it; it hears only of what its owner
/// may read.
#[Object]
impl Webhook {
    /// Opaque global ID.
    pub async fn id(&self) -> ID {
        GlobalId::new(NodeType::Webhook, self.0.id).encode().into()
    }

    /// Increases with every change; name it when you edit (`CONFLICT` when stale).
    async fn version(&self) -> i32 {
        self.0.version
    }

    /// Where deliveries are POSTed.
    async fn url(&self) -> &str {
        &self.0.url
    }

    /// The events it hears of.
    async fn events(&self) -> Vec<EventName> {
        webhooks::events_of(&self.0)
            .into_iter()
            .map(Into::into)
            .collect()
    }

    /// What its owner calls it.
    async fn description(&self) -> Option<&str> {
        self.0.description.as_deref()
    }

    /// Whether it is sent events (an inactive one keeps its log).
    async fn active(&self) -> bool {
        self.0.active
    }

    /// Who owns it: `account:ID` or `client:ID`, as the audit log names principals.
    async fn owner(&self) -> String {
        match (self.0.owner_account_id, self.0.owner_client_id) {
            (Some(id), _) => format!("account:{id}"),
            (_, Some(id)) => format!("client:{id}"),
            _ => "nobody".to_owned(),
        }
    }

    /// When it was registered.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }

    /// Its deliveries, oldest first.
    async fn deliveries(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Returns the first n items (at most 100).")] first: Option<i32>,
        #[graphql(desc = "Returns items after this cursor.")] after: Option<String>,
        #[graphql(desc = "Returns the last n items (at most 100).")] last: Option<i32>,
        #[graphql(desc = "Returns items before this cursor.")] before: Option<String>,
    ) -> Result<WebhookDeliveryConnection> {
        let rd = request(ctx)?;
        let page = page(ctx, first, after, last, before)?;
        let listing = webhooks::deliveries(&rd.db, self.0.id, &page).await?;
        Ok(WebhookDeliveryConnection::from_listing(
            listing,
            WebhookDelivery,
        ))
    }
}

connection!(
    WebhookConnection,
    WebhookEdge,
    Webhook,
    "A page of webhooks.",
    "A webhook in a page, with its cursor."
);

/// One event for one webhook, and where its delivery stands.
#[derive(Clone)]
pub struct WebhookDelivery(pub webhook_delivery::Model);

/// One event for one webhook, and where its delivery stands.
#[Object]
impl WebhookDelivery {
    /// Opaque global ID.
    pub async fn id(&self) -> ID {
        GlobalId::new(NodeType::WebhookDelivery, self.0.id)
            .encode()
            .into()
    }

    /// The event (`contribution.published`, …), as sent in `Concord-Event`.
    async fn event(&self) -> &str {
        &self.0.event
    }

    /// The JSON body sent, byte for byte the same on every attempt.
    async fn payload(&self) -> &str {
        &self.0.payload
    }

    /// PENDING, DELIVERED or FAILED.
    async fn status(&self) -> WebhookDeliveryStatus {
        self.0.status
    }

    /// Attempts made so far.
    async fn attempt_count(&self) -> i32 {
        self.0.attempts
    }

    /// The HTTP status of the last attempt; null when no answer came.
    async fn last_status_code(&self) -> Option<i32> {
        self.0.last_status_code
    }

    /// What went wrong with the last attempt.
    async fn last_error(&self) -> Option<&str> {
        self.0.last_error.as_deref()
    }

    /// When the event happened.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }

    /// When the next attempt is due (while PENDING).
    async fn next_attempt_at(&self) -> Option<DateTime<Utc>> {
        (self.0.status == WebhookDeliveryStatus::Pending).then_some(self.0.next_attempt_at)
    }

    /// When the endpoint accepted it.
    async fn delivered_at(&self) -> Option<DateTime<Utc>> {
        self.0.delivered_at
    }

    /// Every attempt, in order.
    async fn attempts(&self, ctx: &Context<'_>) -> Result<Vec<WebhookAttempt>> {
        let rd = request(ctx)?;
        Ok(rd
            .loader
            .load_one(crate::graphql::loaders::AttemptsOfDelivery(self.0.id))
            .await?
            .unwrap_or_default()
            .into_iter()
            .map(WebhookAttempt::from)
            .collect())
    }
}

connection!(
    WebhookDeliveryConnection,
    WebhookDeliveryEdge,
    WebhookDelivery,
    "A page of webhook deliveries.",
    "A webhook delivery in a page, with its cursor."
);

/// One attempt at a delivery.
#[derive(SimpleObject)]
pub struct WebhookAttempt {
    /// When it was made.
    pub attempted_at: DateTime<Utc>,
    /// The endpoint's HTTP status; null when no answer came.
    pub status_code: Option<i32>,
    /// What went wrong, if anything.
    pub error: Option<String>,
    /// How long the endpoint took, in milliseconds.
    pub duration_ms: i32,
}

impl From<webhook_attempt::Model> for WebhookAttempt {
    fn from(a: webhook_attempt::Model) -> Self {
        WebhookAttempt {
            attempted_at: a.attempted_at,
            status_code: a.status_code,
            error: a.error,
            duration_ms: a.duration_ms.clamp(0, i64::from(i32::MAX)) as i32,
        }
    }
}
