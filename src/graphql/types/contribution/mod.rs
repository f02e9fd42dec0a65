//! Contributions: what stakeholders say to a consultation, and the lists of them.

use super::{
    Consultation, Meeting, PolicyIssue, PolicyIssueConnection, Stakeholder, dangling, related,
};
use crate::error::AppError;
use crate::graphql::args::{moment, page, page_by};
use crate::graphql::connection::{TotalCount, connection};
use crate::graphql::context::request;
use crate::graphql::loaders::{
    ConsultationKey, ContributionCountOf, ContributionsOf, MeetingKey, RevisionNumberKey,
    StakeholderKey, TranslationsOfRevision,
};
use crate::graphql::order::{PolicyIssueOrder, RevisionOrder};
use crate::ids::{GlobalId, NodeType};
use crate::paging::Slice;
use crate::service::contributions;
use crate::service::contributions::Parent;
use crate::service::relations::{
    IssuesOfContribution, MechanismsOfContribution, RevisionsOfContribution,
};
use crate::service::search::SearchQuery;
use crate::service::translations;
use async_graphql::{Context, ID, InputObject, Object, Result};
use chrono::{DateTime, Utc};
use entity::contribution::Model;
use entity::contribution_revision;
use entity::enums::{ContributionKind, ContributionStatus, StakeholderGroup, Visibility};

/// What a stakeholder says to a consultation: a written comment, a presentation at a
/// meeting, or an informal intervention in a meeting's open discussion.
#[derive(Clone)]
pub struct Contribution(pub Model);

/// What a stakeholder says to a consultation: a written comment, a presentation at a
/// meeting, or an informal intervention in a meeting's open discussion.
#[Object]
impl Contribution {
    /// Opaque global ID.
    pub async fn id(&self) -> ID {
        GlobalId::new(NodeType::Contribution, self.0.id)
            .encode()
            .into()
    }

    /// Increases with every change; name it when you edit (`CONFLICT` when stale).
    async fn version(&self) -> i32 {
        self.0.version
    }

    /// How it was made.
    async fn kind(&self) -> ContributionKind {
        self.0.kind
    }

    /// Where it is in its life.
    async fn status(&self) -> ContributionStatus {
        self.0.status
    }

    /// Who may read it once published.
    async fn visibility(&self) -> Visibility {
        self.0.visibility
    }

    /// Title of the current revision; with `language`, its translation into that UN
    /// official language where there is one, else the original (`text` says which).
    async fn title(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "ar, en, es, fr, ru or zh.")] language: Option<String>,
    ) -> Result<String> {
        match language {
            None => Ok(self.0.title.clone()),
            Some(language) => Ok(self.text(ctx, language).await?.title),
        }
    }

    /// Original language of the current revision (BCP 47, e.g. "en", "fr", "zh").
    async fn language(&self) -> &str {
        &self.0.language
    }

    /// Full text of the current revision; with `language`, its translation into that UN
    /// official language where there is one, else the original (`text` says which).
    async fn body(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "ar, en, es, fr, ru or zh.")] language: Option<String>,
    ) -> Result<String> {
        match language {
            None => Ok(self.current(ctx).await?.body),
            Some(language) => Ok(self.text(ctx, language).await?.body),
        }
    }

    /// The current revision's text in `language` (a UN official language): its
    /// translation where there is one, else the original, with flags saying which.
    #[graphql(name = "text")]
    async fn text_field(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "ar, en, es, fr, ru or zh.")] language: String,
    ) -> Result<LocalizedText> {
        self.text(ctx, language).await
    }

    /// The translations of the current revision, by language.
    async fn translations(&self, ctx: &Context<'_>) -> Result<Vec<ContributionTranslation>> {
        let revision = self.current(ctx).await?;
        translations_of(ctx, revision.id).await
    }

    /// The current revision: text, language and content hash.
    async fn current_revision(&self, ctx: &Context<'_>) -> Result<ContributionRevision> {
        Ok(ContributionRevision(self.current(ctx).await?))
    }

    /// The documents of the current revision, in order.
    async fn attachments(&self, ctx: &Context<'_>) -> Result<Vec<super::Attachment>> {
        let rd = request(ctx)?;
        let key = crate::graphql::loaders::AttachmentsOfRevision(self.0.id, self.0.latest_revision);
        let rows = rd.loader.load_one(key).await?.unwrap_or_default();
        Ok(rows.into_iter().map(super::Attachment).collect())
    }

    /// Every revision, oldest first. A submitted text is never overwritten: each change
    /// after submission is a new revision.
    async fn revisions(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The order of the list; by creation if not given.")] order_by: Option<
            RevisionOrder,
        >,
        #[graphql(desc = "Returns the first n items (at most 100).")] first: Option<i32>,
        #[graphql(desc = "Returns items after this cursor.")] after: Option<String>,
        #[graphql(desc = "Returns the last n items (at most 100).")] last: Option<i32>,
        #[graphql(desc = "Returns items before this cursor.")] before: Option<String>,
    ) -> Result<ContributionRevisionConnection> {
        let page = page_by(ctx, order_by, first, after, last, before)?;
        let (slice, total) = related(ctx, RevisionsOfContribution, self.0.id, page).await?;
        Ok(ContributionRevisionConnection::from_slice(
            slice,
            total,
            ContributionRevision,
        ))
    }

    /// The stakeholder that speaks; null when the contribution is not attributed and
    /// the caller is neither the secretariat nor that stakeholder.
    async fn stakeholder(&self, ctx: &Context<'_>) -> Result<Option<Stakeholder>> {
        let rd = request(ctx)?;
        if !crate::policy::sees_attribution(&rd.viewer, &self.0) {
            return Ok(None);
        }
        Ok(Some(self.load_stakeholder(ctx).await?))
    }

    /// The stakeholder group of the stakeholder that speaks (always shown, even when
    /// the contribution is not attributed).
    async fn group(&self, ctx: &Context<'_>) -> Result<StakeholderGroup> {
        Ok(self.load_stakeholder(ctx).await?.0.stakeholder_group)
    }

    /// The agenda item of its meeting it was made at, if recorded.
    async fn agenda_item(&self, ctx: &Context<'_>) -> Result<Option<String>> {
        let (Some(index), Some(meeting)) = (self.0.agenda_item, self.0.meeting_id) else {
            return Ok(None);
        };
        let rd = request(ctx)?;
        let Some(meeting) = rd.loader.load_one(MeetingKey(meeting)).await? else {
            return Ok(None);
        };
        Ok(crate::service::meetings::agenda(&meeting)
            .get(index as usize)
            .cloned())
    }

    /// Whether it names its stakeholder publicly.
    async fn attributed(&self) -> bool {
        self.0.attributed
    }

    /// Whether it is held back until its consultation closes, then published.
    async fn embargoed(&self) -> bool {
        self.0.embargoed
    }

    /// The stakeholder group it speaks for, when it speaks on behalf of a whole group
    /// (the International Chamber of Commerce for the private sector, report §10).
    async fn on_behalf_of_group(&self) -> Option<StakeholderGroup> {
        self.0.on_behalf_of_group
    }

    /// The consultation it was made to.
    async fn consultation(&self, ctx: &Context<'_>) -> Result<Consultation> {
        let rd = request(ctx)?;
        let id = self.0.consultation_id;
        let row = rd.loader.load_one(ConsultationKey(id)).await?;
        row.map(Consultation)
            .ok_or_else(|| dangling("consultation", id))
    }

    /// The meeting it was made at; null for a written comment.
    async fn meeting(&self, ctx: &Context<'_>) -> Result<Option<Meeting>> {
        let rd = request(ctx)?;
        let Some(id) = self.0.meeting_id else {
            return Ok(None);
        };
        let row = rd.loader.load_one(MeetingKey(id)).await?;
        row.map(|m| Some(Meeting(m)))
            .ok_or_else(|| dangling("meeting", id))
    }

    /// The public policy issues it raises.
    async fn issues(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The order of the list; by creation if not given.")] order_by: Option<
            PolicyIssueOrder,
        >,
        #[graphql(desc = "Returns the first n items (at most 100).")] first: Option<i32>,
        #[graphql(desc = "Returns items after this cursor.")] after: Option<String>,
        #[graphql(desc = "Returns the last n items (at most 100).")] last: Option<i32>,
        #[graphql(desc = "Returns items before this cursor.")] before: Option<String>,
    ) -> Result<PolicyIssueConnection> {
        let page = page_by(ctx, order_by, first, after, last, before)?;
        let (slice, total) = related(ctx, IssuesOfContribution, self.0.id, page).await?;
        Ok(PolicyIssueConnection::from_slice(slice, total, PolicyIssue))
    }

    /// The cooperation mechanisms it discusses, each with its stance.
    async fn mechanisms(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Returns the first n items (at most 100).")] first: Option<i32>,
        #[graphql(desc = "Returns items after this cursor.")] after: Option<String>,
        #[graphql(desc = "Returns the last n items (at most 100).")] last: Option<i32>,
        #[graphql(desc = "Returns items before this cursor.")] before: Option<String>,
    ) -> Result<MechanismStanceConnection> {
        let page = page(ctx, first, after, last, before)?;
        let (slice, total) = related(ctx, MechanismsOfContribution, self.0.id, page).await?;
        Ok(MechanismStanceConnection::from_slice(
            slice,
            total,
            MechanismStance,
        ))
    }

    /// Why it was withdrawn, when it was.
    async fn withdrawn_reason(&self) -> Option<&str> {
        self.0.withdrawn_reason.as_deref()
    }

    /// When it was first submitted.
    async fn submitted_at(&self) -> Option<DateTime<Utc>> {
        self.0.submitted_at
    }

    /// When it was published.
    async fn published_at(&self) -> Option<DateTime<Utc>> {
        self.0.published_at
    }

    /// When the record was created.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }

    /// When the record was last changed.
    async fn updated_at(&self) -> DateTime<Utc> {
        self.0.updated_at
    }
}

impl Contribution {
    async fn load_stakeholder(&self, ctx: &Context<'_>) -> Result<Stakeholder> {
        let rd = request(ctx)?;
        let id = self.0.stakeholder_id;
        let row = rd.loader.load_one(StakeholderKey(id)).await?;
        row.map(Stakeholder)
            .ok_or_else(|| dangling("stakeholder", id))
    }

    async fn text(&self, ctx: &Context<'_>, language: String) -> Result<LocalizedText> {
        let wanted = translations::wanted(&language)?;
        let revision = self.current(ctx).await?;
        let rd = request(ctx)?;
        let found = if translations::is_original_language(&revision, wanted) {
            Vec::new()
        } else {
            rd.loader
                .load_one(TranslationsOfRevision(revision.id))
                .await?
                .unwrap_or_default()
        };
        Ok(translations::localize(&rd.viewer, &self.0, revision, found, wanted).into())
    }

    async fn current(&self, ctx: &Context<'_>) -> Result<contribution_revision::Model> {
        let rd = request(ctx)?;
        let key = RevisionNumberKey(self.0.id, self.0.latest_revision);
        let row = rd.loader.load_one(key).await?;
        row.ok_or_else(|| dangling("revision of contribution", self.0.id))
    }
}

connection!(
    ContributionConnection,
    ContributionEdge,
    Contribution,
    "A page of contributions.",
    "A contribution in a page, with its cursor."
);

/// Narrows a list of contributions; every field given must match.
#[derive(InputObject, Default)]
pub struct ContributionFilter {
    /// Only contributions to this consultation.
    pub consultation: Option<ID>,
    /// Only contributions made at this meeting.
    pub meeting: Option<ID>,
    /// Only contributions of this stakeholder.
    pub stakeholder: Option<ID>,
    /// Only contributions that raise this policy issue.
    pub policy_issue: Option<ID>,
    /// Only contributions that discuss this mechanism.
    pub mechanism: Option<ID>,
    /// Only contributions that take this stance: on `mechanism` when it is given, else
    /// on any mechanism.
    pub stance: Option<entity::enums::Stance>,
    /// Only contributions of these kinds.
    pub kinds: Option<Vec<ContributionKind>>,
    /// Only contributions of stakeholders in these groups.
    pub stakeholder_groups: Option<Vec<StakeholderGroup>>,
    /// Only contributions in these original languages (BCP 47 codes, e.g. "en").
    pub languages: Option<Vec<String>>,
    /// Only contributions changed at or after this time; with `contributionTombstones`,
    /// what a mirror needs to stay in sync.
    pub updated_since: Option<DateTime<Utc>>,
    /// Only contributions in these statuses, of those the caller may read at all (an
    /// anonymous caller asking for DRAFT gets none).
    pub statuses: Option<Vec<ContributionStatus>>,
    /// Only contributions of these visibilities, of those the caller may read at all.
    pub visibilities: Option<Vec<Visibility>>,
    /// Only contributions submitted within this range (drafts have no submission time).
    pub submitted: Option<DateTimeRange>,
    /// Only contributions published within this range.
    pub published: Option<DateTimeRange>,
    /// Only contributions last changed within this range.
    pub updated: Option<DateTimeRange>,
    /// Only contributions whose current title or body match this search (at most 200
    /// characters): words that must all appear (stemmed in the contribution's
    /// language), "quoted phrases", `a or b`, `-excluded`. `searchContributions` ranks
    /// the matches and shows where they matched.
    pub search: Option<String>,
}

/// A range of moments: from `from` (inclusive) to `to` (exclusive). Either end may be
/// left open; `from` must be before `to`.
#[derive(InputObject, Clone, Copy, Default)]
pub struct DateTimeRange {
    /// The first moment in the range.
    pub from: Option<DateTime<Utc>>,
    /// The first moment after the range.
    pub to: Option<DateTime<Utc>>,
}

impl DateTimeRange {
    fn parse(
        range: Option<DateTimeRange>,
        name: &str,
    ) -> Result<Option<contributions::Range>, AppError> {
        let Some(range) = range else {
            return Ok(None);
        };
        let from = moment(&format!("{name}.from"), range.from)?;
        let to = moment(&format!("{name}.to"), range.to)?;
        if let (Some(from), Some(to)) = (from, to)
            && from >= to
        {
            return Err(AppError::bad_input(format!(
                "`{name}.from` must be before `{name}.to`"
            )));
        }
        Ok(Some(contributions::Range { from, to }))
    }
}

impl ContributionFilter {
    /// Decodes the IDs; a malformed one, or one of the wrong type, is `BAD_USER_INPUT`.
    pub(crate) fn parse(self) -> Result<contributions::ContributionFilter, AppError> {
        let id = |raw: Option<ID>, t: NodeType| raw.map(|r| GlobalId::decode_as(&r, t)).transpose();
        Ok(contributions::ContributionFilter {
            consultation_id: id(self.consultation, NodeType::Consultation)?,
            meeting_id: id(self.meeting, NodeType::Meeting)?,
            stakeholder_id: id(self.stakeholder, NodeType::Stakeholder)?,
            policy_issue_id: id(self.policy_issue, NodeType::PolicyIssue)?,
            mechanism_id: id(self.mechanism, NodeType::Mechanism)?,
            stance: self.stance,
            kinds: self.kinds,
            groups: self.stakeholder_groups,
            languages: self.languages,
            updated_since: moment("updatedSince", self.updated_since)?,
            statuses: self.statuses,
            visibilities: self.visibilities,
            submitted: DateTimeRange::parse(self.submitted, "submitted")?,
            published: DateTimeRange::parse(self.published, "published")?,
            updated: DateTimeRange::parse(self.updated, "updated")?,
            search: self
                .search
                .map(|text| SearchQuery::parse("filter.search", &text))
                .transpose()?,
        })
    }
}

/// Resolves a nested contributions connection (a stakeholder's, a meeting's, …)
/// through the batching loaders, so a page of parents costs one statement.
pub(crate) async fn contributions_of(
    ctx: &Context<'_>,
    parent: Parent,
    parent_id: i64,
    filter: Option<ContributionFilter>,
    page: crate::paging::Page,
) -> Result<ContributionConnection> {
    let rd = request(ctx)?;
    let filter = filter.unwrap_or_default().parse()?;
    let key = ContributionsOf {
        parent,
        parent_id,
        filter: filter.clone(),
        page,
    };
    let slice = rd.loader.load_one(key).await?.unwrap_or_else(Slice::empty);
    let total = TotalCount::Batched(Box::new(ContributionCountOf {
        parent,
        parent_id,
        filter,
    }));
    Ok(ContributionConnection::from_slice(
        slice,
        total,
        Contribution,
    ))
}

mod revision;
mod stance;
mod tombstone;
mod translation;

pub use revision::{ContributionRevision, ContributionRevisionConnection};
pub use stance::{MechanismStance, MechanismStanceConnection};
pub use tombstone::{ContributionTombstone, ContributionTombstoneConnection};
use translation::translations_of;
pub use translation::{ContributionTranslation, LocalizedText};
