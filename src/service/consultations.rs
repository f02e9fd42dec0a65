//! Consultations: public to every caller.

use crate::error::AppResult;
use crate::paging::{self, Listing, Page};
use entity::consultation::{Column, Entity, Model};
use entity::enums::ConsultationStatus;
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter};
use std::collections::HashMap;

/// Which consultations to list.
#[derive(Debug, Clone, Default)]
pub struct ConsultationFilter {
    pub statuses: Option<Vec<ConsultationStatus>>,
}

pub async fn list(
    db: &DatabaseConnection,
    filter: &ConsultationFilter,
    page: &Page,
) -> AppResult<Listing<Model>> {
    let mut select = Entity::find();
    if let Some(statuses) = &filter.statuses {
        select = select.filter(Column::Status.is_in(statuses.iter().copied()));
    }
    paging::list(db, select, Column::Id, page).await
}

pub async fn by_ids(db: &DatabaseConnection, ids: &[i64]) -> AppResult<HashMap<i64, Model>> {
    super::by_ids::<Entity>(db, Column::Id, ids, |m| m.id).await
}

/// The guiding questions, stored as a JSON array of strings.
pub fn guiding_questions(model: &Model) -> Vec<String> {
    serde_json::from_value(model.guiding_questions.clone()).unwrap_or_default()
}
