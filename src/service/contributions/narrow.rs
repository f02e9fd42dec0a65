//! Narrow reads of contributions, for compiled reads (`graphql::compiled`): only the
//! columns a query shows, each contribution's stakeholder joined in the same statement,
//! read by position. The rows are the same as [`super::list`] and [`super::by_ids`]
//! find: the conditions come from the same [`super::filter::select`] and
//! [`policy::readable_contributions`].

use super::filter::{ContributionFilter, select_for};
use super::read::{Parent, select_with_parent};
use crate::db::Db;
use crate::error::AppResult;
use crate::paging::{self, Listing, Page, Slice};
use crate::policy;
use crate::viewer::Viewer;
use entity::contribution::{Column, Entity, Model};
use entity::enums::{ContributionKind, ContributionStatus, StakeholderGroup, Visibility};
use entity::stakeholder;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ColumnTrait, EntityTrait, JoinType, QueryFilter, QuerySelect, QueryTrait, RelationTrait, Select,
};
use std::collections::HashMap;

/// A contribution and its stakeholder, read in one statement: the stakeholder is a
/// public record (no condition of its own to carry into the join), and is `None` only
/// for a dangling reference (or when it was not asked for).
#[derive(Debug, Clone)]
pub struct WithStakeholder {
    pub contribution: Model,
    pub stakeholder: Option<stakeholder::Model>,
}

/// The columns a narrow read selects ([`list_narrow`], [`by_ids_narrow`]): of the
/// contribution, and of its stakeholder (joined only when some are asked for). Columns
/// not asked for keep a blank value in the models read, which nothing may read. The row
/// keys are always selected, and the list's order column.
#[derive(Debug, Clone, Default)]
pub struct Columns {
    pub contribution: Vec<Column>,
    pub stakeholder: Vec<stakeholder::Column>,
}

impl Columns {
    /// Adds a contribution column, once.
    pub fn need(&mut self, column: Column) {
        if !self.contribution.iter().any(|c| same(*c, column)) {
            self.contribution.push(column);
        }
    }

    /// Adds a stakeholder column, once.
    pub fn need_stakeholder(&mut self, column: stakeholder::Column) {
        if !self.stakeholder.iter().any(|c| same(*c, column)) {
            self.stakeholder.push(column);
        }
    }

    /// `select` narrowed to these columns (the contribution's first, then the
    /// stakeholder's), with the stakeholder joined when any of its columns is asked for.
    fn narrow(&mut self, select: Select<Entity>, order: Option<Column>) -> Select<Entity> {
        self.need(Column::Id);
        if let Some(order) = order {
            self.need(order);
        }
        if !self.stakeholder.is_empty() {
            self.need(Column::StakeholderId);
            if !same(self.stakeholder[0], stakeholder::Column::Id) {
                self.stakeholder
                    .retain(|c| !same(*c, stakeholder::Column::Id));
                self.stakeholder.insert(0, stakeholder::Column::Id);
            }
        }
        let mut select = select.select_only();
        for column in &self.contribution {
            select = select.column(*column);
        }
        if !self.stakeholder.is_empty() {
            select = select.join(
                JoinType::LeftJoin,
                entity::contribution::Relation::Stakeholder.def(),
            );
            for column in &self.stakeholder {
                select = select.expr(Expr::col((stakeholder::Entity, *column)));
            }
        }
        select
    }

    /// A row of a [`Columns::narrow`] select, read by position (its first column at
    /// `first`).
    fn decode(
        &self,
        row: &sea_orm::QueryResult,
        first: usize,
    ) -> Result<WithStakeholder, sea_orm::DbErr> {
        let mut c = blank_contribution();
        for (i, column) in self.contribution.iter().enumerate() {
            let i = first + i;
            match column {
                Column::Id => c.id = row.try_get_by_index(i)?,
                Column::ConsultationId => c.consultation_id = row.try_get_by_index(i)?,
                Column::MeetingId => c.meeting_id = row.try_get_by_index(i)?,
                Column::StakeholderId => c.stakeholder_id = row.try_get_by_index(i)?,
                Column::OnBehalfOfGroup => c.on_behalf_of_group = row.try_get_by_index(i)?,
                Column::Kind => c.kind = row.try_get_by_index(i)?,
                Column::Status => c.status = row.try_get_by_index(i)?,
                Column::Visibility => c.visibility = row.try_get_by_index(i)?,
                Column::Title => c.title = row.try_get_by_index(i)?,
                Column::Language => c.language = row.try_get_by_index(i)?,
                Column::LatestRevision => c.latest_revision = row.try_get_by_index(i)?,
                Column::WithdrawnReason => c.withdrawn_reason = row.try_get_by_index(i)?,
                Column::CreatedAt => c.created_at = row.try_get_by_index(i)?,
                Column::UpdatedAt => c.updated_at = row.try_get_by_index(i)?,
                Column::SubmittedAt => c.submitted_at = row.try_get_by_index(i)?,
                Column::PublishedAt => c.published_at = row.try_get_by_index(i)?,
                Column::Version => c.version = row.try_get_by_index(i)?,
                Column::Attributed => c.attributed = row.try_get_by_index(i)?,
                Column::Embargoed => c.embargoed = row.try_get_by_index(i)?,
                Column::AgendaItem => c.agenda_item = row.try_get_by_index(i)?,
            }
        }
        let base = first + self.contribution.len();
        let mut holder = None;
        // The stakeholder's id comes first: null when the join found none.
        if !self.stakeholder.is_empty()
            && let Some(id) = row.try_get_by_index::<Option<i64>>(base)?
        {
            let mut s = blank_stakeholder();
            s.id = id;
            for (i, column) in self.stakeholder.iter().enumerate().skip(1) {
                let i = base + i;
                match column {
                    stakeholder::Column::Id => {}
                    stakeholder::Column::Name => s.name = row.try_get_by_index(i)?,
                    stakeholder::Column::Acronym => s.acronym = row.try_get_by_index(i)?,
                    stakeholder::Column::StakeholderGroup => {
                        s.stakeholder_group = row.try_get_by_index(i)?
                    }
                    stakeholder::Column::Accreditation => {
                        s.accreditation = row.try_get_by_index(i)?
                    }
                    stakeholder::Column::CountryCode => s.country_code = row.try_get_by_index(i)?,
                    stakeholder::Column::RegionalGroup => {
                        s.regional_group = row.try_get_by_index(i)?
                    }
                    stakeholder::Column::Website => s.website = row.try_get_by_index(i)?,
                    stakeholder::Column::CreatedAt => s.created_at = row.try_get_by_index(i)?,
                    stakeholder::Column::UpdatedAt => s.updated_at = row.try_get_by_index(i)?,
                    stakeholder::Column::Version => s.version = row.try_get_by_index(i)?,
                }
            }
            holder = Some(s);
        }
        Ok(WithStakeholder {
            contribution: c,
            stakeholder: holder,
        })
    }
}

/// Whether two columns are the same (SeaORM's columns do not compare).
fn same<C: sea_orm::IdenStatic>(a: C, b: C) -> bool {
    a.as_str() == b.as_str()
}

/// A contribution whose every column is blank, to be filled from a narrow read.
fn blank_contribution() -> Model {
    Model {
        id: 0,
        consultation_id: 0,
        meeting_id: None,
        stakeholder_id: 0,
        on_behalf_of_group: None,
        kind: ContributionKind::WrittenComment,
        status: ContributionStatus::Draft,
        visibility: Visibility::Public,
        title: String::new(),
        language: String::new(),
        latest_revision: 0,
        withdrawn_reason: None,
        created_at: chrono::DateTime::UNIX_EPOCH,
        updated_at: chrono::DateTime::UNIX_EPOCH,
        submitted_at: None,
        published_at: None,
        version: 0,
        attributed: false,
        embargoed: false,
        agenda_item: None,
    }
}

/// A stakeholder whose every column is blank, to be filled from a narrow read.
fn blank_stakeholder() -> stakeholder::Model {
    stakeholder::Model {
        id: 0,
        name: String::new(),
        acronym: None,
        stakeholder_group: StakeholderGroup::Government,
        accreditation: entity::enums::Accreditation::MemberState,
        country_code: None,
        regional_group: None,
        website: None,
        created_at: chrono::DateTime::UNIX_EPOCH,
        updated_at: chrono::DateTime::UNIX_EPOCH,
        version: 0,
    }
}

/// [`super::list`], reading only `columns` (and each contribution's stakeholder, when some of
/// its columns are asked for), in one statement, by position.
pub async fn list_narrow(
    db: &impl Db,
    viewer: &Viewer,
    filter: &ContributionFilter,
    page: &Page,
    mut columns: Columns,
) -> AppResult<Listing<WithStakeholder>> {
    let plain = select_for(db.get_database_backend(), viewer, filter, page);
    let order = page.order.column_of::<Entity>()?;
    let narrow = columns.narrow(plain.clone(), order);
    let slice = paging::fetch_page_with(
        db,
        narrow,
        Column::Id,
        page,
        |row| columns.decode(row, 0),
        |r: &WithStakeholder| &r.contribution,
    )
    .await?;
    Ok(Listing {
        slice,
        counter: paging::Counter::new(db, plain),
    })
}

/// [`super::pages_by_parent`], reading only `columns` (and each contribution's
/// stakeholder, when some of its columns are asked for), in one statement, by position.
pub async fn pages_by_parent_narrow(
    db: &impl Db,
    viewer: &Viewer,
    parent: Parent,
    parent_ids: &[i64],
    filter: &ContributionFilter,
    page: &Page,
    mut columns: Columns,
) -> AppResult<HashMap<i64, Slice<WithStakeholder>>> {
    let (select, parent_expr) =
        select_with_parent(db.get_database_backend(), viewer, filter, parent);
    let order = page.order.column_of::<Entity>()?;
    let narrow = columns.narrow(select, order);
    paging::fetch_pages_by_parent_with(
        db,
        narrow,
        parent_expr,
        Column::Id,
        parent_ids,
        page,
        |row, first| columns.decode(row, first),
        |r: &WithStakeholder| &r.contribution,
    )
    .await
}

/// [`super::by_ids`], reading only `columns` (and the stakeholder's, when asked for), in one
/// statement, by position.
pub async fn by_ids_narrow(
    db: &impl Db,
    viewer: &Viewer,
    ids: &[i64],
    mut columns: Columns,
) -> AppResult<HashMap<i64, WithStakeholder>> {
    let select = columns.narrow(
        Entity::find()
            .filter(Column::Id.is_in(ids.iter().copied()))
            .filter(policy::readable_contributions(viewer)),
        None,
    );
    let statement = select.build(db.get_database_backend());
    let mut out = HashMap::new();
    for row in db.query_all_raw(statement).await? {
        let read = columns.decode(&row, 0)?;
        out.insert(read.contribution.id, read);
    }
    Ok(out)
}
