//! Reading documents: exactly under their contribution's read policy. An attachment
//! whose contribution the viewer may not read is missing, in one statement either way.

use crate::policy;
use crate::viewer::Viewer;
use entity::attachment::{Column, Entity, Model};
use entity::contribution;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect, QueryTrait};

/// The attachment `id`, if the viewer may read its contribution.
pub async fn readable(
    db: &impl ConnectionTrait,
    viewer: &Viewer,
    id: i64,
) -> Result<Option<Model>, sea_orm::DbErr> {
    let readable = contribution::Entity::find()
        .select_only()
        .column(contribution::Column::Id)
        .filter(policy::readable_contributions(viewer))
        .into_query();
    Entity::find_by_id(id)
        .filter(Column::ContributionId.in_subquery(readable))
        .one(db)
        .await
}

/// The caller's upload `id` (any state), if it is the caller's.
pub async fn own_upload(
    db: &impl ConnectionTrait,
    viewer: &Viewer,
    id: i64,
) -> Result<Option<entity::upload::Model>, sea_orm::DbErr> {
    let Viewer::Principal(p) = viewer else {
        return Ok(None);
    };
    entity::upload::Entity::find_by_id(id)
        .filter(entity::upload::Column::Owner.eq(p.subject.label()))
        .one(db)
        .await
}
