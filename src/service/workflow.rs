//! The contribution workflow: drafts, submission with receipts, revisions, withdrawal,
//! moderation, meeting records and tags. Every write checks access in `policy`,
//! validates at the edge (problems come back as `userErrors`), checks the version the
//! caller edited (`CONFLICT` when stale), and is audited in its transaction.

use crate::error::{AppError, MutationError, MutationResult, UserError, UserErrorCode};
use crate::policy;
use crate::service::audit::{self, Actor, Change};
use crate::service::contributions::content_hash;
use crate::viewer::Viewer;
use chrono::{DateTime, Utc};
use entity::contribution::{ActiveModel, Column, Entity, Model};
use entity::enums::{
    ConsultationStatus, ContributionKind, ContributionStatus, Role, StakeholderGroup, Stance,
    TombstoneReason, Visibility,
};
use entity::{
    consultation, contribution_issue, contribution_mechanism, contribution_revision,
    contribution_tombstone, mechanism, meeting, policy_issue,
};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, DatabaseTransaction,
    EntityTrait, QueryFilter, Set, TransactionTrait,
};

/// Longest title, in characters.
pub const MAX_TITLE: usize = 500;
/// Longest body, in characters (large bodies are normal).
pub const MAX_BODY: usize = 1_000_000;
/// Longest withdrawal reason, in characters.
pub const MAX_REASON: usize = 2_000;

/// The text of a revision.
#[derive(Debug, Clone)]
pub struct Text {
    pub title: String,
    pub body: String,
    pub language: String,
}

/// What a submitter gets back: the revision, its hash and the server's time.
#[derive(Debug, Clone)]
pub struct Receipt {
    pub contribution: Model,
    pub revision: contribution_revision::Model,
    pub server_time: DateTime<Utc>,
}

fn invalid(field: &str, message: impl Into<String>) -> UserError {
    UserError::new(field, UserErrorCode::Invalid, message)
}

fn not_allowed(message: impl Into<String>) -> MutationError {
    UserError::new("id", UserErrorCode::NotAllowed, message).into()
}

/// A BCP 47 language tag such as `en`, `fr`, `zh-Hans`; lowercased primary subtag.
pub fn language(tag: &str) -> Result<String, UserError> {
    let tag = tag.trim();
    let mut parts = tag.split('-');
    let primary = parts.next().unwrap_or("");
    let ok = (2..=3).contains(&primary.len())
        && primary.chars().all(|c| c.is_ascii_alphabetic())
        && parts
            .all(|p| (1..=8).contains(&p.len()) && p.chars().all(|c| c.is_ascii_alphanumeric()));
    if !ok {
        return Err(invalid(
            "language",
            "Give the language as a BCP 47 tag such as en, fr, ar, zh or es-419",
        ));
    }
    let mut out = primary.to_ascii_lowercase();
    for part in tag.split('-').skip(1) {
        out.push('-');
        out.push_str(part);
    }
    Ok(out)
}

/// Checks a revision's text; the body is kept exactly as sent (it is what is hashed).
fn check_text(text: &Text) -> Result<Text, MutationError> {
    let mut errors = Vec::new();
    let title = text.title.trim().to_owned();
    if title.is_empty() || title.chars().count() > MAX_TITLE {
        errors.push(invalid(
            "title",
            format!("The title must have 1 to {MAX_TITLE} characters"),
        ));
    }
    if text.body.trim().is_empty() || text.body.chars().count() > MAX_BODY {
        errors.push(invalid(
            "body",
            format!("The body must have 1 to {MAX_BODY} characters"),
        ));
    }
    let language = language(&text.language)
        .map_err(|e| errors.push(e))
        .unwrap_or_default();
    if !errors.is_empty() {
        return Err(MutationError::Input(errors));
    }
    Ok(Text {
        title,
        body: text.body.clone(),
        language,
    })
}

/// A written comment may be written while its consultation is open, by status and dates.
fn check_open(c: &consultation::Model, now: DateTime<Utc>) -> MutationResult<()> {
    if c.status != ConsultationStatus::Open {
        return Err(UserError::new(
            "consultation",
            UserErrorCode::NotAllowed,
            format!(
                "The consultation is {}; written comments are accepted only while it is OPEN",
                c.status.as_str()
            ),
        )
        .into());
    }
    if now < c.opens_at || now > c.closes_at {
        return Err(UserError::new(
            "consultation",
            UserErrorCode::NotAllowed,
            format!(
                "The consultation accepts written comments from {} to {}",
                c.opens_at.to_rfc3339(),
                c.closes_at.to_rfc3339()
            ),
        )
        .into());
    }
    Ok(())
}

async fn consultation_of(
    db: &impl ConnectionTrait,
    id: i64,
) -> MutationResult<consultation::Model> {
    consultation::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or_else(|| {
            UserError::new(
                "consultation",
                UserErrorCode::NotFound,
                "No such consultation",
            )
            .into()
        })
}

/// The contribution, if the viewer may read it; otherwise `NOT_FOUND`, as for a missing one.
async fn readable(db: &impl ConnectionTrait, viewer: &Viewer, id: i64) -> MutationResult<Model> {
    Entity::find_by_id(id)
        .filter(policy::readable_contributions(viewer))
        .one(db)
        .await?
        .ok_or(MutationError::App(AppError::NotFound("Contribution")))
}

fn check_version(row: &Model, version: i32) -> MutationResult<()> {
    if row.version != version {
        return Err(AppError::Conflict("contribution").into());
    }
    Ok(())
}

/// Writes `changes` if the row is still at `before.version`; bumps the version.
async fn save(
    txn: &DatabaseTransaction,
    before: &Model,
    changes: ActiveModel,
) -> MutationResult<Model> {
    let cols = super::Versioned {
        id: Column::Id,
        version: Column::Version,
        updated_at: Column::UpdatedAt,
    };
    super::save_at_version(
        txn,
        cols,
        before.id,
        before.version,
        changes,
        "contribution",
    )
    .await
}

async fn audited(
    txn: &DatabaseTransaction,
    viewer: &Viewer,
    action: &str,
    before: Option<&Model>,
    after: &Model,
) -> MutationResult<()> {
    audit::record(
        txn,
        &Actor::of(viewer),
        Change {
            action,
            target_type: "Contribution",
            target_id: Some(after.id),
            before: before.map(audit::state_hash),
            after: Some(audit::state_hash(after)),
        },
    )
    .await?;
    Ok(())
}

/// A contribution row about to be written.
struct NewRow<'a> {
    consultation_id: i64,
    meeting_id: Option<i64>,
    stakeholder_id: i64,
    on_behalf_of_group: Option<StakeholderGroup>,
    kind: ContributionKind,
    status: ContributionStatus,
    visibility: Visibility,
    text: &'a Text,
    disclosure: Disclosure,
    agenda_item: Option<i32>,
    now: DateTime<Utc>,
}

async fn insert_contribution(txn: &DatabaseTransaction, r: NewRow<'_>) -> MutationResult<Model> {
    let submitted = r.status != ContributionStatus::Draft;
    Ok(ActiveModel {
        consultation_id: Set(r.consultation_id),
        meeting_id: Set(r.meeting_id),
        stakeholder_id: Set(r.stakeholder_id),
        on_behalf_of_group: Set(r.on_behalf_of_group),
        kind: Set(r.kind),
        status: Set(r.status),
        visibility: Set(r.visibility),
        title: Set(r.text.title.clone()),
        language: Set(r.text.language.clone()),
        latest_revision: Set(1),
        withdrawn_reason: Set(None),
        created_at: Set(r.now),
        updated_at: Set(r.now),
        submitted_at: Set(submitted.then_some(r.now)),
        published_at: Set(None),
        version: Set(1),
        attributed: Set(r.disclosure.attributed),
        embargoed: Set(r.disclosure.embargoed),
        agenda_item: Set(r.agenda_item),
        ..Default::default()
    }
    .insert(txn)
    .await?)
}

async fn insert_revision(
    txn: &DatabaseTransaction,
    contribution_id: i64,
    number: i32,
    text: &Text,
    now: DateTime<Utc>,
) -> MutationResult<contribution_revision::Model> {
    Ok(contribution_revision::ActiveModel {
        contribution_id: Set(contribution_id),
        number: Set(number),
        title: Set(text.title.clone()),
        body: Set(text.body.clone()),
        language: Set(text.language.clone()),
        content_hash: Set(content_hash(&text.title, &text.language, &text.body)),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(txn)
    .await?)
}

async fn current_revision(
    db: &impl ConnectionTrait,
    row: &Model,
) -> MutationResult<contribution_revision::Model> {
    Ok(contribution_revision::Entity::find()
        .filter(contribution_revision::Column::ContributionId.eq(row.id))
        .filter(contribution_revision::Column::Number.eq(row.latest_revision))
        .one(db)
        .await?
        .ok_or_else(|| {
            anyhow::anyhow!(
                "contribution {} has no revision {}",
                row.id,
                row.latest_revision
            )
        })?)
}

/// Checks that `viewer` may give `stakeholder_id`'s contribution this visibility.
fn check_visibility(
    viewer: &Viewer,
    stakeholder_id: i64,
    visibility: Visibility,
) -> MutationResult<()> {
    match visibility {
        Visibility::Public => Ok(()),
        Visibility::MemberStates => Ok(policy::may_restrict_to_member_states(
            viewer,
            stakeholder_id,
        )?),
        // Only the secretariat reads these; an author may still choose it.
        Visibility::Secretariat => Ok(()),
    }
}

/// A new written comment, as a draft.
#[derive(Debug, Clone)]
pub struct NewComment {
    pub consultation_id: i64,
    /// Required of the secretariat; others write for their own stakeholder.
    pub stakeholder_id: Option<i64>,
    pub text: Text,
    pub visibility: Visibility,
    pub disclosure: Disclosure,
}

/// How a contribution is disclosed, besides its visibility.
#[derive(Debug, Clone, Copy)]
pub struct Disclosure {
    /// False: published without naming its stakeholder (counted under its group only).
    pub attributed: bool,
    /// True: held back until the consultation closes, then published automatically.
    pub embargoed: bool,
}

impl Default for Disclosure {
    fn default() -> Self {
        Disclosure {
            attributed: true,
            embargoed: false,
        }
    }
}

/// Creates a draft written comment.
pub async fn create(
    db: &DatabaseConnection,
    viewer: &Viewer,
    input: NewComment,
) -> MutationResult<Model> {
    let p = policy::writer(viewer)?;
    let stakeholder_id = match (input.stakeholder_id, p.stakeholder_id) {
        (Some(id), _) => id,
        (None, Some(own)) if p.role != Role::Secretariat => own,
        _ => {
            return Err(invalid("stakeholder", "Say which stakeholder the comment is from").into());
        }
    };
    policy::may_write_comment(viewer, stakeholder_id)?;
    check_visibility(viewer, stakeholder_id, input.visibility)?;
    let text = check_text(&input.text)?;
    super::stakeholders::require(db, "stakeholder", stakeholder_id).await?;
    let now = Utc::now();
    check_open(&consultation_of(db, input.consultation_id).await?, now)?;
    let txn = db.begin().await?;
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
}

/// Edits a written comment. A draft is edited in place; a submitted or published one
/// gets a new revision (earlier revisions are kept), and a published one goes back to
/// SUBMITTED for the secretariat to publish again.
pub async fn edit(
    db: &DatabaseConnection,
    viewer: &Viewer,
    id: i64,
    version: i32,
    edit: Edit,
) -> MutationResult<Receipt> {
    let before = readable(db, viewer, id).await?;
    policy::may_write_comment(viewer, before.stakeholder_id)?;
    check_version(&before, version)?;
    if before.kind != ContributionKind::WrittenComment {
        return Err(not_allowed(
            "Only written comments are edited; meeting records are the secretariat's",
        ));
    }
    if before.status == ContributionStatus::Withdrawn {
        return Err(not_allowed("A withdrawn contribution cannot be edited"));
    }
    let now = Utc::now();
    check_open(&consultation_of(db, before.consultation_id).await?, now)?;
    if let Some(v) = edit.visibility {
        check_visibility(viewer, before.stakeholder_id, v)?;
    }
    let current = current_revision(db, &before).await?;
    let text = check_text(&Text {
        title: edit.title.unwrap_or(current.title.clone()),
        body: edit.body.unwrap_or(current.body.clone()),
        language: edit.language.unwrap_or(current.language.clone()),
    })?;
    let txn = db.begin().await?;
    let mut changes = ActiveModel {
        title: Set(text.title.clone()),
        language: Set(text.language.clone()),
        ..Default::default()
    };
    if let Some(v) = edit.visibility {
        changes.visibility = Set(v);
    }
    let revision = if before.status == ContributionStatus::Draft {
        // Nothing was submitted yet: the draft's only revision is rewritten.
        let mut rev: contribution_revision::ActiveModel = current.into();
        rev.title = Set(text.title.clone());
        rev.body = Set(text.body.clone());
        rev.language = Set(text.language.clone());
        rev.content_hash = Set(content_hash(&text.title, &text.language, &text.body));
        rev.created_at = Set(now);
        rev.update(&txn).await?
    } else {
        let number = before.latest_revision + 1;
        changes.latest_revision = Set(number);
        if before.status == ContributionStatus::Published {
            changes.status = Set(ContributionStatus::Submitted);
            changes.published_at = Set(None);
        }
        insert_revision(&txn, before.id, number, &text, now).await?
    };
    let after = save(&txn, &before, changes).await?;
    tombstone(&txn, &before, TombstoneReason::Revised, now).await?;
    audited(&txn, viewer, "contribution.edit", Some(&before), &after).await?;
    txn.commit().await?;
    Ok(Receipt {
        contribution: after,
        revision,
        server_time: now,
    })
}

/// Submits a draft written comment; returns the receipt.
pub async fn submit(
    db: &DatabaseConnection,
    viewer: &Viewer,
    id: i64,
    version: i32,
) -> MutationResult<Receipt> {
    let before = readable(db, viewer, id).await?;
    policy::may_write_comment(viewer, before.stakeholder_id)?;
    check_version(&before, version)?;
    if before.status != ContributionStatus::Draft {
        return Err(not_allowed(format!(
            "Only a DRAFT can be submitted; this one is {}",
            before.status.as_str()
        )));
    }
    let now = Utc::now();
    check_open(&consultation_of(db, before.consultation_id).await?, now)?;
    let revision = current_revision(db, &before).await?;
    let txn = db.begin().await?;
    let changes = ActiveModel {
        status: Set(ContributionStatus::Submitted),
        submitted_at: Set(Some(now)),
        ..Default::default()
    };
    let after = save(&txn, &before, changes).await?;
    audited(&txn, viewer, "contribution.submit", Some(&before), &after).await?;
    txn.commit().await?;
    Ok(Receipt {
        contribution: after,
        revision,
        server_time: now,
    })
}

/// Withdraws a contribution, with a reason: its author while the consultation is open,
/// or the secretariat at any time.
pub async fn withdraw(
    db: &DatabaseConnection,
    viewer: &Viewer,
    id: i64,
    version: i32,
    reason: &str,
) -> MutationResult<Model> {
    let before = readable(db, viewer, id).await?;
    let p = policy::writer(viewer)?;
    let secretariat = p.role == Role::Secretariat;
    if !secretariat {
        policy::may_write_comment(viewer, before.stakeholder_id)?;
        // Meeting records are the secretariat's to withdraw.
        if before.kind != ContributionKind::WrittenComment {
            return Err(AppError::Forbidden.into());
        }
    }
    check_version(&before, version)?;
    let reason = reason.trim();
    if reason.is_empty() || reason.chars().count() > MAX_REASON {
        return Err(invalid(
            "reason",
            format!("Give a reason of 1 to {MAX_REASON} characters"),
        )
        .into());
    }
    if before.status == ContributionStatus::Withdrawn {
        return Err(not_allowed("It is already withdrawn"));
    }
    if !secretariat {
        check_open(
            &consultation_of(db, before.consultation_id).await?,
            Utc::now(),
        )?;
    }
    let now = Utc::now();
    let txn = db.begin().await?;
    let changes = ActiveModel {
        status: Set(ContributionStatus::Withdrawn),
        withdrawn_reason: Set(Some(reason.to_owned())),
        published_at: Set(None),
        ..Default::default()
    };
    let after = save(&txn, &before, changes).await?;
    tombstone(&txn, &before, TombstoneReason::Withdrawn, now).await?;
    audited(&txn, viewer, "contribution.withdraw", Some(&before), &after).await?;
    txn.commit().await?;
    Ok(after)
}

/// Publishes a submitted contribution, or takes a published one back to SUBMITTED
/// (secretariat).
pub async fn set_published(
    db: &DatabaseConnection,
    viewer: &Viewer,
    id: i64,
    version: i32,
    publish: bool,
) -> MutationResult<Model> {
    policy::may_administer(viewer)?;
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
    if publish && before.embargoed {
        let consultation = consultation_of(db, before.consultation_id).await?;
        if matches!(
            consultation.status,
            ConsultationStatus::Draft | ConsultationStatus::Open
        ) {
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
    txn.commit().await?;
    Ok(after)
}

/// A presentation or intervention made at a meeting, as the secretariat records it.
#[derive(Debug, Clone)]
pub struct MeetingRecord {
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
pub async fn record(
    db: &DatabaseConnection,
    viewer: &Viewer,
    input: MeetingRecord,
) -> MutationResult<Receipt> {
    policy::may_administer(viewer)?;
    if input.kind == ContributionKind::WrittenComment {
        return Err(invalid("kind", "Record PRESENTATION or INFORMAL_INTERVENTION; written comments are written by their authors").into());
    }
    let text = check_text(&input.text)?;
    let Some(meeting) = meeting::Entity::find_by_id(input.meeting_id)
        .one(db)
        .await?
    else {
        return Err(UserError::new("meeting", UserErrorCode::NotFound, "No such meeting").into());
    };
    if let Some(item) = input.agenda_item {
        let items = super::meetings::agenda(&meeting).len();
        if item < 0 || item as usize >= items {
            return Err(invalid(
                "agendaItem",
                format!("The meeting's agenda has {items} items, numbered from 0"),
            )
            .into());
        }
    }
    super::stakeholders::require(db, "stakeholder", input.stakeholder_id).await?;
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
    Ok(Receipt {
        contribution: row,
        revision,
        server_time: now,
    })
}

/// Replaces a contribution's links to policy issues and mechanisms (with stances):
/// its own stakeholder's principals, or the secretariat.
pub async fn tag(
    db: &DatabaseConnection,
    viewer: &Viewer,
    id: i64,
    version: i32,
    issues: &[i64],
    mechanisms: &[(i64, Stance)],
) -> MutationResult<Model> {
    let before = readable(db, viewer, id).await?;
    policy::may_tag(viewer, before.stakeholder_id)?;
    check_version(&before, version)?;
    let found_issues = policy_issue::Entity::find()
        .filter(policy_issue::Column::Id.is_in(issues.iter().copied()))
        .all(db)
        .await?;
    if found_issues.len() != dedup(issues).len() {
        return Err(UserError::new(
            "issues",
            UserErrorCode::NotFound,
            "A policy issue given does not exist",
        )
        .into());
    }
    let mechanism_ids: Vec<i64> = mechanisms.iter().map(|(m, _)| *m).collect();
    if dedup(&mechanism_ids).len() != mechanism_ids.len() {
        return Err(invalid("mechanisms", "Give each mechanism once, with one stance").into());
    }
    let found = mechanism::Entity::find()
        .filter(mechanism::Column::Id.is_in(mechanism_ids.iter().copied()))
        .all(db)
        .await?;
    if found.len() != mechanism_ids.len() {
        return Err(UserError::new(
            "mechanisms",
            UserErrorCode::NotFound,
            "A mechanism given does not exist",
        )
        .into());
    }
    let txn = db.begin().await?;
    let after = save(&txn, &before, <ActiveModel as Default>::default()).await?;
    contribution_issue::Entity::delete_many()
        .filter(contribution_issue::Column::ContributionId.eq(id))
        .exec(&txn)
        .await?;
    contribution_mechanism::Entity::delete_many()
        .filter(contribution_mechanism::Column::ContributionId.eq(id))
        .exec(&txn)
        .await?;
    for issue in dedup(issues) {
        contribution_issue::ActiveModel {
            contribution_id: Set(id),
            policy_issue_id: Set(issue),
        }
        .insert(&txn)
        .await?;
    }
    for (mechanism_id, stance) in mechanisms {
        contribution_mechanism::ActiveModel {
            contribution_id: Set(id),
            mechanism_id: Set(*mechanism_id),
            stance: Set(*stance),
        }
        .insert(&txn)
        .await?;
    }
    audit::record(
        &txn,
        &Actor::of(viewer),
        Change {
            action: "contribution.tag",
            target_type: "Contribution",
            target_id: Some(id),
            before: Some(audit::state_hash(&before)),
            after: Some(audit::state_hash(&(
                issues,
                mechanisms
                    .iter()
                    .map(|(m, s)| (m, s.as_str()))
                    .collect::<Vec<_>>(),
            ))),
        },
    )
    .await?;
    txn.commit().await?;
    Ok(after)
}

/// Records that a published contribution left the published view.
async fn tombstone(
    txn: &DatabaseTransaction,
    before: &Model,
    reason: TombstoneReason,
    now: DateTime<Utc>,
) -> MutationResult<()> {
    if before.status != ContributionStatus::Published {
        return Ok(()); // it was never in anyone's mirror
    }
    contribution_tombstone::ActiveModel {
        contribution_id: Set(before.id),
        consultation_id: Set(before.consultation_id),
        stakeholder_id: Set(before.stakeholder_id),
        visibility: Set(before.visibility),
        reason: Set(reason),
        occurred_at: Set(now),
        ..Default::default()
    }
    .insert(txn)
    .await?;
    Ok(())
}

fn dedup(ids: &[i64]) -> Vec<i64> {
    let mut v = ids.to_vec();
    v.sort_unstable();
    v.dedup();
    v
}

/// Whether `hash` is the content hash of one of the contribution's revisions (for
/// anyone who may read the contribution); the matching revision if so.
pub async fn check_receipt(
    db: &DatabaseConnection,
    viewer: &Viewer,
    id: i64,
    hash: &str,
) -> MutationResult<Option<contribution_revision::Model>> {
    readable(db, viewer, id).await?;
    Ok(contribution_revision::Entity::find()
        .filter(contribution_revision::Column::ContributionId.eq(id))
        .filter(contribution_revision::Column::ContentHash.eq(hash.trim().to_ascii_lowercase()))
        .one(db)
        .await?)
}

/// Publishes every embargoed, submitted contribution of a consultation that has just
/// closed, in the closing transaction; returns their ids.
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
        audit::record(
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
    }
    Ok(held.iter().map(|c| c.id).collect())
}
