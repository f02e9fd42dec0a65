//! Runs one GraphQL request for a viewer and shapes the response: a request that never
//! ran has no `data` (and, under `application/graphql-response+json`, a 400). The
//! request passes the limits first (`graphql::limits`), and every error of the response
//! gets its code (`graphql::error_codes`).

use super::client::client_address;
use super::error::HttpError;
use super::format::ResponseFormat;
use super::principal;
use super::state::AppState;
use crate::db::Handle;
use crate::events::Events;
use crate::graphql::RequestData;
use crate::graphql::error_codes::{classify, is_request_error};
use crate::graphql::limits::report_cost;
use crate::viewer::Viewer;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse};
use async_graphql::parser::types::{
    ExecutableDocument, OperationDefinition, OperationType, Selection, SelectionSet,
};

/// Authenticates the request, runs it and replies.
pub async fn execute(
    state: &AppState,
    req: &HttpRequest,
    format: ResponseFormat,
    request: async_graphql::Request,
) -> HttpResponse {
    let viewer = match principal::from_request(state, req).await {
        Ok(viewer) => viewer,
        Err(err) => return actix_web::ResponseError::error_response(&err),
    };
    // Queries read from the replica, if there is one; mutations (and what their payloads
    // read back) stay on the primary.
    let db = match (&state.read_db, operation_type(&request)) {
        (Some(read), Some(OperationType::Query)) => Handle::Pool(read.clone()),
        _ => Handle::Pool(state.db.clone()),
    };
    let reply = run(
        state,
        db,
        state.events.clone(),
        req,
        viewer,
        format,
        request,
    )
    .await;
    reply.into_response(format)
}

/// What [`run`] produced: the status, the JSON body, and the charge to the caller's
/// rate-limit bucket (for the `RateLimit-*` headers).
pub struct Reply {
    pub status: StatusCode,
    pub body: String,
    pub charge: Option<crate::service::quotas::Charge>,
    /// The `extensions.code` of each error of the answer: what a keyed retry judges
    /// the answer by (never its text, where a value may spell a code).
    pub codes: Vec<String>,
}

impl Reply {
    /// The HTTP response, with the rate-limit headers.
    pub fn into_response(self, format: ResponseFormat) -> HttpResponse {
        let mut response = format.reply_json(self.status, self.body);
        if let Some(charge) = &self.charge {
            let mut builder = HttpResponse::build(response.status());
            for (name, value) in response.headers() {
                builder.insert_header((name.clone(), value.clone()));
            }
            super::quota::add_headers(&mut builder, charge);
            response = builder.body(response.into_body());
        }
        response
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

/// Executes a request for `viewer` on `db`; returns the status and the JSON body to send.
pub async fn run(
    state: &AppState,
    db: Handle,
    events: Events,
    req: &HttpRequest,
    viewer: Viewer,
    format: ResponseFormat,
    request: async_graphql::Request,
) -> Reply {
    let started = std::time::Instant::now();
    let client_ip = client_address(req, &state.trusted_proxies).map(|ip| ip.to_string());
    let mut request = request;
    let admission = state.limits.admit(&mut request);
    let principal_kind = principal_kind(&viewer);
    let named = named_in_metrics(state, &viewer);
    let mut charge = None;
    // Every request is charged, a refused one a point (`Admission::charge`): once its
    // budget is spent, a caller is refused everything until it refills.
    let charged = state
        .quotas
        .charge(&state.db, &viewer, client_ip.as_deref(), admission.charge())
        .await;
    let mut response = match charged {
        Err(outage) => {
            let error = async_graphql::Error::from(outage);
            async_graphql::Response::from_errors(vec![error.into_server_error(Default::default())])
        }
        Ok(Some(refused)) if !refused.allowed => {
            crate::metrics::global().rate_limited(principal_kind);
            charge = Some(refused);
            async_graphql::Response::from_errors(vec![super::quota::refusal(&refused)])
        }
        Ok(charged) => {
            charge = charged;
            match admission.refusal.clone() {
                Some(refusal) => async_graphql::Response::from_errors(vec![refusal]),
                None => {
                    let data = RequestData::new(db, viewer, state.auth.clone(), client_ip, events)
                        .with_quota(charge)
                        .with_targets(state.webhook_targets);
                    state.schema.execute(request.data(data)).await
                }
            }
        }
    };
    admission.order(&mut response);
    response = classify(response);
    if let Some(id) = super::request_id::of(req) {
        super::request_id::mark_internal_errors(&mut response, &id);
    }
    report_cost(&mut response, admission.cost);
    let codes = error_codes(&response);
    crate::metrics::global().request(admission.operation_name(), named, &codes, started.elapsed());
    let request_error = is_request_error(&response);
    let body = serde_json::to_string(&Body {
        // The operation never ran: per the spec there is no `data` entry.
        data: (!request_error).then_some(&response.data),
        extensions: &response.extensions,
        errors: &response.errors,
    })
    .unwrap_or_else(|err| {
        tracing::error!(%err, "a response could not be written as JSON");
        r#"{"errors":[{"message":"Internal server error","extensions":{"code":"INTERNAL_SERVER_ERROR"}}]}"#.to_owned()
    });
    let outage = codes.iter().any(|code| code == "SERVICE_UNAVAILABLE");
    let status = if outage {
        // The same for everyone, whatever part of the operation met the outage.
        StatusCode::SERVICE_UNAVAILABLE
    } else if charge.is_some_and(|c| !c.allowed) {
        StatusCode::TOO_MANY_REQUESTS
    } else if request_error && format == ResponseFormat::GraphQlResponseJson {
        StatusCode::BAD_REQUEST
    } else {
        StatusCode::OK
    };
    Reply {
        status,
        body,
        charge,
        codes,
    }
}

/// Whether an operation's name gets a label of its own in the metrics: a signed-in
/// caller's, or any when only the allow-list runs (see [`crate::metrics`]).
pub fn named_in_metrics(state: &AppState, viewer: &Viewer) -> bool {
    viewer.principal().is_some() || state.persisted.only_allow_list()
}

/// The kind of caller, for metrics.
pub fn principal_kind(viewer: &Viewer) -> &'static str {
    match viewer.principal().map(|p| p.subject) {
        None => "anonymous",
        Some(crate::viewer::Subject::Account(_)) => "account",
        Some(crate::viewer::Subject::Client(_)) => "client",
        Some(crate::viewer::Subject::System) => "system",
    }
}

/// The `extensions.code` of each error of a response.
pub fn error_codes(response: &async_graphql::Response) -> Vec<String> {
    response
        .errors
        .iter()
        .map(
            |e| match e.extensions.as_ref().and_then(|x| x.get("code")) {
                Some(async_graphql::Value::String(code)) => code.clone(),
                _ => "INTERNAL_SERVER_ERROR".to_owned(),
            },
        )
        .collect()
}

/// The refusal of a request whose text holds a NUL character (`\u0000`): no database
/// stores it in text (PostgreSQL refuses it, SQLite would keep it), so it is bad input
/// wherever it appears, even in a sign-in's email.
pub fn refuse_nul(request: &async_graphql::Request) -> Option<HttpError> {
    fn in_value(value: &async_graphql::Value) -> bool {
        match value {
            async_graphql::Value::String(s) => s.contains('\0'),
            async_graphql::Value::List(items) => items.iter().any(in_value),
            async_graphql::Value::Object(map) => {
                map.iter().any(|(k, v)| k.contains('\0') || in_value(v))
            }
            _ => false,
        }
    }
    let found = request.query.contains('\0')
        || request
            .operation_name
            .as_deref()
            .is_some_and(|n| n.contains('\0'))
        || request
            .variables
            .iter()
            .any(|(k, v)| k.contains('\0') || in_value(v));
    found.then(|| {
        HttpError::bad_request(
            "BAD_USER_INPUT",
            "Text may not contain the NUL character (\\u0000)",
        )
    })
}

/// The operation a request would run (the spec's `GetOperation`, see
/// [`crate::graphql::operation`]); `None` when it does not parse (the execution reports
/// that) or selects no operation.
fn operation(
    request: &async_graphql::Request,
) -> Option<(ExecutableDocument, OperationDefinition)> {
    let doc = async_graphql::parser::parse_query(&request.query).ok()?;
    let (_, op) = crate::graphql::operation::get(&doc, request.operation_name.as_deref())?;
    let op = op.clone();
    Some((doc, op))
}

/// The type of the operation a request would run (see [`operation`]).
pub fn operation_type(request: &async_graphql::Request) -> Option<OperationType> {
    operation(request).map(|(_, op)| op.ty)
}

/// The names of the root fields the operation selects, through fragments too.
pub fn root_fields(request: &async_graphql::Request) -> Vec<String> {
    fn collect(doc: &ExecutableDocument, set: &SelectionSet, depth: usize, out: &mut Vec<String>) {
        for item in &set.items {
            match &item.node {
                Selection::Field(field) => out.push(field.node.name.node.to_string()),
                Selection::InlineFragment(inline) => {
                    collect(doc, &inline.node.selection_set.node, depth, out)
                }
                Selection::FragmentSpread(spread) if depth < 32 => {
                    if let Some(fragment) = doc.fragments.get(&spread.node.fragment_name.node) {
                        collect(doc, &fragment.node.selection_set.node, depth + 1, out);
                    }
                }
                Selection::FragmentSpread(_) => {}
            }
        }
    }
    let mut out = Vec::new();
    if let Some((doc, op)) = operation(request) {
        collect(&doc, &op.selection_set.node, 0, &mut out);
    }
    out
}
