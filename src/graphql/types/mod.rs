//! GraphQL object types, one module per domain noun. Each wraps an entity row; the
//! schema is designed from the domain, so fields are chosen here, not derived from tables.

mod analysis;
mod attachment;
mod consultation;
mod contribution;
mod document;
mod identity;
mod invitation;
mod mechanism;
mod meeting;
mod policy_issue;
mod rate_limit;
mod report;
mod search;
mod stakeholder;
mod statistics;
mod webhook;

pub use analysis::{
    IssueMatrixCell, LanguageCount, MechanismStanceCell, TimelineInterval, TimelinePeriod,
};
pub use attachment::{Attachment, AttachmentUpload, UploadState};
pub use consultation::{Consultation, ConsultationConnection, ConsultationFilter};
pub use contribution::{
    Contribution, ContributionConnection, ContributionFilter, ContributionRevision,
    ContributionTombstone, ContributionTombstoneConnection, ContributionTranslation, LocalizedText,
    MechanismStance,
};
pub use document::{Document, DocumentConnection};
pub use identity::{
    Account, AccountConnection, ApiClient, ApiClientConnection, AuditEvent, AuditEventConnection,
    Scope, UserErrorObject, ViewerInfo, outcome,
};
pub use invitation::{EmailDelivery, Invitation};
pub use mechanism::{Mechanism, MechanismConnection, MechanismFilter};
pub use meeting::{Meeting, MeetingConnection};
pub use policy_issue::{PolicyIssue, PolicyIssueConnection, PolicyIssueFilter};
pub use rate_limit::RateLimit;
pub use report::{
    BrokenCitation, Report, ReportCitation, ReportParagraph, ReportPublication, ReportSection,
};
pub use search::{ContributionSearchConnection, ContributionSearchEdge};
pub(crate) use search::{after as search_after, size as search_size};
pub use stakeholder::{Stakeholder, StakeholderConnection, StakeholderFilter};
pub use statistics::{ContributionStatistics, GroupStatistics, KindCount};
pub use webhook::{
    Webhook, WebhookAttempt, WebhookConnection, WebhookDelivery, WebhookDeliveryConnection,
};

use crate::error::AppError;
use crate::graphql::connection::TotalCount;
use crate::graphql::context::request;
use crate::graphql::loaders::{CountOf, PageOf};
use crate::paging::{Page, Slice};
use crate::service::relations::{Child, Relation};
use async_graphql::Context;

/// One page of a relation's children for `parent_id`, and how to count them, both
/// through the batching loaders.
pub(crate) async fn related<R: Relation>(
    ctx: &Context<'_>,
    relation: R,
    parent_id: i64,
    page: Page,
) -> async_graphql::Result<(Slice<Child<R>>, TotalCount)> {
    let rd = request(ctx)?;
    let slice = rd
        .loader
        .load_one(PageOf {
            relation,
            parent_id,
            page,
        })
        .await?;
    let total = TotalCount::Batched(Box::new(CountOf {
        relation,
        parent_id,
    }));
    Ok((slice.unwrap_or_else(Slice::empty), total))
}

/// A relation that the database's foreign keys guarantee, found missing: our fault.
pub(crate) fn dangling(what: &str, id: i64) -> async_graphql::Error {
    AppError::Internal(anyhow::anyhow!("dangling reference to {what} {id}")).into()
}

/// A node of an unexpected variant for its ID type: our fault.
pub(crate) fn dangling_type() -> async_graphql::Error {
    AppError::Internal(anyhow::anyhow!("node resolved to an unexpected type")).into()
}
