//! The audit log: every change of state, append-only, written in the transaction of
//! the change, each event chained to the previous one by hash so that editing or
//! deleting a row is detectable (`concord audit verify`).

use crate::db::Db;
use crate::error::AppResult;
use crate::paging::{self, Listing, Page};
use crate::policy::{self, Action};
use crate::service::rows;
use crate::viewer::{Subject, Viewer};
use chrono::{DateTime, SubsecRound, Utc};
use entity::audit_event::{ActiveModel, Column, Entity, Model};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbBackend, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set,
};
use serde::Serialize;
use serde_json::json;
use sha2::{Digest, Sha256};

/// Who acted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    pub account_id: Option<i64>,
    pub client_id: Option<i64>,
    pub label: String,
}

impl Actor {
    /// The principal behind a request; `anonymous` for sign-in flows without one.
    pub fn of(viewer: &Viewer) -> Actor {
        match viewer.principal().map(|p| p.subject) {
            Some(Subject::Account(id)) => Actor::account(id),
            Some(Subject::System) => Actor::system(),
            Some(Subject::Client(id)) => Actor {
                account_id: None,
                client_id: Some(id),
                label: Subject::Client(id).label(),
            },
            None => Actor {
                account_id: None,
                client_id: None,
                label: "anonymous".to_owned(),
            },
        }
    }

    /// An account acting on its own behalf (signing in, completing a password reset).
    pub fn account(id: i64) -> Actor {
        Actor {
            account_id: Some(id),
            client_id: None,
            label: Subject::Account(id).label(),
        }
    }

    /// The command line (`concord account create`).
    pub fn system() -> Actor {
        Actor {
            account_id: None,
            client_id: None,
            label: "system".to_owned(),
        }
    }
}

/// SHA-256 of a record's state, for the before/after of an event.
pub fn state_hash(state: &impl Serialize) -> String {
    let bytes = serde_json::to_vec(state).unwrap_or_default();
    hex::encode(Sha256::digest(&bytes))
}

/// What an event's hash covers: every field but its id and its own hash.
fn event_hash(e: &Model) -> String {
    let canonical = json!([
        e.prev_hash,
        e.occurred_at
            .to_rfc3339_opts(chrono::SecondsFormat::Micros, true),
        e.actor_account_id,
        e.actor_client_id,
        e.actor_label,
        e.action,
        e.target_type,
        e.target_id,
        e.before_hash,
        e.after_hash,
    ]);
    hex::encode(Sha256::digest(canonical.to_string().as_bytes()))
}

/// One change to record.
pub struct Change<'a> {
    pub action: &'a str,
    pub target_type: &'a str,
    pub target_id: Option<i64>,
    pub before: Option<String>,
    pub after: Option<String>,
}

/// Appends the event for `viewer` changing record `id` of type `target` from `before`
/// (`None` for a creation) to `after`, with the hashes of both states.
pub async fn append_change<T: Serialize>(
    txn: &impl ConnectionTrait,
    viewer: &Viewer,
    action: &str,
    (target, id): (&str, i64),
    before: Option<&T>,
    after: &T,
) -> AppResult<()> {
    append(
        txn,
        &Actor::of(viewer),
        Change {
            action,
            target_type: target,
            target_id: Some(id),
            before: before.map(state_hash),
            after: Some(state_hash(after)),
        },
    )
    .await
}

/// Appends an event, inside the caller's transaction.
pub async fn append<C: ConnectionTrait>(
    txn: &C,
    actor: &Actor,
    change: Change<'_>,
) -> AppResult<()> {
    if txn.get_database_backend() == DbBackend::Postgres {
        // Serialise appends so two transactions never chain onto the same event.
        txn.execute_unprepared("SELECT pg_advisory_xact_lock(3074503041)")
            .await?;
    }
    // On SQLite the change itself already holds the database's write lock.
    let prev: Option<String> = Entity::find()
        .select_only()
        .column(Column::Hash)
        .order_by_desc(Column::Id)
        .limit(1)
        .into_tuple()
        .one(txn)
        .await?;
    let mut event = Model {
        id: 0,
        // Microseconds: what both databases store exactly, so the hash verifies later.
        occurred_at: Utc::now().trunc_subsecs(6),
        actor_account_id: actor.account_id,
        actor_client_id: actor.client_id,
        actor_label: actor.label.clone(),
        action: change.action.to_owned(),
        target_type: change.target_type.to_owned(),
        target_id: change.target_id,
        before_hash: change.before,
        after_hash: change.after,
        prev_hash: prev.unwrap_or_default(),
        hash: String::new(),
    };
    event.hash = event_hash(&event);
    let row = ActiveModel {
        occurred_at: Set(event.occurred_at),
        actor_account_id: Set(event.actor_account_id),
        actor_client_id: Set(event.actor_client_id),
        actor_label: Set(event.actor_label),
        action: Set(event.action),
        target_type: Set(event.target_type),
        target_id: Set(event.target_id),
        before_hash: Set(event.before_hash),
        after_hash: Set(event.after_hash),
        prev_hash: Set(event.prev_hash),
        hash: Set(event.hash),
        ..Default::default()
    };
    Entity::insert(row).exec(txn).await?;
    Ok(())
}

/// The outcome of walking the chain.
#[derive(Debug, PartialEq, Eq)]
pub enum Verification {
    /// Every event's hash and link hold.
    Intact { events: u64 },
    /// The first event whose hash or link does not hold.
    Broken { event_id: i64, reason: String },
}

/// Walks the whole chain for the secretariat (see [`verify`]).
pub async fn verify_for(db: &impl Db, viewer: &Viewer) -> AppResult<Verification> {
    policy::may(viewer, Action::ReadAuditLog)?;
    verify(db).await
}

/// Walks the whole chain in order, in batches.
pub async fn verify(db: &impl Db) -> AppResult<Verification> {
    const BATCH: u64 = 1000;
    let mut prev_hash = String::new();
    let mut after = 0i64;
    let mut count = 0u64;
    loop {
        let batch = Entity::find()
            .filter(Column::Id.gt(after))
            .order_by_asc(Column::Id)
            .limit(BATCH)
            .all(db)
            .await?;
        if batch.is_empty() {
            return Ok(Verification::Intact { events: count });
        }
        for event in batch {
            if event.prev_hash != prev_hash {
                return Ok(Verification::Broken {
                    event_id: event.id,
                    reason:
                        "it does not link to the event before it (an event was removed or changed)"
                            .into(),
                });
            }
            if event_hash(&event) != event.hash {
                return Ok(Verification::Broken {
                    event_id: event.id,
                    reason: "its content does not match its hash (it was edited)".into(),
                });
            }
            prev_hash = event.hash.clone();
            after = event.id;
            count += 1;
        }
    }
}

/// Which events to list.
#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    pub actor_account_id: Option<i64>,
    pub actor_client_id: Option<i64>,
    pub action: Option<String>,
    pub target_type: Option<String>,
    pub target_id: Option<i64>,
    pub since: Option<DateTime<Utc>>,
    pub until: Option<DateTime<Utc>>,
}

/// Events matching `filter`, oldest first (secretariat).
pub async fn list(
    db: &impl Db,
    viewer: &Viewer,
    filter: &AuditFilter,
    page: &Page,
) -> AppResult<Listing<Model>> {
    policy::may(viewer, Action::ReadAuditLog)?;
    let mut select = Entity::find();
    if let Some(id) = filter.actor_account_id {
        select = select.filter(Column::ActorAccountId.eq(id));
    }
    if let Some(id) = filter.actor_client_id {
        select = select.filter(Column::ActorClientId.eq(id));
    }
    if let Some(action) = &filter.action {
        select = select.filter(Column::Action.eq(action.as_str()));
    }
    if let Some(t) = &filter.target_type {
        select = select.filter(Column::TargetType.eq(t.as_str()));
    }
    if let Some(id) = filter.target_id {
        select = select.filter(Column::TargetId.eq(id));
    }
    if let Some(since) = filter.since {
        select = select.filter(Column::OccurredAt.gte(since));
    }
    if let Some(until) = filter.until {
        select = select.filter(Column::OccurredAt.lt(until));
    }
    paging::list(db, select, Column::Id, page).await
}

/// Events by id, for the secretariat (others see none).
pub async fn by_ids(
    db: &impl Db,
    viewer: &Viewer,
    ids: &[i64],
) -> AppResult<std::collections::HashMap<i64, Model>> {
    let reading = match policy::may(viewer, Action::ReadAuditLog) {
        Ok(_) => rows::Reading::All,
        Err(_) => rows::Reading::Nothing,
    };
    rows::by_ids::<Entity>(db, reading, ids).await
}
