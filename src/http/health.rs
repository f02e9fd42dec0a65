//! `/healthz` and `/readyz`, for load balancers and orchestrators.

use super::state::AppState;
use actix_web::http::header;
use actix_web::{HttpResponse, web};
use serde_json::json;

/// The process is up.
pub async fn healthz() -> HttpResponse {
    HttpResponse::Ok().json(json!({ "status": "ok" }))
}

/// Ready when what requests use works: a prepared statement answers on the primary (and
/// the replica), prepared statements survive on its pools (the last check, every 30 s,
/// see [`crate::pooler`]), and live updates are delivered (a NOTIFY this instance sends
/// itself comes back). 503 with the reason when not, so a load balancer stops routing
/// here.
pub async fn readyz(state: web::Data<AppState>) -> HttpResponse {
    let unavailable = |reason: &str, live: bool| {
        HttpResponse::ServiceUnavailable()
            .insert_header((header::RETRY_AFTER, "5"))
            .json(json!({ "status": "unavailable", "reason": reason, "liveUpdates": live }))
    };
    let unsafe_statements = state.statements.lock().ok().and_then(|s| s.clone());
    if let Some(why) = unsafe_statements {
        return unavailable(&why, state.events.listening());
    }
    for (db, unreachable) in std::iter::once((&state.db, "database unreachable")).chain(
        state
            .read_db
            .iter()
            .map(|r| (r, "read replica unreachable")),
    ) {
        if !prepared_ping(db).await {
            let reason = if crate::db::ping(db).await {
                "a prepared statement failed where a simple query works: is the database \
                 reached through a pooler in transaction mode that does not keep prepared \
                 statements? (docs/DEPLOY.md)"
            } else {
                unreachable
            };
            return unavailable(reason, state.events.listening());
        }
    }
    if let Some(why) = state.events.refusal() {
        return unavailable(&why, false);
    }
    if !state.events.listening() {
        return unavailable("live updates reconnecting", false);
    }
    if !state.events.delivers().await {
        return unavailable(
            "live updates are not delivered: a NOTIFY did not come back through LISTEN",
            false,
        );
    }
    HttpResponse::Ok().json(json!({ "status": "ready", "liveUpdates": true }))
}

/// Whether the database answers a prepared statement (what requests send), not only a
/// simple query.
async fn prepared_ping(db: &sea_orm::DatabaseConnection) -> bool {
    use sea_orm::{ConnectionTrait, Statement};
    let backend = db.get_database_backend();
    let sql = match backend {
        sea_orm::DbBackend::Postgres => "SELECT $1::int4 AS ready",
        _ => "SELECT ? AS ready",
    };
    db.query_one_raw(Statement::from_sql_and_values(backend, sql, [1i32.into()]))
        .await
        .is_ok_and(|row| row.is_some())
}

/// Checks every [`crate::pooler::RECHECK`] after the start that prepared statements are
/// still safe on the PostgreSQL pools; the verdict is what `/readyz` reports. Nothing on
/// SQLite.
pub fn check_statements_periodically(
    db: &sea_orm::DatabaseConnection,
    read: Option<&sea_orm::DatabaseConnection>,
) -> std::sync::Arc<std::sync::Mutex<Option<String>>> {
    let verdict = std::sync::Arc::new(std::sync::Mutex::new(None));
    if db.get_database_backend() != sea_orm::DbBackend::Postgres {
        return verdict;
    }
    let pools: Vec<_> = std::iter::once(db)
        .chain(read)
        .map(|d| d.get_postgres_connection_pool().clone())
        .collect();
    let shared = verdict.clone();
    tokio::spawn(async move {
        loop {
            // `serve` checked at start (and refused to start); this watches for a pooler
            // that appears later.
            tokio::time::sleep(crate::pooler::RECHECK).await;
            let mut found = None;
            for pool in &pools {
                // An unreachable database is the ping's to report.
                if let Ok(Some(why)) = crate::pooler::statements_survive(pool).await {
                    tracing::error!(reason = %why, "prepared statements are not safe on this pool");
                    found = Some(why);
                    break;
                }
            }
            if let Ok(mut verdict) = shared.lock() {
                *verdict = found;
            }
        }
    });
    verdict
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
/// `GET /.well-known/jwks.json`: the public keys that verify signed receipts, every one
/// ever used (receipts signed before a rotation still verify).
pub async fn jwks(
    state: actix_web::web::Data<super::AppState>,
) -> Result<actix_web::HttpResponse, super::HttpError> {
    let keys = crate::service::receipts::jwks(&state.db).await?;
    Ok(actix_web::HttpResponse::Ok()
        .content_type("application/jwk-set+json")
        .insert_header(("Cache-Control", "public, max-age=300"))
        .body(keys.to_string()))
}

pub async fn openapi() -> actix_web::HttpResponse {
    actix_web::HttpResponse::Ok()
        .content_type("application/json")
        .body(include_str!("openapi.json"))
}
