//! Safe retries of mutations with `Idempotency-Key`: the first request runs, in one
//! transaction with its claim of the key and its stored answer; a retry with the same key
//! and body gets the answer again (`Idempotent-Replayed: true`) and changes nothing; the
//! same key with another body is refused (422). A request that fails on our side, or
//! dies, leaves nothing behind, so its retry runs once. Mutations that answer with a secret refuse a key (400
//! `IDEMPOTENCY_KEY_NOT_ALLOWED`): their answers are never stored.

use super::error::HttpError;
use super::execute::run;
use super::format::ResponseFormat;
use super::principal;
use super::state::AppState;
use crate::db::Handle;
use crate::graphql::mutation::SECRET_BEARING;
use crate::graphql::prepared::Prepared;
use crate::service::idempotency::{self, Claim};
use actix_web::http::StatusCode;
use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse};
use sea_orm::TransactionTrait;
use std::sync::Arc;

/// Longest `Idempotency-Key` accepted.
const MAX_IDEMPOTENCY_KEY: usize = 200;

/// Runs a mutation sent with `Idempotency-Key` at most once per key and body.
pub async fn execute_once(
    state: &AppState,
    req: &HttpRequest,
    format: ResponseFormat,
    prepared: Prepared,
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
    if let Some(field) = prepared
        .root_fields()
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
    let refused = |err: crate::error::AppError| format.refuse(HttpError::from(err));
    let txn = match state.db.begin().await {
        Ok(txn) => txn,
        Err(err) => return refused(err.into()),
    };
    match idempotency::claim_in(&txn, &principal, key, &request_hash).await {
        Err(err) => refused(err),
        Ok(false) => {
            // Taken (and, on PostgreSQL, committed meanwhile): answer as the first did.
            drop(txn);
            match idempotency::earlier(&state.db, &principal, key, &request_hash).await {
                Err(err) => refused(err),
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
            }
        }
        Ok(true) => {
            // The whole request runs in the claim's transaction; its events wait for the
            // commit, so nobody hears of a change before it can be read.
            let txn = Arc::new(txn);
            let events = state.events.holding();
            let reply = run(
                state,
                Handle::Transaction(txn.clone()),
                events.clone(),
                req,
                viewer,
                format,
                prepared,
            )
            .await;
            if reply.outcome.rate_limited() {
                // Refused before it ran: nothing is kept, so a retry with the key runs.
                return reply.into_response(format);
            }
            let (status, text) = (reply.status, reply.body.clone());
            let failed = |code: &str| reply.outcome.has(code);
            if failed("SERVICE_UNAVAILABLE") {
                // Nothing is kept (the transaction rolls back): a retry runs again.
                return format.refuse(HttpError::unavailable());
            }
            if failed("INTERNAL_SERVER_ERROR") {
                // Our failure, not the caller's. Nothing is kept, even what the answer
                // may show as done, so the answer says only that: retry the request.
                return format.refuse(HttpError::new(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "INTERNAL_SERVER_ERROR",
                    "The request failed on our side and nothing of it was kept; retry it",
                ));
            }
            let Ok(txn) = Arc::try_unwrap(txn) else {
                tracing::error!("a keyed request's transaction is still shared after it ran");
                return format.refuse(HttpError::from(crate::error::AppError::Internal(
                    anyhow::anyhow!("transaction still shared"),
                )));
            };
            let body: serde_json::Value = serde_json::from_str(&text).unwrap_or_default();
            let stored = async {
                idempotency::complete(&txn, &principal, key, status.as_u16(), &body).await?;
                txn.commit().await?;
                Ok::<(), crate::error::AppError>(())
            };
            if let Err(err) = stored.await {
                // Nothing of the request was kept: say so, so that the client retries.
                return refused(err);
            }
            events.release().await;
            reply.into_response(format)
        }
    }
}
