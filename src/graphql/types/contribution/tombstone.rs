//! Contributions that left the published view.

use crate::graphql::connection::connection;
use crate::ids::{GlobalId, NodeType};
use async_graphql::{ID, Object};
use chrono::{DateTime, Utc};

/// A contribution that left the published view (withdrawn, unpublished, or revised and
/// awaiting publication again): a mirror should drop it until it is published again.
#[derive(Clone)]
pub struct ContributionTombstone(pub entity::contribution_tombstone::Model);

/// A contribution that left the published view (withdrawn, unpublished, or revised and
/// awaiting publication again): a mirror should drop it until it is published again.
#[Object]
impl ContributionTombstone {
    /// Opaque global ID of the tombstone.
    pub async fn id(&self) -> ID {
        GlobalId::new(NodeType::ContributionTombstone, self.0.id)
            .encode()
            .into()
    }

    /// The global ID of the contribution that left.
    async fn contribution_id(&self) -> ID {
        GlobalId::new(NodeType::Contribution, self.0.contribution_id)
            .encode()
            .into()
    }

    /// The global ID of its consultation.
    async fn consultation_id(&self) -> ID {
        GlobalId::new(NodeType::Consultation, self.0.consultation_id)
            .encode()
            .into()
    }

    /// Why it left.
    async fn reason(&self) -> entity::enums::TombstoneReason {
        self.0.reason
    }

    /// When it left.
    async fn occurred_at(&self) -> DateTime<Utc> {
        self.0.occurred_at
    }
}

connection!(
    ContributionTombstoneConnection,
    ContributionTombstoneEdge,
    ContributionTombstone,
    "A page of contribution tombstones.",
    "A tombstone in a page, with its cursor."
);
