//! HTTP endpoints. `/graphql` follows the GraphQL-over-HTTP spec: POST with a JSON
//! body for any operation, GET with a query string for queries only (a mutation over
//! GET is refused with 405), `application/graphql-response+json` when the client asks
//! for it (with 4xx for requests that could not be executed), `application/json`
//! otherwise. A browser's GET without a query gets GraphiQL.

use crate::auth::Auth;
use crate::db;
use crate::events::Events;
use crate::graphql::{ConcordSchema, RequestData};
use crate::service::accounts;
use crate::service::idempotency::{self, Claim};
use crate::viewer::{Scopes, Subject, Viewer};
use actix_web::http::StatusCode;
use actix_web::http::header::{self, ContentType};
use actix_web::{HttpRequest, HttpResponse, web};
use async_graphql::http::GraphiQLSource;
use async_graphql::parser::types::{DocumentOperations, OperationType};
use sea_orm::DatabaseConnection;
use serde_json::{Value, json};
use std::sync::Arc;

/// Shared state of every worker.
#[derive(Clone)]
pub struct AppState {
    pub schema: ConcordSchema,
    pub db: DatabaseConnection,
    pub auth: Arc<Auth>,
    pub events: Events,
}

/// Largest request body accepted, in bytes.
pub const MAX_BODY_BYTES: usize = 1 << 20;

const GRAPHQL_RESPONSE_JSON: &str = "application/graphql-response+json";

/// Registers every route.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.app_data(web::PayloadConfig::new(MAX_BODY_BYTES))
        .service(
            web::resource("/graphql")
                .route(web::post().to(graphql_post))
                .route(web::get().to(graphql_get))
                .default_service(web::to(method_not_allowed)),
        )
        .route("/oauth/token", web::post().to(crate::oauth::token))
        .route("/graphql/ws", web::get().to(graphql_ws))
        .route(
            "/consultations/{id}/{file}",
            web::get().to(crate::export::contributions),
        )
        .route("/healthz", web::get().to(healthz))
        .route("/readyz", web::get().to(readyz));
}

/// The process is up.
async fn healthz() -> HttpResponse {
    HttpResponse::Ok().json(json!({ "status": "ok" }))
}

/// The database answers; 503 when it does not, so a load balancer stops routing here.
async fn readyz(state: web::Data<AppState>) -> HttpResponse {
    if db::ping(&state.db).await {
        HttpResponse::Ok().json(json!({ "status": "ready" }))
    } else {
        HttpResponse::ServiceUnavailable()
            .json(json!({ "status": "unavailable", "reason": "database unreachable" }))
    }
}

async fn method_not_allowed() -> HttpResponse {
    HttpResponse::MethodNotAllowed()
        .insert_header((header::ALLOW, "GET, POST"))
        .json(error_body(
            "Use GET for queries or POST for any operation",
            "METHOD_NOT_ALLOWED",
        ))
}

async fn graphql_post(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: web::Bytes,
) -> HttpResponse {
    let Some(format) = ResponseFormat::negotiate(&req) else {
        return not_acceptable();
    };
    let content_type = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(|v| {
            v.split(';')
                .next()
                .unwrap_or("")
                .trim()
                .to_ascii_lowercase()
        });
    if content_type.as_deref() != Some("application/json") {
        return format.reply(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            error_body(
                "POST /graphql takes a JSON body: send Content-Type: application/json",
                "UNSUPPORTED_MEDIA_TYPE",
            ),
        );
    }
    let parsed: Value = match serde_json::from_slice(&body) {
        Ok(value) => value,
        Err(err) => {
            return format.reply(
                StatusCode::BAD_REQUEST,
                error_body(&format!("The body is not valid JSON: {err}"), "BAD_REQUEST"),
            );
        }
    };
    if !parsed.is_array() && !parsed.get("query").is_some_and(Value::is_string) {
        return format.reply(
            StatusCode::BAD_REQUEST,
            error_body("The body needs a `query` string", "BAD_REQUEST"),
        );
    }
    if parsed.is_array() {
        return format.reply(
            StatusCode::BAD_REQUEST,
            error_body(
                "Batched requests are not supported: send one operation per request",
                "BAD_REQUEST",
            ),
        );
    }
    let request: async_graphql::Request = match serde_json::from_value(parsed) {
        Ok(request) => request,
        Err(err) => {
            return format.reply(
                StatusCode::BAD_REQUEST,
                error_body(&format!("The body is not a GraphQL request ({{\"query\": …, \"variables\": …, \"operationName\": …}}): {err}"), "BAD_REQUEST"),
            );
        }
    };
    let key = req
        .headers()
        .get("idempotency-key")
        .map(|v| v.to_str().unwrap_or("").trim().to_owned());
    match key {
        Some(key) if operation_type(&request) == Some(OperationType::Mutation) => {
            execute_once(&state, &req, format, request, &key, &body).await
        }
        _ => execute(&state, &req, format, request).await,
    }
}

async fn graphql_get(state: web::Data<AppState>, req: HttpRequest) -> HttpResponse {
    let has_query =
        url::form_urlencoded::parse(req.query_string().as_bytes()).any(|(k, _)| k == "query");
    if !has_query && accepts_html(&req) {
        return HttpResponse::Ok().content_type(ContentType::html()).body(
            GraphiQLSource::build()
                .endpoint("/graphql")
                .title("Concord GraphiQL")
                .finish(),
        );
    }
    let Some(format) = ResponseFormat::negotiate(&req) else {
        return not_acceptable();
    };
    if !has_query {
        return format.reply(
            StatusCode::BAD_REQUEST,
            error_body("GET /graphql needs a `query` parameter", "BAD_REQUEST"),
        );
    }
    let request = match async_graphql::http::parse_query_string(req.query_string()) {
        Ok(request) => request,
        Err(err) => {
            return format.reply(
                StatusCode::BAD_REQUEST,
                error_body(&format!("Malformed query string: {err}"), "BAD_REQUEST"),
            );
        }
    };
    if selects_non_query(&request) {
        return HttpResponse::MethodNotAllowed()
            .insert_header((header::ALLOW, "POST"))
            .insert_header((header::CONTENT_TYPE, format.content_type()))
            .json(error_body(
                "Mutations and subscriptions are not allowed over GET; use POST",
                "METHOD_NOT_ALLOWED",
            ));
    }
    execute(&state, &req, format, request).await
}

/// The caller behind the `Authorization` header: anonymous without one; refused (401)
/// when the token is bad in any way or its account or client is no longer active.
pub async fn authenticate(state: &AppState, req: &HttpRequest) -> Result<Viewer, HttpResponse> {
    let Some(value) = req.headers().get(header::AUTHORIZATION) else {
        return Ok(Viewer::Anonymous);
    };
    let token = value
        .to_str()
        .ok()
        .and_then(|v| {
            v.strip_prefix("Bearer ")
                .or_else(|| v.strip_prefix("bearer "))
        })
        .map(str::trim)
        .ok_or_else(unauthenticated)?;
    match principal_of(state, token).await {
        Ok(Some(viewer)) => Ok(viewer),
        Ok(None) => Err(unauthenticated()),
        Err(err) => {
            tracing::error!(error = ?err, "checking a token's principal");
            Err(HttpResponse::ServiceUnavailable()
                .json(error_body("Try again shortly", "INTERNAL_SERVER_ERROR")))
        }
    }
}

/// The principal behind an access token, as its record says now; `None` when the
/// token is refused for any reason (bad token, disabled account, revoked client).
async fn principal_of(state: &AppState, token: &str) -> crate::error::AppResult<Option<Viewer>> {
    let Ok(claims) = state.auth.keys.verify(token) else {
        return Ok(None);
    };
    let Some(subject) = Subject::parse(&claims.sub) else {
        return Ok(None);
    };
    let principal =
        accounts::current_principal(&state.db, subject, Scopes::parse(&claims.scopes)).await?;
    Ok(principal.map(Viewer::Principal))
}

/// The one answer to every refused token: no detail that helps an attacker.
fn unauthenticated() -> HttpResponse {
    HttpResponse::Unauthorized()
        .insert_header((header::WWW_AUTHENTICATE, "Bearer error=\"invalid_token\""))
        .json(error_body(
            "The access token is invalid or has expired",
            "UNAUTHENTICATED",
        ))
}

async fn execute(
    state: &AppState,
    req: &HttpRequest,
    format: ResponseFormat,
    request: async_graphql::Request,
) -> HttpResponse {
    let viewer = match authenticate(state, req).await {
        Ok(viewer) => viewer,
        Err(response) => return response,
    };
    let (status, body) = run(state, req, viewer, format, request).await;
    format.reply(status, body)
}

/// Executes a request for `viewer`; returns the status and body to send.
async fn run(
    state: &AppState,
    req: &HttpRequest,
    viewer: Viewer,
    format: ResponseFormat,
    request: async_graphql::Request,
) -> (StatusCode, Value) {
    let client_ip = req.peer_addr().map(|addr| addr.ip().to_string());
    let data = RequestData::new(
        state.db.clone(),
        viewer,
        state.auth.clone(),
        client_ip,
        state.events.clone(),
    );
    let request = request.data(data);
    let response = state.schema.execute(request).await;
    let request_error = response.data == async_graphql::Value::Null
        && !response.errors.is_empty()
        && response.errors.iter().all(|e| e.path.is_empty());
    let mut body = serde_json::to_value(&response).unwrap_or_else(|_| json!({}));
    add_error_codes(&mut body, request_error);
    if request_error {
        // The operation never ran: per the spec there is no `data` entry.
        if let Some(map) = body.as_object_mut() {
            map.remove("data");
        }
    }
    let status = if request_error && format == ResponseFormat::GraphQlResponseJson {
        StatusCode::BAD_REQUEST
    } else {
        StatusCode::OK
    };
    (status, body)
}

/// Longest `Idempotency-Key` accepted.
const MAX_IDEMPOTENCY_KEY: usize = 200;

/// A mutation sent with `Idempotency-Key`: the first request runs and its response is
/// kept; a retry with the same key and body gets it again (`Idempotent-Replayed:
/// true`) and changes nothing; the same key with another body is refused (422).
async fn execute_once(
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
        return format.reply(
            StatusCode::BAD_REQUEST,
            error_body(
                "Idempotency-Key must be 1 to 200 visible ASCII characters",
                "BAD_REQUEST",
            ),
        );
    }
    let viewer = match authenticate(state, req).await {
        Ok(viewer) => viewer,
        Err(response) => return response,
    };
    let principal = viewer
        .principal()
        .map_or_else(|| "anonymous".to_owned(), |p| p.subject.label());
    let request_hash = crate::auth::secret::digest_bytes(raw_body);
    let unavailable = |err: crate::error::AppError| {
        tracing::error!(error = ?err, "idempotency store");
        format.reply(
            StatusCode::SERVICE_UNAVAILABLE,
            error_body("Try again shortly", "INTERNAL_SERVER_ERROR"),
        )
    };
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
        Ok(Claim::Mismatch) => format.reply(
            StatusCode::UNPROCESSABLE_ENTITY,
            error_body(
                "This Idempotency-Key was used with a different request; use a new key",
                "IDEMPOTENCY_KEY_REUSED",
            ),
        ),
        Ok(Claim::InProgress) => format.reply(
            StatusCode::CONFLICT,
            error_body(
                "A request with this Idempotency-Key is still running; retry shortly",
                "CONFLICT",
            ),
        ),
        Ok(Claim::Run) => {
            let (status, body) = run(state, req, viewer, format, request).await;
            let internal = body.to_string().contains("\"INTERNAL_SERVER_ERROR\"");
            let stored = if internal {
                // Our failure, not the caller's: let a retry run again.
                idempotency::release(&state.db, &principal, key).await
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

/// Gives every error an `extensions.code`: resolvers set theirs; the ones raised by
/// parsing, validation and limits get one here.
fn add_error_codes(body: &mut Value, request_error: bool) {
    let Some(errors) = body.get_mut("errors").and_then(Value::as_array_mut) else {
        return;
    };
    for error in errors {
        let has_code = error.pointer("/extensions/code").is_some();
        if has_code {
            continue;
        }
        let message = error.get("message").and_then(Value::as_str).unwrap_or("");
        let code = if message.contains("too complex") || message.contains("nested too deep") {
            "QUERY_TOO_COMPLEX"
        } else if message.trim_start().starts_with("-->") {
            "GRAPHQL_PARSE_FAILED"
        } else if request_error {
            "GRAPHQL_VALIDATION_FAILED"
        } else {
            "INTERNAL_SERVER_ERROR"
        };
        let Some(obj) = error.as_object_mut() else {
            continue;
        };
        let ext = obj.entry("extensions").or_insert_with(|| json!({}));
        if let Some(ext) = ext.as_object_mut() {
            ext.insert("code".into(), json!(code));
        }
    }
}

/// Whether the operation a GET request would run is a mutation or subscription.
fn selects_non_query(request: &async_graphql::Request) -> bool {
    matches!(
        operation_type(request),
        Some(OperationType::Mutation | OperationType::Subscription)
    )
}

/// The type of the operation a request would run; `None` when it does not parse (the
/// execution reports that) or names no single operation.
fn operation_type(request: &async_graphql::Request) -> Option<OperationType> {
    let doc = async_graphql::parser::parse_query(&request.query).ok()?;
    match (&doc.operations, request.operation_name.as_deref()) {
        (DocumentOperations::Single(op), _) => Some(op.node.ty),
        (DocumentOperations::Multiple(ops), Some(name)) => ops.get(name).map(|op| op.node.ty),
        (DocumentOperations::Multiple(_), None) => None,
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ResponseFormat {
    GraphQlResponseJson,
    Json,
}

impl ResponseFormat {
    /// Picks the response media type from `Accept`; `None` when nothing we serve fits.
    fn negotiate(req: &HttpRequest) -> Option<ResponseFormat> {
        let Some(accept) = req
            .headers()
            .get(header::ACCEPT)
            .and_then(|v| v.to_str().ok())
        else {
            return Some(ResponseFormat::Json);
        };
        let types: Vec<String> = accept
            .split(',')
            .map(|part| {
                part.split(';')
                    .next()
                    .unwrap_or("")
                    .trim()
                    .to_ascii_lowercase()
            })
            .collect();
        if types.iter().any(|t| t == GRAPHQL_RESPONSE_JSON) {
            Some(ResponseFormat::GraphQlResponseJson)
        } else if types
            .iter()
            .any(|t| t == "application/json" || t == "application/*" || t == "*/*" || t.is_empty())
        {
            Some(ResponseFormat::Json)
        } else {
            None
        }
    }

    fn content_type(self) -> &'static str {
        match self {
            ResponseFormat::GraphQlResponseJson => GRAPHQL_RESPONSE_JSON,
            ResponseFormat::Json => "application/json",
        }
    }

    fn reply(self, status: StatusCode, body: Value) -> HttpResponse {
        // Under plain JSON, malformed requests still get 4xx; only GraphQL request errors stay 200.
        HttpResponse::build(status)
            .insert_header((header::CONTENT_TYPE, self.content_type()))
            .insert_header((header::CACHE_CONTROL, "no-store"))
            .body(body.to_string())
    }
}

fn accepts_html(req: &HttpRequest) -> bool {
    req.headers()
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|accept| accept.contains("text/html"))
}

fn not_acceptable() -> HttpResponse {
    HttpResponse::NotAcceptable().json(error_body(
        "Accept application/graphql-response+json or application/json",
        "NOT_ACCEPTABLE",
    ))
}

pub(crate) fn error_body(message: &str, code: &str) -> Value {
    json!({ "errors": [{ "message": message, "extensions": { "code": code } }] })
}

/// `GET /graphql/ws`: subscriptions over WebSocket (graphql-transport-ws or the older
/// graphql-ws). The access token goes in `connection_init`'s payload as `token` (or
/// `Authorization: Bearer …`); a bad token closes the connection.
async fn graphql_ws(
    state: web::Data<AppState>,
    req: HttpRequest,
    payload: web::Payload,
) -> actix_web::Result<HttpResponse> {
    let st = state.clone();
    async_graphql_actix_web::GraphQLSubscription::new(state.schema.clone())
        .on_connection_init(move |init: Value| async move {
            let token = init
                .get("token")
                .or_else(|| init.get("Authorization"))
                .or_else(|| init.get("authorization"))
                .and_then(Value::as_str)
                .map(|t| t.trim_start_matches("Bearer ").trim().to_owned());
            let viewer = match token {
                None => Viewer::Anonymous,
                Some(token) => principal_of(&st, &token)
                    .await
                    .ok()
                    .flatten()
                    .ok_or_else(|| {
                        async_graphql::Error::new("The access token is invalid or has expired")
                    })?,
            };
            let mut data = async_graphql::Data::default();
            data.insert(RequestData::new(
                st.db.clone(),
                viewer,
                st.auth.clone(),
                None,
                st.events.clone(),
            ));
            Ok(data)
        })
        .start(&req, payload)
}
