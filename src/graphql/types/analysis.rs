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
