//! Stakeholders: public to every caller.

use crate::error::AppResult;
use crate::paging::{self, Listing, Page};
use entity::enums::StakeholderGroup;
use entity::stakeholder::{Column, Entity, Model};
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter};
use std::collections::HashMap;

/// Which stakeholders to list.
#[derive(Debug, Clone, Default)]
pub struct StakeholderFilter {
    pub groups: Option<Vec<StakeholderGroup>>,
}

pub async fn list(
    db: &DatabaseConnection,
    filter: &StakeholderFilter,
    page: &Page,
) -> AppResult<Listing<Model>> {
    let mut select = Entity::find();
    if let Some(groups) = &filter.groups {
        select = select.filter(Column::StakeholderGroup.is_in(groups.iter().copied()));
    }
    paging::list(db, select, Column::Id, page).await
}

pub async fn by_ids(db: &DatabaseConnection, ids: &[i64]) -> AppResult<HashMap<i64, Model>> {
    super::by_ids::<Entity>(db, Column::Id, ids, |m| m.id).await
}
