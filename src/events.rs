//! Events between requests, for live updates: publications (which subscribers may
//! hear of) and access changes (an account or API client changed, a session ended:
//! open WebSockets re-check their principal). On PostgreSQL every instance LISTENs and
//! a change NOTIFYs, so sockets on any instance hear of it; on SQLite (one instance)
//! events stay in the process.

use crate::viewer::Subject;
use sea_orm::{ConnectionTrait, DatabaseConnection, DbBackend, Statement};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;
use tokio::sync::broadcast;

/// The PostgreSQL channel publication events travel on.
pub const CHANNEL: &str = "concord_contribution_published";
/// The PostgreSQL channel access changes travel on.
pub const ACCESS_CHANNEL: &str = "concord_access_changed";
/// The PostgreSQL channel an instance NOTIFYs itself on, to know that LISTEN delivers.
pub const PROBE_CHANNEL: &str = "concord_probe";
/// How long `/readyz` waits for its own NOTIFY to come back.
const PROBE_WAIT: Duration = Duration::from_secs(2);

/// A contribution became published.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Published {
    pub contribution_id: i64,
    pub consultation_id: i64,
}

/// The instance's event hub.
#[derive(Clone)]
pub struct Events {
    tx: broadcast::Sender<Published>,
    access: broadcast::Sender<Subject>,
    /// Counts access changes heard of; a cached principal older than the count is
    /// read again.
    generation: Arc<AtomicU64>,
    /// On PostgreSQL, whether this instance is LISTENing now (it reconnects after an
    /// outage); always true elsewhere.
    listening: Arc<AtomicBool>,
    /// Events held back until the request's transaction commits (see [`Events::holding`]).
    held: Option<Arc<std::sync::Mutex<Vec<Held>>>>,
    /// The payloads heard on [`PROBE_CHANNEL`].
    probes: broadcast::Sender<String>,
    /// Why this instance does not LISTEN, when it refuses to (see [`listen_until_lost`]).
    refused: Arc<std::sync::Mutex<Option<String>>>,
    db: DatabaseConnection,
}

/// An event held back until its transaction commits.
#[derive(Debug, Clone, Copy)]
enum Held {
    Published(Published),
    Access(Subject),
}

impl Events {
    /// Creates the hub; on PostgreSQL also starts listening (from within a Tokio
    /// runtime), on `direct` (a direct connection, when `db` goes through a pooler in
    /// transaction mode) or else on `db`'s pool.
    pub fn new(db: DatabaseConnection, direct: Option<sea_orm::sqlx::PgPool>) -> Events {
        let (tx, _) = broadcast::channel(1024);
        let (access, _) = broadcast::channel(1024);
        let (probes, _) = broadcast::channel(64);
        let postgres = db.get_database_backend() == DbBackend::Postgres;
        let events = Events {
            tx,
            access,
            generation: Arc::new(AtomicU64::new(0)),
            listening: Arc::new(AtomicBool::new(!postgres)),
            held: None,
            probes,
            refused: Arc::new(std::sync::Mutex::new(None)),
            db,
        };
        if postgres {
            let pool = direct.unwrap_or_else(|| events.db.get_postgres_connection_pool().clone());
            let hub = events.clone();
            tokio::spawn(async move {
                let mut backoff = RECONNECT_FIRST;
                loop {
                    let err = listen(pool.clone(), &hub, &mut backoff).await;
                    hub.listening.store(false, Ordering::SeqCst);
                    // Changes made while not listening were not heard: read principals again.
                    hub.generation.fetch_add(1, Ordering::SeqCst);
                    tracing::warn!(
                        error = ?err,
                        retry_in_ms = backoff.as_millis() as u64,
                        "LISTEN for live updates lost; reconnecting"
                    );
                    tokio::time::sleep(backoff).await;
                    backoff = (backoff * 2).min(RECONNECT_MAX);
                }
            });
        }
        events
    }

    /// Whether live updates from other instances are heard now (PostgreSQL's LISTEN is
    /// connected); always true on SQLite.
    pub fn listening(&self) -> bool {
        self.listening.load(Ordering::SeqCst)
    }

    /// Why this instance refuses to LISTEN, if it does (its LISTEN connection goes
    /// through a pooler in transaction mode).
    pub fn refusal(&self) -> Option<String> {
        self.refused.lock().ok().and_then(|r| r.clone())
    }

    /// Whether a NOTIFY this instance sends itself comes back through its LISTEN within
    /// two seconds (what every live update relies on); true on SQLite.
    pub async fn delivers(&self) -> bool {
        if self.db.get_database_backend() != DbBackend::Postgres {
            return true;
        }
        let mut heard = self.probes.subscribe();
        let nonce = format!(
            "{}:{}",
            std::process::id(),
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_nanos())
                .unwrap_or_default()
        );
        if self.pg_notify(PROBE_CHANNEL, nonce.clone()).await.is_err() {
            return false;
        }
        tokio::time::timeout(PROBE_WAIT, async {
            loop {
                match heard.recv().await {
                    Ok(payload) if payload == nonce => return true,
                    Ok(_) | Err(broadcast::error::RecvError::Lagged(_)) => continue,
                    Err(broadcast::error::RecvError::Closed) => return false,
                }
            }
        })
        .await
        .unwrap_or(false)
    }

    /// The same hub for a request whose changes commit only at its end: its events are
    /// held until [`Events::release`] (after the commit), so that nobody hears of a
    /// change before it can be read; dropped unreleased when the request fails.
    pub fn holding(&self) -> Events {
        Events {
            held: Some(Arc::new(std::sync::Mutex::new(Vec::new()))),
            ..self.clone()
        }
    }

    /// Announces the held events (after their transaction committed).
    pub async fn release(&self) {
        let Some(held) = &self.held else { return };
        let events: Vec<Held> = held
            .lock()
            .map(|mut h| h.drain(..).collect())
            .unwrap_or_default();
        let hub = Events {
            held: None,
            ..self.clone()
        };
        for event in events {
            match event {
                Held::Published(p) => hub.published(p).await,
                Held::Access(s) => hub.access_changed(s).await,
            }
        }
    }

    /// Keeps `event` for [`Events::release`] when this hub holds events.
    fn hold(&self, event: Held) -> bool {
        match &self.held {
            Some(held) => {
                if let Ok(mut held) = held.lock() {
                    held.push(event);
                }
                true
            }
            None => false,
        }
    }

    pub fn subscribe(&self) -> broadcast::Receiver<Published> {
        self.tx.subscribe()
    }

    /// Access changes, as the subject whose access changed.
    pub fn access_changes(&self) -> broadcast::Receiver<Subject> {
        self.access.subscribe()
    }

    /// The count of access changes heard of so far.
    pub fn access_generation(&self) -> Arc<AtomicU64> {
        self.generation.clone()
    }

    /// Announces a publication (after its transaction committed).
    pub async fn published(&self, event: Published) {
        if self.hold(Held::Published(event)) {
            return;
        }
        let payload = format!("{}:{}", event.contribution_id, event.consultation_id);
        if !self.notify(CHANNEL, payload).await {
            // No subscriber is fine.
            let _ = self.tx.send(event);
        }
    }

    /// Announces that `subject`'s access changed (after its transaction committed): its
    /// role, stakeholder or status, or one of its sessions or its secret ended.
    pub async fn access_changed(&self, subject: Subject) {
        if self.hold(Held::Access(subject)) {
            return;
        }
        // Counted here at once, so this instance's next check reads the record again.
        self.generation.fetch_add(1, Ordering::SeqCst);
        if !self.notify(ACCESS_CHANNEL, subject.label()).await {
            let _ = self.access.send(subject);
        }
    }

    /// NOTIFYs `channel` on PostgreSQL (every instance hears it back through LISTEN);
    /// `false` elsewhere.
    async fn notify(&self, channel: &str, payload: String) -> bool {
        if self.db.get_database_backend() != DbBackend::Postgres {
            return false;
        }
        if let Err(err) = self.pg_notify(channel, payload).await {
            tracing::error!(error = ?err, channel, "NOTIFY failed");
        }
        true
    }

    /// `pg_notify(channel, payload)` on the primary.
    async fn pg_notify(&self, channel: &str, payload: String) -> Result<(), sea_orm::DbErr> {
        let stmt = Statement::from_sql_and_values(
            DbBackend::Postgres,
            "SELECT pg_notify($1, $2)",
            [channel.into(), payload.into()],
        );
        self.db.execute_raw(stmt).await.map(|_| ())
    }
}

/// First wait before LISTEN reconnects; it doubles up to [`RECONNECT_MAX`].
const RECONNECT_FIRST: Duration = Duration::from_millis(200);
/// Longest wait between attempts to LISTEN again.
const RECONNECT_MAX: Duration = Duration::from_secs(5);

/// LISTENs until the connection fails; returns why.
async fn listen(
    pool: sea_orm::sqlx::PgPool,
    hub: &Events,
    backoff: &mut Duration,
) -> anyhow::Error {
    match listen_until_lost(pool, hub, backoff).await {
        Ok(never) => match never {},
        Err(err) => err,
    }
}

async fn listen_until_lost(
    pool: sea_orm::sqlx::PgPool,
    hub: &Events,
    backoff: &mut Duration,
) -> anyhow::Result<std::convert::Infallible> {
    // LISTEN needs a session of its own: through a pooler in transaction mode its
    // notifications would be lost, and would reach other clients' connections.
    if !crate::pooler::session_kept(&pool).await? {
        let why = "LISTEN would go through a pooler in transaction mode: set \
                   CONCORD_LISTEN_DATABASE_URL to a direct connection to PostgreSQL";
        if let Ok(mut refused) = hub.refused.lock() {
            *refused = Some(why.to_owned());
        }
        anyhow::bail!(why);
    }
    if let Ok(mut refused) = hub.refused.lock() {
        *refused = None;
    }
    let mut listener = sea_orm::sqlx::postgres::PgListener::connect_with(&pool).await?;
    listener
        .listen_all([CHANNEL, ACCESS_CHANNEL, PROBE_CHANNEL])
        .await?;
    // A lost connection is not silently re-established by the listener: the caller
    // does it, with a backoff, and the instance says it is not listening meanwhile.
    listener.eager_reconnect(false);
    hub.listening.store(true, Ordering::SeqCst);
    *backoff = RECONNECT_FIRST;
    tracing::info!("listening for live updates");
    loop {
        let Some(notification) = listener.try_recv().await? else {
            anyhow::bail!("the LISTEN connection was lost");
        };
        let payload = notification.payload();
        if notification.channel() == PROBE_CHANNEL {
            let _ = hub.probes.send(payload.to_owned());
            continue;
        }
        if notification.channel() == ACCESS_CHANNEL {
            if let Some(subject) = Subject::parse(payload) {
                hub.generation.fetch_add(1, Ordering::SeqCst);
                let _ = hub.access.send(subject);
            }
            continue;
        }
        let parsed = payload.split_once(':').and_then(|(c, k)| {
            Some(Published {
                contribution_id: c.parse().ok()?,
                consultation_id: k.parse().ok()?,
            })
        });
        if let Some(event) = parsed {
            let _ = hub.tx.send(event);
        }
    }
}
