use super::{ContributionConnection, ContributionFilter, Mechanism, MechanismConnection, related};
use crate::graphql::args::page_by;
use crate::graphql::connection::connection;
use crate::graphql::order::{ContributionOrder, MechanismOrder};
use crate::ids::{GlobalId, NodeType};
use crate::service::contributions::Parent;
use crate::service::relations::MechanismsHostedBy;
use async_graphql::{Context, ID, InputObject, Object, Result};
use chrono::{DateTime, Utc};
use entity::enums::{Accreditation, RegionalGroup, StakeholderGroup};
use entity::stakeholder::Model;

/// An entity that may take part in consultations: a Government, an international
/// organization, a civil society organization or a private sector entity.
#[derive(Clone)]
pub struct Stakeholder(pub Model);

/// An entity that may take part in consultations: a Government, an international
/// organization, a civil society organization or a private sector entity.
#[Object]
impl Stakeholder {
    /// Opaque global ID.
    pub async fn id(&self) -> ID {
        GlobalId::new(NodeType::Stakeholder, self.0.id)
            .encode()
            .into()
    }

    /// Increases with every change; name it when you edit (`CONFLICT` when stale).
    async fn version(&self) -> i32 {
        self.0.version
    }

    /// Full name, e.g. "International Chamber of Commerce".
    async fn name(&self) -> &str {
        &self.0.name
    }

    /// Acronym, e.g. "ICC", where it has one.
    async fn acronym(&self) -> Option<&str> {
        self.0.acronym.as_deref()
    }

    /// The stakeholder group it belongs to.
    async fn group(&self) -> StakeholderGroup {
        self.0.stakeholder_group
    }

    /// Why it is eligible to take part.
    async fn accreditation(&self) -> Accreditation {
        self.0.accreditation
    }

    /// ISO 3166-1 alpha-3 country code, for Governments.
    async fn country_code(&self) -> Option<&str> {
        self.0.country_code.as_deref()
    }

    /// United Nations regional group, for Member States.
    async fn regional_group(&self) -> Option<RegionalGroup> {
        self.0.regional_group
    }

    /// Website address.
    async fn website(&self) -> Option<&str> {
        self.0.website.as_deref()
    }

    /// The mechanisms this stakeholder hosts.
    async fn hosted_mechanisms(
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
        let (slice, total) = related(ctx, MechanismsHostedBy, self.0.id, page).await?;
        Ok(MechanismConnection::from_slice(slice, total, Mechanism))
    }

    /// What this stakeholder has said, across consultations, in order of creation.
    async fn contributions(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Narrows the list; the stakeholder is always this one.")] filter: Option<
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
        super::contribution::contributions_of(ctx, Parent::Stakeholder, self.0.id, filter, page)
            .await
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
    StakeholderConnection,
    StakeholderEdge,
    Stakeholder,
    "A page of stakeholders.",
    "A stakeholder in a page, with its cursor."
);

/// Narrows a list of stakeholders; every field given must match.
#[derive(InputObject, Default)]
pub struct StakeholderFilter {
    /// Only stakeholders of these groups.
    pub groups: Option<Vec<StakeholderGroup>>,
    /// Only stakeholders whose name or acronym contains this text (any case).
    pub search: Option<String>,
}
