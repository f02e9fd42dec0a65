//! A mechanism a contribution discusses, with its stance.

use crate::graphql::connection::connection;
use crate::graphql::context::request;
use crate::graphql::loaders::MechanismKey;
use crate::graphql::types::{Mechanism, dangling};
use async_graphql::{Context, Object, Result};
use entity::contribution_mechanism;
use entity::enums::Stance;

/// A cooperation mechanism that a contribution discusses, with the contribution's stance.
#[derive(Clone)]
pub struct MechanismStance(pub contribution_mechanism::Model);

/// A cooperation mechanism that a contribution discusses, with the contribution's stance.
#[Object]
impl MechanismStance {
    /// The mechanism.
    async fn mechanism(&self, ctx: &Context<'_>) -> Result<Mechanism> {
        let rd = request(ctx)?;
        let id = self.0.mechanism_id;
        let row = rd.loader.load_one(MechanismKey(id)).await?;
        row.map(Mechanism).ok_or_else(|| dangling("mechanism", id))
    }

    /// The contribution's position on it.
    async fn stance(&self) -> Stance {
        self.0.stance
    }
}

connection!(
    MechanismStanceConnection,
    MechanismStanceEdge,
    MechanismStance,
    "A page of the mechanisms a contribution discusses, with its stances.",
    "A mechanism and stance in a page, with its cursor."
);
