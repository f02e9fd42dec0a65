//! Meetings of consultations: public to every caller.

use crate::error::AppResult;
use crate::paging::{self, Page, Slice};
use entity::meeting::{Column, Entity, Model};
use sea_orm::sea_query::Expr;
use sea_orm::{DatabaseConnection, EntityTrait};
use std::collections::HashMap;

/// One page of meetings for each consultation, in order of creation, in one statement.
pub async fn pages_by_consultation(
    db: &DatabaseConnection,
    consultation_ids: &[i64],
    page: &Page,
) -> AppResult<HashMap<i64, Slice<Model>>> {
    let parent = Expr::col((Entity, Column::ConsultationId));
    Ok(paging::fetch_pages_by_parent(
        db,
        Entity::find(),
        parent,
        Column::Id,
        consultation_ids,
        page,
    )
    .await?)
}

/// How many meetings each consultation has, in one statement.
pub async fn counts_by_consultation(
    db: &DatabaseConnection,
    consultation_ids: &[i64],
) -> AppResult<HashMap<i64, u64>> {
    let parent = Expr::col((Entity, Column::ConsultationId));
    Ok(paging::counts_by_parent(db, Entity::find(), parent, consultation_ids).await?)
}

pub async fn by_ids(db: &DatabaseConnection, ids: &[i64]) -> AppResult<HashMap<i64, Model>> {
    super::by_ids::<Entity>(db, Column::Id, ids, |m| m.id).await
}

/// The agenda items, stored as a JSON array of strings.
pub fn agenda(model: &Model) -> Vec<String> {
    serde_json::from_value(model.agenda.clone()).unwrap_or_default()
}
