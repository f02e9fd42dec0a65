use super::{Consultation, ContributionConnection, ContributionFilter, dangling};
use crate::graphql::args::page_by;
use crate::graphql::connection::connection;
use crate::graphql::context::request;
use crate::graphql::loaders::ConsultationKey;
use crate::graphql::order::ContributionOrder;
use crate::ids::{GlobalId, NodeType};
use crate::service::contributions::Parent;
use crate::service::meetings;
use async_graphql::{Context, ID, Object, Result};
use chrono::NaiveDate;
use entity::meeting::Model;

/// A face-to-face meeting of a consultation, where designated representatives present
/// and participants intervene in open discussion.
#[derive(Clone)]
pub struct Meeting(pub Model);

/// A face-to-face meeting of a consultation, where designated representatives present
/// and participants intervene in open discussion.
#[Object]
impl Meeting {
    /// Opaque global ID.
    pub async fn id(&self) -> ID {
        GlobalId::new(NodeType::Meeting, self.0.id).encode().into()
    }

    /// Increases with every change; name it when you edit (`CONFLICT` when stale).
    async fn version(&self) -> i32 {
        self.0.version
    }

    /// The meeting's title.
    async fn title(&self) -> &str {
        &self.0.title
    }

    /// Where it is held, e.g. "New York".
    async fn venue(&self) -> &str {
        &self.0.venue
    }

    /// The day it is held.
    async fn held_on(&self) -> NaiveDate {
        self.0.held_on
    }

    /// Its parts, in order, e.g. presentations, then open discussion.
    async fn agenda(&self) -> Vec<String> {
        meetings::agenda(&self.0)
    }

    /// The consultation it belongs to.
    async fn consultation(&self, ctx: &Context<'_>) -> Result<Consultation> {
        let rd = request(ctx)?;
        let id = self.0.consultation_id;
        let row = rd.loader.load_one(ConsultationKey(id)).await?;
        row.map(Consultation)
            .ok_or_else(|| dangling("consultation", id))
    }

    /// The presentations and interventions made at it that the caller may see.
    async fn contributions(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Narrows the list; the meeting is always this one.")] filter: Option<
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
        super::contribution::contributions_of(ctx, Parent::Meeting, self.0.id, filter, page).await
    }
}

connection!(
    MeetingConnection,
    MeetingEdge,
    Meeting,
    "A page of meetings.",
    "A meeting in a page, with its cursor."
);
