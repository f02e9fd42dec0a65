//! Publication events for live updates. On PostgreSQL every instance LISTENs on one
//! channel and a publish NOTIFYs it, so subscribers on any instance hear of it; on
//! SQLite (one instance) events stay in the process.

use sea_orm::{ConnectionTrait, DatabaseConnection, DbBackend, Statement};
use tokio::sync::broadcast;

/// The PostgreSQL channel publication events travel on.
pub const CHANNEL: &str = "concord_contribution_published";

/// A contribution became published.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Published {
    pub contribution_id: i64,
    pub consultation_id: i64,
}

/// The instance's event hub.
#[derive(Clone)]
pub struct Events {
    tx: broadcast::Sender<Published>,
    db: DatabaseConnection,
}

impl Events {
    /// Creates the hub; on PostgreSQL also starts listening (from within a Tokio runtime).
    pub fn new(db: DatabaseConnection) -> Events {
        let (tx, _) = broadcast::channel(1024);
        let events = Events { tx, db };
        if events.db.get_database_backend() == DbBackend::Postgres {
            let pool = events.db.get_postgres_connection_pool().clone();
            let tx = events.tx.clone();
            tokio::spawn(async move {
                if let Err(err) = listen(pool, tx).await {
                    tracing::error!(error = ?err, "LISTEN for publication events stopped");
                }
            });
        }
        events
    }

    pub fn subscribe(&self) -> broadcast::Receiver<Published> {
        self.tx.subscribe()
    }

    /// Announces a publication (after its transaction committed).
    pub async fn published(&self, event: Published) {
        if self.db.get_database_backend() == DbBackend::Postgres {
            let payload = format!("{}:{}", event.contribution_id, event.consultation_id);
            let stmt = Statement::from_sql_and_values(
                DbBackend::Postgres,
                "SELECT pg_notify($1, $2)",
                [CHANNEL.into(), payload.into()],
            );
            if let Err(err) = self.db.execute_raw(stmt).await {
                tracing::error!(error = ?err, "NOTIFY of a publication failed");
            }
        } else {
            // No subscriber is fine.
            let _ = self.tx.send(event);
        }
    }
}

async fn listen(
    pool: sea_orm::sqlx::PgPool,
    tx: broadcast::Sender<Published>,
) -> anyhow::Result<()> {
    let mut listener = sea_orm::sqlx::postgres::PgListener::connect_with(&pool).await?;
    listener.listen(CHANNEL).await?;
    loop {
        let notification = listener.recv().await?;
        let parsed = notification.payload().split_once(':').and_then(|(c, k)| {
            Some(Published {
                contribution_id: c.parse().ok()?,
                consultation_id: k.parse().ok()?,
            })
        });
        if let Some(event) = parsed {
            let _ = tx.send(event);
        }
    }
}
