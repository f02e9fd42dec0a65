//! International cooperation mechanisms: public to every caller.

use crate::error::AppResult;
use crate::paging::{self, Listing, Page};
use entity::enums::{MechanismFunction, MechanismKind, MechanismStatus};
use entity::mechanism::{Column, Entity, Model};
use entity::mechanism_function;
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter};
use std::collections::HashMap;

/// Which mechanisms to list.
#[derive(Debug, Clone, Default)]
pub struct MechanismFilter {
    pub statuses: Option<Vec<MechanismStatus>>,
    pub kinds: Option<Vec<MechanismKind>>,
}

pub async fn list(
    db: &DatabaseConnection,
    filter: &MechanismFilter,
    page: &Page,
) -> AppResult<Listing<Model>> {
    let mut select = Entity::find();
    if let Some(statuses) = &filter.statuses {
        select = select.filter(Column::Status.is_in(statuses.iter().copied()));
    }
    if let Some(kinds) = &filter.kinds {
        select = select.filter(Column::Kind.is_in(kinds.iter().copied()));
    }
    paging::list(db, select, Column::Id, page).await
}

pub async fn by_ids(db: &DatabaseConnection, ids: &[i64]) -> AppResult<HashMap<i64, Model>> {
    super::by_ids::<Entity>(db, Column::Id, ids, |m| m.id).await
}

/// The functions of each mechanism, in declaration order of the enum.
pub async fn functions(
    db: &DatabaseConnection,
    mechanism_ids: &[i64],
) -> AppResult<HashMap<i64, Vec<MechanismFunction>>> {
    let rows = mechanism_function::Entity::find()
        .filter(mechanism_function::Column::MechanismId.is_in(mechanism_ids.iter().copied()))
        .all(db)
        .await?;
    let mut map = super::group_by_parent(rows.into_iter().map(|r| (r.mechanism_id, r.function)));
    map.values_mut().for_each(|functions| functions.sort());
    Ok(map)
}
