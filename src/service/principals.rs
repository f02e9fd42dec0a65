//! The principal behind a verified access token, as its record says now: the one
//! lookup the HTTP layer makes for every request and for every event and operation of
//! a WebSocket.

use crate::db::Db;
use crate::error::AppResult;
use crate::policy;
use crate::service::{api_clients, refresh_tokens};
use crate::viewer::{Principal, Scopes, Subject, Viewer};
use chrono::{DateTime, Utc};
use entity::enums::PrincipalStatus;
use entity::{account, api_client};
use sea_orm::{DatabaseConnection, EntityTrait};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::sync::watch;

/// Where a token's principal stands now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Standing {
    /// Active, with its current role, stakeholder and scopes.
    Active(Principal),
    /// The token's session or credential has ended (logout, refresh-token reuse, a new
    /// client secret), or its subject no longer exists: sign in again.
    Ended,
    /// The account is disabled or the client revoked.
    Disabled,
}

/// Where the principal behind a verified token stands, as its record says now: a
/// changed role or stakeholder applies at once; a client keeps only the token's scopes
/// that it still holds.
pub async fn current(
    db: &impl Db,
    subject: Subject,
    sid: &str,
    token_scopes: Scopes,
) -> AppResult<Standing> {
    Ok(match subject {
        // The command line's principal is never behind a token.
        Subject::System => Standing::Ended,
        Subject::Account(id) => match account::Entity::find_by_id(id).one(db).await? {
            None => Standing::Ended,
            Some(a) if a.status != PrincipalStatus::Active => Standing::Disabled,
            Some(a) => {
                if !refresh_tokens::session_active(db, id, sid).await? {
                    return Ok(Standing::Ended);
                }
                Standing::Active(Principal {
                    subject,
                    role: a.role,
                    stakeholder_id: a.stakeholder_id,
                    scopes: Scopes::ALL,
                })
            }
        },
        Subject::Client(id) => match api_client::Entity::find_by_id(id).one(db).await? {
            None => Standing::Ended,
            // A client holding a role no client may hold (made before the rule) is refused.
            Some(c) if c.status != PrincipalStatus::Active || !policy::client_may_hold(c.role) => {
                Standing::Disabled
            }
            Some(c) if api_clients::credential_id(&c) != sid => Standing::Ended,
            Some(c) => {
                let held = api_clients::scopes(&c);
                Standing::Active(Principal {
                    subject,
                    role: c.role,
                    stakeholder_id: Some(c.stakeholder_id),
                    scopes: Scopes {
                        read: held.read && token_scopes.read,
                        submit: held.submit && token_scopes.submit,
                    },
                })
            }
        },
    })
}

/// Why a long-lived connection's access ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum End {
    /// Its access token expired: reconnect with a fresh one.
    Expired,
    /// Its session or credential ended (logout, refresh-token reuse, a new client
    /// secret): sign in again.
    SessionEnded,
    /// The account is disabled or the client revoked.
    Disabled,
}

/// Why [`Live::viewer`] has no viewer to give.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// For good: the connection must close.
    Ended(End),
    /// The record could not be read just now (the database is unreachable).
    Unavailable,
}

/// How long a live principal is trusted without reading its record again.
pub const LIVE_FRESH: Duration = Duration::from_secs(1);

/// The principal of a long-lived connection (a WebSocket). Its record is read again
/// for every event and operation, at most once a [`LIVE_FRESH`] and at once after any
/// access change (`generation` moves), so that a changed role or stakeholder applies to
/// the next event, and a disabled account, an ended session or an expired token ends
/// the connection: `ended` then says why.
pub struct Live {
    db: DatabaseConnection,
    subject: Subject,
    sid: String,
    scopes: Scopes,
    expires_at: DateTime<Utc>,
    generation: Arc<AtomicU64>,
    cached: Mutex<Option<(Instant, u64, Principal)>>,
    ended: watch::Sender<Option<End>>,
}

impl Live {
    /// The principal behind verified token claims, until `expires_at`.
    pub fn new(
        db: DatabaseConnection,
        (subject, sid, scopes): (Subject, String, Scopes),
        expires_at: DateTime<Utc>,
        generation: Arc<AtomicU64>,
        ended: watch::Sender<Option<End>>,
    ) -> Live {
        Live {
            db,
            subject,
            sid,
            scopes,
            expires_at,
            generation,
            cached: Mutex::new(None),
            ended,
        }
    }

    pub fn subject(&self) -> Subject {
        self.subject
    }

    /// When the connection's token expires.
    pub fn expires_at(&self) -> DateTime<Utc> {
        self.expires_at
    }

    /// The viewer for the next event or operation, as the record says now.
    pub async fn viewer(&self) -> Result<Viewer, Refusal> {
        if let Some(end) = *self.ended.borrow() {
            return Err(Refusal::Ended(end));
        }
        if Utc::now() >= self.expires_at {
            return Err(self.end(End::Expired));
        }
        let generation = self.generation.load(Ordering::SeqCst);
        if let Ok(cached) = self.cached.lock()
            && let Some((at, seen, principal)) = cached.as_ref()
            && *seen == generation
            && at.elapsed() < LIVE_FRESH
        {
            return Ok(Viewer::Principal(principal.clone()));
        }
        match current(&self.db, self.subject, &self.sid, self.scopes).await {
            Ok(Standing::Active(principal)) => {
                if let Ok(mut cached) = self.cached.lock() {
                    *cached = Some((Instant::now(), generation, principal.clone()));
                }
                Ok(Viewer::Principal(principal))
            }
            Ok(Standing::Ended) => Err(self.end(End::SessionEnded)),
            Ok(Standing::Disabled) => Err(self.end(End::Disabled)),
            Err(err) => {
                tracing::error!(error = ?err, "reading a connection's principal");
                Err(Refusal::Unavailable)
            }
        }
    }

    /// Ends the connection's access for good.
    pub fn end(&self, end: End) -> Refusal {
        self.ended.send_if_modified(|current| {
            if current.is_none() {
                *current = Some(end);
                true
            } else {
                false
            }
        });
        Refusal::Ended(self.ended.borrow().unwrap_or(end))
    }
}
