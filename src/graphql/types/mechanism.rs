use super::{PolicyIssue, PolicyIssueConnection, Stakeholder, dangling, related};
use crate::graphql::args::page_by;
use crate::graphql::connection::connection;
use crate::graphql::context::request;
use crate::graphql::loaders::{FunctionsOfMechanism, StakeholderKey};
use crate::graphql::order::PolicyIssueOrder;
use crate::ids::{GlobalId, NodeType};
use crate::service::relations::IssuesOfMechanism;
use async_graphql::{Context, ID, InputObject, Object, Result};
use entity::enums::{MechanismFunction, MechanismKind, MechanismScope, MechanismStatus};
use entity::mechanism::Model;

/// An international cooperation mechanism, existing or proposed (report §21–§34).
#[derive(Clone)]
pub struct Mechanism(pub Model);

/// An international cooperation mechanism, existing or proposed (report §21–§34).
#[Object]
impl Mechanism {
    /// Opaque global ID.
    pub async fn id(&self) -> ID {
        GlobalId::new(NodeType::Mechanism, self.0.id)
            .encode()
            .into()
    }

    /// Increases with every change; name it when you edit (`CONFLICT` when stale).
    async fn version(&self) -> i32 {
        self.0.version
    }

    /// Full name, e.g. "Internet Governance Forum".
    async fn name(&self) -> &str {
        &self.0.name
    }

    /// Acronym, e.g. "IGF", where it has one.
    async fn acronym(&self) -> Option<&str> {
        self.0.acronym.as_deref()
    }

    /// What kind of mechanism it is.
    async fn kind(&self) -> MechanismKind {
        self.0.kind
    }

    /// How far its remit reaches; null where the record does not say.
    async fn scope(&self) -> Option<MechanismScope> {
        self.0.scope
    }

    /// Whether it exists or has been proposed.
    async fn status(&self) -> MechanismStatus {
        self.0.status
    }

    /// What it does.
    async fn functions(&self, ctx: &Context<'_>) -> Result<Vec<MechanismFunction>> {
        let rd = request(ctx)?;
        Ok(rd
            .loader
            .load_one(FunctionsOfMechanism(self.0.id))
            .await?
            .unwrap_or_default())
    }

    /// The organization that hosts it, if any.
    async fn host(&self, ctx: &Context<'_>) -> Result<Option<Stakeholder>> {
        let rd = request(ctx)?;
        let Some(id) = self.0.host_stakeholder_id else {
            return Ok(None);
        };
        let row = rd.loader.load_one(StakeholderKey(id)).await?;
        row.map(|s| Some(Stakeholder(s)))
            .ok_or_else(|| dangling("stakeholder", id))
    }

    /// When it was established, as precisely as known ("YYYY", "YYYY-MM" or "YYYY-MM-DD").
    async fn established(&self) -> Option<&str> {
        self.0.established.as_deref()
    }

    /// Notes on the mechanism.
    async fn description(&self) -> Option<&str> {
        self.0.description.as_deref()
    }

    /// The public policy issues it addresses.
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
        let (slice, total) = related(ctx, IssuesOfMechanism, self.0.id, page).await?;
        Ok(PolicyIssueConnection::from_slice(slice, total, PolicyIssue))
    }
}

connection!(
    MechanismConnection,
    MechanismEdge,
    Mechanism,
    "A page of mechanisms.",
    "A mechanism in a page, with its cursor."
);

/// Narrows a list of mechanisms; every field given must match.
#[derive(InputObject, Default)]
pub struct MechanismFilter {
    /// Only mechanisms with these statuses.
    pub statuses: Option<Vec<MechanismStatus>>,
    /// Only mechanisms of these kinds.
    pub kinds: Option<Vec<MechanismKind>>,
}
