use super::{
    ContributionConnection, ContributionFilter, ContributionStatistics, Document,
    DocumentConnection, IssueMatrixCell, LanguageCount, MechanismStanceCell, MeetingConnection,
    TimelineInterval, TimelinePeriod, related,
};
use crate::graphql::args::{ids_of, page_by};
use crate::graphql::connection::connection;
use crate::graphql::context::request;
use crate::graphql::loaders::StatisticsOfConsultation;
use crate::graphql::order::{ContributionOrder, DocumentOrder, MeetingOrder};
use crate::ids::{GlobalId, NodeType};
use crate::service::consultations;
use crate::service::contributions::{Parent, analysis};
use crate::service::relations::{DocumentsOfConsultation, MeetingsOfConsultation};
use async_graphql::{Context, ID, InputObject, Object, Result};
use chrono::{DateTime, Utc};
use entity::consultation::Model;
use entity::enums::{ConsultationStatus, ContributionKind, StakeholderGroup};

/// One open consultation, such as the 2010 consultations on enhanced cooperation on
/// public policy issues pertaining to the Internet.
#[derive(Clone)]
pub struct Consultation(pub Model);

/// One open consultation, such as the 2010 consultations on enhanced cooperation on
/// public policy issues pertaining to the Internet.
#[Object]
impl Consultation {
    /// Opaque global ID.
    pub async fn id(&self) -> ID {
        GlobalId::new(NodeType::Consultation, self.0.id)
            .encode()
            .into()
    }

    /// Short, stable, human-readable key, e.g. "enhanced-cooperation-2010".
    async fn slug(&self) -> &str {
        &self.0.slug
    }

    /// The consultation's title.
    async fn title(&self) -> &str {
        &self.0.title
    }

    /// The decision that mandates it, e.g. "Economic and Social Council resolution 2010/2".
    async fn mandate(&self) -> &str {
        &self.0.mandate
    }

    /// Who convened it.
    async fn convened_by(&self) -> Option<&str> {
        self.0.convened_by.as_deref()
    }

    /// The questions contributors were asked to reflect on.
    async fn guiding_questions(&self) -> Vec<String> {
        consultations::guiding_questions(&self.0)
    }

    /// When it starts accepting contributions.
    async fn opens_at(&self) -> DateTime<Utc> {
        self.0.opens_at
    }

    /// When it stops accepting contributions.
    async fn closes_at(&self) -> DateTime<Utc> {
        self.0.closes_at
    }

    /// Increases with every change; name it when you edit (`CONFLICT` when stale).
    async fn version(&self) -> i32 {
        self.0.version
    }

    /// Where it is in its life.
    async fn status(&self) -> ConsultationStatus {
        self.0.status
    }

    /// Its face-to-face meetings, in order of creation.
    async fn meetings(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The order of the list; by creation if not given.")] order_by: Option<
            MeetingOrder,
        >,
        #[graphql(desc = "Returns the first n items (at most 100).")] first: Option<i32>,
        #[graphql(desc = "Returns items after this cursor.")] after: Option<String>,
        #[graphql(desc = "Returns the last n items (at most 100).")] last: Option<i32>,
        #[graphql(desc = "Returns items before this cursor.")] before: Option<String>,
    ) -> Result<MeetingConnection> {
        let page = page_by(ctx, order_by, first, after, last, before)?;
        let (slice, total) = related(ctx, MeetingsOfConsultation, self.0.id, page).await?;
        Ok(MeetingConnection::from_slice(slice, total, super::Meeting))
    }

    /// The contributions made to it that the caller may see, in order of creation.
    async fn contributions(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Narrows the list; the consultation is always this one.")] filter: Option<
            ContributionFilter,
        >,
        #[graphql(desc = "The order of the list; by creation if not given.")] order_by: Option<
            ContributionOrder,
        >,
        #[graphql(desc = "Returns the first n items (at most 100).")] first: Option<i32>,
        #[graphql(desc = "Returns items after this cursor.")] after: Option<String>,
        #[graphql(desc = "Returns the last n items (at most 100).")] last: Option<i32>,
        #[graphql(desc = "Returns items before this cursor.")] before: Option<String>,
    ) -> Result<ContributionConnection> {
        let page = page_by(ctx, order_by, first, after, last, before)?;
        super::contribution::contributions_of(ctx, Parent::Consultation, self.0.id, filter, page)
            .await
    }

    /// The consultation's report: for everyone once a version is published, for the
    /// secretariat from the first draft. Null when there is none the caller may see.
    async fn report(&self, ctx: &Context<'_>) -> Result<Option<super::Report>> {
        let rd = request(ctx)?;
        Ok(rd
            .loader
            .load_one(crate::graphql::loaders::ReportOfConsultation(self.0.id))
            .await?
            .map(super::Report))
    }

    /// The contributions that the caller may see, counted by stakeholder group and kind
    /// (the table of the Secretary-General's report). Drafts and withdrawn
    /// contributions are not counted.
    async fn statistics(&self, ctx: &Context<'_>) -> Result<ContributionStatistics> {
        let rd = request(ctx)?;
        let counts = rd
            .loader
            .load_one(StatisticsOfConsultation(self.0.id))
            .await?;
        Ok(ContributionStatistics::from_counts(
            &counts.unwrap_or_default(),
        ))
    }

    /// Policy issue × stakeholder group: for every policy issue (in the catalogue's
    /// order) and every group, how many conveyed contributions (submitted or published)
    /// the caller may read raised it, zeros included. Each cell lists exactly the
    /// contributions it counts. `issues` and `groups` narrow the matrix to those rows
    /// and columns (an ID that names no policy issue gives no row).
    async fn issue_matrix(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only these policy issues (PolicyIssue IDs).")] issues: Option<Vec<ID>>,
        #[graphql(desc = "Only these stakeholder groups.")] groups: Option<Vec<StakeholderGroup>>,
    ) -> Result<Vec<IssueMatrixCell>> {
        let rd = request(ctx)?;
        let only_issues = issues
            .as_deref()
            .map(|ids| ids_of(ids, NodeType::PolicyIssue))
            .transpose()?;
        let groups = groups.unwrap_or_else(|| StakeholderGroup::ALL.to_vec());
        let matrix = analysis::issue_matrix(&rd.db, &rd.viewer, self.0.id).await?;
        let mut cells = Vec::with_capacity(matrix.issues.len() * groups.len());
        for issue in matrix.issues {
            if only_issues
                .as_ref()
                .is_some_and(|only| !only.contains(&issue.id))
            {
                continue;
            }
            for group in groups.iter().copied() {
                cells.push(IssueMatrixCell {
                    consultation_id: self.0.id,
                    count: matrix.counts.get(&(issue.id, group)).copied().unwrap_or(0),
                    issue: issue.clone(),
                    group,
                });
            }
        }
        Ok(cells)
    }

    /// The conveyed contributions (submitted or published) the caller may read, counted
    /// by original language, most first; each lists exactly the contributions it counts.
    /// `only` narrows it to those languages (ISO 639-1 codes).
    async fn languages(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only these languages.")] only: Option<Vec<String>>,
    ) -> Result<Vec<LanguageCount>> {
        let rd = request(ctx)?;
        let counts = analysis::languages(&rd.db, &rd.viewer, self.0.id).await?;
        Ok(counts
            .into_iter()
            .filter(|(language, _)| only.as_ref().is_none_or(|only| only.contains(language)))
            .map(|(language, count)| LanguageCount {
                consultation_id: self.0.id,
                language,
                count,
            })
            .collect())
    }

    /// The conveyed contributions (submitted or published) the caller may read, by the
    /// day or ISO week (UTC) they were submitted and by kind: every period that has one,
    /// in order, each kind with the list of exactly what it counts. `from` and `to`
    /// (days, `to` excluded) narrow it.
    async fn timeline(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "DAY or WEEK.")] interval: TimelineInterval,
        #[graphql(desc = "Only periods starting on or after this day.")] from: Option<
            chrono::NaiveDate,
        >,
        #[graphql(desc = "Only periods starting before this day.")] to: Option<chrono::NaiveDate>,
    ) -> Result<Vec<TimelinePeriod>> {
        let rd = request(ctx)?;
        let counts = analysis::timeline(&rd.db, &rd.viewer, self.0.id, interval.into()).await?;
        let mut periods: Vec<TimelinePeriod> = Vec::new();
        for ((start, kind), count) in counts {
            if from.is_some_and(|from| start < from) || to.is_some_and(|to| start >= to) {
                continue;
            }
            if periods.last().is_none_or(|p| p.start != start) {
                let (start, end) = analysis::Interval::from(interval).period(start);
                periods.push(TimelinePeriod {
                    consultation_id: self.0.id,
                    start,
                    end,
                    counts: ContributionKind::ALL.iter().map(|k| (*k, 0)).collect(),
                });
            }
            if let Some(period) = periods.last_mut()
                && let Some(slot) = period.counts.iter_mut().find(|(k, _)| *k == kind)
            {
                slot.1 = count;
            }
        }
        Ok(periods)
    }

    /// Cooperation mechanism × stance × stakeholder group: how many conveyed
    /// contributions (submitted or published) the caller may read take each stance on
    /// each mechanism (cells with none left out; in the catalogue's order of mechanisms,
    /// then SUPPORTS, OPPOSES, PROPOSES, MENTIONS, then group). Each cell lists exactly
    /// the contributions it counts. `mechanisms`, `stances` and `groups` narrow it.
    async fn mechanism_stances(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only these mechanisms (Mechanism IDs).")] mechanisms: Option<Vec<ID>>,
        #[graphql(desc = "Only these stances.")] stances: Option<Vec<entity::enums::Stance>>,
        #[graphql(desc = "Only these stakeholder groups.")] groups: Option<Vec<StakeholderGroup>>,
    ) -> Result<Vec<MechanismStanceCell>> {
        let rd = request(ctx)?;
        let only = mechanisms
            .as_deref()
            .map(|ids| ids_of(ids, NodeType::Mechanism))
            .transpose()?;
        let rows = analysis::mechanism_stances(&rd.db, &rd.viewer, self.0.id).await?;
        let mut cells = Vec::new();
        for (mechanism, counts) in rows {
            if only
                .as_ref()
                .is_some_and(|only| !only.contains(&mechanism.id))
            {
                continue;
            }
            for (_, stance, group, count) in counts {
                if stances.as_ref().is_some_and(|only| !only.contains(&stance))
                    || groups.as_ref().is_some_and(|only| !only.contains(&group))
                {
                    continue;
                }
                cells.push(MechanismStanceCell {
                    consultation_id: self.0.id,
                    mechanism: mechanism.clone(),
                    stance,
                    group,
                    count,
                });
            }
        }
        Ok(cells)
    }

    /// The documents it cites.
    async fn documents(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The order of the list; by creation if not given.")] order_by: Option<
            DocumentOrder,
        >,
        #[graphql(desc = "Returns the first n items (at most 100).")] first: Option<i32>,
        #[graphql(desc = "Returns items after this cursor.")] after: Option<String>,
        #[graphql(desc = "Returns the last n items (at most 100).")] last: Option<i32>,
        #[graphql(desc = "Returns items before this cursor.")] before: Option<String>,
    ) -> Result<DocumentConnection> {
        let page = page_by(ctx, order_by, first, after, last, before)?;
        let (slice, total) = related(ctx, DocumentsOfConsultation, self.0.id, page).await?;
        Ok(DocumentConnection::from_slice(slice, total, Document))
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

connection!(
    ConsultationConnection,
    ConsultationEdge,
    Consultation,
    "A page of consultations.",
    "A consultation in a page, with its cursor."
);

/// Narrows a list of consultations; every field given must match.
#[derive(InputObject, Default)]
pub struct ConsultationFilter {
    /// Only consultations in these states.
    pub statuses: Option<Vec<ConsultationStatus>>,
}
