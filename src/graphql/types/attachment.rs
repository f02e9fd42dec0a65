//! Documents attached to a revision, and uploads waiting to be attached.

use crate::ids::{GlobalId, NodeType};
use async_graphql::{Enum, ID, Object};
use chrono::{DateTime, Utc};
use entity::{attachment, upload};

/// A document attached to a revision: its name, type (read from its content), size and
/// SHA-256, which the revision's signed receipt names too.
#[derive(Clone)]
pub struct Attachment(pub attachment::Model);

/// A document attached to a revision: its name, type (read from its content), size and
/// SHA-256, which the revision's signed receipt names too.
#[Object]
impl Attachment {
    /// Opaque global ID.
    pub async fn id(&self) -> ID {
        GlobalId::new(NodeType::Attachment, self.0.id)
            .encode()
            .into()
    }

    /// The file name it was uploaded under.
    async fn name(&self) -> &str {
        &self.0.name
    }

    /// Its media type, as read from its content (`application/pdf`, …).
    async fn content_type(&self) -> &str {
        &self.0.content_type
    }

    /// Its length in bytes.
    async fn size(&self) -> i32 {
        i32::try_from(self.0.size).unwrap_or(i32::MAX)
    }

    /// Lowercase hex SHA-256 of its bytes (also the download's strong `ETag`).
    async fn sha256(&self) -> &str {
        &self.0.sha256
    }

    /// Where to download it: `/attachments/{id}`, under the API's origin, with the same
    /// credentials as the API (anonymously for a published public contribution's).
    async fn url(&self) -> String {
        crate::service::attachments::url(self.0.id)
    }

    /// Whether its text was read for search (PDF, DOCX, ODT and plain text).
    async fn text_extracted(&self) -> bool {
        self.0.text.is_some()
    }

    /// When it was attached to this revision.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
}

/// Where an upload stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
pub enum UploadState {
    /// Asked for; its bytes are awaited at `uploadUrl`.
    Pending,
    /// Stored: it can be attached (by its ID in a contribution's `attachments`).
    Ready,
}

/// A document uploaded and not yet attached: only its uploader sees it. It is
/// attached by naming its ID in `contributionCreate` or `contributionEdit`, and
/// expires if it is not.
#[derive(Clone)]
pub struct AttachmentUpload(pub upload::Model);

/// A document uploaded and not yet attached: only its uploader sees it. It is
/// attached by naming its ID in `contributionCreate` or `contributionEdit`, and
/// expires if it is not.
#[Object]
impl AttachmentUpload {
    /// Opaque global ID: what a contribution's `attachments` names.
    pub async fn id(&self) -> ID {
        GlobalId::new(NodeType::AttachmentUpload, self.0.id)
            .encode()
            .into()
    }

    /// PENDING until its bytes arrive, then READY.
    async fn state(&self) -> UploadState {
        if self.0.state == crate::service::attachments::uploads::READY {
            UploadState::Ready
        } else {
            UploadState::Pending
        }
    }

    /// The file name.
    async fn name(&self) -> &str {
        &self.0.name
    }

    /// Its media type, read from its content; null while pending.
    async fn content_type(&self) -> Option<&str> {
        self.0.content_type.as_deref()
    }

    /// Its length in bytes (announced, while pending).
    async fn size(&self) -> i32 {
        i32::try_from(self.0.size).unwrap_or(i32::MAX)
    }

    /// Lowercase hex SHA-256 of its bytes; null while pending.
    async fn sha256(&self) -> Option<&str> {
        self.0.sha256.as_deref()
    }

    /// Where to `PUT` its bytes (with the same `Authorization`), while pending.
    async fn upload_url(&self) -> Option<String> {
        (self.0.state == crate::service::attachments::uploads::PENDING).then(|| {
            format!(
                "/uploads/{}",
                GlobalId::new(NodeType::AttachmentUpload, self.0.id).encode()
            )
        })
    }

    /// When it is removed if it is not attached.
    async fn expires_at(&self) -> DateTime<Utc> {
        self.0.expires_at
    }
}
