//! Discarding a draft: never submitted, so nothing the secretariat received. Its rows
//! go (revisions, links, documents, its search text, its count) and then its documents'
//! blobs, which no other row names (the sweeper removes any a failure leaves).

use super::store::{audited, not_allowed};
use crate::db::Db;
use crate::error::MutationResult;
use crate::service::attachments::Attachments;
use crate::service::{search, tally};
use crate::viewer::Viewer;
use entity::contribution::{Column, Entity};
use entity::enums::ContributionStatus;
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QuerySelect};

/// Deletes the DRAFT `id` at `version` (its author, or the secretariat); returns its id.
#[tracing::instrument(
    name = "drafting::discard",
    level = "info",
    skip_all,
    err(Debug, level = "debug")
)]
pub async fn discard(
    db: &impl Db,
    attachments: &Attachments,
    viewer: &Viewer,
    id: i64,
    version: i32,
) -> MutationResult<i64> {
    let before = super::drafting::authored(db, viewer, id, version).await?;
    if before.status != ContributionStatus::Draft {
        return Err(not_allowed(format!(
            "Only a DRAFT can be deleted; this one is {} (withdraw it instead)",
            before.status.as_str()
        )));
    }
    use entity::attachment;
    let txn = db.begin().await?;
    let blobs: Vec<String> = attachment::Entity::find()
        .select_only()
        .column(attachment::Column::BlobKey)
        .filter(attachment::Column::ContributionId.eq(id))
        .distinct()
        .into_tuple()
        .all(&txn)
        .await?;
    let gone = Entity::delete_many()
        .filter(Column::Id.eq(id))
        .filter(Column::Version.eq(version))
        .exec(&txn)
        .await?;
    if gone.rows_affected != 1 {
        return Err(crate::error::AppError::Conflict("contribution").into());
    }
    tally::moved(&txn, Some(&before), None).await?;
    search::remove(&txn, id).await?;
    audited(&txn, viewer, "contribution.delete", Some(&before), &before).await?;
    txn.commit().await?;
    for key in blobs {
        let named = attachment::Entity::find()
            .filter(attachment::Column::BlobKey.eq(&key))
            .count(db)
            .await?
            + entity::upload::Entity::find()
                .filter(entity::upload::Column::BlobKey.eq(&key))
                .count(db)
                .await?;
        if named == 0
            && let Err(err) = attachments.remove(&key).await
        {
            tracing::warn!("a discarded draft's blob stays for the sweeper: {err}");
        }
    }
    Ok(id)
}
