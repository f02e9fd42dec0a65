//! What the two outboxes (webhook deliveries, emails) share: taking the rows that are
//! due under a lease written to each row, so that of several instances only one sends
//! a row at a time, and one that dies mid-way gives it up when its lease ends.

use chrono::Utc;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ColumnTrait, Condition, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
    Value,
};
use std::time::Duration;

/// An outbox table's columns.
pub struct Outbox<E: EntityTrait> {
    pub id: E::Column,
    pub status: E::Column,
    /// The status of a row still to send.
    pub pending: Value,
    pub next_attempt_at: E::Column,
    pub lease_until: E::Column,
}

impl<E: EntityTrait> Outbox<E> {
    /// Leases up to `batch` due rows for `lease`; returns their IDs, oldest first.
    pub async fn take_due(
        &self,
        db: &DatabaseConnection,
        batch: u64,
        lease: Duration,
    ) -> anyhow::Result<Vec<i64>> {
        let now = Utc::now();
        let free = || {
            Condition::any()
                .add(self.lease_until.is_null())
                .add(self.lease_until.lt(now))
        };
        let due: Vec<i64> = E::find()
            .select_only()
            .column(self.id)
            .filter(self.status.eq(self.pending.clone()))
            .filter(self.next_attempt_at.lte(now))
            .filter(free())
            .order_by_asc(self.id)
            .limit(batch)
            .into_tuple()
            .all(db)
            .await?;
        let until = now + chrono::Duration::from_std(lease)?;
        let mut taken = Vec::new();
        for id in due {
            // The lease: only one instance's update finds the row still free.
            let claimed = E::update_many()
                .col_expr(self.lease_until, Expr::value(until))
                .filter(self.id.eq(id))
                .filter(self.status.eq(self.pending.clone()))
                .filter(free())
                .exec(db)
                .await?;
            if claimed.rows_affected == 1 {
                taken.push(id);
            }
        }
        Ok(taken)
    }
}

/// Runs `attempt` for every row taken, at once; waits for them all.
pub async fn attempt_each<F, Fut>(taken: Vec<i64>, what: &'static str, attempt: F)
where
    F: Fn(i64) -> Fut,
    Fut: std::future::Future<Output = anyhow::Result<()>> + Send + 'static,
{
    let mut sends = tokio::task::JoinSet::new();
    for id in taken {
        let run = attempt(id);
        sends.spawn(async move {
            if let Err(err) = run.await {
                tracing::warn!(row = id, error = %err, "{what} attempt not recorded");
            }
        });
    }
    while sends.join_next().await.is_some() {}
}

/// Sends an outbox until the process ends: `run_once` again at once after a full batch
/// (more may be due), else after `poll`, or as soon as `nudge` says a row was written.
pub fn run_forever<F, Fut>(
    nudge: &'static tokio::sync::Notify,
    poll: Duration,
    batch: u64,
    what: &'static str,
    run_once: F,
) -> tokio::task::JoinHandle<()>
where
    F: Fn() -> Fut + Send + 'static,
    Fut: std::future::Future<Output = anyhow::Result<usize>> + Send,
{
    tokio::spawn(async move {
        loop {
            let notified = nudge.notified();
            match run_once().await {
                Ok(n) if n as u64 == batch => continue,
                Ok(_) => {}
                Err(err) => tracing::warn!(error = %err, "{what}: cannot read the outbox"),
            }
            tokio::select! {
                _ = notified => {}
                _ = tokio::time::sleep(poll) => {}
            }
        }
    })
}
