//! Public policy issues: public to every caller.

use crate::error::AppResult;
use crate::paging::{self, Listing, Page};
use entity::enums::PolicyArea;
use entity::policy_issue::{Column, Entity, Model};
use entity::{contribution_issue, mechanism_issue};
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder};
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

/// The issues each mechanism addresses.
pub async fn by_mechanisms(
    db: &DatabaseConnection,
    mechanism_ids: &[i64],
) -> AppResult<HashMap<i64, Vec<Model>>> {
    let links: Vec<(i64, i64)> = mechanism_issue::Entity::find()
        .filter(mechanism_issue::Column::MechanismId.is_in(mechanism_ids.iter().copied()))
        .order_by_asc(mechanism_issue::Column::PolicyIssueId)
        .all(db)
        .await?
        .into_iter()
        .map(|l| (l.mechanism_id, l.policy_issue_id))
        .collect();
    let issues = by_ids(db, &super::children(&links)).await?;
    Ok(super::resolve_links(links, &issues))
}

/// The issues each contribution raises. Callers pass only contributions the viewer may read.
pub async fn by_contributions(
    db: &DatabaseConnection,
    contribution_ids: &[i64],
) -> AppResult<HashMap<i64, Vec<Model>>> {
    let links: Vec<(i64, i64)> = contribution_issue::Entity::find()
        .filter(contribution_issue::Column::ContributionId.is_in(contribution_ids.iter().copied()))
        .order_by_asc(contribution_issue::Column::PolicyIssueId)
        .all(db)
        .await?
        .into_iter()
        .map(|l| (l.contribution_id, l.policy_issue_id))
        .collect();
    let issues = by_ids(db, &super::children(&links)).await?;
    Ok(super::resolve_links(links, &issues))
}
