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

/// The stakeholder an input names, or a `NOT_FOUND` entry for `field` in `userErrors`.
pub async fn require(
    db: &impl sea_orm::ConnectionTrait,
    field: &str,
    id: i64,
) -> crate::error::MutationResult<Model> {
    Entity::find_by_id(id).one(db).await?.ok_or_else(|| {
        crate::error::UserError::new(
            field,
            crate::error::UserErrorCode::NotFound,
            "No such stakeholder",
        )
        .into()
    })
}
