//! The Relay `Node` interface and resolution of any global ID.

use super::context::RequestData;
use super::loaders::{
    AccountKey, ApiClientKey, AuditEventKey, ConsultationKey, ContributionKey, DocumentKey,
    MechanismKey, MeetingKey, PolicyIssueKey, RevisionKey, StakeholderKey, TombstoneKey,
};
use super::types::{
    Account, ApiClient, Attachment, AttachmentUpload, AuditEvent, Consultation, Contribution,
    ContributionRevision, ContributionTombstone, ContributionTranslation, Document, Invitation,
    Mechanism, Meeting, PolicyIssue, Report, ReportParagraph, ReportSection, Stakeholder, Webhook,
    WebhookDelivery,
};
use crate::ids::{GlobalId, NodeType};
use crate::policy;
use crate::service::{invitations, reports, translations, webhooks};
use async_graphql::{ID, Interface, Result};

/// An object with a global ID, which `node(id:)` resolves.
#[derive(Interface)]
#[graphql(field(name = "id", ty = "ID", desc = "Opaque global ID."))]
pub enum Node {
    Stakeholder(Stakeholder),
    Consultation(Consultation),
    Meeting(Meeting),
    Contribution(Contribution),
    ContributionRevision(ContributionRevision),
    PolicyIssue(PolicyIssue),
    Mechanism(Mechanism),
    Document(Document),
    Account(Account),
    ApiClient(ApiClient),
    AuditEvent(AuditEvent),
    ContributionTombstone(ContributionTombstone),
    Report(Report),
    ReportSection(ReportSection),
    ReportParagraph(ReportParagraph),
    ContributionTranslation(ContributionTranslation),
    Webhook(Webhook),
    WebhookDelivery(WebhookDelivery),
    Invitation(Invitation),
    Attachment(Attachment),
    AttachmentUpload(AttachmentUpload),
}

/// Resolves a decoded ID to its object, or `None` if it does not exist or the viewer
/// may not see it (the two are indistinguishable by design). This is the top-level
/// fetch: a public record needs [`policy::may_browse`], and a DRAFT consultation (and
/// its meetings) are the secretariat's alone.
pub async fn resolve(rd: &RequestData, gid: GlobalId) -> Result<Option<Node>> {
    let l = &rd.loader;
    let id = gid.id;
    if matches!(
        gid.node_type,
        NodeType::Stakeholder
            | NodeType::Consultation
            | NodeType::Meeting
            | NodeType::PolicyIssue
            | NodeType::Mechanism
            | NodeType::Document
    ) {
        policy::may_browse(&rd.viewer)?;
    }
    let findable = |status| policy::sees_consultation(&rd.viewer, status);
    Ok(match gid.node_type {
        NodeType::Stakeholder => l
            .load_one(StakeholderKey(id))
            .await?
            .map(|m| Node::Stakeholder(Stakeholder(m))),
        NodeType::Consultation => l
            .load_one(ConsultationKey(id))
            .await?
            .filter(|m| findable(m.status))
            .map(|m| Node::Consultation(Consultation(m))),
        NodeType::Meeting => match l.load_one(MeetingKey(id)).await? {
            Some(m) => l
                .load_one(ConsultationKey(m.consultation_id))
                .await?
                .filter(|c| findable(c.status))
                .map(|_| Node::Meeting(Meeting(m))),
            None => None,
        },
        NodeType::Contribution => l
            .load_one(ContributionKey(id))
            .await?
            .map(|m| Node::Contribution(Contribution(m))),
        NodeType::ContributionRevision => l
            .load_one(RevisionKey(id))
            .await?
            .map(|m| Node::ContributionRevision(ContributionRevision(m))),
        NodeType::PolicyIssue => l
            .load_one(PolicyIssueKey(id))
            .await?
            .map(|m| Node::PolicyIssue(PolicyIssue(m))),
        NodeType::Mechanism => l
            .load_one(MechanismKey(id))
            .await?
            .map(|m| Node::Mechanism(Mechanism(m))),
        NodeType::Document => l
            .load_one(DocumentKey(id))
            .await?
            .map(|m| Node::Document(Document(m))),
        NodeType::Account => l
            .load_one(AccountKey(id))
            .await?
            .map(|m| Node::Account(Account(m))),
        NodeType::ApiClient => l
            .load_one(ApiClientKey(id))
            .await?
            .map(|m| Node::ApiClient(ApiClient(m))),
        NodeType::AuditEvent => l
            .load_one(AuditEventKey(id))
            .await?
            .map(|m| Node::AuditEvent(AuditEvent(m))),
        NodeType::ContributionTombstone => l
            .load_one(TombstoneKey(id))
            .await?
            .map(|m| Node::ContributionTombstone(ContributionTombstone(m))),
        NodeType::Report => reports::by_id(&rd.db, &rd.viewer, id)
            .await?
            .map(|m| Node::Report(Report(m))),
        NodeType::ReportSection => match reports::section(&rd.db, &rd.viewer, id).await? {
            Some(s) => {
                let paragraphs = reports::sections(&rd.db, &rd.viewer, s.report_id)
                    .await?
                    .into_iter()
                    .find(|(x, _)| x.id == s.id)
                    .map(|(_, ps)| ps)
                    .unwrap_or_default();
                Some(Node::ReportSection(ReportSection(s, paragraphs)))
            }
            None => None,
        },
        NodeType::ReportParagraph => reports::paragraph(&rd.db, &rd.viewer, id)
            .await?
            .map(|m| Node::ReportParagraph(ReportParagraph(m))),
        NodeType::ContributionTranslation => translations::by_id(&rd.db, &rd.viewer, id)
            .await?
            .map(|m| Node::ContributionTranslation(ContributionTranslation(m))),
        NodeType::Webhook => webhooks::by_id(&rd.db, &rd.viewer, id)
            .await?
            .map(|m| Node::Webhook(Webhook(m))),
        NodeType::WebhookDelivery => webhooks::delivery_by_id(&rd.db, &rd.viewer, id)
            .await?
            .map(|m| Node::WebhookDelivery(WebhookDelivery(m))),
        NodeType::Invitation => invitations::by_id(&rd.db, &rd.viewer, id)
            .await?
            .map(|m| Node::Invitation(Invitation(m))),
        NodeType::Attachment => crate::service::attachments::read::readable(&rd.db, &rd.viewer, id)
            .await?
            .map(|m| Node::Attachment(Attachment(m))),
        NodeType::AttachmentUpload => {
            crate::service::attachments::read::own_upload(&rd.db, &rd.viewer, id)
                .await?
                .map(|m| Node::AttachmentUpload(AttachmentUpload(m)))
        }
    })
}
