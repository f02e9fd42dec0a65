//! Meetings of consultations: public to every caller.

use crate::error::AppResult;
use entity::meeting::{Column, Entity, Model};
use sea_orm::DatabaseConnection;
use std::collections::HashMap;

pub async fn by_ids(db: &DatabaseConnection, ids: &[i64]) -> AppResult<HashMap<i64, Model>> {
    super::by_ids::<Entity>(db, Column::Id, ids, |m| m.id).await
}

/// The agenda items, stored as a JSON array of strings.
pub fn agenda(model: &Model) -> Vec<String> {
    serde_json::from_value(model.agenda.clone()).unwrap_or_default()
}
