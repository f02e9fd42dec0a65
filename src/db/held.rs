//! PostgreSQL connections kept between statements.
//!
//! sqlx hands a connection back to its pool after every statement and tests it there
//! with a round trip (a `Sync` message and PostgreSQL's answer), whatever the pool's
//! settings: as many wake-ups of both processes as the statement itself. Measured on
//! a read by ID (one statement a request, docs/BENCHMARKS.md) with that test removed:
//! 10,500 → 12,800 requests/s, Concord's CPU a request 0.104 → 0.086 ms, PostgreSQL's
//! 0.065 → 0.050.
//!
//! [`Held`] keeps the connections it has just used, out of the pool, for the next
//! statement outside a transaction (`db::Handle::Held`): a connection is kept at most
//! [`HOLD`] from when it was taken from the pool, then handed back (and tested there),
//! as it is when a statement on it failed or was cancelled, or when the pool has none
//! left to hand out (a request may be waiting for one; one waiting for the pool also
//! looks for a kept connection every 20 ms). So the pool's lifetime,
//! idle timeout and tests still apply, a second late at most; a sweep hands back
//! connections no request took within [`HOLD`]. The pool counts kept connections as
//! in use (`concord_db_pool_connections`).
//!
//! Only pools [`super::connect_with`] opened on PostgreSQL without a transaction pooler
//! are held (through one that does not keep prepared statements, every use of a
//! connection must be a transaction of its own). Statements run here are reported like
//! sea-orm's: to the metrics, and to the hook [`super::observe`] registered.

use sea_orm::sqlx::{self, PgPool, Postgres, pool::PoolConnection};
use sea_orm::{
    ConnAcquireErr, DatabaseConnection, DbBackend, DbErr, QueryResult, RuntimeErr, Statement,
};
use sea_query_sqlx::SqlxValues;
use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock, Weak};
use std::time::{Duration, Instant};

/// The longest a connection is kept out of the pool.
pub const HOLD: Duration = Duration::from_secs(1);
/// How often a statement waiting for the pool looks for a kept connection.
const RECHECK: Duration = Duration::from_millis(20);

/// Called for every statement run (what sea-orm's metric callback is given).
pub type Hook = Arc<dyn Fn(&sea_orm::metric::Info<'_>) + Send + Sync>;

/// What is known of a pool [`super::connect_with`] opened.
#[derive(Clone, Default)]
struct Registered {
    /// Whether its connections may be held.
    hold: bool,
    /// The statement hook [`super::observe`] set.
    hook: Option<Hook>,
}

/// Pools by identity (their connect options' address, shared by every clone).
fn registry() -> &'static Mutex<HashMap<usize, Registered>> {
    static POOLS: OnceLock<Mutex<HashMap<usize, Registered>>> = OnceLock::new();
    POOLS.get_or_init(Default::default)
}

fn identity(pool: &PgPool) -> usize {
    Arc::as_ptr(&pool.connect_options()) as usize
}

fn postgres_pool(db: &DatabaseConnection) -> Option<&PgPool> {
    (db.get_database_backend() == DbBackend::Postgres).then(|| db.get_postgres_connection_pool())
}

/// Records whether `db`'s connections may be held.
pub(super) fn register(db: &DatabaseConnection, hold: bool) {
    if let (Some(pool), Ok(mut pools)) = (postgres_pool(db), registry().lock()) {
        pools.entry(identity(pool)).or_default().hold = hold;
    }
}

/// Records the statement hook of `db`'s pool.
pub(super) fn set_hook(db: &DatabaseConnection, hook: Hook) {
    if let (Some(pool), Ok(mut pools)) = (postgres_pool(db), registry().lock()) {
        pools.entry(identity(pool)).or_default().hook = Some(hook);
    }
}

/// Connections of one pool kept between statements (see the module's documentation).
pub struct Held {
    /// The pool, for everything but the statements run here.
    pub db: DatabaseConnection,
    pool: PgPool,
    kept: Mutex<Vec<Kept>>,
    hook: Option<Hook>,
}

struct Kept {
    conn: PoolConnection<Postgres>,
    taken: Instant,
}

impl Kept {
    fn fresh(&self) -> bool {
        self.taken.elapsed() < HOLD
    }
}

impl Held {
    /// Holds `db`'s connections, when its pool may be held (see the module's
    /// documentation); a sweep runs on the current Tokio runtime while it lives.
    pub fn new(db: &DatabaseConnection) -> Option<Arc<Held>> {
        let pool = postgres_pool(db)?;
        let registered = registry().lock().ok()?.get(&identity(pool))?.clone();
        if !registered.hold {
            return None;
        }
        let held = Arc::new(Held {
            db: db.clone(),
            pool: pool.clone(),
            kept: Mutex::new(Vec::new()),
            hook: registered.hook,
        });
        if let Ok(runtime) = tokio::runtime::Handle::try_current() {
            runtime.spawn(sweep(Arc::downgrade(&held)));
        }
        Some(held)
    }

    /// The connection used last, if it is fresh (the stale ones handed back).
    fn pop(&self) -> Option<Kept> {
        let (fresh, stale) = {
            let mut kept = self.kept.lock().ok()?;
            let fresh = kept.pop().filter(Kept::fresh);
            (fresh, take_stale(&mut kept))
        };
        // Handed back to the pool (outside the lock).
        drop(stale);
        fresh
    }

    /// A connection: the one used last, if it is fresh, else one from the pool. While
    /// the pool has none to give, the kept ones are looked at again every [`RECHECK`]
    /// (one may have been kept just as the pool ran out), until the pool's acquire
    /// timeout.
    async fn take(&self) -> Result<Kept, DbErr> {
        let deadline = Instant::now() + self.pool.options().get_acquire_timeout();
        loop {
            if let Some(kept) = self.pop() {
                return Ok(kept);
            }
            let conn = match tokio::time::timeout(RECHECK, self.pool.acquire()).await {
                Ok(conn) => conn,
                Err(_) if Instant::now() < deadline => continue,
                Err(_) => Err(sqlx::Error::PoolTimedOut),
            };
            let conn = conn.map_err(|err| match err {
                sqlx::Error::PoolTimedOut => DbErr::ConnectionAcquire(ConnAcquireErr::Timeout),
                sqlx::Error::PoolClosed => {
                    DbErr::ConnectionAcquire(ConnAcquireErr::ConnectionClosed)
                }
                err => DbErr::Conn(RuntimeErr::SqlxError(err.into())),
            })?;
            return Ok(Kept {
                conn,
                taken: Instant::now(),
            });
        }
    }

    /// Keeps a connection a statement succeeded on, while it is fresh and the pool has
    /// connections to spare: when every one is out, a request may be waiting for one
    /// from the pool, which gets this one back.
    fn keep(&self, kept: Kept) {
        let exhausted = self.pool.num_idle() == 0
            && self.pool.size() >= self.pool.options().get_max_connections();
        if kept.fresh()
            && !exhausted
            && let Ok(mut all) = self.kept.lock()
        {
            all.push(kept);
        }
    }

    /// Runs a statement (outside any transaction) and reads its rows.
    pub async fn query_all(&self, stmt: Statement) -> Result<Vec<QueryResult>, DbErr> {
        let mut kept = self.take().await?;
        let values = stmt
            .values
            .clone()
            .unwrap_or(sea_orm::sea_query::Values(Vec::new()));
        let started = Instant::now();
        let rows = sqlx::query_with(sqlx::AssertSqlSafe(stmt.sql.as_str()), SqlxValues(values))
            .fetch_all(&mut *kept.conn)
            .await;
        let info = sea_orm::metric::Info {
            elapsed: started.elapsed(),
            statement: &stmt,
            failed: rows.is_err(),
        };
        crate::metrics::global().statement(&info);
        if let Some(hook) = &self.hook {
            hook(&info);
        }
        match rows {
            Ok(rows) => {
                self.keep(kept);
                Ok(rows.into_iter().map(QueryResult::from).collect())
            }
            // The connection goes back to the pool, which tests it (and closes it if
            // it is broken).
            Err(err) => Err(DbErr::Query(RuntimeErr::SqlxError(err.into()))),
        }
    }

    /// Runs a statement and reads its first row (sea-orm's `one()` limits its
    /// statements to one row; the crate's own `query_one_raw` calls read one row).
    pub async fn query_one(&self, stmt: Statement) -> Result<Option<QueryResult>, DbErr> {
        Ok(self.query_all(stmt).await?.into_iter().next())
    }

    /// How many connections are kept now.
    pub fn kept(&self) -> usize {
        self.kept.lock().map_or(0, |k| k.len())
    }
}

/// The kept connections that are no longer fresh, taken out.
fn take_stale(kept: &mut Vec<Kept>) -> Vec<Kept> {
    let (fresh, stale) = std::mem::take(kept).into_iter().partition(Kept::fresh);
    *kept = fresh;
    stale
}

/// Hands back, every [`HOLD`], the connections no statement took.
async fn sweep(held: Weak<Held>) {
    loop {
        tokio::time::sleep(HOLD).await;
        let Some(held) = held.upgrade() else { return };
        let stale = match held.kept.lock() {
            Ok(mut kept) => take_stale(&mut kept),
            Err(_) => return,
        };
        drop(stale);
    }
}
