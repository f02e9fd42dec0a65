//! What a PostgreSQL connection goes through, checked rather than assumed.
//!
//! Concord's statements are prepared and named (sqlx caches them per client
//! connection, `sqlx_s_N`, and prepares each in its own round trip before binding it in
//! another). Through a pooler in *transaction* mode that does not keep prepared
//! statements (PgBouncer before 1.21, or `max_prepared_statements = 0`), the server
//! connection can change between those round trips and between requests: a statement
//! name then finds nothing, or another client's statement of the same name. No setting
//! of sqlx or SeaORM makes every statement safe there (turning the statement cache off
//! leaves the statements named and never closed; unnamed ones would still be parsed and
//! bound in two round trips), so Concord refuses such a pool: at start-up, and by
//! `/readyz` (503) should the pooler change under it.
//!
//! The check ([`statements_survive`]) is what requests do: a client connection prepares
//! a statement and runs it; another client takes a server connection in a transaction
//! (a pooler hands it the one just released, PgBouncer's default); the first runs its
//! statement again, with a new value. Directly, or through a pooler that keeps prepared
//! statements (PgBouncer 1.21 and later with `max_prepared_statements`), or in session
//! mode, the answer is the new value; otherwise an error, or a wrong answer.
//!
//! LISTEN needs a session of its own: through a transaction pooler notifications are
//! lost and reach other clients. [`session_kept`] checks that a connection keeps its
//! server session; LISTEN refuses to run where it does not.

use sea_orm::sqlx::{self, Connection, PgConnection, PgPool, Row};
use std::time::Duration;

/// How often an instance checks its pools again (the verdict `/readyz` reports).
pub const RECHECK: Duration = Duration::from_secs(30);

/// Times the probe runs in one check: a busy pooler may hand the other client another
/// server connection, so that one run passes by chance; it does not three times.
const ROUNDS: usize = 3;

/// Why statements are not safe on this pool, if they are not.
pub async fn statements_survive(pool: &PgPool) -> anyhow::Result<Option<String>> {
    for _ in 0..ROUNDS {
        if let Some(why) = probe_statements(pool).await? {
            return Ok(Some(why));
        }
    }
    Ok(None)
}

/// One run of the probe (see the module's documentation).
async fn probe_statements(pool: &PgPool) -> anyhow::Result<Option<String>> {
    const PROBE: &str = "SELECT $1::int4 + 0 AS concord_probe";
    let seed = (std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(7)
        % 1_000_000) as i32;
    let mut first = pool.acquire().await?;
    // Even the first run may fail: its statement prepared on one server connection and
    // bound on another.
    let got = sqlx::query(PROBE)
        .bind(seed)
        .fetch_one(&mut *first)
        .await
        .and_then(|row| row.try_get::<i32, _>(0));
    let failed = match got {
        Ok(n) if n == seed => None,
        Ok(n) => Some(format!(
            "a prepared statement answered {n} for {seed}: statements reach another client's"
        )),
        Err(err) => Some(the_servers(err)?),
    };
    if let Some(why) = failed {
        first.close().await.ok();
        return Ok(Some(advice(&why)));
    }
    // Another client takes a server connection and keeps it (in a transaction).
    let mut second = another_client(pool).await?;
    sqlx::raw_sql("BEGIN").execute(&mut second).await?;
    let again = sqlx::query(PROBE)
        .bind(seed + 1)
        .fetch_one(&mut *first)
        .await;
    let ended = sqlx::raw_sql("ROLLBACK").execute(&mut second).await;
    let verdict = match again.and_then(|row| row.try_get::<i32, _>(0)) {
        Ok(n) if n == seed + 1 => None,
        Ok(n) => Some(format!(
            "a prepared statement answered {n} for {}: statements reach another client's",
            seed + 1
        )),
        Err(err) => Some(the_servers(err)?),
    };
    second.close().await.ok();
    if verdict.is_some() || ended.is_err() {
        // Leave nothing of the check behind.
        first.close().await.ok();
    }
    Ok(verdict.map(|why| advice(&why)))
}

/// A statement's failure as the probe's verdict when the server refused it (a
/// statement that does not exist there, or of other parameters); any other failure (the
/// connection lost, an outage) is the caller's error, not a verdict on the pooler.
fn the_servers(err: sqlx::Error) -> anyhow::Result<String> {
    match err {
        sqlx::Error::Database(db) => Ok(format!("a prepared statement did not survive: {db}")),
        other => Err(other.into()),
    }
}

/// What failed, and what to do about it.
fn advice(why: &str) -> String {
    format!(
        "{why}. The database is reached through a pooler in transaction mode that does not \
         keep prepared statements (PgBouncer before 1.21, or max_prepared_statements = 0): \
         use PgBouncer 1.21 or later with max_prepared_statements = 200, session pooling, \
         a direct connection, or set CONCORD_DB_TRANSACTION_POOLER=true (docs/DEPLOY.md)"
    )
}

/// Whether a client connection keeps its server session across transactions (directly,
/// or through a pooler in session mode): the server process answering a connection does
/// not change while another client holds one in a transaction. Asked on connections of
/// its own to where `pool` connects, so that neither the pool's size nor what the pool
/// does with its connections changes the answer.
pub async fn session_kept(pool: &PgPool) -> anyhow::Result<bool> {
    const PID: &str = "SELECT pg_backend_pid()";
    let pid = |row: sqlx::postgres::PgRow| row.try_get::<i32, _>(0);
    let mut first = another_client(pool).await?;
    let before = pid(sqlx::raw_sql(PID).fetch_one(&mut first).await?)?;
    let mut second = another_client(pool).await?;
    sqlx::raw_sql("BEGIN").execute(&mut second).await?;
    let theirs = pid(sqlx::raw_sql(PID).fetch_one(&mut second).await?)?;
    let after = pid(sqlx::raw_sql(PID).fetch_one(&mut first).await?)?;
    sqlx::raw_sql("ROLLBACK").execute(&mut second).await.ok();
    second.close().await.ok();
    first.close().await.ok();
    Ok(before == after && theirs != before)
}

/// A client connection of its own to where `pool` connects (not one of the pool's, so
/// that the check works on a pool of one).
async fn another_client(pool: &PgPool) -> anyhow::Result<PgConnection> {
    Ok(PgConnection::connect_with(&pool.connect_options()).await?)
}
