//! Documents cited by consultations: public to every caller.

use crate::db::Db;
use crate::error::AppResult;
use crate::paging::{self, Listing, Page};
use crate::policy;
use crate::viewer::Viewer;
use entity::document;
use sea_orm::EntityTrait;
use std::collections::HashMap;

/// The list, for those who may browse it.
pub async fn list(
    db: &impl Db,
    viewer: &Viewer,
    page: &Page,
) -> AppResult<Listing<document::Model>> {
    policy::may_browse(viewer)?;
    paging::list(db, document::Entity::find(), document::Column::Id, page).await
}

pub async fn by_ids(db: &impl Db, ids: &[i64]) -> AppResult<HashMap<i64, document::Model>> {
    // Public records: the fetch that led here asked `policy::may_browse`.
    super::rows::by_ids::<document::Entity>(db, super::rows::Reading::All, ids).await
}
