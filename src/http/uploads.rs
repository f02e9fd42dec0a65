//! Documents coming in: the GraphQL multipart request on `POST /graphql` (what Apollo's
//! and urql's upload links send), and the second step of a two-step upload,
//! `PUT /uploads/{id}`. Both refuse a declared length over the limit before reading a
//! byte (413), and stop reading as soon as the limit is passed.

use super::error::HttpError;
use super::execute::execute;
use super::format::ResponseFormat;
use super::pipeline;
use super::principal;
use super::state::AppState;
use crate::ids::{GlobalId, NodeType};
use crate::service::attachments::uploads::{self, PutError};
use actix_web::http::{StatusCode, header};
use actix_web::web::{self, Bytes};
use actix_web::{HttpRequest, HttpResponse};
use async_graphql::futures_util::{StreamExt, TryStreamExt};
use std::time::Duration;

/// How long a client may take to send a document.
pub const UPLOAD_TIMEOUT: Duration = Duration::from_secs(15 * 60);

/// Whether the request is `multipart/form-data`.
pub fn is_multipart(req: &HttpRequest) -> bool {
    super::body::has_media_type(req, "multipart/form-data")
}

fn too_large(max: u64) -> HttpError {
    HttpError::new(
        StatusCode::PAYLOAD_TOO_LARGE,
        "PAYLOAD_TOO_LARGE",
        format!("A document may have at most {max} bytes"),
    )
}

/// The actix body as a stream another task may read (actix's payload stays on its
/// worker): the chunks go through a small channel, so at most a few are held.
fn pumped(
    mut payload: web::Payload,
) -> (
    impl std::future::Future<Output = ()>,
    impl async_graphql::futures_util::Stream<Item = std::io::Result<Bytes>> + Send + Unpin,
) {
    let (tx, mut rx) = tokio::sync::mpsc::channel::<std::io::Result<Bytes>>(4);
    let pump = async move {
        while let Some(chunk) = payload.next().await {
            let chunk = chunk.map_err(|e| std::io::Error::other(e.to_string()));
            let stop = chunk.is_err();
            if tx.send(chunk).await.is_err() || stop {
                break;
            }
        }
    };
    let stream = Box::pin(async_stream::stream! {
        while let Some(chunk) = rx.recv().await {
            yield chunk;
        }
    });
    (pump, stream)
}

/// `POST /graphql` with `multipart/form-data`: the GraphQL multipart request spec. It
/// must carry credentials (only a principal uploads; and a form another site posts
/// carries none).
pub async fn graphql_multipart(
    state: &AppState,
    req: &HttpRequest,
    payload: web::Payload,
    format: ResponseFormat,
) -> HttpResponse {
    if req.headers().get(header::AUTHORIZATION).is_none() {
        return format.refuse(HttpError::new(
            StatusCode::UNAUTHORIZED,
            "UNAUTHENTICATED",
            "A multipart request (an upload) must carry `Authorization: Bearer …`",
        ));
    }
    let limits = &state.attachments.settings;
    let files = limits.max_per_revision as u64;
    let max_body = limits.max_bytes * files + (1 << 20);
    if super::body::declared_length(req).is_some_and(|n| n > max_body) {
        return format.refuse(too_large(limits.max_bytes));
    }
    let content_type = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let options = async_graphql::http::MultipartOptions::default()
        .max_file_size(limits.max_bytes as usize)
        .max_num_files(files as usize);
    let (pump, stream) = pumped(payload);
    let parse =
        async_graphql::http::receive_batch_body(content_type, stream.into_async_read(), options);
    let read = async {
        let (_, parsed) = tokio::join!(pump, parse);
        parsed
    };
    let parsed = match tokio::time::timeout(UPLOAD_TIMEOUT, read).await {
        Ok(parsed) => parsed,
        Err(_) => {
            return format.refuse(HttpError::new(
                StatusCode::REQUEST_TIMEOUT,
                "REQUEST_TIMEOUT",
                "The upload did not arrive in time",
            ));
        }
    };
    use async_graphql::ParseRequestError as E;
    let request = match parsed {
        Ok(async_graphql::BatchRequest::Single(request)) => request,
        Ok(async_graphql::BatchRequest::Batch(_)) => {
            return format.refuse(HttpError::bad_request(
                "BAD_REQUEST",
                "Batched requests are not supported: send one operation per request",
            ));
        }
        Err(E::PayloadTooLarge) => return format.refuse(too_large(limits.max_bytes)),
        Err(err) => {
            return format.refuse(HttpError::bad_request(
                "BAD_REQUEST",
                format!("Not a GraphQL multipart request (operations, map, then the files): {err}"),
            ));
        }
    };
    let prepared = match pipeline::prepare(state, request).await {
        Ok(prepared) => prepared,
        Err(refusal) => return refusal.into_response(format),
    };
    execute(state, req, format, prepared).await
}

/// `PUT /uploads/{id}`: the bytes of a two-step upload begun by the same principal.
pub async fn put(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<String>,
    payload: web::Payload,
) -> HttpResponse {
    let refuse = |e: HttpError| actix_web::ResponseError::error_response(&e);
    let missing = || {
        refuse(HttpError::new(
            StatusCode::NOT_FOUND,
            "NOT_FOUND",
            "No upload of yours waits for its bytes at this address",
        ))
    };
    let viewer = match principal::from_request(&state, &req).await {
        Ok(crate::viewer::Viewer::Anonymous) => {
            return refuse(HttpError::new(
                StatusCode::UNAUTHORIZED,
                "UNAUTHENTICATED",
                "Send the same `Authorization: Bearer …` as the upload was begun with",
            ));
        }
        Ok(viewer) => viewer,
        Err(err) => return refuse(err),
    };
    let Ok(id) = GlobalId::decode_as(&path, NodeType::AttachmentUpload) else {
        return missing();
    };
    let upload = match uploads::pending(&state.db, &viewer, id).await {
        Ok(upload) => upload,
        Err(PutError::NotFound) => return missing(),
        Err(err) => return refuse(put_error(err)),
    };
    if super::body::declared_length(&req).is_some_and(|n| n > upload.size as u64) {
        return refuse(too_large_announced(upload.size as u64));
    }
    let (pump, stream) = pumped(payload);
    let store = uploads::put(&state.db, &state.attachments, upload, stream);
    let done = async {
        let (_, stored) = tokio::join!(pump, store);
        stored
    };
    let stored = match tokio::time::timeout(UPLOAD_TIMEOUT, done).await {
        Ok(stored) => stored,
        Err(_) => {
            return refuse(HttpError::new(
                StatusCode::REQUEST_TIMEOUT,
                "REQUEST_TIMEOUT",
                "The upload did not arrive in time",
            ));
        }
    };
    match stored {
        Ok(row) => HttpResponse::Ok().json(serde_json::json!({
            "id": GlobalId::new(NodeType::AttachmentUpload, row.id).encode(),
            "state": row.state,
            "name": row.name,
            "contentType": row.content_type,
            "size": row.size,
            "sha256": row.sha256,
        })),
        Err(PutError::NotFound) => missing(),
        Err(err) => refuse(put_error(err)),
    }
}

fn too_large_announced(announced: u64) -> HttpError {
    HttpError::new(
        StatusCode::PAYLOAD_TOO_LARGE,
        "PAYLOAD_TOO_LARGE",
        format!("This upload announced {announced} bytes: send exactly that many"),
    )
}

fn put_error(err: PutError) -> HttpError {
    match err {
        PutError::NotFound => HttpError::new(StatusCode::NOT_FOUND, "NOT_FOUND", "No such upload"),
        PutError::TooLarge(n) => too_large_announced(n),
        PutError::Refused(e) => {
            let code = match e.code {
                crate::error::UserErrorCode::UnsupportedType => "UNSUPPORTED_MEDIA_TYPE",
                _ => "BAD_USER_INPUT",
            };
            let status = if code == "UNSUPPORTED_MEDIA_TYPE" {
                StatusCode::UNSUPPORTED_MEDIA_TYPE
            } else {
                StatusCode::BAD_REQUEST
            };
            HttpError::new(status, code, e.message)
        }
        PutError::Body(e) => {
            HttpError::bad_request("BAD_REQUEST", format!("The body could not be read: {e}"))
        }
        PutError::Failed(e) => e.into(),
    }
}
