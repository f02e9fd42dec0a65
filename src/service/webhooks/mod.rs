//! Webhooks: partners' HTTPS endpoints hear of what happens, signed, from a durable
//! outbox. An event is written as one delivery row per interested endpoint in the
//! transaction of the change itself ([`enqueue`]), so a change that commits is never
//! left unannounced, even if the process dies right after; [`deliver`] sends them, with
//! retries and exponential backoff, from any instance.
//!
//! What an endpoint hears is what its owner may read: the secretariat (its account)
//! hears of everything; a partner's API client hears of the contributions its role and
//! scopes let it read, and of a contribution's stakeholder only when it may learn it.
//! An owner that is disabled or revoked hears nothing more.

pub mod deliver;
mod manage;
pub mod target;

pub use manage::{
    NewWebhook, WebhookChanges, WithSecret, attempts_of, by_id, create, delete, deliveries,
    delivery_by_id, list, redeliver, rotate_secret, update,
};

use crate::error::AppResult;
use crate::ids::{GlobalId, NodeType};
use crate::policy::{self, Action};
use crate::service::api_clients;
use crate::viewer::{Principal, Scopes, Subject, Viewer};
use chrono::Utc;
use entity::enums::{
    ConsultationStatus, ContributionStatus, PrincipalStatus, WebhookDeliveryStatus,
};
use entity::{
    account, api_client, consultation, contribution, report, report_publication, stakeholder,
    webhook, webhook_delivery,
};
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set};
use serde_json::{Value, json};

pub use target::Targets;

/// The events an endpoint may ask for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EventName {
    /// A contribution was published (by the secretariat, or when its embargo ended).
    ContributionPublished,
    /// A contribution was withdrawn.
    ContributionWithdrawn,
    /// A published contribution was taken back to SUBMITTED.
    ContributionUnpublished,
    /// A consultation closed.
    ConsultationClosed,
    /// A version of a consultation's report was published.
    ReportPublished,
}

impl EventName {
    pub const ALL: [EventName; 5] = [
        EventName::ContributionPublished,
        EventName::ContributionWithdrawn,
        EventName::ContributionUnpublished,
        EventName::ConsultationClosed,
        EventName::ReportPublished,
    ];

    /// The name on the wire (`Concord-Event`, the body's `event`).
    pub fn wire(self) -> &'static str {
        match self {
            EventName::ContributionPublished => "contribution.published",
            EventName::ContributionWithdrawn => "contribution.withdrawn",
            EventName::ContributionUnpublished => "contribution.unpublished",
            EventName::ConsultationClosed => "consultation.closed",
            EventName::ReportPublished => "report.published",
        }
    }

    pub fn from_wire(name: &str) -> Option<EventName> {
        EventName::ALL.into_iter().find(|e| e.wire() == name)
    }
}

/// Something to announce, with the records it is about (as they are inside the
/// change's transaction).
pub enum Event<'a> {
    ContributionPublished(&'a contribution::Model),
    /// The contribution as it was before it was withdrawn.
    ContributionWithdrawn(&'a contribution::Model),
    /// The contribution as it was before it was unpublished.
    ContributionUnpublished(&'a contribution::Model),
    ConsultationClosed(&'a consultation::Model),
    ReportPublished {
        report: &'a report::Model,
        publication: &'a report_publication::Model,
    },
}

impl Event<'_> {
    /// The consultation the event is about.
    fn consultation_id(&self) -> i64 {
        match self {
            Event::ContributionPublished(c)
            | Event::ContributionWithdrawn(c)
            | Event::ContributionUnpublished(c) => c.consultation_id,
            Event::ConsultationClosed(c) => c.id,
            Event::ReportPublished { report, .. } => report.consultation_id,
        }
    }

    fn name(&self) -> EventName {
        match self {
            Event::ContributionPublished(_) => EventName::ContributionPublished,
            Event::ContributionWithdrawn(_) => EventName::ContributionWithdrawn,
            Event::ContributionUnpublished(_) => EventName::ContributionUnpublished,
            Event::ConsultationClosed(_) => EventName::ConsultationClosed,
            Event::ReportPublished { .. } => EventName::ReportPublished,
        }
    }
}

fn gid(node_type: NodeType, id: i64) -> String {
    GlobalId::new(node_type, id).encode()
}

/// The events a webhook asked for, from its stored list.
pub fn events_of(w: &webhook::Model) -> Vec<EventName> {
    w.events
        .split(',')
        .filter_map(EventName::from_wire)
        .collect()
}

/// The viewer an endpoint's owner reads as now: `None` when the owner is disabled,
/// revoked or gone (its endpoints then hear nothing).
pub async fn owner_viewer(
    db: &impl ConnectionTrait,
    w: &webhook::Model,
) -> AppResult<Option<Viewer>> {
    if let Some(id) = w.owner_account_id {
        let Some(a) = account::Entity::find_by_id(id).one(db).await? else {
            return Ok(None);
        };
        if a.status != PrincipalStatus::Active {
            return Ok(None);
        }
        let owner = Viewer::Principal(Principal {
            subject: Subject::Account(id),
            role: a.role,
            stakeholder_id: a.stakeholder_id,
            scopes: Scopes::ALL,
        });
        // An account that may no longer manage webhooks (a changed role) hears nothing.
        return Ok(policy::may(&owner, Action::ManageWebhooks)
            .is_ok()
            .then_some(owner));
    }
    if let Some(id) = w.owner_client_id {
        let Some(c) = api_client::Entity::find_by_id(id).one(db).await? else {
            return Ok(None);
        };
        let scopes = api_clients::scopes(&c);
        if c.status != PrincipalStatus::Active || !policy::client_may_hold(c.role) || !scopes.read {
            return Ok(None);
        }
        return Ok(Some(Viewer::Principal(Principal {
            subject: Subject::Client(id),
            role: c.role,
            stakeholder_id: Some(c.stakeholder_id),
            scopes,
        })));
    }
    Ok(None)
}

/// Writes one delivery of `event` for every active endpoint that asked for it and
/// whose owner may read what it is about, in the caller's transaction.
pub async fn enqueue(txn: &impl ConnectionTrait, event: Event<'_>) -> AppResult<()> {
    let name = event.name();
    let hooks: Vec<webhook::Model> = webhook::Entity::find()
        .filter(webhook::Column::Active.eq(true))
        .filter(webhook::Column::Events.contains(name.wire()))
        .all(txn)
        .await?
        .into_iter()
        .filter(|w| events_of(w).contains(&name))
        .collect();
    if hooks.is_empty() {
        return Ok(());
    }
    let now = Utc::now();
    let event_id = crate::auth::secret::new_token("evt_")?;
    let stakeholder = match &event {
        Event::ContributionPublished(c) => {
            stakeholder::Entity::find_by_id(c.stakeholder_id)
                .one(txn)
                .await?
        }
        _ => None,
    };
    let Some(consultation) = consultation::Entity::find_by_id(event.consultation_id())
        .one(txn)
        .await?
    else {
        return Ok(());
    };
    for w in hooks {
        let Some(owner) = owner_viewer(txn, &w).await? else {
            continue;
        };
        let Some(data) = data_for(&owner, &event, stakeholder.as_ref(), consultation.status) else {
            continue;
        };
        let payload = json!({
            "id": event_id,
            "event": name.wire(),
            "occurredAt": now.to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
            "data": data,
        });
        webhook_delivery::ActiveModel {
            webhook_id: Set(w.id),
            event: Set(name.wire().to_owned()),
            payload: Set(payload.to_string()),
            status: Set(WebhookDeliveryStatus::Pending),
            attempts: Set(0),
            next_attempt_at: Set(now),
            lease_until: Set(None),
            last_status_code: Set(None),
            last_error: Set(None),
            created_at: Set(now),
            delivered_at: Set(None),
            ..Default::default()
        }
        .insert(txn)
        .await?;
    }
    deliver::nudge();
    Ok(())
}

/// What an owner hears of an event: `None` when it may not read what it is about (the
/// consultation, a DRAFT one being the secretariat's alone; the contribution; its
/// stakeholder, named only to those who may learn it).
fn data_for(
    owner: &Viewer,
    event: &Event<'_>,
    stakeholder: Option<&stakeholder::Model>,
    consultation: ConsultationStatus,
) -> Option<Value> {
    if !policy::sees_consultation(owner, consultation) {
        return None;
    }
    match event {
        Event::ContributionPublished(c) => {
            if !policy::reads_contribution(owner, c) {
                return None;
            }
            let by = stakeholder
                .filter(|_| policy::sees_attribution(owner, c))
                .map(|s| json!({"id": gid(NodeType::Stakeholder, s.id), "name": s.name}));
            Some(json!({"contribution": {
                "id": gid(NodeType::Contribution, c.id),
                "consultation": gid(NodeType::Consultation, c.consultation_id),
                "title": c.title,
                "kind": c.kind.as_str(),
                "language": c.language,
                "visibility": c.visibility.as_str(),
                "stakeholderGroup": stakeholder.map(|s| s.stakeholder_group.as_str()),
                "stakeholder": by,
                "publishedAt": c.published_at.map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)),
            }}))
        }
        Event::ContributionWithdrawn(before) | Event::ContributionUnpublished(before) => {
            // Only those who could read it hear that it went.
            if !policy::reads_contribution(owner, before) {
                return None;
            }
            Some(json!({"contribution": {
                "id": gid(NodeType::Contribution, before.id),
                "consultation": gid(NodeType::Consultation, before.consultation_id),
            }}))
        }
        Event::ConsultationClosed(c) => Some(json!({"consultation": {
            "id": gid(NodeType::Consultation, c.id),
            "slug": c.slug,
            "title": c.title,
            "status": c.status.as_str(),
            "closesAt": c.closes_at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        }})),
        Event::ReportPublished {
            report,
            publication,
        } => Some(json!({"report": {
            "id": gid(NodeType::Report, report.id),
            "consultation": gid(NodeType::Consultation, report.consultation_id),
            "title": report.title,
            "number": publication.number,
            "contentHash": publication.content_hash,
            "publishedAt": publication.published_at.to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
            "markdownPath": format!("/consultations/{}/report.md", gid(NodeType::Consultation, report.consultation_id)),
            "htmlPath": format!("/consultations/{}/report.html", gid(NodeType::Consultation, report.consultation_id)),
        }})),
    }
}

/// The body of a delivery as its owner may hear it *now*, when it is sent: the event's
/// records are read again and judged by the owner's read policy as it is then
/// (consultation status, contribution status and visibility, attribution); `None` when
/// the owner may no longer read what the event is about (the delivery is withheld).
/// A published contribution and a report are described as they are now; a withdrawn or
/// unpublished contribution (which its owner could read when it went) and a closing are
/// announced as written, while the consultation is still the owner's to read.
pub async fn current_payload(
    db: &impl ConnectionTrait,
    owner: &Viewer,
    event: &str,
    payload: &str,
) -> AppResult<Option<String>> {
    let Ok(mut envelope) = serde_json::from_str::<Value>(payload) else {
        return Ok(None);
    };
    let id_at = |pointer: &str, node_type: NodeType| {
        envelope
            .pointer(pointer)
            .and_then(Value::as_str)
            .and_then(|raw| GlobalId::decode_as(raw, node_type).ok())
    };
    let consultation_of = |id: Option<i64>| async move {
        match id {
            Some(id) => consultation::Entity::find_by_id(id).one(db).await,
            None => Ok(None),
        }
    };
    let data = match EventName::from_wire(event) {
        Some(EventName::ContributionPublished) => {
            let Some(id) = id_at("/data/contribution/id", NodeType::Contribution) else {
                return Ok(None);
            };
            let Some(c) = contribution::Entity::find_by_id(id).one(db).await? else {
                return Ok(None);
            };
            if c.status != ContributionStatus::Published {
                return Ok(None);
            }
            let Some(consultation) = consultation_of(Some(c.consultation_id)).await? else {
                return Ok(None);
            };
            let stakeholder = stakeholder::Entity::find_by_id(c.stakeholder_id)
                .one(db)
                .await?;
            data_for(
                owner,
                &Event::ContributionPublished(&c),
                stakeholder.as_ref(),
                consultation.status,
            )
        }
        // What these say happened (a contribution went; the consultation closed) stays
        // as it was written; they are sent while the consultation is the owner's to read.
        Some(
            name @ (EventName::ContributionWithdrawn
            | EventName::ContributionUnpublished
            | EventName::ConsultationClosed),
        ) => {
            let pointer = if name == EventName::ConsultationClosed {
                "/data/consultation/id"
            } else {
                "/data/contribution/consultation"
            };
            match consultation_of(id_at(pointer, NodeType::Consultation)).await? {
                Some(c) if policy::sees_consultation(owner, c.status) => {
                    envelope.get("data").cloned()
                }
                _ => None,
            }
        }
        Some(EventName::ReportPublished) => {
            let Some(id) = id_at("/data/report/id", NodeType::Report) else {
                return Ok(None);
            };
            let number = envelope
                .pointer("/data/report/number")
                .and_then(Value::as_i64);
            let Some(r) = report::Entity::find_by_id(id).one(db).await? else {
                return Ok(None);
            };
            let publication = report_publication::Entity::find()
                .filter(report_publication::Column::ReportId.eq(r.id))
                .filter(report_publication::Column::Number.eq(number.unwrap_or(-1)))
                .one(db)
                .await?;
            let (Some(p), Some(c)) = (publication, consultation_of(Some(r.consultation_id)).await?)
            else {
                return Ok(None);
            };
            data_for(
                owner,
                &Event::ReportPublished {
                    report: &r,
                    publication: &p,
                },
                None,
                c.status,
            )
        }
        None => None,
    };
    let Some(data) = data else {
        return Ok(None);
    };
    envelope["data"] = data;
    Ok(Some(envelope.to_string()))
}

/// What a withheld delivery keeps of its body: the event's id and name, nothing of what
/// it was about.
pub fn withheld_payload(payload: &str) -> String {
    let envelope = serde_json::from_str::<Value>(payload).unwrap_or_default();
    json!({
        "id": envelope.get("id"),
        "event": envelope.get("event"),
        "occurredAt": envelope.get("occurredAt"),
        "withheld": true,
    })
    .to_string()
}
