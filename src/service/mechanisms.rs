//! International cooperation mechanisms: public to every caller.

use crate::error::AppResult;
use crate::paging::{self, Listing, Page};
use entity::enums::{MechanismFunction, MechanismKind, MechanismStatus, Stance};
use entity::mechanism::{Column, Entity, Model};
use entity::{contribution_mechanism, mechanism_function, mechanism_issue};
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder};
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

/// The mechanisms that address each policy issue.
pub async fn by_issues(
    db: &DatabaseConnection,
    issue_ids: &[i64],
) -> AppResult<HashMap<i64, Vec<Model>>> {
    let links: Vec<(i64, i64)> = mechanism_issue::Entity::find()
        .filter(mechanism_issue::Column::PolicyIssueId.is_in(issue_ids.iter().copied()))
        .order_by_asc(mechanism_issue::Column::MechanismId)
        .all(db)
        .await?
        .into_iter()
        .map(|l| (l.policy_issue_id, l.mechanism_id))
        .collect();
    let mechanisms = by_ids(db, &super::children(&links)).await?;
    Ok(super::resolve_links(links, &mechanisms))
}

/// The mechanisms hosted by each stakeholder.
pub async fn by_hosts(
    db: &DatabaseConnection,
    stakeholder_ids: &[i64],
) -> AppResult<HashMap<i64, Vec<Model>>> {
    let rows = Entity::find()
        .filter(Column::HostStakeholderId.is_in(stakeholder_ids.iter().copied()))
        .order_by_asc(Column::Id)
        .all(db)
        .await?;
    Ok(super::group_by_parent(
        rows.into_iter()
            .filter_map(|m| Some((m.host_stakeholder_id?, m))),
    ))
}

/// The mechanisms each contribution discusses, with its stance. Callers pass only
/// contributions the viewer may read.
pub async fn by_contributions(
    db: &DatabaseConnection,
    contribution_ids: &[i64],
) -> AppResult<HashMap<i64, Vec<(Model, Stance)>>> {
    let links = contribution_mechanism::Entity::find()
        .filter(
            contribution_mechanism::Column::ContributionId.is_in(contribution_ids.iter().copied()),
        )
        .order_by_asc(contribution_mechanism::Column::MechanismId)
        .all(db)
        .await?;
    let ids: Vec<(i64, i64)> = links
        .iter()
        .map(|l| (l.contribution_id, l.mechanism_id))
        .collect();
    let mechanisms = by_ids(db, &super::children(&ids)).await?;
    Ok(super::group_by_parent(links.into_iter().filter_map(|l| {
        let mechanism = mechanisms.get(&l.mechanism_id)?.clone();
        Some((l.contribution_id, (mechanism, l.stance)))
    })))
}
