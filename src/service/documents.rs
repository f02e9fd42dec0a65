//! Documents cited by consultations: public to every caller.

use crate::error::AppResult;
use crate::paging::{self, Listing, Page};
use entity::{consultation_document, document};
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder};
use std::collections::HashMap;

pub async fn list(db: &DatabaseConnection, page: &Page) -> AppResult<Listing<document::Model>> {
    paging::list(db, document::Entity::find(), document::Column::Id, page).await
}

pub async fn by_ids(
    db: &DatabaseConnection,
    ids: &[i64],
) -> AppResult<HashMap<i64, document::Model>> {
    super::by_ids::<document::Entity>(db, document::Column::Id, ids, |m| m.id).await
}

/// The documents each consultation cites, in order of creation.
pub async fn by_consultations(
    db: &DatabaseConnection,
    consultation_ids: &[i64],
) -> AppResult<HashMap<i64, Vec<document::Model>>> {
    let links: Vec<(i64, i64)> = consultation_document::Entity::find()
        .filter(
            consultation_document::Column::ConsultationId.is_in(consultation_ids.iter().copied()),
        )
        .order_by_asc(consultation_document::Column::DocumentId)
        .all(db)
        .await?
        .into_iter()
        .map(|l| (l.consultation_id, l.document_id))
        .collect();
    let docs = by_ids(db, &super::children(&links)).await?;
    Ok(super::resolve_links(links, &docs))
}
