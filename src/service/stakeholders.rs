//! Stakeholders: public to every caller; the secretariat adds and changes them.

use crate::db::Db;
use crate::domain::{Checks, CountryCode, Line, Website, optional};
use crate::error::{AppResult, MutationResult, UserError, UserErrorCode};
use crate::paging::{self, Listing, Page};
use crate::policy::{self, Action};
use crate::service::versions::{create_row, edit_row};
use crate::viewer::Viewer;
use chrono::Utc;
use entity::enums::{Accreditation, RegionalGroup, StakeholderGroup};
use entity::stakeholder::{ActiveModel, Column, Entity, Model};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set};
use std::collections::HashMap;

/// Which stakeholders to list.
#[derive(Debug, Clone, Default)]
pub struct StakeholderFilter {
    pub groups: Option<Vec<StakeholderGroup>>,
    /// Name or acronym containing this text (any case): a picker's search.
    pub search: Option<String>,
}

/// The list, for those who may browse it.
pub async fn list(
    db: &impl Db,
    viewer: &Viewer,
    filter: &StakeholderFilter,
    page: &Page,
) -> AppResult<Listing<Model>> {
    policy::may_browse(viewer)?;
    let mut select = Entity::find();
    if let Some(groups) = &filter.groups {
        select = select.filter(Column::StakeholderGroup.is_in(groups.iter().copied()));
    }
    let columns = [Column::Name, Column::Acronym];
    if let Some(cond) = super::rows::containing(filter.search.as_deref(), &columns) {
        select = select.filter(cond);
    }
    paging::list(db, select, Column::Id, page).await
}

pub async fn by_ids(db: &impl Db, ids: &[i64]) -> AppResult<HashMap<i64, Model>> {
    // Public records: the fetch that led here asked `policy::may_browse`.
    super::rows::by_ids::<Entity>(db, super::rows::Reading::All, ids).await
}

/// The stakeholder an input names, or a `NOT_FOUND` entry for `field` in `userErrors`.
pub async fn require(db: &impl ConnectionTrait, field: &str, id: i64) -> MutationResult<Model> {
    Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or_else(|| UserError::new(field, UserErrorCode::NotFound, "No such stakeholder").into())
}

/// Whether another stakeholder (not `except`) has this name: a `TAKEN` entry if so.
async fn check_name_free(db: &impl Db, name: &str, except: Option<i64>) -> MutationResult<()> {
    let mut select = Entity::find().filter(Column::Name.eq(name));
    if let Some(id) = except {
        select = select.filter(Column::Id.ne(id));
    }
    if select.one(db).await?.is_some() {
        return Err(UserError::taken("name", "stakeholder").into());
    }
    Ok(())
}

/// A new stakeholder.
#[derive(Debug, Clone)]
pub struct NewStakeholder {
    pub name: String,
    pub acronym: Option<String>,
    pub group: StakeholderGroup,
    pub accreditation: Accreditation,
    pub country_code: Option<String>,
    pub regional_group: Option<RegionalGroup>,
    pub website: Option<String>,
}

/// Adds a stakeholder (secretariat).
pub async fn create(db: &impl Db, viewer: &Viewer, input: NewStakeholder) -> MutationResult<Model> {
    policy::may(viewer, Action::ManageCatalogue)?;
    let mut checks = Checks::default();
    let name = checks.take(Line::parse("name", &input.name, 300));
    let acronym = checks.take(optional(input.acronym.as_deref(), |a| {
        Line::parse("acronym", a, 40)
    }));
    let country_code = checks.take(optional(input.country_code.as_deref(), CountryCode::parse));
    if (input.country_code.is_some() || input.regional_group.is_some())
        && input.group != StakeholderGroup::Government
    {
        checks.fail(UserError::new(
            "countryCode",
            UserErrorCode::Invalid,
            "Only Governments have a country code and a regional group",
        ));
    }
    let website = checks.take(optional(input.website.as_deref(), Website::parse));
    checks.finish()?;
    let name = name.into_string();
    check_name_free(db, &name, None).await?;
    let now = Utc::now();
    let row = ActiveModel {
        name: Set(name),
        acronym: Set(acronym.map(Line::into_string)),
        stakeholder_group: Set(input.group),
        accreditation: Set(input.accreditation),
        country_code: Set(country_code.map(CountryCode::into_string)),
        regional_group: Set(input.regional_group),
        website: Set(website.map(Website::into_string)),
        created_at: Set(now),
        updated_at: Set(now),
        version: Set(1),
        ..Default::default()
    };
    create_row::<Entity, _>(
        db,
        viewer,
        ("Stakeholder", "stakeholder.create"),
        |m| m.id,
        row,
    )
    .await
}

/// Changes to a stakeholder; fields left out stay as they are.
#[derive(Debug, Clone, Default)]
pub struct StakeholderChanges {
    pub name: Option<String>,
    pub acronym: Option<String>,
    pub accreditation: Option<Accreditation>,
    pub website: Option<String>,
}

/// Changes a stakeholder at the version the caller edited (secretariat).
pub async fn update(
    db: &impl Db,
    viewer: &Viewer,
    id: i64,
    version: i32,
    c: StakeholderChanges,
) -> MutationResult<Model> {
    policy::may(viewer, Action::ManageCatalogue)?;
    if let Some(name) = &c.name {
        check_name_free(db, name.trim(), Some(id)).await?;
    }
    edit_row::<Entity, _>(
        db,
        viewer,
        ("Stakeholder", "stakeholder.update"),
        (id, version),
        |_| {
            let mut checks = Checks::default();
            let mut row = <ActiveModel as Default>::default();
            if let Some(n) = &c.name {
                row.name = Set(checks.take(Line::parse("name", n, 300)).into_string());
            }
            if let Some(a) = &c.acronym {
                let acronym = checks.take(Line::parse("acronym", a, 40));
                row.acronym = Set(Some(acronym.into_string()));
            }
            if let Some(a) = c.accreditation {
                row.accreditation = Set(a);
            }
            if let Some(w) = &c.website {
                row.website = Set(Some(checks.take(Website::parse(w)).into_string()));
            }
            checks.finish()?;
            Ok(row)
        },
    )
    .await
}
