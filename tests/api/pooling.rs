//! Past one machine (issue 21): pools that let go of their connections within a bound.

use crate::helpers::spawn_app;
use concord::db::{PoolSettings, connect_with};
use sea_orm::{ConnectionTrait, DbBackend, Statement};
use std::collections::HashSet;
use std::time::{Duration, Instant};

/// The pool's open connections (its own count).
fn open(db: &sea_orm::DatabaseConnection) -> u32 {
    match db.get_database_backend() {
        DbBackend::Postgres => db.get_postgres_connection_pool().size(),
        _ => db.get_sqlite_connection_pool().size(),
    }
}

#[tokio::test]
async fn pools_close_idle_connections_and_replace_old_ones_under_load() {
    let app = spawn_app().await;
    let settings = PoolSettings {
        max_connections: 4,
        max_lifetime: Duration::from_secs(1),
        idle_timeout: Duration::from_secs(1),
        transaction_pooler: false,
    };
    let db = connect_with(&app.db_url, settings).await.unwrap();
    // Four at once open four connections.
    let busy: Vec<_> = (0..4)
        .map(|_| {
            let db = db.clone();
            tokio::spawn(async move {
                let sql = match db.get_database_backend() {
                    DbBackend::Postgres => "SELECT pg_sleep(0.2)",
                    _ => "SELECT 1",
                };
                db.execute_unprepared(sql).await.unwrap();
            })
        })
        .collect();
    for task in busy {
        task.await.unwrap();
    }
    if db.get_database_backend() != DbBackend::Postgres {
        // SQLite: one file, no pooler or failover to let go of; the pool keeps its one
        // connection open whatever the settings.
        assert!(open(&db) >= 1);
        return;
    }
    assert!(open(&db) >= 2, "{}", open(&db));
    // Idle past the timeout: all closed.
    let deadline = Instant::now() + Duration::from_secs(10);
    while open(&db) > 0 {
        assert!(Instant::now() < deadline, "still open: {}", open(&db));
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // Under continuous load, no connection outlives its lifetime: the server process
    // answering changes.
    let mut seen = HashSet::new();
    let started = Instant::now();
    while started.elapsed() < Duration::from_millis(3500) {
        let row = db
            .query_one_raw(Statement::from_string(
                DbBackend::Postgres,
                "SELECT pg_backend_pid() AS pid",
            ))
            .await
            .unwrap()
            .unwrap();
        seen.insert(row.try_get::<i32>("", "pid").unwrap());
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(seen.len() >= 2, "one connection for 3.5 s: {seen:?}");
}
