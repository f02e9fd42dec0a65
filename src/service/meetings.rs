//! Meetings of consultations: public to every caller.

use crate::error::AppResult;
use crate::paging::{self, Listing, Page};
use entity::meeting::{Column, Entity, Model};
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter};
use std::collections::HashMap;

/// The meetings of one consultation, in order of creation.
pub async fn list_for_consultation(
    db: &DatabaseConnection,
    consultation_id: i64,
    page: &Page,
) -> AppResult<Listing<Model>> {
    let select = Entity::find().filter(Column::ConsultationId.eq(consultation_id));
    paging::list(db, select, Column::Id, page).await
}

pub async fn by_ids(db: &DatabaseConnection, ids: &[i64]) -> AppResult<HashMap<i64, Model>> {
    super::by_ids::<Entity>(db, Column::Id, ids, |m| m.id).await
}

/// The agenda items, stored as a JSON array of strings.
pub fn agenda(model: &Model) -> Vec<String> {
    serde_json::from_value(model.agenda.clone()).unwrap_or_default()
}
