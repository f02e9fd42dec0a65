//! Reading a request body: at most [`MAX_BODY_BYTES`], within a time limit, so that a
//! client can neither send more than any valid request needs nor hold a connection by
//! sending nothing.

use super::error::HttpError;
use crate::domain::ContributionText;
use actix_web::http::StatusCode;
use actix_web::web::{self, Bytes, BytesMut};
use async_graphql::futures_util::StreamExt;
use std::time::Duration;

/// Largest request body accepted, in bytes: room for the longest contribution body
/// (1 000 000 characters) as the longest legal JSON writes it, and 1 MiB for everything
/// else. JSON clients escape every character that is not ASCII by default (Python's
/// `json`, `requests`): `\uXXXX`, six bytes, for a character of the Basic Multilingual
/// Plane (Arabic, Chinese, Russian, accented Latin), and a surrogate pair, twelve bytes,
/// for any other (emoji, rarer CJK), so twelve bytes a character.
pub const MAX_BODY_BYTES: usize = ContributionText::MAX_BODY * 12 + (1 << 20);

/// How long a client may take to send its body, unless configured otherwise.
pub const BODY_TIMEOUT: Duration = Duration::from_secs(30);

fn too_large() -> HttpError {
    HttpError::new(
        StatusCode::PAYLOAD_TOO_LARGE,
        "PAYLOAD_TOO_LARGE",
        format!("The body may have at most {MAX_BODY_BYTES} bytes"),
    )
}

/// The whole body, or `413` when it is too large, `408` when it does not arrive in time.
pub async fn read(mut payload: web::Payload, timeout: Duration) -> Result<Bytes, HttpError> {
    let read = async {
        let mut body = BytesMut::new();
        while let Some(chunk) = payload.next().await {
            let chunk = chunk
                .map_err(|_| HttpError::bad_request("BAD_REQUEST", "The body could not be read"))?;
            if body.len() + chunk.len() > MAX_BODY_BYTES {
                return Err(too_large());
            }
            body.extend_from_slice(&chunk);
        }
        Ok(body.freeze())
    };
    tokio::time::timeout(timeout, read).await.map_err(|_| {
        HttpError::new(
            StatusCode::REQUEST_TIMEOUT,
            "REQUEST_TIMEOUT",
            format!(
                "The body did not arrive within {} seconds",
                timeout.as_secs()
            ),
        )
    })?
}

/// Whether the request's media type (`Content-Type` without its parameters, in any
/// case) is `application/json`.
pub fn is_json(req: &actix_web::HttpRequest) -> bool {
    has_media_type(req, "application/json")
}

/// Whether the request's media type (`Content-Type` without its parameters, in any
/// case) is `media`.
pub fn has_media_type(req: &actix_web::HttpRequest, media: &str) -> bool {
    req.headers()
        .get(actix_web::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.split(';')
                .next()
                .unwrap_or("")
                .trim()
                .eq_ignore_ascii_case(media)
        })
}

/// `413` at once when the declared length is already too large.
pub fn check_length(req: &actix_web::HttpRequest) -> Result<(), HttpError> {
    match declared_length(req) {
        Some(length) if length > MAX_BODY_BYTES as u64 => Err(too_large()),
        _ => Ok(()),
    }
}

/// The body's length as `Content-Length` declares it, if it does.
pub fn declared_length(req: &actix_web::HttpRequest) -> Option<u64> {
    req.headers()
        .get(actix_web::http::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok())
}
