//! `/healthz` and `/readyz`, for load balancers and orchestrators.

use super::state::AppState;
use crate::db;
use actix_web::http::header;
use actix_web::{HttpResponse, web};
use serde_json::json;

/// The process is up.
pub async fn healthz() -> HttpResponse {
    HttpResponse::Ok().json(json!({ "status": "ok" }))
}

/// The database answers and live updates are heard; 503 when not, so a load balancer
/// stops routing here.
pub async fn readyz(state: web::Data<AppState>) -> HttpResponse {
    let listening = state.events.listening();
    if !db::ping(&state.db).await {
        HttpResponse::ServiceUnavailable()
            .insert_header((header::RETRY_AFTER, "5"))
            .json(json!({ "status": "unavailable", "reason": "database unreachable", "liveUpdates": listening }))
    } else if let Some(read) = &state.read_db
        && !db::ping(read).await
    {
        HttpResponse::ServiceUnavailable()
            .insert_header((header::RETRY_AFTER, "5"))
            .json(json!({ "status": "unavailable", "reason": "read replica unreachable", "liveUpdates": listening }))
    } else if !listening {
        HttpResponse::ServiceUnavailable()
            .insert_header((header::RETRY_AFTER, "5"))
            .json(json!({ "status": "unavailable", "reason": "live updates reconnecting", "liveUpdates": false }))
    } else {
        HttpResponse::Ok().json(json!({ "status": "ready", "liveUpdates": true }))
    }
}

/// `GET /metrics`: the process's metrics in Prometheus text format (see
/// [`crate::metrics`]). Keep it off the public network: route only internal scrapers to it.
pub async fn metrics(state: actix_web::web::Data<super::AppState>) -> actix_web::HttpResponse {
    actix_web::HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4; charset=utf-8")
        .insert_header((actix_web::http::header::CACHE_CONTROL, "no-store"))
        .body(crate::metrics::global().render(&state.db))
}

/// `GET /openapi.json`: the OpenAPI 3.1 description of the endpoints around GraphQL.
pub async fn openapi() -> actix_web::HttpResponse {
    actix_web::HttpResponse::Ok()
        .content_type("application/json")
        .body(include_str!("openapi.json"))
}
