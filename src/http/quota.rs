//! Rate limits at the edge: which bucket a request pours into and how large it is, the
//! `RateLimit-*` headers of every response, and `RATE_LIMITED` (HTTP 429 with
//! `Retry-After`) when the bucket is full. The bucket itself is `service::quotas`.
//!
//! Buckets: an anonymous caller's is its address's (`ip:…`, through trusted proxies);
//! a signed-in account's or API client's is its own (`account:…`, `client:…`). The
//! budget is its role's, or its client's own (`client:CLIENT_ID=…`).

use crate::config::{Limit, RateLimits};
use crate::error::AppError;
use crate::service::quotas::{Buckets, Charge};
use crate::viewer::{Subject, Viewer};
use actix_web::HttpResponseBuilder;
use entity::api_client::{self, Entity as ApiClient};
use sea_orm::{DatabaseConnection, EntityTrait};
use std::collections::HashMap;
use std::sync::Mutex;

/// The budgets of a server, and the API clients' own budgets found so far.
pub struct Quotas {
    limits: RateLimits,
    buckets: Buckets,
    /// By client row id: its own budget, or `None` for its role's.
    clients: Mutex<HashMap<i64, Option<Limit>>>,
}

impl Quotas {
    pub fn new(limits: RateLimits, db: &DatabaseConnection) -> Quotas {
        Quotas {
            limits,
            buckets: Buckets::for_database(db),
            clients: Mutex::new(HashMap::new()),
        }
    }

    /// The bucket and budget of a caller; `None` when limits are off.
    async fn bucket(
        &self,
        db: &DatabaseConnection,
        viewer: &Viewer,
        client_ip: Option<&str>,
    ) -> Option<(String, Limit)> {
        let anonymous = self.limits.anonymous?;
        let Some(principal) = viewer.principal() else {
            return Some((format!("ip:{}", client_ip.unwrap_or("unknown")), anonymous));
        };
        let by_role = crate::policy::budget_of(&self.limits.roles, principal.role, anonymous);
        let limit = match principal.subject {
            Subject::Client(id) if !self.limits.clients.is_empty() => {
                self.client_limit(db, id).await.unwrap_or(by_role)
            }
            _ => by_role,
        };
        Some((principal.subject.label(), limit))
    }

    /// An API client's own budget, looked up once by its `client_id`.
    async fn client_limit(&self, db: &DatabaseConnection, id: i64) -> Option<Limit> {
        if let Some(known) = self.known_clients().get(&id) {
            return *known;
        }
        let row = match ApiClient::find_by_id(id).one(db).await {
            Ok(row) => row,
            Err(err) => {
                tracing::warn!(error = %err, "rate limits: reading an API client");
                return None;
            }
        };
        let own = row.and_then(|client: api_client::Model| {
            self.limits
                .clients
                .iter()
                .find(|(client_id, _)| *client_id == client.client_id)
                .map(|(_, limit)| *limit)
        });
        self.known_clients().insert(id, own);
        own
    }

    fn known_clients(&self) -> std::sync::MutexGuard<'_, HashMap<i64, Option<Limit>>> {
        self.clients.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Charges `cost` to the caller's bucket; `Ok(None)` when limits are off, or when
    /// the bucket could not be charged for a reason other than an outage (the request
    /// then runs). `Err` is an outage: the request would meet it too, so it is answered
    /// at once.
    pub async fn charge(
        &self,
        db: &DatabaseConnection,
        viewer: &Viewer,
        client_ip: Option<&str>,
        cost: u64,
    ) -> Result<Option<Charge>, AppError> {
        let Some((key, limit)) = self.bucket(db, viewer, client_ip).await else {
            return Ok(None);
        };
        let now = chrono::Utc::now().timestamp_millis();
        match self.buckets.charge(&key, cost, limit, now).await {
            Ok(charge) => Ok(Some(charge)),
            Err(err) => match AppError::from(err) {
                AppError::Unavailable => Err(AppError::Unavailable),
                other => {
                    tracing::warn!(error = ?other, "rate limits: the bucket could not be charged");
                    Ok(None)
                }
            },
        }
    }
}

/// Whole seconds, rounded up.
fn seconds(duration: std::time::Duration) -> u64 {
    duration.as_millis().div_ceil(1000) as u64
}

/// Adds `RateLimit-Limit`, `-Remaining`, `-Reset` (seconds until the whole budget is
/// back) and `RateLimit-Policy` (`POINTS;w=SECONDS`), and `Retry-After` when refused.
pub fn add_headers(response: &mut HttpResponseBuilder, charge: &Charge) {
    use actix_web::http::header::{HeaderName, HeaderValue};
    const LIMIT: HeaderName = HeaderName::from_static("ratelimit-limit");
    const REMAINING: HeaderName = HeaderName::from_static("ratelimit-remaining");
    const RESET: HeaderName = HeaderName::from_static("ratelimit-reset");
    const POLICY: HeaderName = HeaderName::from_static("ratelimit-policy");
    response
        .insert_header((LIMIT, HeaderValue::from(charge.limit.points)))
        .insert_header((REMAINING, HeaderValue::from(charge.remaining)))
        .insert_header((RESET, HeaderValue::from(seconds(charge.reset_after))))
        .insert_header((
            POLICY,
            format!(
                "{};w={}",
                charge.limit.points,
                charge.limit.window.as_secs()
            ),
        ));
    if !charge.allowed {
        response.insert_header((
            actix_web::http::header::RETRY_AFTER,
            HeaderValue::from(seconds(charge.retry_after).max(1)),
        ));
    }
}

/// The error of a refused request: `RATE_LIMITED`, saying what it costs, what is left
/// and when to retry (also in `extensions`).
pub fn refusal(charge: &Charge) -> async_graphql::ServerError {
    let retry = seconds(charge.retry_after).max(1);
    let mut extensions = async_graphql::ErrorExtensionValues::default();
    extensions.set("code", "RATE_LIMITED");
    extensions.set("cost", charge.cost);
    extensions.set("remaining", charge.remaining);
    extensions.set("retryAfter", retry);
    let mut error = async_graphql::ServerError::new(
        format!(
            "Rate limit reached: this operation costs {} points and {} of your {} points \
             per {} s are left; retry in {retry} s",
            charge.cost,
            charge.remaining,
            charge.limit.points,
            charge.limit.window.as_secs()
        ),
        None,
    );
    error.extensions = Some(extensions);
    error
}
