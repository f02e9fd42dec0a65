//! Sending the outbox. Every instance runs one [`Deliverer`]: it takes due deliveries
//! (each under a lease written to its row, so two instances never send the same one at
//! once), POSTs each body signed with its webhook's secret, records the attempt, and
//! schedules the next one with exponential backoff until the endpoint answers 2xx or
//! the attempts run out. A delivery whose instance died mid-way is taken again when its
//! lease ends; receivers deduplicate by the body's `id` (or `Concord-Delivery`).
//!
//! The signature: `Concord-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of
//! "<t>.<body>" with the secret>`. Receivers recompute it and reject old timestamps.

use super::owner_viewer;
use super::target::GuardedResolver;
use crate::ids::{GlobalId, NodeType};
use crate::service::outbox::{self, Outbox};
use chrono::Utc;
use entity::enums::WebhookDeliveryStatus;
use entity::{webhook, webhook_attempt, webhook_delivery};
use hmac::{Hmac, KeyInit, Mac};
use sea_orm::{ActiveModelTrait, DatabaseConnection, EntityTrait, Set, TransactionTrait};
use std::sync::{Arc, LazyLock};
use std::time::{Duration, Instant};
use tokio::sync::Notify;

static NUDGE: LazyLock<Notify> = LazyLock::new(Notify::new);

/// Wakes the deliverers of this process (a delivery was just written).
pub fn nudge() {
    NUDGE.notify_waiters();
}

pub use crate::config::DeliverySettings;

/// Most deliveries taken at once.
const BATCH: u64 = 20;
/// How long a taken delivery is this instance's.
const LEASE: Duration = Duration::from_secs(120);
/// Longest wait between attempts.
const MAX_BACKOFF: Duration = Duration::from_secs(6 * 3600);

/// The signature header's value for `body` sent at `t` (unix seconds).
pub fn signature(secret: &str, t: i64, body: &str) -> anyhow::Result<String> {
    // HMAC takes a key of any length; the error is for other MACs.
    let mut mac = <Hmac<sha2::Sha256> as KeyInit>::new_from_slice(secret.as_bytes())
        .map_err(|e| anyhow::anyhow!("HMAC key: {e}"))?;
    mac.update(t.to_string().as_bytes());
    mac.update(b".");
    mac.update(body.as_bytes());
    Ok(format!(
        "t={t},v1={}",
        hex::encode(mac.finalize().into_bytes())
    ))
}

/// The wait after failed attempt `n` (1-based).
pub fn backoff(base: Duration, n: i32) -> Duration {
    let factor = 2u32.saturating_pow(n.clamp(1, 30) as u32 - 1);
    base.saturating_mul(factor).min(MAX_BACKOFF)
}

/// The deliverer of one instance.
#[derive(Clone)]
pub struct Deliverer {
    db: DatabaseConnection,
    client: reqwest::Client,
    settings: Arc<DeliverySettings>,
}

impl Deliverer {
    pub fn new(db: DatabaseConnection, settings: DeliverySettings) -> anyhow::Result<Deliverer> {
        crate::telemetry::install_crypto_provider();
        let client = reqwest::Client::builder()
            .dns_resolver(Arc::new(GuardedResolver(settings.targets)))
            .redirect(reqwest::redirect::Policy::none())
            .timeout(settings.timeout)
            .user_agent(concat!("Concord-Webhooks/", env!("CARGO_PKG_VERSION")))
            .build()?;
        Ok(Deliverer {
            db,
            client,
            settings: Arc::new(settings),
        })
    }

    /// Runs until the process ends.
    pub fn spawn(self) -> tokio::task::JoinHandle<()> {
        let poll = self.settings.poll;
        outbox::run_forever(&NUDGE, poll, BATCH, "webhook deliveries", move || {
            let this = self.clone();
            async move { this.run_once().await }
        })
    }

    /// Takes the due deliveries and sends them; returns how many it took.
    pub async fn run_once(&self) -> anyhow::Result<usize> {
        let outbox = Outbox::<webhook_delivery::Entity> {
            id: webhook_delivery::Column::Id,
            status: webhook_delivery::Column::Status,
            pending: WebhookDeliveryStatus::Pending.as_str().into(),
            next_attempt_at: webhook_delivery::Column::NextAttemptAt,
            lease_until: webhook_delivery::Column::LeaseUntil,
        };
        let taken = outbox.take_due(&self.db, BATCH, LEASE).await?;
        let n = taken.len();
        outbox::attempt_each(taken, "webhook delivery", |id| {
            let this = self.clone();
            async move { this.attempt(id).await }
        })
        .await;
        Ok(n)
    }

    /// One attempt at delivery `id` (leased by this instance).
    async fn attempt(&self, id: i64) -> anyhow::Result<()> {
        let Some(d) = webhook_delivery::Entity::find_by_id(id)
            .one(&self.db)
            .await?
        else {
            return Ok(());
        };
        let hook = webhook::Entity::find_by_id(d.webhook_id)
            .one(&self.db)
            .await?;
        let hook = match hook {
            Some(h) if h.active => h,
            _ => return self.give_up(d, "the webhook is no longer active").await,
        };
        let owner = owner_viewer(&self.db, &hook)
            .await
            .map_err(|e| anyhow::anyhow!("cannot read the webhook's owner: {}", e.message()))?;
        let Some(owner) = owner else {
            return self
                .give_up(d, "the webhook's owner is disabled or no longer reads")
                .await;
        };
        // Judged again now: what the owner may read may have changed since the event.
        let payload = super::current_payload(&self.db, &owner, &d.event, &d.payload)
            .await
            .map_err(|e| anyhow::anyhow!("cannot read the event's records: {}", e.message()))?;
        let Some(payload) = payload else {
            let mut d = d;
            d.payload = super::withheld_payload(&d.payload);
            return self
                .give_up(
                    d,
                    "withheld: the webhook's owner may not read what the event is about (now)",
                )
                .await;
        };
        // The target is checked again by this instance's rules: an address written in the
        // URL is never resolved (the resolver's check does not see it), and the URL may
        // have been registered under other rules (CONCORD_WEBHOOK_ALLOW_LOOPBACK).
        if let Err(refused) = self.settings.targets.check_url("url", &hook.url) {
            let error = format!("refused target: {}", refused.message);
            return self.record(d_with(d, payload), None, Some(error), 0).await;
        }
        let started = Instant::now();
        let t = Utc::now().timestamp();
        let sent = self
            .client
            .post(&hook.url)
            .header("Content-Type", "application/json")
            .header("Concord-Event", &d.event)
            .header("Concord-Delivery", d.id.to_string())
            .header(
                "Concord-Webhook",
                GlobalId::new(NodeType::Webhook, hook.id).encode(),
            )
            .header("Concord-Attempt", (d.attempts + 1).to_string())
            .header("Concord-Signature", signature(&hook.secret, t, &payload)?)
            .body(payload.clone())
            .send()
            .await;
        let elapsed = started.elapsed().as_millis() as i64;
        let (status, error) = match sent {
            Ok(response) => {
                let code = response.status();
                let error = (!code.is_success()).then(|| format!("the endpoint answered {code}"));
                (Some(i32::from(code.as_u16())), error)
            }
            Err(err) => (None, Some(describe(&err))),
        };
        self.record(d_with(d, payload), status, error, elapsed)
            .await
    }

    async fn record(
        &self,
        d: webhook_delivery::Model,
        status: Option<i32>,
        error: Option<String>,
        duration_ms: i64,
    ) -> anyhow::Result<()> {
        let now = Utc::now();
        let attempts = d.attempts + 1;
        let error = error.map(|e| e.chars().take(500).collect::<String>());
        let txn = self.db.begin().await?;
        webhook_attempt::ActiveModel {
            delivery_id: Set(d.id),
            attempted_at: Set(now),
            status_code: Set(status),
            error: Set(error.clone()),
            duration_ms: Set(duration_ms),
            ..Default::default()
        }
        .insert(&txn)
        .await?;
        let payload = d.payload.clone();
        let mut row: webhook_delivery::ActiveModel = d.into();
        row.payload = Set(payload);
        row.attempts = Set(attempts);
        row.last_status_code = Set(status);
        row.last_error = Set(error.clone());
        row.lease_until = Set(None);
        if error.is_none() {
            row.status = Set(WebhookDeliveryStatus::Delivered);
            row.delivered_at = Set(Some(now));
        } else if attempts >= self.settings.max_attempts {
            row.status = Set(WebhookDeliveryStatus::Failed);
        } else {
            let wait = backoff(self.settings.retry_base, attempts);
            row.next_attempt_at = Set(now + chrono::Duration::from_std(wait)?);
        }
        row.update(&txn).await?;
        txn.commit().await?;
        Ok(())
    }

    async fn give_up(&self, d: webhook_delivery::Model, why: &str) -> anyhow::Result<()> {
        let payload = d.payload.clone();
        let mut row: webhook_delivery::ActiveModel = d.into();
        row.payload = Set(payload);
        row.status = Set(WebhookDeliveryStatus::Failed);
        row.last_error = Set(Some(why.to_owned()));
        row.lease_until = Set(None);
        row.update(&self.db).await?;
        Ok(())
    }
}

/// The delivery with the body it was (or would have been) sent with.
fn d_with(mut d: webhook_delivery::Model, payload: String) -> webhook_delivery::Model {
    d.payload = payload;
    d
}

/// What went wrong with a request, down to its cause (a refused address says so).
fn describe(err: &reqwest::Error) -> String {
    let mut text = err.to_string();
    let mut source = std::error::Error::source(err);
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_signature_is_hmac_sha256_over_timestamp_and_body() {
        // Computed independently: printf '1700000000.{"a":1}' | openssl dgst -sha256 -hmac whsec_test
        assert_eq!(
            signature("whsec_test", 1_700_000_000, "{\"a\":1}").unwrap(),
            "t=1700000000,v1=38877139021993b830af32feea6e18a8da83eb2f6e49ee50bd9e4cf4ca4d3789"
        );
    }

    #[test]
    fn backoff_doubles_up_to_six_hours() {
        let base = Duration::from_secs(30);
        assert_eq!(backoff(base, 1), Duration::from_secs(30));
        assert_eq!(backoff(base, 2), Duration::from_secs(60));
        assert_eq!(backoff(base, 4), Duration::from_secs(240));
        assert_eq!(backoff(base, 20), MAX_BACKOFF);
    }
}
