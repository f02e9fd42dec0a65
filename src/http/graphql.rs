//! `/graphql`. `/graphql` follows the GraphQL-over-HTTP spec: POST
//! with a JSON body for any operation, GET with a query string for queries only (a
//! mutation over GET is refused with 405). A browser's GET without a query gets
//! GraphiQL. (`/graphql/ws` is `socket.rs`.)

use super::body;
use super::error::{HttpError, error_body};
use super::execute::{execute, operation_type, refuse_nul};
use super::format::{ResponseFormat, accepts_html, not_acceptable};
use super::idempotent::execute_once;
use super::persisted;
use super::state::AppState;
use actix_web::http::StatusCode;
use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use async_graphql::parser::types::OperationType;
use serde_json::Value;

/// Any method but GET and POST.
pub async fn method_not_allowed() -> HttpResponse {
    HttpResponse::MethodNotAllowed()
        .insert_header((header::ALLOW, "GET, POST"))
        .json(error_body(
            "Use GET for queries or POST for any operation",
            "METHOD_NOT_ALLOWED",
        ))
}

/// `POST /graphql`: one operation in a JSON body.
pub async fn post(
    state: web::Data<AppState>,
    req: HttpRequest,
    payload: web::Payload,
) -> HttpResponse {
    let Some(format) = ResponseFormat::negotiate(&req) else {
        return not_acceptable();
    };
    if let Err(refusal) = body::check_length(&req) {
        return format.refuse(refusal);
    }
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
        return format.refuse(HttpError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "UNSUPPORTED_MEDIA_TYPE",
            "POST /graphql takes a JSON body: send Content-Type: application/json",
        ));
    }
    let body = match body::read(payload, state.body_timeout).await {
        Ok(body) => body,
        Err(refusal) => return format.refuse(refusal),
    };
    let parsed: Value = match serde_json::from_slice(&body) {
        Ok(value) => value,
        Err(err) => {
            return format.refuse(HttpError::bad_request(
                "BAD_REQUEST",
                format!("The body is not valid JSON: {err}"),
            ));
        }
    };
    let persisted = parsed.pointer("/extensions/persistedQuery").is_some();
    if !parsed.is_array() && !parsed.get("query").is_some_and(Value::is_string) && !persisted {
        return format.refuse(HttpError::bad_request(
            "BAD_REQUEST",
            "The body needs a `query` string (or, for a persisted query, \
             `extensions.persistedQuery`)",
        ));
    }
    if parsed.is_array() {
        return format.refuse(HttpError::bad_request(
            "BAD_REQUEST",
            "Batched requests are not supported: send one operation per request",
        ));
    }
    let mut request: async_graphql::Request = match serde_json::from_value(parsed) {
        Ok(request) => request,
        Err(err) => {
            return format.refuse(HttpError::bad_request(
                "BAD_REQUEST",
                format!("The body is not a GraphQL request ({{\"query\": …, \"variables\": …, \"operationName\": …}}): {err}"),
            ));
        }
    };
    if let Some(refusal) = refuse_nul(&request) {
        return format.refuse(refusal);
    }
    if let Err(refusal) = persisted::prepare(&state, &mut request).await {
        return persisted::reply(format, refusal);
    }
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

/// `GET /graphql`: a query in the query string, or GraphiQL for a browser.
pub async fn get(state: web::Data<AppState>, req: HttpRequest) -> HttpResponse {
    let has_query = url::form_urlencoded::parse(req.query_string().as_bytes())
        .any(|(k, _)| k == "query" || k == "extensions");
    if !has_query && accepts_html(&req) {
        return super::graphiql::page(state.introspection);
    }
    let Some(format) = ResponseFormat::negotiate(&req) else {
        return not_acceptable();
    };
    if !has_query {
        return format.refuse(HttpError::bad_request(
            "BAD_REQUEST",
            "GET /graphql needs a `query` parameter (or, for a persisted query, `extensions`)",
        ));
    }
    let mut request = match async_graphql::http::parse_query_string(req.query_string()) {
        Ok(request) => request,
        Err(err) => {
            return format.refuse(HttpError::bad_request(
                "BAD_REQUEST",
                format!("Malformed query string: {err}"),
            ));
        }
    };
    if let Some(refusal) = refuse_nul(&request) {
        return format.refuse(refusal);
    }
    // Before the method check: a persisted mutation is still a mutation.
    if let Err(refusal) = persisted::prepare(&state, &mut request).await {
        return persisted::reply(format, refusal);
    }
    if matches!(
        operation_type(&request),
        Some(OperationType::Mutation | OperationType::Subscription)
    ) {
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
