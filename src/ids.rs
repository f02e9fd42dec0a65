//! Opaque global IDs: base64url of `Type:number`. Clients must treat them as opaque;
//! the server parses them strictly and answers a malformed one with `BAD_USER_INPUT`.

use crate::error::AppError;
use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};

/// The object types that have global IDs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum NodeType {
    Stakeholder,
    Consultation,
    Meeting,
    Contribution,
    ContributionRevision,
    PolicyIssue,
    Mechanism,
    Document,
    Account,
    ApiClient,
    AuditEvent,
    ContributionTombstone,
    Report,
    ReportSection,
    ReportParagraph,
    ContributionTranslation,
    Webhook,
    WebhookDelivery,
    Invitation,
    Attachment,
    AttachmentUpload,
}

impl NodeType {
    const ALL: [NodeType; 21] = [
        NodeType::Stakeholder,
        NodeType::Consultation,
        NodeType::Meeting,
        NodeType::Contribution,
        NodeType::ContributionRevision,
        NodeType::PolicyIssue,
        NodeType::Mechanism,
        NodeType::Document,
        NodeType::Account,
        NodeType::ApiClient,
        NodeType::AuditEvent,
        NodeType::ContributionTombstone,
        NodeType::Report,
        NodeType::ReportSection,
        NodeType::ReportParagraph,
        NodeType::ContributionTranslation,
        NodeType::Webhook,
        NodeType::WebhookDelivery,
        NodeType::Invitation,
        NodeType::Attachment,
        NodeType::AttachmentUpload,
    ];

    /// The GraphQL type name, which is also the prefix inside the ID.
    pub fn name(self) -> &'static str {
        match self {
            NodeType::Stakeholder => "Stakeholder",
            NodeType::Consultation => "Consultation",
            NodeType::Meeting => "Meeting",
            NodeType::Contribution => "Contribution",
            NodeType::ContributionRevision => "ContributionRevision",
            NodeType::PolicyIssue => "PolicyIssue",
            NodeType::Mechanism => "Mechanism",
            NodeType::Document => "Document",
            NodeType::Account => "Account",
            NodeType::ApiClient => "ApiClient",
            NodeType::AuditEvent => "AuditEvent",
            NodeType::ContributionTombstone => "ContributionTombstone",
            NodeType::Report => "Report",
            NodeType::ReportSection => "ReportSection",
            NodeType::ReportParagraph => "ReportParagraph",
            NodeType::ContributionTranslation => "ContributionTranslation",
            NodeType::Webhook => "Webhook",
            NodeType::WebhookDelivery => "WebhookDelivery",
            NodeType::Invitation => "Invitation",
            NodeType::Attachment => "Attachment",
            NodeType::AttachmentUpload => "AttachmentUpload",
        }
    }
}

/// A decoded global ID.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct GlobalId {
    pub node_type: NodeType,
    pub id: i64,
}

impl GlobalId {
    pub fn new(node_type: NodeType, id: i64) -> Self {
        GlobalId { node_type, id }
    }

    pub fn encode(self) -> String {
        URL_SAFE_NO_PAD.encode(format!("{}:{}", self.node_type.name(), self.id))
    }

    /// Parses any global ID.
    pub fn decode(raw: &str) -> Result<GlobalId, AppError> {
        let invalid = || AppError::bad_input(format!("\"{}\" is not a valid ID", truncate(raw)));
        let bytes = URL_SAFE_NO_PAD.decode(raw).map_err(|_| invalid())?;
        let text = String::from_utf8(bytes).map_err(|_| invalid())?;
        let (type_name, number) = text.split_once(':').ok_or_else(invalid)?;
        let node_type = NodeType::ALL
            .into_iter()
            .find(|t| t.name() == type_name)
            .ok_or_else(invalid)?;
        // Only canonical decimal numbers: no sign, no leading zeros, so each record has one ID.
        if number.is_empty() || number.starts_with(['+', '-', '0']) {
            return Err(invalid());
        }
        let id = number.parse::<i64>().map_err(|_| invalid())?;
        Ok(GlobalId { node_type, id })
    }

    /// Parses an ID that must be of `expected` type (an argument such as `stakeholder(id:)`).
    pub fn decode_as(raw: &str, expected: NodeType) -> Result<i64, AppError> {
        let gid = GlobalId::decode(raw)?;
        if gid.node_type != expected {
            return Err(AppError::bad_input(format!(
                "\"{}\" is the ID of a {}, not of a {}",
                truncate(raw),
                gid.node_type.name(),
                expected.name()
            )));
        }
        Ok(gid.id)
    }
}

/// Keeps echoed input short in error messages.
fn truncate(raw: &str) -> String {
    const MAX: usize = 64;
    if raw.chars().count() <= MAX {
        raw.to_owned()
    } else {
        format!("{}…", raw.chars().take(MAX).collect::<String>())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_every_type() {
        for node_type in NodeType::ALL {
            let gid = GlobalId::new(node_type, 42);
            assert_eq!(GlobalId::decode(&gid.encode()).unwrap(), gid);
        }
    }

    #[test]
    fn refuses_malformed_ids() {
        let encode = |s: &str| URL_SAFE_NO_PAD.encode(s);
        for raw in [
            "".to_owned(),
            "not base64!".to_owned(),
            encode("Stakeholder"),
            encode("Stakeholder:"),
            encode("Stakeholder:-1"),
            encode("Stakeholder:007"),
            encode("Stakeholder:abc"),
            encode("Unknown:1"),
            encode("Stakeholder:99999999999999999999"),
        ] {
            let err = GlobalId::decode(&raw).unwrap_err();
            assert_eq!(err.code(), "BAD_USER_INPUT", "{raw}");
        }
    }

    #[test]
    fn refuses_an_id_of_another_type() {
        let raw = GlobalId::new(NodeType::Meeting, 1).encode();
        let err = GlobalId::decode_as(&raw, NodeType::Stakeholder).unwrap_err();
        assert!(err.message().contains("not of a Stakeholder"));
    }
}
