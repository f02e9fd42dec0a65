use super::{ContributionConnection, ContributionFilter, Mechanism, MechanismConnection, related};
use crate::graphql::args::page_by;
use crate::graphql::connection::connection;
use crate::graphql::order::{ContributionOrder, MechanismOrder};
use crate::ids::{GlobalId, NodeType};
use crate::service::contributions::Parent;
use crate::service::relations::MechanismsOfIssue;
use async_graphql::{Context, ID, InputObject, Object, Result};
use entity::enums::PolicyArea;
use entity::policy_issue::Model;

/// A public policy issue pertaining to the Internet (report §14, §17, §18, §26).
#[derive(Clone)]
pub struct PolicyIssue(pub Model);

/// A public policy issue pertaining to the Internet (report §14, §17, §18, §26).
#[Object]
impl PolicyIssue {
    /// Opaque global ID.
    pub async fn id(&self) -> ID {
        GlobalId::new(NodeType::PolicyIssue, self.0.id)
            .encode()
            .into()
    }

    /// Increases with every change; name it when you edit (`CONFLICT` when stale).
    async fn version(&self) -> i32 {
        self.0.version
    }

    /// Short, stable, human-readable key, e.g. "cybersecurity".
    async fn slug(&self) -> &str {
        &self.0.slug
    }

    /// The issue's title.
    async fn title(&self) -> &str {
        &self.0.title
    }

    /// What the issue covers.
    async fn description(&self) -> &str {
        &self.0.description
    }

    /// The broad area it belongs to.
    async fn area(&self) -> PolicyArea {
        self.0.area
    }

    /// Whether it was on the list of the WSIS and the Working Group on Internet
    /// Governance (true) or newly raised by contributors (false).
    async fn on_wsis_list(&self) -> bool {
        self.0.on_wsis_list
    }

    /// The mechanisms that address it.
    async fn mechanisms(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The order of the list; by creation if not given.")] order_by: Option<
            MechanismOrder,
        >,
        #[graphql(desc = "Returns the first n items (at most 100).")] first: Option<i32>,
        #[graphql(desc = "Returns items after this cursor.")] after: Option<String>,
        #[graphql(desc = "Returns the last n items (at most 100).")] last: Option<i32>,
        #[graphql(desc = "Returns items before this cursor.")] before: Option<String>,
    ) -> Result<MechanismConnection> {
        let page = page_by(ctx, order_by, first, after, last, before)?;
        let (slice, total) = related(ctx, MechanismsOfIssue, self.0.id, page).await?;
        Ok(MechanismConnection::from_slice(slice, total, Mechanism))
    }

    /// The contributions that raise it and that the caller may see.
    async fn contributions(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Narrows the list; the policy issue is always this one.")] filter: Option<
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
        super::contribution::contributions_of(ctx, Parent::PolicyIssue, self.0.id, filter, page)
            .await
    }
}

connection!(
    PolicyIssueConnection,
    PolicyIssueEdge,
    PolicyIssue,
    "A page of policy issues.",
    "A policy issue in a page, with its cursor."
);

/// Narrows a list of policy issues; every field given must match.
#[derive(InputObject, Default)]
pub struct PolicyIssueFilter {
    /// Only issues in these areas.
    pub areas: Option<Vec<PolicyArea>>,
}
