//! What the workflow's steps share: the input types, reading a contribution for a
//! change, checking the consultation is open, and writing rows (contributions,
//! revisions, tombstones, audit events) inside the step's transaction.

use crate::domain::ContributionText;
use crate::error::{AppError, MutationError, MutationResult, UserError, UserErrorCode};
use crate::policy;
use crate::service::audit;
use crate::service::versions::save_at_version;
use crate::service::{search, tally};
use crate::viewer::Viewer;
use chrono::{DateTime, Utc};
use entity::consultation;
use entity::contribution::{ActiveModel, Entity, Model};
use entity::contribution_revision;
use entity::contribution_tombstone;
use entity::enums::{
    ConsultationStatus, ContributionKind, ContributionStatus, StakeholderGroup, TombstoneReason,
    Visibility,
};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseTransaction, DbBackend, EntityTrait,
    QueryFilter, QuerySelect, Set,
};

/// The documents a written revision is to have (`service::attachments::attach`).
#[derive(Debug, Clone, Default)]
pub struct Documents {
    /// In order; `None`: the previous revision's, carried forward.
    pub picks: Option<Vec<crate::service::attachments::attach::Pick>>,
    /// Most a revision may have (`CONCORD_ATTACHMENT_MAX_PER_REVISION`).
    pub max: usize,
}

/// The text of a revision, as sent (see [`ContributionText`] for what is accepted).
#[derive(Debug, Clone)]
pub struct Text {
    pub title: String,
    pub body: String,
    pub language: String,
}

impl Text {
    /// Parses the text; every problem comes back in `userErrors`.
    pub fn parse(&self) -> MutationResult<ContributionText> {
        ContributionText::parse(&self.title, &self.body, &self.language)
    }
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

/// What a submitter gets back: the revision, its hash and the server's time.
#[derive(Debug, Clone)]
pub struct Receipt {
    pub contribution: Model,
    pub revision: contribution_revision::Model,
    pub server_time: DateTime<Utc>,
    /// The receipt signed (`service::receipts`): a compact JWS.
    pub signed: String,
}

impl Receipt {
    /// The receipt of `revision`, signed with the current receipt key.
    pub async fn signed(
        db: &impl sea_orm::ConnectionTrait,
        contribution: Model,
        revision: contribution_revision::Model,
        server_time: DateTime<Utc>,
    ) -> MutationResult<Receipt> {
        let documents =
            crate::service::attachments::attach::of_revision(db, contribution.id, revision.number)
                .await?;
        let claims =
            crate::service::receipts::claims(&contribution, &revision, &documents, server_time);
        let signed = crate::service::receipts::sign(db, &claims).await?;
        Ok(Receipt {
            contribution,
            revision,
            server_time,
            signed,
        })
    }
}

/// A change the contribution's state does not allow (`NOT_ALLOWED` in `userErrors`).
pub fn not_allowed(message: impl Into<String>) -> MutationError {
    UserError::new("id", UserErrorCode::NotAllowed, message).into()
}

/// A written comment may be written while its consultation is open, by status and dates.
pub fn check_open(c: &consultation::Model, now: DateTime<Utc>) -> MutationResult<()> {
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

/// The consultation an input names, or a `NOT_FOUND` entry in `userErrors` (also for
/// a DRAFT one, which only the secretariat may find).
pub async fn consultation_of(
    db: &impl ConnectionTrait,
    viewer: &Viewer,
    id: i64,
) -> MutationResult<consultation::Model> {
    consultation::Entity::find_by_id(id)
        .filter(policy::readable_consultations(viewer))
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

/// Checks, first thing in the write transaction `txn`, that the consultation is still
/// open: the authoritative check, which a `consultationClose` cannot slip past. On
/// PostgreSQL the consultation's row is share-locked before any contribution row is
/// (the order a closing takes them in too), so a closing waits for the step (and then
/// releases what it submitted), or the step waits for the closing (and then finds the
/// consultation closed). On SQLite the step takes the database's write lock first, so
/// nothing else commits until it does.
pub async fn check_still_open(
    txn: &DatabaseTransaction,
    viewer: &Viewer,
    consultation_id: i64,
    now: DateTime<Utc>,
) -> MutationResult<()> {
    let mut select = consultation::Entity::find_by_id(consultation_id)
        .filter(policy::readable_consultations(viewer));
    if txn.get_database_backend() == DbBackend::Postgres {
        select = select.lock_shared();
    } else {
        crate::db::take_write_lock(txn).await?;
    }
    let consultation = select.one(txn).await?.ok_or_else(|| {
        MutationError::from(UserError::new(
            "consultation",
            UserErrorCode::NotFound,
            "No such consultation",
        ))
    })?;
    check_open(&consultation, now)
}

/// The contribution, if the viewer may read it; otherwise `NOT_FOUND`, as for a missing one.
pub async fn readable(
    db: &impl ConnectionTrait,
    viewer: &Viewer,
    id: i64,
) -> MutationResult<Model> {
    Entity::find_by_id(id)
        .filter(policy::readable_contributions(viewer))
        .one(db)
        .await?
        .ok_or(MutationError::App(AppError::NotFound("Contribution")))
}

/// `CONFLICT` unless the caller edited the version the row is at.
pub fn check_version(row: &Model, version: i32) -> MutationResult<()> {
    if row.version != version {
        return Err(AppError::Conflict("contribution").into());
    }
    Ok(())
}

/// Writes `changes` if the row is still at `before.version`; bumps the version and
/// moves the row's count if its bucket changed.
pub async fn save(
    txn: &DatabaseTransaction,
    before: &Model,
    changes: ActiveModel,
) -> MutationResult<Model> {
    let after = save_at_version(txn, before.id, before.version, changes, "contribution").await?;
    tally::moved(txn, Some(before), Some(&after)).await?;
    Ok(after)
}

/// Appends the audit event of a change to a contribution.
pub async fn audited(
    txn: &DatabaseTransaction,
    viewer: &Viewer,
    action: &str,
    before: Option<&Model>,
    after: &Model,
) -> MutationResult<()> {
    audit::append_change(
        txn,
        viewer,
        action,
        ("Contribution", after.id),
        before,
        after,
    )
    .await?;
    Ok(())
}

/// A contribution row about to be written.
pub struct NewRow<'a> {
    pub consultation_id: i64,
    pub meeting_id: Option<i64>,
    pub stakeholder_id: i64,
    pub on_behalf_of_group: Option<StakeholderGroup>,
    pub kind: ContributionKind,
    pub status: ContributionStatus,
    pub visibility: Visibility,
    pub text: &'a ContributionText,
    pub disclosure: Disclosure,
    pub agenda_item: Option<i32>,
    pub now: DateTime<Utc>,
}

/// Inserts a contribution row and counts it (its first revision is the caller's next
/// write).
pub async fn insert_contribution(
    txn: &DatabaseTransaction,
    r: NewRow<'_>,
) -> MutationResult<Model> {
    let submitted = r.status != ContributionStatus::Draft;
    let row = ActiveModel {
        consultation_id: Set(r.consultation_id),
        meeting_id: Set(r.meeting_id),
        stakeholder_id: Set(r.stakeholder_id),
        on_behalf_of_group: Set(r.on_behalf_of_group),
        kind: Set(r.kind),
        status: Set(r.status),
        visibility: Set(r.visibility),
        title: Set(r.text.title().to_owned()),
        language: Set(r.text.language().to_owned()),
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
    .await?;
    tally::moved(txn, None, Some(&row)).await?;
    Ok(row)
}

/// Inserts revision `number` of a contribution, with its content hash, and makes it
/// the text the contribution is searched by.
pub async fn insert_revision(
    txn: &DatabaseTransaction,
    contribution_id: i64,
    number: i32,
    text: &ContributionText,
    now: DateTime<Utc>,
) -> MutationResult<contribution_revision::Model> {
    let revision = contribution_revision::ActiveModel {
        contribution_id: Set(contribution_id),
        number: Set(number),
        title: Set(text.title().to_owned()),
        body: Set(text.body().to_owned()),
        language: Set(text.language().to_owned()),
        content_hash: Set(text.content_hash()),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(txn)
    .await?;
    make_searchable(txn, &revision).await?;
    Ok(revision)
}

/// Makes `revision`, which the contribution now shows, the text a search finds it by.
/// Every write of a current revision ends here.
pub async fn make_searchable(
    txn: &DatabaseTransaction,
    revision: &contribution_revision::Model,
) -> MutationResult<()> {
    // A new revision has no translations yet; a draft edited in place keeps its own.
    let translations = search::translations_text(txn, revision.id).await?;
    // Its documents' text is searched as part of its body, in its language.
    let documents = crate::service::attachments::attach::of_revision(
        txn,
        revision.contribution_id,
        revision.number,
    )
    .await?;
    let documents = crate::service::attachments::attach::search_text(&documents);
    let body = if documents.is_empty() {
        std::borrow::Cow::Borrowed(revision.body.as_str())
    } else {
        std::borrow::Cow::Owned(format!("{}\n\n{documents}", revision.body))
    };
    search::index(
        txn,
        &[search::Indexed {
            contribution_id: revision.contribution_id,
            language: &revision.language,
            title: &revision.title,
            body: &body,
            translations: &translations,
        }],
    )
    .await?;
    Ok(())
}

/// The revision a contribution shows now.
pub async fn current_revision(
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

/// Records that a published contribution left the published view.
pub async fn tombstone(
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
