//! Tombstones: contributions that left the published view, for mirrors to drop.

use crate::db::Db;
use crate::error::AppResult;
use crate::paging::{self, Listing, Page};
use crate::policy;
use crate::viewer::Viewer;
use chrono::{DateTime, Utc};
use entity::contribution_tombstone::{Column, Entity, Model};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use std::collections::HashMap;

/// Tombstones `viewer` may read, oldest first, for one consultation or all, since a time.
pub async fn list(
    db: &impl Db,
    viewer: &Viewer,
    consultation_id: Option<i64>,
    since: Option<DateTime<Utc>>,
    page: &Page,
) -> AppResult<Listing<Model>> {
    let mut select = Entity::find().filter(policy::readable_tombstones(viewer));
    if let Some(id) = consultation_id {
        select = select.filter(Column::ConsultationId.eq(id));
    }
    if let Some(since) = since {
        select = select.filter(Column::OccurredAt.gte(since));
    }
    paging::list(db, select, Column::Id, page).await
}

pub async fn by_ids(db: &impl Db, viewer: &Viewer, ids: &[i64]) -> AppResult<HashMap<i64, Model>> {
    let reading = super::rows::Reading::Where(policy::readable_tombstones(viewer));
    super::rows::by_ids::<Entity>(db, reading, ids).await
}
