//! The analysis of a consultation: counts computed by the database, each cell with the
//! list of exactly the contributions it counts (under the caller's read policy).

use super::{Contribution, ContributionConnection, PolicyIssue};
use crate::graphql::args::page_by;
use crate::graphql::context::request;
use crate::graphql::order::ContributionOrder;
use crate::service::contributions::{self, ContributionFilter, analysis::cell_filter};
use async_graphql::{Context, Object, Result};
use entity::enums::StakeholderGroup;

/// Lists the contributions a cell counts.
async fn cell_contributions(
    ctx: &Context<'_>,
    filter: ContributionFilter,
    order_by: Option<ContributionOrder>,
    first: Option<i32>,
    after: Option<String>,
    last: Option<i32>,
    before: Option<String>,
) -> Result<ContributionConnection> {
    let rd = request(ctx)?;
    let page = page_by(ctx, order_by, first, after, last, before)?;
    let listing = contributions::list(&rd.db, &rd.viewer, &filter, &page).await?;
    Ok(ContributionConnection::from_listing(listing, Contribution))
}

/// How many conveyed contributions (submitted or published) of one stakeholder group
/// raised one policy issue, as far as the caller may read them.
pub struct IssueMatrixCell {
    pub consultation_id: i64,
    pub issue: entity::policy_issue::Model,
    pub group: StakeholderGroup,
    pub count: i64,
}

/// How many conveyed contributions (submitted or published) of one stakeholder group
/// raised one policy issue, as far as the caller may read them; `contributions` lists
/// exactly those (its `totalCount` is `count`).
#[Object]
impl IssueMatrixCell {
    /// The policy issue.
    async fn issue(&self) -> PolicyIssue {
        PolicyIssue(self.issue.clone())
    }

    /// The stakeholder group (a contribution that is not attributed counts under its
    /// group without revealing its stakeholder).
    async fn group(&self) -> StakeholderGroup {
        self.group
    }

    /// How many contributions.
    async fn count(&self) -> i32 {
        i32::try_from(self.count).unwrap_or(i32::MAX)
    }

    /// The contributions counted, in order of creation unless `orderBy` says otherwise.
    async fn contributions(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The order of the list; by creation if not given.")] order_by: Option<
            ContributionOrder,
        >,
        #[graphql(desc = "Returns the first n items (at most 100).")] first: Option<i32>,
        #[graphql(desc = "Returns items after this cursor.")] after: Option<String>,
        #[graphql(desc = "Returns the last n items (at most 100).")] last: Option<i32>,
        #[graphql(desc = "Returns items before this cursor.")] before: Option<String>,
    ) -> Result<ContributionConnection> {
        let filter = ContributionFilter {
            policy_issue_id: Some(self.issue.id),
            groups: Some(vec![self.group]),
            ..cell_filter(self.consultation_id)
        };
        cell_contributions(ctx, filter, order_by, first, after, last, before).await
    }
}

/// How many conveyed contributions (submitted or published) the caller may read are in
/// one original language.
pub struct LanguageCount {
    pub consultation_id: i64,
    pub language: String,
    pub count: i64,
}

/// How many conveyed contributions (submitted or published) the caller may read are in
/// one original language; `contributions` lists exactly those.
#[Object]
impl LanguageCount {
    /// The language, as an ISO 639-1 code.
    async fn language(&self) -> &str {
        &self.language
    }

    /// How many contributions.
    async fn count(&self) -> i32 {
        i32::try_from(self.count).unwrap_or(i32::MAX)
    }

    /// The contributions counted, in order of creation unless `orderBy` says otherwise.
    async fn contributions(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The order of the list; by creation if not given.")] order_by: Option<
            ContributionOrder,
        >,
        #[graphql(desc = "Returns the first n items (at most 100).")] first: Option<i32>,
        #[graphql(desc = "Returns items after this cursor.")] after: Option<String>,
        #[graphql(desc = "Returns the last n items (at most 100).")] last: Option<i32>,
        #[graphql(desc = "Returns items before this cursor.")] before: Option<String>,
    ) -> Result<ContributionConnection> {
        let filter = ContributionFilter {
            languages: Some(vec![self.language.clone()]),
            ..cell_filter(self.consultation_id)
        };
        cell_contributions(ctx, filter, order_by, first, after, last, before).await
    }
}

/// The length of a period of a consultation's timeline.
#[derive(async_graphql::Enum, Copy, Clone, Debug, PartialEq, Eq)]
pub enum TimelineInterval {
    /// Calendar days (UTC).
    Day,
    /// ISO weeks, Monday to Sunday (UTC).
    Week,
}

impl From<TimelineInterval> for contributions::analysis::Interval {
    fn from(interval: TimelineInterval) -> Self {
        match interval {
            TimelineInterval::Day => contributions::analysis::Interval::Day,
            TimelineInterval::Week => contributions::analysis::Interval::Week,
        }
    }
}

/// One period of a consultation's timeline.
pub struct TimelinePeriod {
    pub consultation_id: i64,
    pub start: chrono::NaiveDate,
    pub end: chrono::NaiveDate,
    /// Every kind, zeros included.
    pub counts: Vec<(entity::enums::ContributionKind, i64)>,
}

/// One period of a consultation's timeline: the conveyed contributions (submitted or
/// published) the caller may read that were submitted in it, by kind.
#[Object]
impl TimelinePeriod {
    /// Its first day.
    async fn start(&self) -> chrono::NaiveDate {
        self.start
    }

    /// The first day after it.
    async fn end(&self) -> chrono::NaiveDate {
        self.end
    }

    /// How many contributions, of every kind.
    async fn total(&self) -> i32 {
        i32::try_from(self.counts.iter().map(|(_, n)| n).sum::<i64>()).unwrap_or(i32::MAX)
    }

    /// How many of each kind, zeros included; each lists exactly what it counts.
    async fn by_kind(&self) -> Vec<TimelineCell> {
        self.counts
            .iter()
            .map(|(kind, count)| TimelineCell {
                consultation_id: self.consultation_id,
                start: self.start,
                end: self.end,
                kind: *kind,
                count: *count,
            })
            .collect()
    }
}

/// The contributions of one kind submitted in one period.
pub struct TimelineCell {
    consultation_id: i64,
    start: chrono::NaiveDate,
    end: chrono::NaiveDate,
    kind: entity::enums::ContributionKind,
    count: i64,
}

/// The conveyed contributions of one kind the caller may read that were submitted in one
/// period; `contributions` lists exactly those.
#[Object]
impl TimelineCell {
    /// The kind.
    async fn kind(&self) -> entity::enums::ContributionKind {
        self.kind
    }

    /// How many contributions.
    async fn count(&self) -> i32 {
        i32::try_from(self.count).unwrap_or(i32::MAX)
    }

    /// The contributions counted, in order of creation unless `orderBy` says otherwise.
    async fn contributions(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The order of the list; by creation if not given.")] order_by: Option<
            ContributionOrder,
        >,
        #[graphql(desc = "Returns the first n items (at most 100).")] first: Option<i32>,
        #[graphql(desc = "Returns items after this cursor.")] after: Option<String>,
        #[graphql(desc = "Returns the last n items (at most 100).")] last: Option<i32>,
        #[graphql(desc = "Returns items before this cursor.")] before: Option<String>,
    ) -> Result<ContributionConnection> {
        let midnight = |day: chrono::NaiveDate| day.and_time(chrono::NaiveTime::MIN).and_utc();
        let filter = ContributionFilter {
            kinds: Some(vec![self.kind]),
            submitted: Some(contributions::Range {
                from: Some(midnight(self.start)),
                to: Some(midnight(self.end)),
            }),
            ..cell_filter(self.consultation_id)
        };
        cell_contributions(ctx, filter, order_by, first, after, last, before).await
    }
}

/// How many conveyed contributions (submitted or published) of one stakeholder group
/// take one stance on one cooperation mechanism, as far as the caller may read them.
pub struct MechanismStanceCell {
    pub consultation_id: i64,
    pub mechanism: entity::mechanism::Model,
    pub stance: entity::enums::Stance,
    pub group: StakeholderGroup,
    pub count: i64,
}

/// How many conveyed contributions (submitted or published) of one stakeholder group
/// take one stance on one cooperation mechanism, as far as the caller may read them;
/// `contributions` lists exactly those.
#[Object]
impl MechanismStanceCell {
    /// The mechanism.
    async fn mechanism(&self) -> super::Mechanism {
        super::Mechanism(self.mechanism.clone())
    }

    /// The stance taken.
    async fn stance(&self) -> entity::enums::Stance {
        self.stance
    }

    /// The stakeholder group.
    async fn group(&self) -> StakeholderGroup {
        self.group
    }

    /// How many contributions.
    async fn count(&self) -> i32 {
        i32::try_from(self.count).unwrap_or(i32::MAX)
    }

    /// The contributions counted, in order of creation unless `orderBy` says otherwise.
    async fn contributions(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The order of the list; by creation if not given.")] order_by: Option<
            ContributionOrder,
        >,
        #[graphql(desc = "Returns the first n items (at most 100).")] first: Option<i32>,
        #[graphql(desc = "Returns items after this cursor.")] after: Option<String>,
        #[graphql(desc = "Returns the last n items (at most 100).")] last: Option<i32>,
        #[graphql(desc = "Returns items before this cursor.")] before: Option<String>,
    ) -> Result<ContributionConnection> {
        let filter = ContributionFilter {
            mechanism_id: Some(self.mechanism.id),
            stance: Some(self.stance),
            groups: Some(vec![self.group]),
            ..cell_filter(self.consultation_id)
        };
        cell_contributions(ctx, filter, order_by, first, after, last, before).await
    }
}
