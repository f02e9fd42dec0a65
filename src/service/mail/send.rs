//! Sending the outbox over SMTP. Every instance with an SMTP server configured runs one
//! [`Mailer`]: it takes due emails (each under a lease written to its row, so two
//! instances never send the same one at once), renders each in its holder's language,
//! sends it, records the attempt, and schedules the next one with exponential backoff
//! until the server accepts it, refuses it for good (a 5xx reply: FAILED at once, with
//! the server's words), or the attempts run out.
//!
//! Each message carries a `Message-ID` fixed by its row: an instance that dies after
//! the server accepted a message but before recording it sends it again when the lease
//! ends, under the same ID, which mail systems use to drop the copy.

use super::Kind;
use super::compose::{Prepared, params, prepare};
use super::text::Rendered;
use crate::auth::{Auth, secret};
use crate::config::{MailSettings, SmtpTls};
use crate::service::outbox::{self, Outbox};
use crate::service::webhooks::deliver::backoff;
use chrono::Utc;
use entity::enums::{EmailStatus, PrincipalStatus};
use entity::{account, email_attempt, email_message, password_reset};
use lettre::message::{Mailbox, MultiPart};
use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseConnection, EntityTrait, PaginatorTrait, QueryFilter,
    Set, TransactionTrait,
};
use serde_json::json;
use std::sync::{Arc, LazyLock};
use std::time::{Duration, Instant};
use tokio::sync::Notify;

static NUDGE: LazyLock<Notify> = LazyLock::new(Notify::new);

/// Wakes the mailers of this process (an email was just written).
pub fn nudge() {
    NUDGE.notify_waiters();
}

/// Most emails taken at once.
const BATCH: u64 = 20;
/// How long a taken email is this instance's.
const LEASE: Duration = Duration::from_secs(120);
/// Reset emails an account gets in an hour, however its address is asked for.
pub const ACCOUNT_RESETS_PER_HOUR: u64 = 3;

/// The mailer of one instance.
#[derive(Clone)]
pub struct Mailer {
    db: DatabaseConnection,
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
    settings: Arc<MailSettings>,
    auth: Arc<Auth>,
    /// The host part of the messages' IDs.
    host: String,
}

impl Mailer {
    pub fn new(
        db: DatabaseConnection,
        settings: MailSettings,
        auth: Arc<Auth>,
    ) -> anyhow::Result<Mailer> {
        crate::telemetry::install_crypto_provider();
        let smtp = settings
            .smtp
            .clone()
            .ok_or_else(|| anyhow::anyhow!("no SMTP server configured"))?;
        let builder = match smtp.tls {
            SmtpTls::None => AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&smtp.host),
            SmtpTls::Starttls => AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(&smtp.host)?,
            SmtpTls::Tls => AsyncSmtpTransport::<Tokio1Executor>::relay(&smtp.host)?,
        };
        let mut builder = builder.port(smtp.port).timeout(Some(settings.timeout));
        if let Some(user) = &smtp.username {
            let password = smtp
                .password
                .as_ref()
                .map(|p| secrecy::ExposeSecret::expose_secret(p).to_owned())
                .unwrap_or_default();
            builder = builder.credentials(Credentials::new(user.clone(), password));
        }
        let from: Mailbox = settings
            .from
            .parse()
            .map_err(|e| anyhow::anyhow!("CONCORD_SMTP_FROM: {e}"))?;
        let host = url::Url::parse(&settings.public_url)
            .ok()
            .and_then(|u| u.host_str().map(str::to_owned))
            .unwrap_or_else(|| "concord.invalid".into());
        Ok(Mailer {
            db,
            transport: builder.build(),
            from,
            settings: Arc::new(settings),
            auth,
            host,
        })
    }

    /// Runs until the process ends.
    pub fn spawn(self) -> tokio::task::JoinHandle<()> {
        let poll = self.settings.poll;
        outbox::run_forever(&NUDGE, poll, BATCH, "email", move || {
            let this = self.clone();
            async move { this.run_once().await }
        })
    }

    /// Takes the due emails and sends them; returns how many it took.
    pub async fn run_once(&self) -> anyhow::Result<usize> {
        let outbox = Outbox::<email_message::Entity> {
            id: email_message::Column::Id,
            status: email_message::Column::Status,
            pending: EmailStatus::Pending.as_str().into(),
            next_attempt_at: email_message::Column::NextAttemptAt,
            lease_until: email_message::Column::LeaseUntil,
        };
        let taken = outbox.take_due(&self.db, BATCH, LEASE).await?;
        let n = taken.len();
        outbox::attempt_each(taken, "email", |id| {
            let this = self.clone();
            async move { this.attempt(id).await }
        })
        .await;
        Ok(n)
    }

    /// One attempt at email `id` (leased by this instance).
    async fn attempt(&self, id: i64) -> anyhow::Result<()> {
        let Some(m) = email_message::Entity::find_by_id(id).one(&self.db).await? else {
            return Ok(());
        };
        let m = match self.resolve_request(m).await? {
            Ok(m) => m,
            Err((m, why)) => return self.finish(m, EmailStatus::Dropped, Some(why)).await,
        };
        let rendered = match prepare(&self.db, &self.auth.link_key, &self.settings.public_url, &m)
            .await?
        {
            Prepared::Send(r) => r,
            Prepared::Drop(why) => return self.finish(m, EmailStatus::Dropped, Some(why)).await,
        };
        let started = Instant::now();
        let outcome = match self.message(&m, rendered) {
            Ok(message) => self
                .transport
                .send(message)
                .await
                .map(|_| ())
                .map_err(|e| SendError::of(&e)),
            Err(why) => Err(SendError {
                code: None,
                permanent: true,
                text: why,
            }),
        };
        let elapsed = started.elapsed().as_millis() as i64;
        match &outcome {
            Ok(()) => tracing::info!(email = m.id, kind = %m.kind, "email sent"),
            Err(e) => {
                tracing::warn!(email = m.id, kind = %m.kind, code = ?e.code, error = %e.text, "email not sent")
            }
        }
        self.record(m, outcome, elapsed).await
    }

    /// A "forgot password?" email, when first taken: finds the account the address
    /// belongs to and issues its reset (token derived from a new nonce), in one
    /// transaction with the email's new parameters. `Err` with why when there is
    /// nothing to send.
    async fn resolve_request(
        &self,
        m: email_message::Model,
    ) -> anyhow::Result<Result<email_message::Model, (email_message::Model, String)>> {
        if Kind::parse(&m.kind) != Some(Kind::ResetRequest) || params(&m).get("nonce").is_some() {
            return Ok(Ok(m));
        }
        let holder = account::Entity::find()
            .filter(account::Column::EmailNormalized.eq(m.recipient.to_lowercase()))
            .filter(account::Column::Status.eq(PrincipalStatus::Active))
            .one(&self.db)
            .await?;
        let Some(holder) = holder else {
            return Ok(Err((m, "no active account holds this address".into())));
        };
        let hour_ago = Utc::now() - chrono::Duration::hours(1);
        let recent = password_reset::Entity::find()
            .filter(password_reset::Column::AccountId.eq(holder.id))
            .filter(password_reset::Column::CreatedAt.gt(hour_ago))
            .count(&self.db)
            .await?;
        if recent >= ACCOUNT_RESETS_PER_HOUR {
            return Ok(Err((
                m,
                format!("the account had {recent} reset links in the last hour"),
            )));
        }
        let nonce = secret::new_nonce()?;
        let token = secret::link_token(&self.auth.link_key, "crs_", &nonce);
        let now = Utc::now();
        let txn = self.db.begin().await?;
        let reset = password_reset::ActiveModel {
            account_id: Set(holder.id),
            token_hash: Set(secret::digest(&token)),
            expires_at: Set(now + self.auth.reset_ttl),
            created_at: Set(now),
            used_at: Set(None),
            ..Default::default()
        }
        .insert(&txn)
        .await?;
        let mut row: email_message::ActiveModel = m.into();
        row.params = Set(json!({ "nonce": nonce, "reset": reset.id }).to_string());
        row.language = Set(holder.language);
        let m = row.update(&txn).await?;
        txn.commit().await?;
        Ok(Ok(m))
    }

    /// The message to send for a row.
    fn message(&self, m: &email_message::Model, r: Rendered) -> Result<Message, String> {
        let to: Mailbox = m
            .recipient
            .parse()
            .map_err(|e| format!("not an address Concord can send to: {e}"))?;
        Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(r.subject)
            .message_id(Some(format!(
                "<concord.{}.{}@{}>",
                m.id,
                m.created_at.timestamp(),
                self.host
            )))
            .multipart(MultiPart::alternative_plain_html(r.text, r.html))
            .map_err(|e| format!("cannot build the message: {e}"))
    }

    async fn record(
        &self,
        m: email_message::Model,
        outcome: Result<(), SendError>,
        duration_ms: i64,
    ) -> anyhow::Result<()> {
        let now = Utc::now();
        let attempts = m.attempts + 1;
        let (code, error, permanent) = match &outcome {
            Ok(()) => (None, None, false),
            Err(e) => (
                e.code,
                Some(e.text.chars().take(500).collect::<String>()),
                e.permanent,
            ),
        };
        let txn = self.db.begin().await?;
        email_attempt::ActiveModel {
            message_id: Set(m.id),
            attempted_at: Set(now),
            smtp_code: Set(code),
            error: Set(error.clone()),
            duration_ms: Set(duration_ms),
            ..Default::default()
        }
        .insert(&txn)
        .await?;
        let mut row: email_message::ActiveModel = m.into();
        row.attempts = Set(attempts);
        row.last_error = Set(error.clone());
        row.lease_until = Set(None);
        if error.is_none() {
            row.status = Set(EmailStatus::Sent);
            row.sent_at = Set(Some(now));
        } else if permanent || attempts >= self.settings.max_attempts {
            row.status = Set(EmailStatus::Failed);
        } else {
            let wait = backoff(self.settings.retry_base, attempts);
            row.next_attempt_at = Set(now + chrono::Duration::from_std(wait)?);
        }
        row.update(&txn).await?;
        txn.commit().await?;
        Ok(())
    }

    async fn finish(
        &self,
        m: email_message::Model,
        status: EmailStatus,
        why: Option<String>,
    ) -> anyhow::Result<()> {
        tracing::info!(email = m.id, kind = %m.kind, why = ?why, "email not sent: nothing to send");
        let mut row: email_message::ActiveModel = m.into();
        row.status = Set(status);
        row.last_error = Set(why);
        row.lease_until = Set(None);
        row.update(&self.db).await?;
        Ok(())
    }
}

/// Why a send failed.
#[derive(Debug)]
struct SendError {
    /// The SMTP server's reply code, when it answered.
    code: Option<i32>,
    /// A 5xx reply: trying again would get the same answer.
    permanent: bool,
    text: String,
}

impl SendError {
    fn of(e: &lettre::transport::smtp::Error) -> SendError {
        let code = e.status().and_then(|c| c.to_string().parse().ok());
        let mut text = e.to_string();
        let mut source = std::error::Error::source(e);
        while let Some(cause) = source {
            text.push_str(": ");
            text.push_str(&cause.to_string());
            source = cause.source();
        }
        SendError {
            code,
            permanent: e.is_permanent(),
            text,
        }
    }
}
