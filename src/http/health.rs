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
    } else if !listening {
        HttpResponse::ServiceUnavailable()
            .insert_header((header::RETRY_AFTER, "5"))
            .json(json!({ "status": "unavailable", "reason": "live updates reconnecting", "liveUpdates": false }))
    } else {
        HttpResponse::Ok().json(json!({ "status": "ready", "liveUpdates": true }))
    }
}
