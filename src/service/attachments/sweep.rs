//! Nothing orphaned: uploads never attached expire, and blobs no row names (an upload
//! cut off, a transaction that failed after its blob was written, a crash, a draft's
//! documents replaced) are removed once older than the grace period, which covers the
//! time between a blob being written whole and the row that names it being committed.
//! Every instance sweeps; two sweeping at once remove the same blobs, harmlessly.

use super::Attachments;
use chrono::Utc;
use futures_util::StreamExt;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect};
use std::collections::HashSet;
use std::sync::Arc;

/// What a sweep did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Swept {
    /// Uploads past their time, never attached, removed.
    pub expired_uploads: u64,
    /// Blobs no row names, removed.
    pub removed_blobs: u64,
}

/// One sweep.
pub async fn once(db: &impl ConnectionTrait, attachments: &Attachments) -> anyhow::Result<Swept> {
    use entity::{attachment, upload};
    let now = Utc::now();
    let expired = upload::Entity::delete_many()
        .filter(upload::Column::ExpiresAt.lt(now))
        .exec(db)
        .await?
        .rows_affected;
    let grace = chrono::Duration::from_std(attachments.settings.grace)?;
    let mut old = Vec::new();
    let mut listed = attachments.store().list(Some(&attachments.blobs()));
    while let Some(meta) = listed.next().await {
        let meta = meta?;
        if meta.last_modified + grace < now
            && let Some(key) = meta.location.filename()
        {
            old.push(key.to_owned());
        }
    }
    let mut removed = 0;
    for keys in old.chunks(500) {
        let mut named: HashSet<String> = upload::Entity::find()
            .select_only()
            .column(upload::Column::BlobKey)
            .filter(upload::Column::BlobKey.is_in(keys.iter().cloned()))
            .into_tuple::<String>()
            .all(db)
            .await?
            .into_iter()
            .collect();
        named.extend(
            attachment::Entity::find()
                .select_only()
                .column(attachment::Column::BlobKey)
                .filter(attachment::Column::BlobKey.is_in(keys.iter().cloned()))
                .into_tuple::<String>()
                .all(db)
                .await?,
        );
        for key in keys.iter().filter(|k| !named.contains(*k)) {
            attachments.remove(key).await?;
            removed += 1;
        }
    }
    if let Some(before) = std::time::SystemTime::now().checked_sub(attachments.settings.grace) {
        for staged in attachments.staged_leftovers(before) {
            if std::fs::remove_file(&staged).is_ok() {
                removed += 1;
            }
        }
    }
    if expired > 0 || removed > 0 {
        tracing::info!(expired, removed, "attachments swept");
    }
    Ok(Swept {
        expired_uploads: expired,
        removed_blobs: removed,
    })
}

/// Sweeps every `settings.sweep_every`, for as long as the server runs.
pub fn spawn(db: sea_orm::DatabaseConnection, attachments: Arc<Attachments>) {
    tokio::spawn(async move {
        // The first sweep after one period: a server starting does not sweep at once.
        let period = attachments.settings.sweep_every;
        let mut every = tokio::time::interval_at(tokio::time::Instant::now() + period, period);
        every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            every.tick().await;
            if let Err(err) = once(&db, &attachments).await {
                tracing::warn!("attachments sweep failed: {err:#}");
            }
        }
    });
}
