//! Public policy issues: public to every caller.

use crate::error::AppResult;
use crate::paging::{self, Listing, Page};
use entity::enums::PolicyArea;
use entity::policy_issue::{Column, Entity, Model};
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter};
use std::collections::HashMap;

/// Which policy issues to list.
#[derive(Debug, Clone, Default)]
pub struct PolicyIssueFilter {
    pub areas: Option<Vec<PolicyArea>>,
}

pub async fn list(
    db: &DatabaseConnection,
    filter: &PolicyIssueFilter,
    page: &Page,
) -> AppResult<Listing<Model>> {
    let mut select = Entity::find();
    if let Some(areas) = &filter.areas {
        select = select.filter(Column::Area.is_in(areas.iter().copied()));
    }
    paging::list(db, select, Column::Id, page).await
}

pub async fn by_ids(db: &DatabaseConnection, ids: &[i64]) -> AppResult<HashMap<i64, Model>> {
    super::by_ids::<Entity>(db, Column::Id, ids, |m| m.id).await
}

pub async fn by_slug(db: &DatabaseConnection, slug: &str) -> AppResult<Option<Model>> {
    Ok(Entity::find().filter(Column::Slug.eq(slug)).one(db).await?)
}
