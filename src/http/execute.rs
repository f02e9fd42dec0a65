//! A GraphQL operation over HTTP: the caller read from the request, the operation run
//! through the pipeline (`pipeline.rs`), the answer written as the response: a request
//! that never ran has no `data` (and, under `application/graphql-response+json`, a 400).

use super::client::client_text;
use super::format::ResponseFormat;
use super::pipeline::{self, Caller, Outcome};
use super::principal;
use super::state::AppState;
use crate::db::Handle;
use crate::events::Events;
use crate::graphql::prepared::Prepared;
use crate::viewer::Viewer;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse};
use async_graphql::parser::types::OperationType;

/// Authenticates the request, runs it and replies.
pub async fn execute(
    state: &AppState,
    req: &HttpRequest,
    format: ResponseFormat,
    prepared: Prepared,
) -> HttpResponse {
    let viewer = match principal::from_request(state, req).await {
        Ok(viewer) => viewer,
        Err(err) => return actix_web::ResponseError::error_response(&err),
    };
    // Queries read from the replica, if there is one; mutations (and what their payloads
    // read back) stay on the primary.
    let db = match prepared.operation_type() {
        Some(OperationType::Query) => state.queries(),
        _ => state.primary(),
    };
    let reply = run(
        state,
        db,
        state.events.clone(),
        req,
        viewer,
        format,
        prepared,
    )
    .await;
    reply.into_response(format)
}

/// What [`run`] produced: the status, the JSON body, and the outcome (its error codes,
/// whether it ran, the charge to the caller's rate-limit bucket for the `RateLimit-*`
/// headers).
pub struct Reply {
    pub status: StatusCode,
    pub body: String,
    pub outcome: Outcome,
}

impl Reply {
    /// The HTTP response, with the rate-limit headers.
    pub fn into_response(self, format: ResponseFormat) -> HttpResponse {
        format.reply_charged(self.status, self.body, self.outcome.charge.as_ref())
    }
}

/// The JSON of a response, written straight from it (no `serde_json::Value` in between):
/// `data` is left out for a request that never ran, as the spec asks.
#[derive(serde::Serialize)]
struct Body<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    data: Option<&'a async_graphql::Value>,
    #[serde(skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    extensions: &'a std::collections::BTreeMap<String, async_graphql::Value>,
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    errors: &'a [async_graphql::ServerError],
}

/// Runs a prepared operation for `viewer` on `db`; returns the status, the JSON body to
/// send and the outcome.
pub async fn run(
    state: &AppState,
    db: Handle,
    events: Events,
    req: &HttpRequest,
    viewer: Viewer,
    format: ResponseFormat,
    prepared: Prepared,
) -> Reply {
    let caller = Caller {
        viewer,
        client_ip: client_text(req, &state.trusted_proxies),
        request_id: super::request_id::current(),
    };
    let pipeline::Answer {
        response,
        outcome,
        data,
    } = pipeline::execute(state, &caller, db, events, prepared).await;
    let body = serde_json::to_string(&Body {
        // The operation never ran: per the spec there is no `data` entry. When a plan
        // wrote `data`, it goes in first below.
        data: (outcome.ran && data.is_none()).then_some(&response.data),
        extensions: &response.extensions,
        errors: &response.errors,
    })
    .map(|rest| match data {
        // `{"data":…` then the rest's entries (`{}`, or `{"extensions":…}`).
        Some(data) => {
            let mut body = String::with_capacity(data.len() + rest.len() + 8);
            body.push_str("{\"data\":");
            body.push_str(&data);
            match rest.strip_prefix('{') {
                Some("}") | None => body.push('}'),
                Some(entries) => {
                    body.push(',');
                    body.push_str(entries);
                }
            }
            body
        }
        None => rest,
    })
    .unwrap_or_else(|err| {
        tracing::error!(%err, "a response could not be written as JSON");
        r#"{"errors":[{"message":"Internal server error","extensions":{"code":"INTERNAL_SERVER_ERROR"}}]}"#.to_owned()
    });
    Reply {
        status: outcome.status(format),
        body,
        outcome,
    }
}
