//! Database connection: SQLite (the embedded default) or PostgreSQL.

use anyhow::Context;
use sea_orm::{
    AccessMode, ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DatabaseTransaction,
    DbBackend, DbErr, ExecResult, IsolationLevel, QueryResult, Statement, TransactionError,
    TransactionOptions, TransactionTrait,
};
use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

mod held;

pub use held::{HOLD, Held};

/// The default database: a SQLite file in the working directory, created if missing.
pub const DEFAULT_DATABASE_URL: &str = "sqlite://concord.db?mode=rwc";

/// The size and lifetimes of a PostgreSQL pool.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PoolSettings {
    /// Most connections the pool opens.
    pub max_connections: u32,
    /// A connection is closed once this old, when it is next returned to the pool: a
    /// pooler being restarted, or a primary that failed over, is let go of within
    /// this bound (and the longest request) even under load.
    pub max_lifetime: Duration,
    /// A connection idle this long is closed.
    pub idle_timeout: Duration,
    /// The pool reaches PostgreSQL through a pooler in transaction mode that does not
    /// keep prepared statements (PgBouncer before 1.21): every use of a connection runs
    /// in a transaction of its own, which holds one server connection from start to end
    /// (it begins by dropping any prepared statement left there), and statements are
    /// prepared afresh within it (sqlx's statement cache off), so that a statement is
    /// always prepared and run on the same server connection, by the same client.
    pub transaction_pooler: bool,
}

impl Default for PoolSettings {
    fn default() -> Self {
        PoolSettings {
            max_connections: 20,
            max_lifetime: Duration::from_secs(300),
            idle_timeout: Duration::from_secs(60),
            transaction_pooler: false,
        }
    }
}

/// A pooled PostgreSQL connection idle at least this long is pinged before it is used;
/// one in use more recently is handed out untested. sqlx's default pings every
/// connection on every acquire: a round trip for each statement, as many wake-ups of
/// PostgreSQL as the statement itself (a third of the database's CPU for a read by ID).
/// A connection the server dropped while it was busy (a restart within this second)
/// fails its next statement (`SERVICE_UNAVAILABLE`) and is closed when it is returned,
/// where sqlx tests every connection.
pub const IDLE_TEST: Duration = Duration::from_secs(1);

/// Opens a pool on `url` with the default [`PoolSettings`].
pub async fn connect(url: &str) -> anyhow::Result<DatabaseConnection> {
    connect_with(url, PoolSettings::default()).await
}

/// Opens a pool on `url`. SQLite files are created if missing and use WAL, so readers
/// never wait for the writer; foreign keys are enforced on both databases. A
/// PostgreSQL pool follows `pool` (SQLite's is one file's, of five connections).
pub async fn connect_with(url: &str, pool: PoolSettings) -> anyhow::Result<DatabaseConnection> {
    let url = sqlite_create_mode(url);
    let options = connect_options(&url, pool);
    // Switching a new SQLite file to WAL needs a moment alone with it; processes that
    // start together may find it locked, so try again briefly.
    let mut attempt = 0;
    loop {
        match Database::connect(options.clone()).await {
            Ok(mut db) => {
                db.set_metric_callback(|info| crate::metrics::global().statement(info));
                held::register(&db, !pool.transaction_pooler);
                return Ok(db);
            }
            Err(err) if attempt < 10 && err.to_string().contains("database is locked") => {
                attempt += 1;
                tokio::time::sleep(Duration::from_millis(50 * attempt)).await;
            }
            Err(err) => {
                return Err(err).with_context(|| format!("cannot connect to {}", redact(&url)));
            }
        }
    }
}

/// Calls `hook` for every statement run on `db`'s pool, by sea-orm or by [`Held`]
/// (sea-orm's metric callback, which the metrics are also given). Set it before a
/// server is built on the pool: its [`Held`] takes the hook when made.
pub fn observe(
    db: &mut DatabaseConnection,
    hook: impl Fn(&sea_orm::metric::Info<'_>) + Send + Sync + 'static,
) {
    let hook: held::Hook = std::sync::Arc::new(hook);
    held::set_hook(db, hook.clone());
    db.set_metric_callback(move |info| {
        crate::metrics::global().statement(info);
        hook(info);
    });
}

/// The pool's options for `url` (see [`connect_with`]).
fn connect_options(url: &str, pool: PoolSettings) -> ConnectOptions {
    let mut options = ConnectOptions::new(url.to_owned());
    options.sqlx_logging(false);
    if is_sqlite(url) {
        options
            .connect_timeout(Duration::from_secs(5))
            .acquire_timeout(Duration::from_secs(5));
        // One SQLite file has one writer; a small pool avoids lock contention.
        options.max_connections(5).min_connections(1);
        options.map_sqlx_sqlite_opts(|o| {
            o.journal_mode(sea_orm::sqlx::sqlite::SqliteJournalMode::Wal)
                .busy_timeout(Duration::from_secs(5))
                .foreign_keys(true)
        });
    } else {
        // During an outage a request fails within a second (503, `Retry-After`) rather
        // than holding its client and a worker for long.
        options
            .max_connections(pool.max_connections)
            .min_connections(0)
            .max_lifetime(pool.max_lifetime)
            .idle_timeout(pool.idle_timeout)
            .connect_timeout(Duration::from_secs(1))
            .acquire_timeout(Duration::from_secs(1))
            // sqlx pings a connection (a round trip) each time it is taken from the
            // pool; only one idle this long is tested now (see `IDLE_TEST`).
            .test_before_acquire_if_idle_for(IDLE_TEST);
        if pool.transaction_pooler {
            pin_each_use(&mut options);
        }
    }
    options
}

/// Makes every use of a pool's connection one transaction on one server connection
/// (see [`PoolSettings::transaction_pooler`]). A SeaORM transaction inside it begins and
/// ends it (its BEGIN is then a no-op, its COMMIT the end); the release commits what a
/// single statement did, as autocommit would have.
fn pin_each_use(options: &mut ConnectOptions) {
    use sea_orm::sqlx;
    // Taking a server connection and dropping what another client left there.
    const PIN: &str = "BEGIN; SET LOCAL client_min_messages TO error; DEALLOCATE ALL";
    options.map_sqlx_postgres_opts(|o| o.statement_cache_capacity(0));
    options.map_sqlx_postgres_pool_opts(|pool| {
        // A new connection's first use (sqlx asks `before_acquire` only of idle ones).
        pool.after_connect(|conn, _| {
            Box::pin(async move {
                sqlx::raw_sql(PIN).execute(&mut *conn).await?;
                Ok(())
            })
        })
        .before_acquire(|conn, _| {
            Box::pin(async move {
                sqlx::raw_sql(PIN).execute(&mut *conn).await?;
                Ok(true)
            })
        })
        .after_release(|conn, _| {
            Box::pin(async move {
                // A connection whose commit fails is closed, not reused.
                Ok(sqlx::raw_sql("COMMIT").execute(&mut *conn).await.is_ok())
            })
        })
    });
}

/// Connects like [`connect`], waiting up to `wait` for a database that is not up yet
/// (starting before the database is common when services start together), logging
/// each attempt.
pub async fn connect_waiting(
    url: &str,
    wait: Duration,
    pool: PoolSettings,
) -> anyhow::Result<DatabaseConnection> {
    let deadline = tokio::time::Instant::now() + wait;
    let mut attempt = 1;
    loop {
        let err = match connect_with(url, pool).await {
            Ok(db) if ping(&db).await => return Ok(db),
            Ok(_) => anyhow::anyhow!("the database does not answer"),
            Err(err) => err,
        };
        if tokio::time::Instant::now() >= deadline {
            return Err(err.context(format!(
                "the database was not reachable within {} seconds (CONCORD_DB_WAIT)",
                wait.as_secs()
            )));
        }
        tracing::warn!(attempt, error = %err, "waiting for the database");
        attempt += 1;
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
}

/// Takes, for the rest of `txn`, the lock that instances starting together share for
/// setting the database up (migrating, seeding): a PostgreSQL advisory lock, or on
/// SQLite the write lock, taken by a first write (the lock table is made by [`migrate`]).
pub async fn take_setup_lock(txn: &DatabaseTransaction) -> anyhow::Result<()> {
    match txn.get_database_backend() {
        DbBackend::Postgres => {
            // Any constant shared by all instances; "C0NC0RD" in hex-ish digits.
            txn.execute_unprepared("SELECT pg_advisory_xact_lock(3074503040)")
                .await?;
        }
        _ => {
            txn.execute_unprepared("INSERT OR REPLACE INTO concord_migration_lock (id) VALUES (1)")
                .await?;
        }
    }
    Ok(())
}

/// Takes SQLite's write lock for the rest of `txn` (a first write does), so that what
/// `txn` reads next stays true until it commits. Nothing on PostgreSQL, whose steps lock
/// the rows they depend on.
pub async fn take_write_lock(txn: &DatabaseTransaction) -> anyhow::Result<()> {
    if txn.get_database_backend() == DbBackend::Sqlite {
        txn.execute_unprepared("INSERT OR REPLACE INTO concord_migration_lock (id) VALUES (2)")
            .await?;
    }
    Ok(())
}

/// Whether the database answers.
pub async fn ping(db: &DatabaseConnection) -> bool {
    db.execute_unprepared("SELECT 1").await.is_ok()
}

pub fn is_sqlite(url: &str) -> bool {
    url.starts_with("sqlite:")
}

/// SQLite file URLs without a `mode` get `mode=rwc`, so a fresh machine gets its file.
fn sqlite_create_mode(url: &str) -> String {
    if !is_sqlite(url) || url.contains("mode=") || url.contains(":memory:") {
        return url.to_owned();
    }
    let sep = if url.contains('?') { '&' } else { '?' };
    format!("{url}{sep}mode=rwc")
}

/// The URL with any password replaced, for logs and errors.
pub fn redact(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut parsed) if parsed.password().is_some() => {
            let _ = parsed.set_password(Some("***"));
            parsed.to_string()
        }
        _ => url.to_owned(),
    }
}

/// What services read and write through: the pool ([`DatabaseConnection`]), or one
/// transaction that a whole request runs in ([`Handle`]). Transactions a service begins
/// on it are real transactions on the pool, and savepoints inside a request's
/// transaction.
pub trait Db:
    ConnectionTrait
    + TransactionTrait<Transaction = DatabaseTransaction>
    + Clone
    + Send
    + Sync
    + 'static
{
}

impl<T> Db for T where
    T: ConnectionTrait
        + TransactionTrait<Transaction = DatabaseTransaction>
        + Clone
        + Send
        + Sync
        + 'static
{
}

/// The database of one request: the pool, or, for a keyed mutation, the one transaction
/// its claim, its change and its stored answer commit in together.
#[derive(Clone)]
pub enum Handle {
    Pool(DatabaseConnection),
    /// The pool, its statements outside transactions run on connections kept between
    /// them ([`Held`]).
    Held(std::sync::Arc<Held>),
    Transaction(std::sync::Arc<DatabaseTransaction>),
}

impl Handle {
    /// The handle of a pool: its connections held when it may be (`held`).
    pub fn of(db: &DatabaseConnection, held: Option<&std::sync::Arc<Held>>) -> Handle {
        match held {
            Some(held) => Handle::Held(held.clone()),
            None => Handle::Pool(db.clone()),
        }
    }
}

/// Runs the same call on whichever the handle holds.
macro_rules! forward {
    ($self:ident, $c:ident => $call:expr) => {
        match $self {
            Handle::Pool($c) => $call,
            Handle::Held(held) => {
                let $c: &DatabaseConnection = &held.db;
                $call
            }
            Handle::Transaction($c) => {
                let $c: &DatabaseTransaction = $c;
                $call
            }
        }
    };
}

#[async_trait::async_trait]
impl ConnectionTrait for Handle {
    fn get_database_backend(&self) -> DbBackend {
        forward!(self, c => c.get_database_backend())
    }
    async fn execute_raw(&self, stmt: Statement) -> Result<ExecResult, DbErr> {
        forward!(self, c => c.execute_raw(stmt).await)
    }
    async fn execute_unprepared(&self, sql: &str) -> Result<ExecResult, DbErr> {
        forward!(self, c => c.execute_unprepared(sql).await)
    }
    async fn query_one_raw(&self, stmt: Statement) -> Result<Option<QueryResult>, DbErr> {
        match self {
            Handle::Held(held) => held.query_one(stmt).await,
            _ => forward!(self, c => c.query_one_raw(stmt).await),
        }
    }
    async fn query_all_raw(&self, stmt: Statement) -> Result<Vec<QueryResult>, DbErr> {
        match self {
            Handle::Held(held) => held.query_all(stmt).await,
            _ => forward!(self, c => c.query_all_raw(stmt).await),
        }
    }
    fn support_returning(&self) -> bool {
        forward!(self, c => c.support_returning())
    }
}

#[async_trait::async_trait]
impl TransactionTrait for Handle {
    type Transaction = DatabaseTransaction;

    async fn begin(&self) -> Result<DatabaseTransaction, DbErr> {
        forward!(self, c => c.begin().await)
    }

    async fn begin_with_config(
        &self,
        isolation_level: Option<IsolationLevel>,
        access_mode: Option<AccessMode>,
    ) -> Result<DatabaseTransaction, DbErr> {
        forward!(self, c => c.begin_with_config(isolation_level, access_mode).await)
    }

    async fn begin_with_options(
        &self,
        options: TransactionOptions,
    ) -> Result<DatabaseTransaction, DbErr> {
        forward!(self, c => c.begin_with_options(options).await)
    }

    async fn transaction<F, T, E>(&self, callback: F) -> Result<T, TransactionError<E>>
    where
        F: for<'c> FnOnce(
                &'c DatabaseTransaction,
            ) -> Pin<Box<dyn Future<Output = Result<T, E>> + Send + 'c>>
            + Send,
        T: Send,
        E: std::fmt::Display + std::fmt::Debug + Send,
    {
        forward!(self, c => c.transaction(callback).await)
    }

    async fn transaction_with_config<F, T, E>(
        &self,
        callback: F,
        isolation_level: Option<IsolationLevel>,
        access_mode: Option<AccessMode>,
    ) -> Result<T, TransactionError<E>>
    where
        F: for<'c> FnOnce(
                &'c DatabaseTransaction,
            ) -> Pin<Box<dyn Future<Output = Result<T, E>> + Send + 'c>>
            + Send,
        T: Send,
        E: std::fmt::Display + std::fmt::Debug + Send,
    {
        forward!(self, c => c.transaction_with_config(callback, isolation_level, access_mode).await)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_busy_postgresql_connection_is_not_pinged_before_each_statement() {
        for transaction_pooler in [false, true] {
            let pool = PoolSettings {
                transaction_pooler,
                ..PoolSettings::default()
            };
            let options = connect_options("postgres://u@127.0.0.1:5432/db", pool);
            assert!(!options.get_test_before_acquire());
            assert_eq!(
                options.get_test_before_acquire_if_idle_for(),
                Some(IDLE_TEST)
            );
        }
    }

    #[test]
    fn hides_passwords() {
        assert_eq!(
            redact("postgres://concord:s3cret@db.example:5432/concord"),
            "postgres://concord:***@db.example:5432/concord"
        );
        assert_eq!(
            redact("sqlite://concord.db?mode=rwc"),
            "sqlite://concord.db?mode=rwc"
        );
    }

    #[test]
    fn sqlite_files_are_created() {
        assert_eq!(
            sqlite_create_mode("sqlite://x.db"),
            "sqlite://x.db?mode=rwc"
        );
        assert_eq!(
            sqlite_create_mode("sqlite://x.db?mode=ro"),
            "sqlite://x.db?mode=ro"
        );
        assert_eq!(sqlite_create_mode("postgres://h/db"), "postgres://h/db");
    }
}
