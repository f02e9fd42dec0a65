//! `rateLimit`: what the request cost the caller's budget, and what is left.

use crate::service::quotas::Charge;
use async_graphql::Object;
use chrono::{DateTime, Utc};

/// A request's charge to its caller's rate-limit budget.
pub struct RateLimit(pub Charge);

/// The caller's budget of cost points and this request's charge to it. Each operation
/// costs its `extensions.cost.requested` points (computed before it runs); the budget
/// refills continuously, `limit` points per `windowSeconds`. A request costing more
/// than `remaining` is refused with `RATE_LIMITED` (HTTP 429, `Retry-After`). The same
/// figures are in the `RateLimit-*` headers of every response.
#[Object]
impl RateLimit {
    /// Points this request cost.
    async fn cost(&self) -> i32 {
        int(self.0.cost)
    }

    /// The budget: points per window.
    async fn limit(&self) -> i32 {
        int(self.0.limit.points)
    }

    /// Points left now, after this request.
    async fn remaining(&self) -> i32 {
        int(self.0.remaining)
    }

    /// Seconds over which `limit` points flow back in.
    async fn window_seconds(&self) -> i32 {
        int(self.0.limit.window.as_secs())
    }

    /// When the whole budget is back, if nothing more is spent.
    async fn reset_at(&self) -> DateTime<Utc> {
        let after = chrono::Duration::from_std(self.0.reset_after).unwrap_or_default();
        Utc::now() + after
    }
}

/// A figure as GraphQL's `Int` (each is bounded well below its largest value).
fn int(n: u64) -> i32 {
    i32::try_from(n).unwrap_or(i32::MAX)
}
