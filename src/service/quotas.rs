//! Rate limits: each principal's budget of cost points, as a leaky bucket. A request's
//! cost (see `graphql::cost`) is poured in before it runs; the bucket drains at `points`
//! per `window`; a request that would overflow it is refused and told when it would
//! fit. On PostgreSQL the buckets are a table every instance charges (see [`Buckets`]).

use sea_orm::{ConnectionTrait, DatabaseConnection, DbBackend, DbErr, Statement, Value};
use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

pub use crate::config::Limit;

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

/// Where the buckets are kept: in PostgreSQL, shared by every instance; with SQLite,
/// whose file one process serves, in that process's memory (shared by its servers on
/// that file) (a write per request there
/// would queue every read behind SQLite's one writer, and behind its own transaction on
/// the keyed path).
///
/// On PostgreSQL an instance does not write the bucket for every request: it pours a
/// *lease* of [`LEASE_SHARE`] of the budget (or the request's cost, if more) into the
/// shared bucket and spends it locally, request by request, until it is used up. Every
/// point spent was poured into the shared bucket first, so all instances together never
/// exceed the budget; what a lease leaves unspent (at most one lease per instance and
/// caller) is lost to the caller. One caller hammering one instance costs one upsert per
/// lease instead of one per request (measured in docs/BENCHMARKS.md).
pub enum Buckets {
    Database {
        db: DatabaseConnection,
        leases: Mutex<HashMap<String, Lease>>,
    },
    /// Shared by every server of the process on the same SQLite file.
    Memory(MemoryBuckets),
}

/// The buckets of one SQLite file, by caller.
pub type MemoryBuckets = Arc<Mutex<HashMap<String, Level>>>;

/// The in-memory buckets of a SQLite file, one set per file in the process.
fn memory_for(file: std::path::PathBuf) -> MemoryBuckets {
    static FILES: OnceLock<Mutex<HashMap<std::path::PathBuf, MemoryBuckets>>> = OnceLock::new();
    let mut files = FILES
        .get_or_init(Default::default)
        .lock()
        .unwrap_or_else(|p| p.into_inner());
    files.entry(file).or_default().clone()
}

/// The share of a budget an instance leases at a time.
pub const LEASE_SHARE: u64 = 100;

/// Points an instance has poured into a caller's shared bucket and not yet spent.
#[derive(Debug, Clone, Copy)]
pub struct Lease {
    left: f64,
    /// The shared bucket's remaining points and time to empty when the lease was taken.
    remaining: u64,
    reset_after: Duration,
}

/// A bucket's content at a moment.
#[derive(Debug, Clone, Copy)]
pub struct Level {
    used: f64,
    at_ms: i64,
}

impl Level {
    /// What is left at `now_ms` of this content, draining at `rate` (a clock behind
    /// another instance's drains nothing), never more than the budget `points`: a level
    /// poured under a larger budget is capped when the budget is lowered, so that a
    /// caller over the new one waits at most one window.
    fn at(self, now_ms: i64, rate: f64, points: u64) -> f64 {
        (self.used.min(points as f64) - (now_ms - self.at_ms).max(0) as f64 * rate).max(0.0)
    }
}

/// Most buckets kept in memory before the empty ones are dropped.
const MEMORY_BUCKETS: usize = 10_000;

impl Buckets {
    /// The buckets for a server on `db`.
    pub fn for_database(db: &DatabaseConnection) -> Buckets {
        match db.get_database_backend() {
            DbBackend::Postgres => Buckets::Database {
                db: db.clone(),
                leases: Mutex::new(HashMap::new()),
            },
            DbBackend::Sqlite => Buckets::Memory(memory_for(
                db.get_sqlite_connection_pool()
                    .connect_options()
                    .get_filename()
                    .to_path_buf(),
            )),
            _ => Buckets::Memory(memory_for(std::path::PathBuf::new())),
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
            Buckets::Database { db, leases } => {
                charge_leased(db, leases, key, cost, limit, now_ms).await
            }
            Buckets::Memory(buckets) => {
                let rate = limit.rate();
                let mut buckets = buckets.lock().unwrap_or_else(|p| p.into_inner());
                if buckets.len() >= MEMORY_BUCKETS {
                    buckets.retain(|_, level| level.at(now_ms, rate, limit.points) > 0.0);
                }
                let level = buckets
                    .get(key)
                    .map_or(0.0, |level| level.at(now_ms, rate, limit.points));
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

/// Spends `cost` from this instance's lease on `key`'s shared bucket, leasing more when
/// it falls short.
async fn charge_leased(
    db: &DatabaseConnection,
    leases: &Mutex<HashMap<String, Lease>>,
    key: &str,
    cost: u64,
    limit: Limit,
    now_ms: i64,
) -> Result<Charge, DbErr> {
    let lock = || leases.lock().unwrap_or_else(|p| p.into_inner());
    let spent = |lease: &Lease| Charge {
        allowed: true,
        cost,
        limit,
        remaining: (lease.remaining + lease.left.floor() as u64).min(limit.points),
        reset_after: lease.reset_after,
        retry_after: Duration::ZERO,
    };
    {
        let mut leases = lock();
        if let Some(lease) = leases.get_mut(key)
            && lease.left >= cost as f64
        {
            lease.left -= cost as f64;
            return Ok(spent(lease));
        }
    }
    // Lease a share of the budget, or just this request's cost when the share is not
    // to be had (or is smaller).
    let share = (limit.points / LEASE_SHARE).max(cost);
    let mut poured = charge_in_database(db, key, share, limit, now_ms).await?;
    let mut amount = share;
    if !poured.allowed && share > cost {
        poured = charge_in_database(db, key, cost, limit, now_ms).await?;
        amount = cost;
    }
    if !poured.allowed {
        let mut refused = poured;
        refused.cost = cost;
        return Ok(refused);
    }
    let mut leases = lock();
    if leases.len() >= MEMORY_BUCKETS {
        leases.retain(|_, lease| lease.left > 0.0);
    }
    let lease = leases.entry(key.to_owned()).or_insert(Lease {
        left: 0.0,
        remaining: 0,
        reset_after: Duration::ZERO,
    });
    lease.left += (amount - cost) as f64;
    lease.remaining = poured.remaining;
    lease.reset_after = poured.reset_after;
    Ok(spent(lease))
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
    // The level now: drained at the budget's rate, and never above the budget itself (a
    // level poured under a larger budget is capped when the budget is lowered).
    let level = "GREATEST(0, LEAST($5, rate_limit_bucket.used) \
                 - GREATEST(0, $3 - rate_limit_bucket.updated_at) * $4)";
    // SQL safe: `level` is the constant above; every value is bound ($1 to $5).
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
        .at(now_ms, rate, limit.points),
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
