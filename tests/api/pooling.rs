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

/// Connections kept between statements (`db::Held`): a saturated pool still serves
/// every request (a kept connection goes back when none is left to hand out), each
/// statement is reported, and the kept ones go back to the pool within a second of
/// the load's end.
#[tokio::test]
async fn kept_connections_serve_a_saturated_pool_and_go_back_within_a_second() {
    use concord::db::{Handle, Held};
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};
    let app = spawn_app().await;
    let settings = PoolSettings {
        max_connections: 2,
        ..PoolSettings::default()
    };
    let mut db = connect_with(&app.db_url, settings).await.unwrap();
    let statements = Arc::new(AtomicUsize::new(0));
    let counter = statements.clone();
    concord::db::observe(&mut db, move |_| {
        counter.fetch_add(1, Ordering::Relaxed);
    });
    let Some(held) = Held::new(&db) else {
        // SQLite: one file's pool, nothing to keep.
        assert_eq!(db.get_database_backend(), DbBackend::Sqlite);
        return;
    };
    let tasks: Vec<_> = (0..20)
        .map(|_| {
            let handle = Handle::Held(held.clone());
            tokio::spawn(async move {
                for _ in 0..10 {
                    let row = handle
                        .query_one_raw(Statement::from_string(
                            DbBackend::Postgres,
                            "SELECT pg_backend_pid() AS pid",
                        ))
                        .await
                        .expect("a connection within the acquire timeout");
                    assert!(row.unwrap().try_get::<i32>("", "pid").unwrap() > 0);
                }
            })
        })
        .collect();
    for task in tasks {
        task.await.unwrap();
    }
    assert_eq!(
        statements.load(Ordering::Relaxed),
        200,
        "every statement reported"
    );
    let pool = db.get_postgres_connection_pool();
    assert!(pool.size() <= 2, "{}", pool.size());
    // Idle: the sweep hands every kept connection back to the pool.
    let deadline = Instant::now() + Duration::from_secs(3);
    while held.kept() > 0 || pool.num_idle() < pool.size() as usize {
        assert!(
            Instant::now() < deadline,
            "kept {}, idle {} of {}",
            held.kept(),
            pool.num_idle(),
            pool.size()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}
