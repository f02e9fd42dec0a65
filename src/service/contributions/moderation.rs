//! The secretariat's side of the workflow: publishing and unpublishing, recording
//! what was said at meetings, and releasing embargoed submissions when a consultation
//! closes.

use super::store::{
    Disclosure, NewRow, Receipt, Text, audited, check_version, consultation_of,
    insert_contribution, insert_revision, not_allowed, readable, save, tombstone,
};
use crate::db::Db;
use crate::domain::Reason;
use crate::error::{MutationResult, UserError, UserErrorCode};
use crate::policy::{self, Action};
use crate::service::audit::{self, Actor, Change};
use crate::service::mail::{self, notices, text::Moderation};
use crate::service::webhooks;
use crate::service::{meetings, stakeholders};
use crate::viewer::Viewer;
use chrono::Utc;
use entity::contribution::{ActiveModel, Column, Entity, Model};
use entity::enums::{
    ConsultationStatus, ContributionKind, ContributionStatus, StakeholderGroup, TombstoneReason,
    Visibility,
};
use entity::meeting;
use sea_orm::{ColumnTrait, DatabaseTransaction, EntityTrait, QueryFilter, Set};

/// Publishes a submitted contribution, or takes a published one back to SUBMITTED
/// (secretariat). An embargoed one is published only once its consultation closes.
#[tracing::instrument(
    name = "moderation::set_published",
    level = "info",
    skip_all,
    err(Debug, level = "debug")
)]
pub async fn set_published(
    db: &impl Db,
    viewer: &Viewer,
    id: i64,
    version: i32,
    publish: bool,
    tell: Tell<'_>,
) -> MutationResult<Model> {
    policy::may(viewer, Action::Moderate)?;
    let note = tell
        .note
        .map(Reason::parse)
        .transpose()?
        .map(Reason::into_string);
    let before = readable(db, viewer, id).await?;
    check_version(&before, version)?;
    let (from, to, action) = if publish {
        (
            ContributionStatus::Submitted,
            ContributionStatus::Published,
            "contribution.publish",
        )
    } else {
        (
            ContributionStatus::Published,
            ContributionStatus::Submitted,
            "contribution.unpublish",
        )
    };
    if before.status != from {
        return Err(not_allowed(format!(
            "Only a {} contribution can be {}; this one is {}",
            from.as_str(),
            if publish { "published" } else { "unpublished" },
            before.status.as_str()
        )));
    }
    if publish {
        let consultation = consultation_of(db, viewer, before.consultation_id).await?;
        if consultation.status == ConsultationStatus::Draft {
            // A DRAFT consultation is the secretariat's alone: nothing of it is public.
            return Err(not_allowed(
                "The consultation is a DRAFT: open it before publishing its contributions",
            ));
        }
        if before.embargoed && consultation.status == ConsultationStatus::Open {
            return Err(not_allowed(
                "It is embargoed: it is published when the consultation closes",
            ));
        }
    }
    let now = Utc::now();
    let txn = db.begin().await?;
    let changes = ActiveModel {
        status: Set(to),
        published_at: Set(publish.then_some(now)),
        ..Default::default()
    };
    let after = save(&txn, &before, changes).await?;
    if !publish {
        tombstone(&txn, &before, TombstoneReason::Unpublished, now).await?;
    }
    audited(&txn, viewer, action, Some(&before), &after).await?;
    let event = if publish {
        webhooks::Event::ContributionPublished(&after)
    } else {
        webhooks::Event::ContributionUnpublished(&before)
    };
    webhooks::enqueue(&txn, event).await?;
    let (told_of, action) = if publish {
        (&after, Moderation::Published)
    } else {
        (&before, Moderation::Unpublished)
    };
    let told = notices::tell_authors(
        &txn,
        viewer,
        tell.by_email,
        told_of,
        action,
        note.as_deref(),
    )
    .await?;
    txn.commit().await?;
    if told > 0 {
        mail::send::nudge();
    }
    Ok(after)
}

/// What a moderation tells the contribution's authors.
#[derive(Debug, Clone, Copy, Default)]
pub struct Tell<'a> {
    /// Whether email is on (an SMTP server is configured).
    pub by_email: bool,
    /// A note from the secretariat, sent with the email.
    pub note: Option<&'a str>,
}

/// A presentation or intervention made at a meeting, as the secretariat records it.
#[derive(Debug, Clone)]
pub struct NewMeetingContribution {
    pub meeting_id: i64,
    pub stakeholder_id: i64,
    pub kind: ContributionKind,
    pub on_behalf_of_group: Option<StakeholderGroup>,
    pub text: Text,
    pub visibility: Visibility,
    pub disclosure: Disclosure,
    /// 0-based index into the meeting's agenda.
    pub agenda_item: Option<i32>,
}

/// Records a presentation or informal intervention at a meeting (secretariat). It is
/// SUBMITTED, with a receipt, for publishing like any other contribution.
#[tracing::instrument(
    name = "moderation::record_at_meeting",
    level = "info",
    skip_all,
    err(Debug, level = "debug")
)]
pub async fn record_at_meeting(
    db: &impl Db,
    viewer: &Viewer,
    input: NewMeetingContribution,
) -> MutationResult<Receipt> {
    policy::may(viewer, Action::RecordAtMeeting)?;
    if input.kind == ContributionKind::WrittenComment {
        return Err(UserError::new(
            "kind",
            UserErrorCode::Invalid,
            "Record PRESENTATION or INFORMAL_INTERVENTION; written comments are written by their authors",
        )
        .into());
    }
    let text = input.text.parse()?;
    let Some(meeting) = meeting::Entity::find_by_id(input.meeting_id)
        .one(db)
        .await?
    else {
        return Err(UserError::new("meeting", UserErrorCode::NotFound, "No such meeting").into());
    };
    if let Some(item) = input.agenda_item {
        let items = meetings::agenda(&meeting).len();
        if item < 0 || item as usize >= items {
            return Err(UserError::new(
                "agendaItem",
                UserErrorCode::Invalid,
                format!("The meeting's agenda has {items} items, numbered from 0"),
            )
            .into());
        }
    }
    stakeholders::require(db, "stakeholder", input.stakeholder_id).await?;
    let now = Utc::now();
    let txn = db.begin().await?;
    let row = insert_contribution(
        &txn,
        NewRow {
            consultation_id: meeting.consultation_id,
            meeting_id: Some(meeting.id),
            stakeholder_id: input.stakeholder_id,
            on_behalf_of_group: input.on_behalf_of_group,
            kind: input.kind,
            status: ContributionStatus::Submitted,
            visibility: input.visibility,
            text: &text,
            disclosure: input.disclosure,
            agenda_item: input.agenda_item,
            now,
        },
    )
    .await?;
    let revision = insert_revision(&txn, row.id, 1, &text, now).await?;
    audited(&txn, viewer, "contribution.record", None, &row).await?;
    txn.commit().await?;
    Receipt::signed(db, row, revision, now).await
}

/// Publishes every embargoed, submitted contribution of a consultation that has just
/// closed, in the closing transaction; returns their ids.
#[tracing::instrument(
    name = "moderation::release_embargo",
    level = "info",
    skip_all,
    err(Debug, level = "debug")
)]
pub async fn release_embargo(
    txn: &DatabaseTransaction,
    actor: &Actor,
    consultation_id: i64,
) -> MutationResult<Vec<i64>> {
    let now = Utc::now();
    let held = Entity::find()
        .filter(Column::ConsultationId.eq(consultation_id))
        .filter(Column::Embargoed.eq(true))
        .filter(Column::Status.eq(ContributionStatus::Submitted))
        .all(txn)
        .await?;
    for before in &held {
        let changes = ActiveModel {
            status: Set(ContributionStatus::Published),
            published_at: Set(Some(now)),
            ..Default::default()
        };
        let after = save(txn, before, changes).await?;
        audit::append(
            txn,
            actor,
            Change {
                action: "contribution.embargo_release",
                target_type: "Contribution",
                target_id: Some(after.id),
                before: Some(audit::state_hash(before)),
                after: Some(audit::state_hash(&after)),
            },
        )
        .await?;
        webhooks::enqueue(txn, webhooks::Event::ContributionPublished(&after)).await?;
    }
    Ok(held.iter().map(|c| c.id).collect())
}
