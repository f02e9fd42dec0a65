//! International cooperation mechanisms: public to every caller; the secretariat adds
//! and changes them, with their host, functions and the issues they address.

use crate::db::Db;
use crate::domain::{Checks, Established, Line, optional};
use crate::error::{AppError, AppResult, MutationResult, UserError};
use crate::paging::{self, Listing, Page};
use crate::policy::{self, Action};
use crate::service::audit::{self, Actor, Change};
use crate::service::versions::save_at_version;
use crate::service::{policy_issues, stakeholders};
use crate::viewer::Viewer;
use chrono::Utc;
use entity::enums::{MechanismFunction, MechanismKind, MechanismScope, MechanismStatus};
use entity::mechanism::{ActiveModel, Column, Entity, Model};
use entity::{mechanism_function, mechanism_issue};
use sea_orm::{ActiveModelTrait, ColumnTrait, DatabaseTransaction, EntityTrait, QueryFilter, Set};
use std::collections::HashMap;

/// Which mechanisms to list.
#[derive(Debug, Clone, Default)]
pub struct MechanismFilter {
    pub statuses: Option<Vec<MechanismStatus>>,
    pub kinds: Option<Vec<MechanismKind>>,
}

/// The list, for those who may browse it.
pub async fn list(
    db: &impl Db,
    viewer: &Viewer,
    filter: &MechanismFilter,
    page: &Page,
) -> AppResult<Listing<Model>> {
    policy::may_browse(viewer)?;
    let mut select = Entity::find();
    if let Some(statuses) = &filter.statuses {
        select = select.filter(Column::Status.is_in(statuses.iter().copied()));
    }
    if let Some(kinds) = &filter.kinds {
        select = select.filter(Column::Kind.is_in(kinds.iter().copied()));
    }
    paging::list(db, select, Column::Id, page).await
}

pub async fn by_ids(db: &impl Db, ids: &[i64]) -> AppResult<HashMap<i64, Model>> {
    // Public records: the fetch that led here asked `policy::may_browse`.
    super::rows::by_ids::<Entity>(db, super::rows::Reading::All, ids).await
}

/// The functions of each mechanism, in declaration order of the enum.
pub async fn functions(
    db: &impl Db,
    mechanism_ids: &[i64],
) -> AppResult<HashMap<i64, Vec<MechanismFunction>>> {
    let rows = mechanism_function::Entity::find()
        .filter(mechanism_function::Column::MechanismId.is_in(mechanism_ids.iter().copied()))
        .all(db)
        .await?;
    let mut map =
        super::rows::group_by_parent(rows.into_iter().map(|r| (r.mechanism_id, r.function)));
    map.values_mut().for_each(|functions| functions.sort());
    Ok(map)
}

/// Whether another mechanism (not `except`) has this name: a `TAKEN` entry if so.
async fn check_name_free(db: &impl Db, name: &str, except: Option<i64>) -> MutationResult<()> {
    let mut select = Entity::find().filter(Column::Name.eq(name));
    if let Some(id) = except {
        select = select.filter(Column::Id.ne(id));
    }
    if select.one(db).await?.is_some() {
        return Err(UserError::taken("name", "mechanism").into());
    }
    Ok(())
}

/// Gives a mechanism these functions (each once).
async fn add_functions(
    txn: &DatabaseTransaction,
    id: i64,
    functions: &[MechanismFunction],
) -> MutationResult<()> {
    let mut functions = functions.to_vec();
    functions.sort();
    functions.dedup();
    for function in functions {
        mechanism_function::ActiveModel {
            mechanism_id: Set(id),
            function: Set(function),
        }
        .insert(txn)
        .await?;
    }
    Ok(())
}

/// Links a mechanism to the issues it addresses (distinct ids known to exist).
async fn add_issues(txn: &DatabaseTransaction, id: i64, issues: &[i64]) -> MutationResult<()> {
    for issue in issues {
        mechanism_issue::ActiveModel {
            mechanism_id: Set(id),
            policy_issue_id: Set(*issue),
        }
        .insert(txn)
        .await?;
    }
    Ok(())
}

/// A new cooperation mechanism, existing or proposed.
#[derive(Debug, Clone)]
pub struct NewMechanism {
    pub name: String,
    pub acronym: Option<String>,
    pub kind: MechanismKind,
    pub scope: Option<MechanismScope>,
    pub status: MechanismStatus,
    pub host_stakeholder_id: Option<i64>,
    pub established: Option<String>,
    pub description: Option<String>,
    pub functions: Vec<MechanismFunction>,
    pub issue_ids: Vec<i64>,
}

/// Adds a cooperation mechanism (secretariat).
pub async fn create(db: &impl Db, viewer: &Viewer, input: NewMechanism) -> MutationResult<Model> {
    policy::may(viewer, Action::ManageCatalogue)?;
    let mut checks = Checks::default();
    let name = checks.take(Line::parse("name", &input.name, 300));
    let acronym = checks.take(optional(input.acronym.as_deref(), |a| {
        Line::parse("acronym", a, 40)
    }));
    let established = checks.take(optional(input.established.as_deref(), Established::parse));
    checks.finish()?;
    if let Some(host) = input.host_stakeholder_id {
        stakeholders::require(db, "host", host).await?;
    }
    let issues = policy_issues::require_all(db, "issues", &input.issue_ids).await?;
    let name = name.into_string();
    check_name_free(db, &name, None).await?;
    let now = Utc::now();
    let txn = db.begin().await?;
    let row = ActiveModel {
        name: Set(name),
        acronym: Set(acronym.map(Line::into_string)),
        kind: Set(input.kind),
        scope: Set(input.scope),
        status: Set(input.status),
        host_stakeholder_id: Set(input.host_stakeholder_id),
        established: Set(established.map(Established::into_string)),
        description: Set(input.description.as_deref().map(|d| d.trim().to_owned())),
        created_at: Set(now),
        updated_at: Set(now),
        version: Set(1),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    add_functions(&txn, row.id, &input.functions).await?;
    add_issues(&txn, row.id, &issues).await?;
    audit::append_change(
        &txn,
        viewer,
        "mechanism.create",
        ("Mechanism", row.id),
        None,
        &row,
    )
    .await?;
    txn.commit().await?;
    Ok(row)
}

/// Changes to a mechanism; fields left out stay as they are.
#[derive(Debug, Clone, Default)]
pub struct MechanismChanges {
    pub name: Option<String>,
    pub acronym: Option<String>,
    pub status: Option<MechanismStatus>,
    pub scope: Option<MechanismScope>,
    pub description: Option<String>,
    /// `Some(None)` removes the host.
    pub host_stakeholder_id: Option<Option<i64>>,
    /// Replaces the functions.
    pub functions: Option<Vec<MechanismFunction>>,
    /// Replaces the issues it addresses.
    pub issue_ids: Option<Vec<i64>>,
}

/// Changes a mechanism at the version the caller edited, its host, functions and
/// issues replaced in the same transaction (secretariat).
pub async fn update(
    db: &impl Db,
    viewer: &Viewer,
    id: i64,
    version: i32,
    c: MechanismChanges,
) -> MutationResult<Model> {
    policy::may(viewer, Action::ManageCatalogue)?;
    let Some(before) = Entity::find_by_id(id).one(db).await? else {
        return Err(AppError::NotFound("Mechanism").into());
    };
    if before.version != version {
        return Err(AppError::Conflict("mechanism").into());
    }
    let mut checks = Checks::default();
    let mut row = <ActiveModel as Default>::default();
    if let Some(n) = &c.name {
        row.name = Set(checks.take(Line::parse("name", n, 300)).into_string());
    }
    if let Some(a) = &c.acronym {
        row.acronym = Set(Some(
            checks.take(Line::parse("acronym", a, 40)).into_string(),
        ));
    }
    if let Some(s) = c.status {
        row.status = Set(s);
    }
    if let Some(s) = c.scope {
        row.scope = Set(Some(s));
    }
    if let Some(d) = &c.description {
        row.description = Set(Some(d.trim().to_owned()));
    }
    checks.finish()?;
    if let Some(name) = &c.name {
        check_name_free(db, name.trim(), Some(id)).await?;
    }
    if let Some(host) = c.host_stakeholder_id {
        if let Some(host) = host {
            stakeholders::require(db, "host", host).await?;
        }
        row.host_stakeholder_id = Set(host);
    }
    let issues = match &c.issue_ids {
        Some(ids) => Some(policy_issues::require_all(db, "issues", ids).await?),
        None => None,
    };
    let txn = db.begin().await?;
    let after = save_at_version(&txn, id, version, row, "mechanism").await?;
    if let Some(functions) = &c.functions {
        mechanism_function::Entity::delete_many()
            .filter(mechanism_function::Column::MechanismId.eq(id))
            .exec(&txn)
            .await?;
        add_functions(&txn, id, functions).await?;
    }
    if let Some(issues) = &issues {
        mechanism_issue::Entity::delete_many()
            .filter(mechanism_issue::Column::MechanismId.eq(id))
            .exec(&txn)
            .await?;
        add_issues(&txn, id, issues).await?;
    }
    // The after-state includes the links the update replaced.
    audit::append(
        &txn,
        &Actor::of(viewer),
        Change {
            action: "mechanism.update",
            target_type: "Mechanism",
            target_id: Some(id),
            before: Some(audit::state_hash(&before)),
            after: Some(audit::state_hash(&(&after, &c.functions, &c.issue_ids))),
        },
    )
    .await?;
    txn.commit().await?;
    Ok(after)
}
