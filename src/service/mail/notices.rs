//! Contributors told what happens to their words: when the secretariat publishes,
//! unpublishes or withdraws a contribution, every active account that speaks for its
//! stakeholder and has not turned moderation emails off gets an email, with the
//! reason when one was given. Written to the outbox in the change's transaction.

use super::text::Moderation;
use super::{Kind, enqueue};
use crate::error::AppResult;
use crate::ids::{GlobalId, NodeType};
use crate::policy::{self, Action};
use crate::viewer::Viewer;
use entity::enums::PrincipalStatus;
use entity::{account, consultation, contribution, stakeholder};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use serde_json::json;

/// Writes the emails that tell `c`'s authors of `action`, when the secretariat took it
/// and email is on; returns how many.
pub async fn tell_authors<C: ConnectionTrait>(
    txn: &C,
    viewer: &Viewer,
    by_email: bool,
    c: &contribution::Model,
    action: Moderation,
    reason: Option<&str>,
) -> AppResult<usize> {
    // Only what the secretariat does is told: a stakeholder knows what it did itself.
    if !by_email || policy::may(viewer, Action::Moderate).is_err() {
        return Ok(0);
    }
    let authors = account::Entity::find()
        .filter(account::Column::StakeholderId.eq(c.stakeholder_id))
        .filter(account::Column::Status.eq(PrincipalStatus::Active))
        .filter(account::Column::ModerationEmails.eq(true))
        .all(txn)
        .await?;
    if authors.is_empty() {
        return Ok(0);
    }
    let consultation = consultation::Entity::find_by_id(c.consultation_id)
        .one(txn)
        .await?
        .map(|x| x.title)
        .unwrap_or_default();
    let stakeholder = stakeholder::Entity::find_by_id(c.stakeholder_id)
        .one(txn)
        .await?
        .map(|x| x.name)
        .unwrap_or_default();
    for a in &authors {
        enqueue(
            txn,
            Kind::Moderation,
            &a.email,
            a.language,
            json!({
                "account": a.id,
                "action": action,
                "title": c.title,
                "consultation": consultation,
                "consultationId": GlobalId::new(NodeType::Consultation, c.consultation_id).encode(),
                "stakeholder": stakeholder,
                "reason": reason,
            }),
        )
        .await?;
    }
    Ok(authors.len())
}
