//! Documents: uploaded by the GraphQL multipart request (`attachmentUpload`), or in
//! two steps for large ones (`attachmentUploadBegin`, then `PUT` the bytes), then
//! attached by ID in `contributionCreate` / `contributionEdit`.

use crate::error::AppError;
use crate::graphql::context::request;
use crate::graphql::types::{AttachmentUpload, UserErrorObject, outcome};
use crate::ids::{GlobalId, NodeType};
use crate::service::attachments::attach::Pick;
use crate::service::attachments::uploads;
use async_graphql::{Context, ID, InputObject, Object, Result, SimpleObject, Upload};

payload!(
    AttachmentUploadPayload,
    upload,
    AttachmentUpload,
    "The result of an upload: the document, ready to attach (or, for a two-step upload, \
     waiting for its bytes at `uploadUrl`)."
);

/// A two-step upload: what will be sent.
#[derive(InputObject)]
pub struct AttachmentUploadBeginInput {
    /// The file name (at most 255 characters; no path separators or control characters).
    pub name: String,
    /// Its exact length in bytes.
    pub size: i32,
}

/// The documents a revision names: uploads of the caller's and attachments kept.
pub(crate) fn picks_of(raw: Option<&[ID]>) -> Result<Option<Vec<Pick>>> {
    let Some(raw) = raw else {
        return Ok(None);
    };
    raw.iter()
        .map(|id| {
            let gid = GlobalId::decode(id)?;
            match gid.node_type {
                NodeType::AttachmentUpload => Ok(Pick::Upload(gid.id)),
                NodeType::Attachment => Ok(Pick::Attachment(gid.id)),
                _ => Err(AppError::bad_input(format!(
                    "`attachments` names uploads (AttachmentUpload) and documents already \
                     attached (Attachment); \"{}\" is neither",
                    id.as_str()
                ))
                .into()),
            }
        })
        .collect::<Result<Vec<_>>>()
        .map(Some)
}

/// Documents.
#[derive(Default)]
pub struct AttachmentMutation;

/// Documents.
#[Object]
impl AttachmentMutation {
    /// Uploads a document with the GraphQL multipart request (what Apollo's and
    /// urql's upload links send): PDF, DOCX, ODT, plain text (UTF-8) or a PNG, JPEG,
    /// GIF or WebP image, typed by its content, at most 25 MB (the server's
    /// `CONCORD_ATTACHMENT_MAX_BYTES`). Attach it by its ID in `contributionCreate`
    /// or `contributionEdit`; not attached, it expires.
    async fn attachment_upload(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The file (a multipart request's part).")] file: Upload,
        #[graphql(desc = "The name to keep; the part's file name if not given.")] name: Option<
            String,
        >,
    ) -> Result<AttachmentUploadPayload> {
        let rd = request(ctx)?;
        let attachments = rd.attachments()?;
        let value = file.value(ctx)?;
        let name = name.unwrap_or(value.filename.clone());
        let result = uploads::receive(&rd.db, attachments, &rd.viewer, &name, value.content).await;
        let (row, user_errors) = outcome(result)?;
        Ok(AttachmentUploadPayload {
            upload: row.map(AttachmentUpload),
            user_errors,
        })
    }

    /// The first step of a two-step upload, for large documents: then `PUT` the bytes
    /// to the answer's `uploadUrl` (same `Authorization`), and attach it by its ID.
    async fn attachment_upload_begin(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "What will be sent.")] input: AttachmentUploadBeginInput,
    ) -> Result<AttachmentUploadPayload> {
        let rd = request(ctx)?;
        let attachments = rd.attachments()?;
        let result = uploads::begin(
            &rd.db,
            attachments,
            &rd.viewer,
            &input.name,
            i64::from(input.size),
        )
        .await;
        let (row, user_errors) = outcome(result)?;
        Ok(AttachmentUploadPayload {
            upload: row.map(AttachmentUpload),
            user_errors,
        })
    }
}
