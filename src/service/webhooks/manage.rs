//! Registering and managing webhooks, and reading their delivery log: the
//! secretariat manages every one, a partner's API client (with `read`) its own.

use super::{EventName, Targets, deliver};
use crate::db::Db;
use crate::error::{AppError, AppResult, MutationResult, UserError, UserErrorCode};
use crate::paging::{self, Listing, Page};
use crate::policy::{self, Action};
use crate::service::audit;
use crate::viewer::{Subject, Viewer};
use chrono::Utc;
use entity::enums::WebhookDeliveryStatus;
use entity::{webhook, webhook_attempt, webhook_delivery};
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, Set};
use std::collections::HashMap;

/// The webhooks `viewer` manages: all for the secretariat, its own for a client.
fn owned_by(viewer: &Viewer) -> AppResult<sea_orm::Condition> {
    let p = policy::may(viewer, Action::ManageWebhooks)?;
    Ok(match p.subject {
        _ if policy::manages_all_webhooks(viewer) => sea_orm::Condition::all(),
        Subject::Client(id) => sea_orm::Condition::all().add(webhook::Column::OwnerClientId.eq(id)),
        Subject::Account(id) => {
            sea_orm::Condition::all().add(webhook::Column::OwnerAccountId.eq(id))
        }
        Subject::System => sea_orm::Condition::all(),
    })
}

/// The webhooks the viewer manages, oldest first.
pub async fn list(
    db: &impl Db,
    viewer: &Viewer,
    page: &Page,
) -> AppResult<Listing<webhook::Model>> {
    let mine = owned_by(viewer)?;
    paging::list(
        db,
        webhook::Entity::find().filter(mine),
        webhook::Column::Id,
        page,
    )
    .await
}

/// One webhook, if the viewer manages it.
pub async fn by_id(db: &impl Db, viewer: &Viewer, id: i64) -> AppResult<Option<webhook::Model>> {
    let mine = owned_by(viewer)?;
    Ok(webhook::Entity::find_by_id(id).filter(mine).one(db).await?)
}

/// The deliveries of a webhook, newest first.
pub async fn deliveries(
    db: &impl Db,
    webhook_id: i64,
    page: &Page,
) -> AppResult<Listing<webhook_delivery::Model>> {
    let select =
        webhook_delivery::Entity::find().filter(webhook_delivery::Column::WebhookId.eq(webhook_id));
    paging::list(db, select, webhook_delivery::Column::Id, page).await
}

/// A delivery, if the viewer manages its webhook.
pub async fn delivery_by_id(
    db: &impl Db,
    viewer: &Viewer,
    id: i64,
) -> AppResult<Option<webhook_delivery::Model>> {
    let Some(d) = webhook_delivery::Entity::find_by_id(id).one(db).await? else {
        return Ok(None);
    };
    Ok(by_id(db, viewer, d.webhook_id).await?.map(|_| d))
}

/// The attempts of deliveries (of webhooks the caller manages), each in order.
pub async fn attempts_of(
    db: &impl Db,
    delivery_ids: &[i64],
) -> AppResult<HashMap<i64, Vec<webhook_attempt::Model>>> {
    let rows = webhook_attempt::Entity::find()
        .filter(webhook_attempt::Column::DeliveryId.is_in(delivery_ids.iter().copied()))
        .order_by_asc(webhook_attempt::Column::Id)
        .all(db)
        .await?;
    Ok(crate::service::rows::group_by_parent(
        rows.into_iter().map(|a| (a.delivery_id, a)),
    ))
}

/// A new webhook.
#[derive(Debug, Clone)]
pub struct NewWebhook {
    pub url: String,
    pub events: Vec<EventName>,
    pub description: Option<String>,
}

/// A webhook with its signing secret, shown this once.
pub struct WithSecret {
    pub webhook: webhook::Model,
    pub secret: secrecy::SecretString,
}

fn new_secret() -> anyhow::Result<String> {
    crate::auth::secret::new_token("whsec_")
}

fn check_events(events: &[EventName]) -> MutationResult<String> {
    if events.is_empty() {
        return Err(
            UserError::new("events", UserErrorCode::Invalid, "Name at least one event").into(),
        );
    }
    let mut names: Vec<&str> = events.iter().map(|e| e.wire()).collect();
    names.sort_unstable();
    names.dedup();
    Ok(names.join(","))
}

/// Registers an endpoint for the viewer (secretariat, or an API client with `read`);
/// the signing secret is in the answer only.
pub async fn create(
    db: &impl Db,
    viewer: &Viewer,
    targets: &Targets,
    input: NewWebhook,
) -> MutationResult<WithSecret> {
    let p = policy::may(viewer, Action::ManageWebhooks)?.clone();
    let mut checks = crate::domain::Checks::default();
    let url = checks.take(targets.check_url("url", &input.url).map(Some));
    let events = match check_events(&input.events) {
        Ok(e) => e,
        Err(crate::error::MutationError::Input(mut errs)) => {
            checks.fail(errs.remove(0));
            String::new()
        }
        Err(other) => return Err(other),
    };
    let description = checks.take(crate::domain::optional(input.description.as_deref(), |d| {
        crate::domain::Line::parse("description", d, 300)
    }));
    checks.finish()?;
    let url = url.ok_or_else(|| anyhow::anyhow!("checked URL missing"))?;
    let secret = new_secret()?;
    let now = Utc::now();
    let (owner_account_id, owner_client_id) = match p.subject {
        Subject::Account(id) => (Some(id), None),
        Subject::Client(id) => (None, Some(id)),
        Subject::System => (None, None),
    };
    let row = crate::service::versions::create_row(
        db,
        viewer,
        ("Webhook", "webhook.create"),
        |w: &webhook::Model| w.id,
        webhook::ActiveModel {
            url: Set(url),
            events: Set(events),
            secret: Set(secret.clone()),
            owner_account_id: Set(owner_account_id),
            owner_client_id: Set(owner_client_id),
            description: Set(description.map(crate::domain::Line::into_string)),
            active: Set(true),
            created_at: Set(now),
            updated_at: Set(now),
            version: Set(1),
            ..Default::default()
        },
    )
    .await?;
    Ok(WithSecret {
        webhook: row,
        secret: secret.into(),
    })
}

/// Changes to a webhook; fields left out stay as they are.
#[derive(Debug, Clone, Default)]
pub struct WebhookChanges {
    pub url: Option<String>,
    pub events: Option<Vec<EventName>>,
    pub active: Option<bool>,
}

async fn managed(db: &impl Db, viewer: &Viewer, id: i64) -> MutationResult<webhook::Model> {
    by_id(db, viewer, id)
        .await?
        .ok_or(crate::error::MutationError::App(AppError::NotFound(
            "Webhook",
        )))
}

/// Changes a webhook's URL, events or whether it is active, at the version the caller
/// edited.
pub async fn update(
    db: &impl Db,
    viewer: &Viewer,
    targets: &Targets,
    id: i64,
    version: i32,
    c: WebhookChanges,
) -> MutationResult<webhook::Model> {
    let before = managed(db, viewer, id).await?;
    let mut changes = <webhook::ActiveModel as Default>::default();
    if let Some(url) = &c.url {
        changes.url = Set(targets.check_url("url", url)?);
    }
    if let Some(events) = &c.events {
        changes.events = Set(check_events(events)?);
    }
    if let Some(active) = c.active {
        changes.active = Set(active);
    }
    let txn = db.begin().await?;
    let after =
        crate::service::versions::save_at_version(&txn, id, version, changes, "webhook").await?;
    audit::append(
        &txn,
        &audit::Actor::of(viewer),
        audit::Change {
            action: "webhook.update",
            target_type: "Webhook",
            target_id: Some(id),
            before: Some(audit::state_hash(&(
                &before.url,
                &before.events,
                before.active,
            ))),
            after: Some(audit::state_hash(&(
                &after.url,
                &after.events,
                after.active,
            ))),
        },
    )
    .await?;
    txn.commit().await?;
    Ok(after)
}

/// Replaces a webhook's signing secret (shown this once); deliveries from now on are
/// signed with the new one.
pub async fn rotate_secret(
    db: &impl Db,
    viewer: &Viewer,
    id: i64,
    version: i32,
) -> MutationResult<WithSecret> {
    managed(db, viewer, id).await?;
    let secret = new_secret()?;
    let changes = webhook::ActiveModel {
        secret: Set(secret.clone()),
        ..Default::default()
    };
    let txn = db.begin().await?;
    let after =
        crate::service::versions::save_at_version(&txn, id, version, changes, "webhook").await?;
    audit::append(
        &txn,
        &audit::Actor::of(viewer),
        audit::Change {
            action: "webhook.rotate_secret",
            target_type: "Webhook",
            target_id: Some(id),
            before: None,
            after: None,
        },
    )
    .await?;
    txn.commit().await?;
    Ok(WithSecret {
        webhook: after,
        secret: secret.into(),
    })
}

/// Removes a webhook and its delivery log.
pub async fn delete(db: &impl Db, viewer: &Viewer, id: i64) -> MutationResult<i64> {
    managed(db, viewer, id).await?;
    let txn = db.begin().await?;
    webhook::Entity::delete_by_id(id).exec(&txn).await?;
    audit::append(
        &txn,
        &audit::Actor::of(viewer),
        audit::Change {
            action: "webhook.delete",
            target_type: "Webhook",
            target_id: Some(id),
            before: None,
            after: None,
        },
    )
    .await?;
    txn.commit().await?;
    Ok(id)
}

/// Makes a failed delivery due again now (its attempts start over).
pub async fn redeliver(
    db: &impl Db,
    viewer: &Viewer,
    delivery_id: i64,
) -> MutationResult<webhook_delivery::Model> {
    policy::may(viewer, Action::ManageWebhooks)?;
    let Some(d) = webhook_delivery::Entity::find_by_id(delivery_id)
        .one(db)
        .await?
    else {
        return Err(AppError::NotFound("WebhookDelivery").into());
    };
    managed(db, viewer, d.webhook_id).await?;
    if d.status == WebhookDeliveryStatus::Pending {
        return Err(UserError::new("id", UserErrorCode::NotAllowed, "It is still pending").into());
    }
    let mut row: webhook_delivery::ActiveModel = d.into();
    row.status = Set(WebhookDeliveryStatus::Pending);
    row.attempts = Set(0);
    row.next_attempt_at = Set(Utc::now());
    row.lease_until = Set(None);
    let row = row.update(db).await?;
    deliver::nudge();
    Ok(row)
}
