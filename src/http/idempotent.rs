//! Safe retries of mutations with `Idempotency-Key`: the first request runs and its
//! response is kept; a retry with the same key and body gets it again
//! (`Idempotent-Replayed: true`) and changes nothing; the same key with another body is
//! refused (422). Mutations that answer with a secret refuse a key (400
//! `IDEMPOTENCY_KEY_NOT_ALLOWED`): their answers are never stored.

use super::error::HttpError;
use super::execute::{root_fields, run};
use super::format::ResponseFormat;
use super::principal;
use super::state::AppState;
use crate::graphql::mutation::SECRET_BEARING;
use crate::service::idempotency::{self, Claim};
use actix_web::http::StatusCode;
use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse};

/// Longest `Idempotency-Key` accepted.
const MAX_IDEMPOTENCY_KEY: usize = 200;

/// Runs a mutation sent with `Idempotency-Key` at most once per key and body.
pub async fn execute_once(
    state: &AppState,
    req: &HttpRequest,
    format: ResponseFormat,
    request: async_graphql::Request,
    key: &str,
    raw_body: &[u8],
) -> HttpResponse {
    if key.is_empty()
        || key.len() > MAX_IDEMPOTENCY_KEY
        || !key.bytes().all(|b| b.is_ascii_graphic())
    {
        return format.refuse(HttpError::bad_request(
            "BAD_REQUEST",
            "Idempotency-Key must be 1 to 200 visible ASCII characters",
        ));
    }
    if let Some(field) = root_fields(&request)
        .into_iter()
        .find(|f| SECRET_BEARING.contains(&f.as_str()))
    {
        return format.refuse(HttpError::bad_request(
            "IDEMPOTENCY_KEY_NOT_ALLOWED",
            format!(
                "{field} answers with a secret, which Concord does not store: send it without Idempotency-Key"
            ),
        ));
    }
    let viewer = match principal::from_request(state, req).await {
        Ok(viewer) => viewer,
        Err(err) => return actix_web::ResponseError::error_response(&err),
    };
    let principal = viewer
        .principal()
        .map_or_else(|| "anonymous".to_owned(), |p| p.subject.label());
    let request_hash = crate::auth::secret::digest_bytes(raw_body);
    let unavailable = |err: crate::error::AppError| format.refuse(HttpError::from(err));
    match idempotency::claim(&state.db, &principal, key, &request_hash).await {
        Err(err) => unavailable(err),
        Ok(Claim::Replay(status, body)) => {
            let mut response =
                format.reply(StatusCode::from_u16(status).unwrap_or(StatusCode::OK), body);
            response.headers_mut().insert(
                header::HeaderName::from_static("idempotent-replayed"),
                header::HeaderValue::from_static("true"),
            );
            response
        }
        Ok(Claim::Mismatch) => format.refuse(HttpError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "IDEMPOTENCY_KEY_REUSED",
            "This Idempotency-Key was used with a different request; use a new key",
        )),
        Ok(Claim::InProgress) => format.refuse(HttpError::new(
            StatusCode::CONFLICT,
            "CONFLICT",
            "A request with this Idempotency-Key is still running; retry shortly",
        )),
        Ok(Claim::Applied) => format.refuse(HttpError::new(
            StatusCode::CONFLICT,
            "IDEMPOTENCY_KEY_APPLIED",
            "The request with this Idempotency-Key was applied, but its answer was lost (the \
             server stopped first); it is not run again: read the record to see the result",
        )),
        Ok(Claim::Run) => {
            let (status, body) =
                idempotency::running(&principal, key, run(state, req, viewer, format, request))
                    .await;
            let text = body.to_string();
            let internal = text.contains("\"INTERNAL_SERVER_ERROR\"")
                || text.contains("\"SERVICE_UNAVAILABLE\"");
            let stored = if internal {
                // Our failure, not the caller's: let a retry run again.
                idempotency::release(&state.db, &principal, key, status.as_u16(), &body).await
            } else {
                idempotency::complete(&state.db, &principal, key, status.as_u16(), &body).await
            };
            if let Err(err) = stored {
                tracing::error!(error = ?err, "storing an idempotent response");
            }
            format.reply(status, body)
        }
    }
}
