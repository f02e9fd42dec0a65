//! An author's written comment: drafted, edited (a submitted text is never
//! overwritten: an edit makes a new revision), submitted with a receipt, withdrawn.

use super::store::{
    Disclosure, Documents, NewRow, Receipt, Text, audited, check_open, check_still_open,
    check_version, consultation_of, current_revision, insert_contribution, insert_revision,
    make_searchable, not_allowed, readable, save, tombstone,
};
use crate::db::Db;
use crate::domain::Reason;
use crate::error::{MutationResult, UserError, UserErrorCode};
use crate::policy::{self, Action, Withdrawal};
use crate::service::attachments::attach;
use crate::service::mail::{self, notices, text::Moderation};
use crate::service::stakeholders;
use crate::service::webhooks;
use crate::viewer::Viewer;
use chrono::Utc;
use entity::contribution::{ActiveModel, Model};
use entity::contribution_revision;
use entity::enums::{ContributionKind, ContributionStatus, TombstoneReason, Visibility};
use sea_orm::{ActiveModelTrait, Set};

/// A new written comment, as a draft.
#[derive(Debug, Clone)]
pub struct NewComment {
    pub consultation_id: i64,
    /// Required of the secretariat; others write for their own stakeholder.
    pub stakeholder_id: Option<i64>,
    pub text: Text,
    pub visibility: Visibility,
    pub disclosure: Disclosure,
    pub documents: Documents,
}

/// Creates a draft written comment.
#[tracing::instrument(
    name = "drafting::create",
    level = "info",
    skip_all,
    err(Debug, level = "debug")
)]
pub async fn create(db: &impl Db, viewer: &Viewer, input: NewComment) -> MutationResult<Model> {
    let Some(stakeholder_id) = policy::comment_stakeholder(viewer, input.stakeholder_id)? else {
        return Err(UserError::new(
            "stakeholder",
            UserErrorCode::Invalid,
            "Say which stakeholder the comment is from",
        )
        .into());
    };
    policy::may(viewer, Action::WriteComment { stakeholder_id })?;
    policy::may_give_visibility(viewer, stakeholder_id, input.visibility)?;
    let text = input.text.parse()?;
    stakeholders::require(db, "stakeholder", stakeholder_id).await?;
    let now = Utc::now();
    check_open(
        &consultation_of(db, viewer, input.consultation_id).await?,
        now,
    )?;
    let txn = db.begin().await?;
    check_still_open(&txn, viewer, input.consultation_id, now).await?;
    let row = insert_contribution(
        &txn,
        NewRow {
            consultation_id: input.consultation_id,
            meeting_id: None,
            stakeholder_id,
            on_behalf_of_group: None,
            kind: ContributionKind::WrittenComment,
            status: ContributionStatus::Draft,
            visibility: input.visibility,
            text: &text,
            disclosure: input.disclosure,
            agenda_item: None,
            now,
        },
    )
    .await?;
    attach::apply(
        &txn,
        viewer,
        attach::Change {
            contribution_id: row.id,
            previous: None,
            revision: 1,
            picks: input.documents.picks.as_deref(),
            max: input.documents.max,
            now,
        },
    )
    .await?;
    insert_revision(&txn, row.id, 1, &text, now).await?;
    audited(&txn, viewer, "contribution.create", None, &row).await?;
    txn.commit().await?;
    Ok(row)
}

/// Changes to a written comment's text or visibility.
#[derive(Debug, Clone, Default)]
pub struct Edit {
    pub title: Option<String>,
    pub body: Option<String>,
    pub language: Option<String>,
    pub visibility: Option<Visibility>,
    pub documents: Documents,
}

/// The contribution `id` at `version`, for a change by its author (or the secretariat):
/// `NOT_FOUND` when the viewer may not read it, `FORBIDDEN` when it may not write it,
/// `CONFLICT` when stale.
pub(super) async fn authored(
    db: &impl Db,
    viewer: &Viewer,
    id: i64,
    version: i32,
) -> MutationResult<Model> {
    policy::may_write(viewer)?;
    let before = readable(db, viewer, id).await?;
    policy::may(
        viewer,
        Action::WriteComment {
            stakeholder_id: before.stakeholder_id,
        },
    )?;
    check_version(&before, version)?;
    Ok(before)
}

/// Edits a written comment. A draft is edited in place; a submitted or published one
/// gets a new revision (earlier revisions are kept), and a published one goes back to
/// SUBMITTED for the secretariat to publish again.
#[tracing::instrument(
    name = "drafting::edit",
    level = "info",
    skip_all,
    err(Debug, level = "debug")
)]
pub async fn edit(
    db: &impl Db,
    viewer: &Viewer,
    id: i64,
    version: i32,
    edit: Edit,
) -> MutationResult<Receipt> {
    let before = authored(db, viewer, id, version).await?;
    if before.kind != ContributionKind::WrittenComment {
        return Err(not_allowed(
            "Only written comments are edited; meeting records are the secretariat's",
        ));
    }
    if before.status == ContributionStatus::Withdrawn {
        return Err(not_allowed("A withdrawn contribution cannot be edited"));
    }
    let now = Utc::now();
    check_open(
        &consultation_of(db, viewer, before.consultation_id).await?,
        now,
    )?;
    if let Some(v) = edit.visibility {
        policy::may_give_visibility(viewer, before.stakeholder_id, v)?;
    }
    let current = current_revision(db, &before).await?;
    let text = Text {
        title: edit.title.unwrap_or(current.title.clone()),
        body: edit.body.unwrap_or(current.body.clone()),
        language: edit.language.unwrap_or(current.language.clone()),
    }
    .parse()?;
    let txn = db.begin().await?;
    check_still_open(&txn, viewer, before.consultation_id, now).await?;
    let mut changes = ActiveModel {
        title: Set(text.title().to_owned()),
        language: Set(text.language().to_owned()),
        ..Default::default()
    };
    if let Some(v) = edit.visibility {
        changes.visibility = Set(v);
    }
    let draft = before.status == ContributionStatus::Draft;
    if !draft {
        changes.latest_revision = Set(before.latest_revision + 1);
        if before.status == ContributionStatus::Published {
            changes.status = Set(ContributionStatus::Submitted);
            changes.published_at = Set(None);
        }
    }
    // The version check comes first: of concurrent edits at one version, the losers
    // stop here with CONFLICT instead of racing for the next revision number.
    let after = save(&txn, &before, changes).await?;
    attach::apply(
        &txn,
        viewer,
        attach::Change {
            contribution_id: before.id,
            previous: Some(before.latest_revision),
            revision: after.latest_revision,
            picks: edit.documents.picks.as_deref(),
            max: edit.documents.max,
            now,
        },
    )
    .await?;
    let revision = if draft {
        // Nothing was submitted yet: the draft's only revision is rewritten.
        let mut rev: contribution_revision::ActiveModel = current.into();
        rev.title = Set(text.title().to_owned());
        rev.body = Set(text.body().to_owned());
        rev.language = Set(text.language().to_owned());
        rev.content_hash = Set(text.content_hash());
        rev.created_at = Set(now);
        let rev = rev.update(&txn).await?;
        make_searchable(&txn, &rev).await?;
        rev
    } else {
        insert_revision(&txn, before.id, after.latest_revision, &text, now).await?
    };
    tombstone(&txn, &before, TombstoneReason::Revised, now).await?;
    audited(&txn, viewer, "contribution.edit", Some(&before), &after).await?;
    txn.commit().await?;
    Receipt::signed(db, after, revision, now).await
}

/// Submits a draft written comment; returns the receipt.
#[tracing::instrument(
    name = "drafting::submit",
    level = "info",
    skip_all,
    err(Debug, level = "debug")
)]
pub async fn submit(
    db: &impl Db,
    viewer: &Viewer,
    id: i64,
    version: i32,
) -> MutationResult<Receipt> {
    let before = authored(db, viewer, id, version).await?;
    if before.status != ContributionStatus::Draft {
        return Err(not_allowed(format!(
            "Only a DRAFT can be submitted; this one is {}",
            before.status.as_str()
        )));
    }
    let now = Utc::now();
    check_open(
        &consultation_of(db, viewer, before.consultation_id).await?,
        now,
    )?;
    let revision = current_revision(db, &before).await?;
    let txn = db.begin().await?;
    check_still_open(&txn, viewer, before.consultation_id, now).await?;
    let changes = ActiveModel {
        status: Set(ContributionStatus::Submitted),
        submitted_at: Set(Some(now)),
        ..Default::default()
    };
    let after = save(&txn, &before, changes).await?;
    audited(&txn, viewer, "contribution.submit", Some(&before), &after).await?;
    txn.commit().await?;
    Receipt::signed(db, after, revision, now).await
}

/// Withdraws a contribution, with a reason: its author while the consultation is open,
/// or the secretariat at any time ([`policy::withdrawal`]).
#[tracing::instrument(
    name = "drafting::withdraw",
    level = "info",
    skip_all,
    err(Debug, level = "debug")
)]
pub async fn withdraw(
    db: &impl Db,
    viewer: &Viewer,
    id: i64,
    version: i32,
    reason: &str,
    by_email: bool,
) -> MutationResult<Model> {
    policy::may_write(viewer)?;
    let before = readable(db, viewer, id).await?;
    let when = policy::withdrawal(
        viewer,
        before.stakeholder_id,
        before.kind == ContributionKind::WrittenComment,
    )?;
    check_version(&before, version)?;
    let reason = Reason::parse(reason)?.into_string();
    if before.status == ContributionStatus::Withdrawn {
        return Err(not_allowed("It is already withdrawn"));
    }
    if when == Withdrawal::WhileOpen {
        check_open(
            &consultation_of(db, viewer, before.consultation_id).await?,
            Utc::now(),
        )?;
    }
    let now = Utc::now();
    let txn = db.begin().await?;
    if when == Withdrawal::WhileOpen {
        check_still_open(&txn, viewer, before.consultation_id, now).await?;
    }
    let changes = ActiveModel {
        status: Set(ContributionStatus::Withdrawn),
        withdrawn_reason: Set(Some(reason.clone())),
        published_at: Set(None),
        ..Default::default()
    };
    let after = save(&txn, &before, changes).await?;
    tombstone(&txn, &before, TombstoneReason::Withdrawn, now).await?;
    audited(&txn, viewer, "contribution.withdraw", Some(&before), &after).await?;
    webhooks::enqueue(&txn, webhooks::Event::ContributionWithdrawn(&before)).await?;
    let told = notices::tell_authors(
        &txn,
        viewer,
        by_email,
        &before,
        Moderation::Withdrawn,
        Some(&reason),
    )
    .await?;
    txn.commit().await?;
    if told > 0 {
        mail::send::nudge();
    }
    Ok(after)
}
