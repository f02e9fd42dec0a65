//! Webhooks: partners' endpoints that hear of publications, closures and reports.

use crate::graphql::args::id_of;
use crate::graphql::context::request;
use crate::graphql::types::{UserErrorObject, Webhook, WebhookDelivery, outcome};
use crate::ids::NodeType;
use crate::service::webhooks;
use async_graphql::{Context, ID, InputObject, Object, Result, SimpleObject};
use secrecy::ExposeSecret;

/// A new webhook.
#[derive(InputObject)]
pub struct WebhookCreateInput {
    /// Where to POST events: an https URL on a public host.
    pub url: String,
    /// The events to hear of.
    pub events: Vec<crate::graphql::enums::EventName>,
    /// What you call it.
    pub description: Option<String>,
}

/// Changes to a webhook; fields left out stay as they are.
#[derive(InputObject)]
pub struct WebhookUpdateInput {
    /// The webhook.
    pub id: ID,
    /// The version you edited (`CONFLICT` when stale).
    pub version: i32,
    /// A new URL.
    pub url: Option<String>,
    /// The events to hear of (replacing the old ones).
    pub events: Option<Vec<crate::graphql::enums::EventName>>,
    /// Whether it is sent events.
    pub active: Option<bool>,
}

/// One webhook at the version the caller saw.
#[derive(InputObject)]
pub struct WebhookVersionInput {
    /// The webhook.
    pub id: ID,
    /// The version you saw (`CONFLICT` when stale).
    pub version: i32,
}

/// One webhook.
#[derive(InputObject)]
pub struct WebhookIdInput {
    /// The webhook.
    pub id: ID,
}

/// One delivery.
#[derive(InputObject)]
pub struct WebhookDeliveryIdInput {
    /// The delivery.
    pub id: ID,
}

payload!(
    WebhookPayload,
    webhook,
    Webhook,
    "The result of a webhook mutation."
);

/// A webhook with its signing secret.
#[derive(SimpleObject)]
pub struct WebhookSecretPayload {
    /// The webhook; null when nothing changed.
    pub webhook: Option<Webhook>,
    /// The signing secret, shown this once: deliveries carry `Concord-Signature:
    /// t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>" with it>`.
    pub secret: Option<String>,
    /// Problems with the input; empty on success.
    pub user_errors: Vec<UserErrorObject>,
}

/// The result of deleting a webhook.
#[derive(SimpleObject)]
pub struct WebhookDeletePayload {
    /// The ID of the webhook removed; null when nothing changed.
    pub deleted_id: Option<ID>,
    /// Problems with the input; empty on success.
    pub user_errors: Vec<UserErrorObject>,
}

payload!(
    WebhookDeliveryPayload,
    delivery,
    WebhookDelivery,
    "The result of asking for a delivery again."
);

/// The answer of a mutation that makes a signing secret: the secret exposed here, once.
fn secret_payload(
    result: crate::error::MutationResult<webhooks::WithSecret>,
) -> Result<WebhookSecretPayload> {
    let (row, user_errors) = outcome(result)?;
    let (webhook, secret) = match row {
        Some(w) => (
            Some(Webhook(w.webhook)),
            Some(w.secret.expose_secret().to_owned()),
        ),
        None => (None, None),
    };
    Ok(WebhookSecretPayload {
        webhook,
        secret,
        user_errors,
    })
}

/// Webhooks.
#[derive(Default)]
pub struct WebhookMutation;

/// Webhooks.
#[Object]
impl WebhookMutation {
    /// Registers a webhook (the secretariat, or a partner's API client with `read` for
    /// its own endpoints); the signing secret is in this answer only.
    async fn webhook_create(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The webhook.")] input: WebhookCreateInput,
    ) -> Result<WebhookSecretPayload> {
        let rd = request(ctx)?;
        let new = webhooks::NewWebhook {
            url: input.url,
            events: input.events.into_iter().map(Into::into).collect(),
            description: input.description,
        };
        let result = webhooks::create(&rd.db, &rd.viewer, &rd.webhook_targets, new).await;
        secret_payload(result)
    }

    /// Changes a webhook's URL, events or whether it is active.
    async fn webhook_update(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The changes.")] input: WebhookUpdateInput,
    ) -> Result<WebhookPayload> {
        let rd = request(ctx)?;
        let id = id_of(&input.id, NodeType::Webhook)?;
        let changes = webhooks::WebhookChanges {
            url: input.url,
            events: input
                .events
                .map(|events| events.into_iter().map(Into::into).collect()),
            active: input.active,
        };
        let result = webhooks::update(
            &rd.db,
            &rd.viewer,
            &rd.webhook_targets,
            id,
            input.version,
            changes,
        )
        .await;
        let (row, user_errors) = outcome(result)?;
        Ok(WebhookPayload {
            webhook: row.map(Webhook),
            user_errors,
        })
    }

    /// Replaces a webhook's signing secret (shown in this answer only).
    async fn webhook_rotate_secret(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The webhook.")] input: WebhookVersionInput,
    ) -> Result<WebhookSecretPayload> {
        let rd = request(ctx)?;
        let id = id_of(&input.id, NodeType::Webhook)?;
        let result = webhooks::rotate_secret(&rd.db, &rd.viewer, id, input.version).await;
        secret_payload(result)
    }

    /// Removes a webhook and its delivery log.
    async fn webhook_delete(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The webhook.")] input: WebhookIdInput,
    ) -> Result<WebhookDeletePayload> {
        let rd = request(ctx)?;
        let id = id_of(&input.id, NodeType::Webhook)?;
        let (row, user_errors) = outcome(webhooks::delete(&rd.db, &rd.viewer, id).await)?;
        Ok(WebhookDeletePayload {
            deleted_id: row.map(|_| input.id),
            user_errors,
        })
    }

    /// Makes a delivered or failed delivery due again now.
    async fn webhook_redeliver(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The delivery.")] input: WebhookDeliveryIdInput,
    ) -> Result<WebhookDeliveryPayload> {
        let rd = request(ctx)?;
        let id = id_of(&input.id, NodeType::WebhookDelivery)?;
        let (row, user_errors) = outcome(webhooks::redeliver(&rd.db, &rd.viewer, id).await)?;
        Ok(WebhookDeliveryPayload {
            delivery: row.map(WebhookDelivery),
            user_errors,
        })
    }
}
