//! Rate limits: each principal's budget of cost points, as a leaky bucket. A request's
//! cost (see `graphql::cost`) is poured in before it runs; the bucket drains at `points`
//! per `window`; a request that would overflow it is refused and told when it would
//! fit. On PostgreSQL the buckets are a table every instance charges (see [`Buckets`]).

use sea_orm::{ConnectionTrait, DatabaseConnection, DbBackend, DbErr, Statement, Value};
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;

/// A budget: `points` per `window`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limit {
    pub points: u64,
    pub window: Duration,
}

impl Limit {
    /// Points drained per millisecond.
    fn rate(self) -> f64 {
        self.points as f64 / self.window.as_millis().max(1) as f64
    }
}

/// What charging a request found.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Charge {
    /// Whether the request fits (and was charged).
    pub allowed: bool,
    /// What it costs.
    pub cost: u64,
    pub limit: Limit,
    /// Points left after this request (before it, if it was refused).
    pub remaining: u64,
    /// Until the bucket is empty again (all `points` available).
    pub reset_after: Duration,
    /// For a refused request: until its cost fits.
    pub retry_after: Duration,
}

/// Where the buckets are kept: in PostgreSQL, shared by every instance (one upsert a
/// request, which writes only when the cost fits); with SQLite, whose file one process
/// serves, in that process's memory (a write per request there would queue every read
/// behind SQLite's one writer, and behind its own transaction on the keyed path).
pub enum Buckets {
    Database(DatabaseConnection),
    Memory(Mutex<HashMap<String, Level>>),
}

/// A bucket's content at a moment.
#[derive(Debug, Clone, Copy)]
pub struct Level {
    used: f64,
    at_ms: i64,
}

impl Level {
    /// What is left at `now_ms` of this content, draining at `rate` (a clock behind
    /// another instance's drains nothing).
    fn at(self, now_ms: i64, rate: f64) -> f64 {
        (self.used - (now_ms - self.at_ms).max(0) as f64 * rate).max(0.0)
    }
}

/// Most buckets kept in memory before the empty ones are dropped.
const MEMORY_BUCKETS: usize = 10_000;

impl Buckets {
    /// The buckets for a server on `db`.
    pub fn for_database(db: &DatabaseConnection) -> Buckets {
        match db.get_database_backend() {
            DbBackend::Postgres => Buckets::Database(db.clone()),
            _ => Buckets::Memory(Mutex::new(HashMap::new())),
        }
    }

    /// Pours `cost` into `key`'s bucket at `now_ms` (milliseconds since the epoch) if
    /// it fits under `limit`.
    pub async fn charge(
        &self,
        key: &str,
        cost: u64,
        limit: Limit,
        now_ms: i64,
    ) -> Result<Charge, DbErr> {
        match self {
            Buckets::Database(db) => charge_in_database(db, key, cost, limit, now_ms).await,
            Buckets::Memory(buckets) => {
                let rate = limit.rate();
                let mut buckets = buckets.lock().unwrap_or_else(|p| p.into_inner());
                if buckets.len() >= MEMORY_BUCKETS {
                    buckets.retain(|_, level| level.at(now_ms, rate) > 0.0);
                }
                let level = buckets.get(key).map_or(0.0, |level| level.at(now_ms, rate));
                let after = level + cost as f64;
                if after <= limit.points as f64 {
                    buckets.insert(
                        key.to_owned(),
                        Level {
                            used: after,
                            at_ms: now_ms,
                        },
                    );
                    Ok(outcome(true, cost, limit, after, 0.0))
                } else {
                    Ok(outcome(
                        false,
                        cost,
                        limit,
                        level,
                        (after - limit.points as f64) / rate,
                    ))
                }
            }
        }
    }
}

/// The PostgreSQL bucket: the level is computed and checked in the upsert itself, so
/// that two instances charging one bucket at once both see the other's charge.
async fn charge_in_database(
    db: &DatabaseConnection,
    key: &str,
    cost: u64,
    limit: Limit,
    now_ms: i64,
) -> Result<Charge, DbErr> {
    let backend = db.get_database_backend();
    let rate = limit.rate();
    let level =
        "GREATEST(0, rate_limit_bucket.used - GREATEST(0, $3 - rate_limit_bucket.updated_at) * $4)";
    let sql = format!(
        "INSERT INTO rate_limit_bucket (principal, used, updated_at) VALUES ($1, $2, $3) \
         ON CONFLICT (principal) DO UPDATE SET used = {level} + excluded.used, \
         updated_at = excluded.updated_at \
         WHERE {level} + excluded.used <= $5 \
         RETURNING used"
    );
    let values: Vec<Value> = vec![
        key.into(),
        (cost as f64).into(),
        now_ms.into(),
        rate.into(),
        (limit.points as f64).into(),
    ];
    let charged = db
        .query_one_raw(Statement::from_sql_and_values(backend, sql, values))
        .await?;
    if let Some(row) = charged {
        let used: f64 = row.try_get("", "used")?;
        return Ok(outcome(true, cost, limit, used, 0.0));
    }
    // Refused: read the level to say when the cost would fit.
    let row = db
        .query_one_raw(Statement::from_sql_and_values(
            backend,
            "SELECT used, updated_at FROM rate_limit_bucket WHERE principal = $1",
            [key.into()],
        ))
        .await?;
    let level = match row {
        Some(row) => Level {
            used: row.try_get("", "used")?,
            at_ms: row.try_get("", "updated_at")?,
        }
        .at(now_ms, rate),
        None => 0.0,
    };
    let over = level + cost as f64 - limit.points as f64;
    Ok(outcome(false, cost, limit, level, over / rate))
}

fn outcome(allowed: bool, cost: u64, limit: Limit, level: f64, wait_ms: f64) -> Charge {
    let millis = |ms: f64| Duration::from_millis(ms.max(0.0).ceil() as u64);
    Charge {
        allowed,
        cost,
        limit,
        remaining: (limit.points as f64 - level).max(0.0).floor() as u64,
        reset_after: millis(level / limit.rate()),
        retry_after: millis(wait_ms),
    }
}
