//! Public policy issues: public to every caller; the secretariat adds and changes them.

use crate::db::Db;
use crate::domain::{Checks, Description, Line, Slug};
use crate::error::{AppResult, MutationResult, UserError, UserErrorCode};
use crate::paging::{self, Listing, Page};
use crate::policy::{self, Action};
use crate::service::versions::{create_row, edit_row};
use crate::viewer::Viewer;
use chrono::Utc;
use entity::enums::PolicyArea;
use entity::policy_issue::{ActiveModel, Column, Entity, Model};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set};
use std::collections::HashMap;

/// Which policy issues to list.
#[derive(Debug, Clone, Default)]
pub struct PolicyIssueFilter {
    pub areas: Option<Vec<PolicyArea>>,
}

/// The list, for those who may browse it.
pub async fn list(
    db: &impl Db,
    viewer: &Viewer,
    filter: &PolicyIssueFilter,
    page: &Page,
) -> AppResult<Listing<Model>> {
    policy::may_browse(viewer)?;
    let mut select = Entity::find();
    if let Some(areas) = &filter.areas {
        select = select.filter(Column::Area.is_in(areas.iter().copied()));
    }
    paging::list(db, select, Column::Id, page).await
}

pub async fn by_ids(db: &impl Db, ids: &[i64]) -> AppResult<HashMap<i64, Model>> {
    // Public records: the fetch that led here asked `policy::may_browse`.
    super::rows::by_ids::<Entity>(db, super::rows::Reading::All, ids).await
}

/// The issue with this slug, for those who may browse.
pub async fn by_slug(db: &impl Db, viewer: &Viewer, slug: &str) -> AppResult<Option<Model>> {
    policy::may_browse(viewer)?;
    find_by_slug(db, slug).await
}

async fn find_by_slug(db: &impl Db, slug: &str) -> AppResult<Option<Model>> {
    Ok(Entity::find().filter(Column::Slug.eq(slug)).one(db).await?)
}

/// The distinct ids of the issues an input names (`field`), in order; a `NOT_FOUND`
/// entry in `userErrors` when one of them does not exist.
pub async fn require_all(
    db: &impl ConnectionTrait,
    field: &str,
    ids: &[i64],
) -> MutationResult<Vec<i64>> {
    let mut ids = ids.to_vec();
    ids.sort_unstable();
    ids.dedup();
    let found = Entity::find()
        .filter(Column::Id.is_in(ids.iter().copied()))
        .all(db)
        .await?;
    if found.len() != ids.len() {
        return Err(UserError::new(
            field,
            UserErrorCode::NotFound,
            "A policy issue given does not exist",
        )
        .into());
    }
    Ok(ids)
}

/// A new public policy issue.
#[derive(Debug, Clone)]
pub struct NewPolicyIssue {
    pub slug: String,
    pub title: String,
    pub description: String,
    pub area: PolicyArea,
    pub on_wsis_list: bool,
}

/// Adds a public policy issue (secretariat).
pub async fn create(db: &impl Db, viewer: &Viewer, input: NewPolicyIssue) -> MutationResult<Model> {
    policy::may(viewer, Action::ManageCatalogue)?;
    let mut checks = Checks::default();
    let slug = checks.take(Slug::parse("slug", &input.slug));
    let title = checks.take(Line::parse("title", &input.title, 300));
    let description = checks.take(Description::parse(&input.description));
    checks.finish()?;
    if find_by_slug(db, slug.as_str()).await?.is_some() {
        return Err(UserError::taken("slug", "policy issue").into());
    }
    let now = Utc::now();
    let row = ActiveModel {
        slug: Set(slug.into_string()),
        title: Set(title.into_string()),
        description: Set(description.into_string()),
        area: Set(input.area),
        on_wsis_list: Set(input.on_wsis_list),
        created_at: Set(now),
        updated_at: Set(now),
        version: Set(1),
        ..Default::default()
    };
    create_row::<Entity, _>(
        db,
        viewer,
        ("PolicyIssue", "policy_issue.create"),
        |m| m.id,
        row,
    )
    .await
}

/// Changes to a policy issue; fields left out stay as they are.
#[derive(Debug, Clone, Default)]
pub struct PolicyIssueChanges {
    pub title: Option<String>,
    pub description: Option<String>,
    pub area: Option<PolicyArea>,
    pub on_wsis_list: Option<bool>,
}

/// Changes a policy issue at the version the caller edited (secretariat).
pub async fn update(
    db: &impl Db,
    viewer: &Viewer,
    id: i64,
    version: i32,
    c: PolicyIssueChanges,
) -> MutationResult<Model> {
    policy::may(viewer, Action::ManageCatalogue)?;
    edit_row::<Entity, _>(
        db,
        viewer,
        ("PolicyIssue", "policy_issue.update"),
        (id, version),
        |_| {
            let mut checks = Checks::default();
            let mut row = <ActiveModel as Default>::default();
            if let Some(t) = &c.title {
                row.title = Set(checks.take(Line::parse("title", t, 300)).into_string());
            }
            if let Some(d) = &c.description {
                row.description = Set(checks.take(Description::parse(d)).into_string());
            }
            if let Some(a) = c.area {
                row.area = Set(a);
            }
            if let Some(w) = c.on_wsis_list {
                row.on_wsis_list = Set(w);
            }
            checks.finish()?;
            Ok(row)
        },
    )
    .await
}
