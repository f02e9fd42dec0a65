//! The one path of a GraphQL operation, over HTTP and WebSocket alike:
//!
//! 1. [`prepare`]: a NUL character anywhere is refused; a persisted query is resolved
//!    (or refused); the document is parsed, once (not again when it was sent lately:
//!    [`Prepared`]); its shape and cost are measured (`graphql::limits`), the
//!    `totalCount` of a search priced by the matches PostgreSQL estimates for it.
//! 2. The transport's own rules read the prepared operation: GET runs no mutation
//!    (`http/graphql.rs`), a keyed mutation runs once (`http/idempotent.rs`), a query
//!    reads from the replica.
//! 3. [`execute`] (HTTP) or [`stream`] (WebSocket): the caller is charged, and the
//!    operation refused, in this order, when the rate-limit store is unreachable, the
//!    caller's budget is spent, or the limits refuse it; else it runs (over HTTP, a
//!    query the planner knows as a plan, without the executor once the same operation
//!    passed its validation: [`run_admitted`]).
//! 4. [`finish`]: each response gets its fields in the query's order, a code on every
//!    error, the request id on an internal error and its cost in `extensions.cost`; the
//!    metrics and the log record its [`Outcome`], which is also what the idempotency
//!    layer judges an answer by (never its text).

use super::error::HttpError;
use super::format::ResponseFormat;
use super::persisted;
use super::state::AppState;
use crate::db::Handle;
use crate::events::Events;
use crate::graphql::RequestData;
use crate::graphql::compiled;
use crate::graphql::error_codes::{classify, is_request_error};
use crate::graphql::limits::report_cost;
use crate::graphql::prepared::Prepared;
use crate::service::principals::Live;
use crate::service::quotas::Charge;
use crate::viewer::Viewer;
use actix_web::HttpResponse;
use actix_web::http::StatusCode;
use async_graphql::futures_util::StreamExt;
use async_graphql::futures_util::stream::BoxStream;
use async_graphql::{Data, Executor, Response, ServerError};
use std::sync::Arc;
use std::time::Instant;

/// Why a request was refused before it was parsed or run.
pub enum Refusal {
    /// A NUL character in its text.
    Nul(HttpError),
    /// Its persisted query (see [`persisted`]).
    Persisted(persisted::Refusal),
}

impl Refusal {
    /// The HTTP answer.
    pub fn into_response(self, format: ResponseFormat) -> HttpResponse {
        match self {
            Refusal::Nul(refusal) => format.request_error(refusal),
            Refusal::Persisted(refusal) => persisted::reply(format, refusal),
        }
    }

    /// As a GraphQL error (on a WebSocket).
    pub fn server_error(&self) -> ServerError {
        match self {
            Refusal::Nul(refusal) => {
                crate::graphql::error_codes::coded(refusal.message(), refusal.code())
            }
            Refusal::Persisted(refusal) => refusal.server_error(),
        }
    }
}

/// Step 1: the request read, parsed once and measured, or why it may not go on.
pub async fn prepare(
    state: &AppState,
    request: async_graphql::Request,
) -> Result<Prepared, Refusal> {
    if let Some(refusal) = refuse_nul(&request) {
        return Err(Refusal::Nul(refusal));
    }
    let mut prepared = state
        .persisted
        .prepare(&state.db, &state.limits, request)
        .await
        .map_err(Refusal::Persisted)?;
    estimate_searches(state, &mut prepared).await;
    Ok(prepared)
}

/// Prices the `totalCount` of each search the operation counts by the matches the
/// database estimates for it (on PostgreSQL; on SQLite, or when the estimate fails,
/// each stays priced as any large count).
///
/// Every search counted is estimated: an operation admitted with each priced at a large
/// count has at most ten of them (`MAX_COST` / `LARGE_COUNT`), and one refused already
/// is not estimated (an estimate only adds to the cost).
async fn estimate_searches(state: &AppState, prepared: &mut Prepared) {
    let admission = prepared.admission();
    if admission.unestimated.is_empty()
        || admission.refusal.is_some()
        || state.db.get_database_backend() != sea_orm::DbBackend::Postgres
    {
        return;
    }
    let searches = &admission.unestimated;
    let db = state.queries();
    let mut estimates = crate::graphql::cost::Estimates::default();
    for search in searches {
        if estimates.0.contains_key(search) {
            continue;
        }
        // A search that does not parse is refused when it runs: priced as it was.
        let Ok(query) = crate::service::search::SearchQuery::parse("search", search) else {
            continue;
        };
        match crate::service::search::estimate(&db, &query).await {
            Ok(Some(matches)) => {
                estimates.0.insert(search.clone(), matches);
            }
            Ok(None) => {}
            Err(err) => tracing::warn!(%err, "a search's matches could not be estimated"),
        }
    }
    if !estimates.0.is_empty() {
        prepared.estimated(&state.limits, &estimates);
    }
}

/// Who is asking, and from where.
#[derive(Clone)]
pub struct Caller {
    pub viewer: Viewer,
    pub client_ip: Option<String>,
    /// The request's id (the one an internal error names).
    pub request_id: Option<String>,
}

/// What came of an operation, read by the idempotency layer, the metrics and the log.
#[derive(Debug, Clone, Default)]
pub struct Outcome {
    /// The `extensions.code` of each error of the answer.
    pub codes: Vec<String>,
    /// Whether the operation ran (it was admitted, and its document parsed and passed
    /// validation), in whole or in part.
    pub ran: bool,
    /// Whether the answer's `data` is null (or absent).
    pub data_null: bool,
    /// What the request cost the caller's rate-limit bucket (`None`: limits are off).
    pub charge: Option<Charge>,
}

impl Outcome {
    /// Whether an error of the answer has this code.
    pub fn has(&self, code: &str) -> bool {
        self.codes.iter().any(|c| c == code)
    }

    /// Whether the caller's budget was spent (the request refused for it).
    pub fn rate_limited(&self) -> bool {
        self.charge.is_some_and(|c| !c.allowed)
    }

    /// The HTTP status of the answer: 503 for an outage met anywhere (the same for
    /// everyone), 429 for a spent budget, 400 for an operation that never ran under
    /// `application/graphql-response+json`, else 200.
    pub fn status(&self, format: ResponseFormat) -> StatusCode {
        if self.has("SERVICE_UNAVAILABLE") {
            StatusCode::SERVICE_UNAVAILABLE
        } else if self.rate_limited() {
            StatusCode::TOO_MANY_REQUESTS
        } else if !self.ran
            && self.data_null
            && !self.codes.is_empty()
            && format == ResponseFormat::GraphQlResponseJson
        {
            StatusCode::BAD_REQUEST
        } else {
            StatusCode::OK
        }
    }
}

/// Step 3, first half: charges the caller for `prepared` and says whether it runs. A
/// refusal comes in a fixed order: the rate-limit store unreachable, the budget spent,
/// the limits (what an operation that will not run is charged: `Admission::charge`).
async fn admit(
    state: &AppState,
    caller: &Caller,
    prepared: &Prepared,
) -> Result<Option<Charge>, (Response, Option<Charge>)> {
    let admission = prepared.admission();
    let charged = state
        .quotas
        .charge(
            &state.db,
            &caller.viewer,
            caller.client_ip.as_deref(),
            admission.charge(),
        )
        .await;
    match charged {
        Err(outage) => {
            let error = async_graphql::Error::from(outage);
            Err((
                Response::from_errors(vec![error.into_server_error(Default::default())]),
                None,
            ))
        }
        Ok(Some(refused)) if !refused.allowed => {
            crate::metrics::global().rate_limited(principal_kind(&caller.viewer));
            Err((
                Response::from_errors(vec![super::quota::refusal(&refused)]),
                Some(refused),
            ))
        }
        Ok(charge) => match admission.refusal.clone() {
            Some(refusal) => Err((Response::from_errors(vec![refusal]), charge)),
            None => Ok(charge),
        },
    }
}

/// What a resolver is given: the connection, the caller, the loaders, the charge.
fn request_data(
    state: &AppState,
    caller: &Caller,
    db: Handle,
    events: Events,
    charge: Option<Charge>,
    live: Option<Arc<Live>>,
) -> RequestData {
    RequestData::new(
        db,
        caller.viewer.clone(),
        state.auth.clone(),
        caller.client_ip.clone(),
        events,
    )
    .with_quota(charge)
    .with_live(live)
    .with_targets(state.webhook_targets)
    .with_links_by_email(state.links_by_email)
    .with_attachments(Some(state.attachments.clone()))
}

/// What an operation answered over HTTP.
pub struct Answer {
    /// The answer; its `data` is null and unused when `data` below is given.
    pub response: Response,
    pub outcome: Outcome,
    /// The JSON of `data`, when a plan wrote it ([`crate::graphql::compiled`]).
    pub data: Option<String>,
}

/// Step 3 over HTTP: runs `prepared` for `caller` on `db` (or refuses it), and
/// finishes its answer.
pub async fn execute(
    state: &AppState,
    caller: &Caller,
    db: Handle,
    events: Events,
    mut prepared: Prepared,
) -> Answer {
    let started = Instant::now();
    let (response, charge, ran, written) = match admit(state, caller, &prepared).await {
        Err((refused, charge)) => (refused, charge, false, None),
        Ok(charge) => {
            let data = request_data(state, caller, db, events, charge, None);
            let (response, ran, written) = run_admitted(state, &mut prepared, data).await;
            (response, charge, ran, written)
        }
    };
    let (response, outcome) = finish(
        state,
        caller,
        &prepared,
        response,
        Finishing {
            charge,
            executed: ran,
            started: Some(started),
            written: written.is_some(),
        },
    );
    Answer {
        response,
        outcome,
        data: written,
    }
}

/// Step 3 on a WebSocket: the responses of `prepared` (a subscription's events, or a
/// query's or mutation's one answer), each finished; the first is recorded.
pub fn stream(
    state: AppState,
    caller: Caller,
    live: Option<Arc<Live>>,
    mut prepared: Prepared,
    session_data: Option<Arc<Data>>,
) -> BoxStream<'static, Response> {
    Box::pin(async_stream::stream! {
        let started = Instant::now();
        match admit(&state, &caller, &prepared).await {
            Err((refused, charge)) => {
                yield finish(&state, &caller, &prepared, refused, Finishing::refused(charge, started)).0;
            }
            Ok(charge) => match prepared.take_request() {
                Err(unparsed) => {
                    let response = Response::from_errors(vec![unparsed]);
                    yield finish(&state, &caller, &prepared, response, Finishing::refused(charge, started)).0;
                }
                Ok(request) => {
                    let data = request_data(
                        &state,
                        &caller,
                        state.primary(),
                        state.events.clone(),
                        charge,
                        live,
                    );
                    let mut responses =
                        Executor::execute_stream(&state.schema, request.data(data), session_data);
                    let mut first = Some(started);
                    while let Some(response) = responses.next().await {
                        let finishing = Finishing {
                            charge,
                            executed: true,
                            started: first.take(),
                            written: false,
                        };
                        yield finish(&state, &caller, &prepared, response, finishing).0;
                    }
                }
            },
        }
    })
}

/// Runs an admitted operation over HTTP: its answer, whether it ran (its document
/// parsed), and the JSON of `data` when a plan wrote it.
///
/// A query the planner knows whole ([`crate::graphql::compiled`];
/// `CONCORD_COMPILED_READS`) runs as a plan: on the planning schema, which validates it
/// first, or, when async-graphql validated the same operation before
/// ([`compiled::Validated`]), without the executor at all; a plan that gives way there
/// leaves the operation to the resolvers. A query it knows only some root fields of
/// runs those as a plan beside the executor, which resolves the others. (Over HTTP
/// only: a WebSocket's answers are values, run field by field.)
async fn run_admitted(
    state: &AppState,
    prepared: &mut Prepared,
    data: RequestData,
) -> (Response, bool, Option<String>) {
    use crate::config::CompiledReads;
    let is_query =
        prepared.operation_type() == Some(async_graphql::parser::types::OperationType::Query);
    let mut plan = match state.compiled_reads {
        CompiledReads::On | CompiledReads::Verify if is_query => compiled::plan(prepared),
        _ => None,
    };
    // Only a whole plan may run without the executor.
    let key = plan
        .as_ref()
        .filter(|plan| plan.is_whole())
        .and_then(|_| compiled::Key::of(prepared));
    let mut gave_way = false;
    // `verify` compares every plan with the resolvers: it always takes the executor.
    if state.compiled_reads == CompiledReads::On
        && let (Some(known), Some(key)) = (&plan, &key)
        && known.is_whole()
        && state.validated.contains(key)
    {
        if let Some(json) = known.answer(&data).await {
            crate::metrics::global().validation_reused();
            return (Response::new(async_graphql::Value::Null), true, Some(json));
        }
        // The resolvers say why (or do what the plan does not); the root fields were
        // counted as `fallback`.
        plan = None;
        gave_way = true;
    }
    let request = match prepared.take_request() {
        Err(unparsed) => return (Response::from_errors(vec![unparsed]), false, None),
        Ok(request) => request.data(data),
    };
    match plan {
        Some(plan) => {
            let verify = state.compiled_reads == CompiledReads::Verify;
            let validated = key.map(|key| (state.validated.clone(), key));
            let (planned, slot) = compiled::Planned::new(plan, verify, validated);
            // Only a planned query runs on the schema with the plans' extension. The
            // executor's future is boxed here, where it runs: inline, it made every
            // request's future larger, and actix copies that whole into a box.
            let response = Box::pin(state.planning.execute(request.data(planned))).await;
            (response, true, slot.take())
        }
        None => {
            if !gave_way {
                crate::metrics::global().root_fields("resolved", prepared.root_fields().len());
            }
            (Box::pin(state.schema.execute(request)).await, true, None)
        }
    }
}

/// How an answer came about, for [`finish`].
struct Finishing {
    /// What the request cost the caller's bucket.
    charge: Option<Charge>,
    /// Whether the operation was handed to the executor.
    executed: bool,
    /// When it began (recorded in the metrics when given).
    started: Option<Instant>,
    /// Whether a plan wrote the answer's `data` (already in the query's order).
    written: bool,
}

impl Finishing {
    fn refused(charge: Option<Charge>, started: Instant) -> Finishing {
        Finishing {
            charge,
            executed: false,
            started: Some(started),
            written: false,
        }
    }
}

/// Step 4: the answer finished (see the module's documentation), and its outcome; it
/// is recorded in the metrics when `started` is given.
fn finish(
    state: &AppState,
    caller: &Caller,
    prepared: &Prepared,
    response: Response,
    how: Finishing,
) -> (Response, Outcome) {
    let Finishing {
        charge,
        executed,
        started,
        written,
    } = how;
    let mut response = response;
    if !written {
        crate::graphql::response_order::in_query_order(&mut response.data, prepared);
    }
    let mut response = classify(response);
    if let Some(id) = &caller.request_id {
        super::request_id::mark_internal_errors(&mut response, id);
    }
    report_cost(&mut response, prepared.admission().cost);
    let outcome = Outcome {
        codes: error_codes(&response),
        ran: executed && !is_request_error(&response),
        data_null: !written && response.data == async_graphql::Value::Null,
        charge,
    };
    if let Some(started) = started {
        crate::metrics::global().request(
            prepared.name(),
            named_in_metrics(state, &caller.viewer),
            &outcome.codes,
            started.elapsed(),
        );
    }
    tracing::debug!(
        operation = prepared.name(),
        codes = ?outcome.codes,
        ran = outcome.ran,
        data_null = outcome.data_null,
        "graphql operation"
    );
    (response, outcome)
}

/// Whether an operation's name gets a label of its own in the metrics: a signed-in
/// caller's, or any when only the allow-list runs (see [`crate::metrics`]).
fn named_in_metrics(state: &AppState, viewer: &Viewer) -> bool {
    viewer.principal().is_some() || state.persisted.only_allow_list()
}

/// The kind of caller, for metrics.
fn principal_kind(viewer: &Viewer) -> &'static str {
    match viewer.principal().map(|p| p.subject) {
        None => "anonymous",
        Some(crate::viewer::Subject::Account(_)) => "account",
        Some(crate::viewer::Subject::Client(_)) => "client",
        Some(crate::viewer::Subject::System) => "system",
    }
}

/// The `extensions.code` of each error of a response.
fn error_codes(response: &Response) -> Vec<String> {
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
fn refuse_nul(request: &async_graphql::Request) -> Option<HttpError> {
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
