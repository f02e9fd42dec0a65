//! Analysis of a consultation's contributions, counted by the database: which policy
//! issues each stakeholder group raised, the contributions by original language, and
//! by the day or week they were submitted.
//! Every count is of the *conveyed* contributions (submitted or published; not drafts,
//! not withdrawn) that the viewer may read, and every cell's contributions are listed by
//! [`ContributionFilter`] exactly as they are counted ([`cell_filter`]), so that a
//! count always equals its list's `totalCount`.

use super::filter::{ContributionFilter, select};
use crate::db::Db;
use crate::error::AppResult;
use crate::viewer::Viewer;
use entity::contribution::{Column, Entity};
use entity::enums::{ContributionKind, ContributionStatus, StakeholderGroup};
use entity::{contribution_issue, policy_issue, stakeholder};
use sea_orm::sea_query::{Alias, Expr, ExprTrait, Query};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, QueryTrait};
use std::collections::HashMap;

/// The statuses the analysis counts: what was conveyed to the consultation.
pub const CONVEYED: [ContributionStatus; 2] =
    [ContributionStatus::Submitted, ContributionStatus::Published];

/// What a cell counts, as a list filter: the consultation's conveyed contributions,
/// narrowed by the cell's own dimensions.
pub fn cell_filter(consultation_id: i64) -> ContributionFilter {
    ContributionFilter {
        consultation_id: Some(consultation_id),
        statuses: Some(CONVEYED.to_vec()),
        ..ContributionFilter::default()
    }
}

/// The policy issues (in the catalogue's order) and how many conveyed contributions the
/// viewer may read raised each, by the stakeholder group of their stakeholder.
pub struct IssueMatrix {
    pub issues: Vec<policy_issue::Model>,
    /// `(issue, group) → count`, zeros left out.
    pub counts: HashMap<(i64, StakeholderGroup), i64>,
}

/// The issue matrix of a consultation, for those who may browse the catalogue.
pub async fn issue_matrix(
    db: &impl Db,
    viewer: &Viewer,
    consultation_id: i64,
) -> AppResult<IssueMatrix> {
    crate::policy::may_browse(viewer)?;
    let issues = policy_issue::Entity::find()
        .order_by_asc(policy_issue::Column::Id)
        .all(db)
        .await?;
    let backend = db.get_database_backend();
    let ids = select(backend, viewer, &cell_filter(consultation_id))
        .select_only()
        .column(Column::Id)
        .into_query();
    let query = Query::select()
        .column((
            contribution_issue::Entity,
            contribution_issue::Column::PolicyIssueId,
        ))
        .column((stakeholder::Entity, stakeholder::Column::StakeholderGroup))
        .expr_as(Expr::col((Entity, Column::Id)).count(), Alias::new("n"))
        .from(contribution_issue::Entity)
        .inner_join(
            Entity,
            Expr::col((Entity, Column::Id)).equals((
                contribution_issue::Entity,
                contribution_issue::Column::ContributionId,
            )),
        )
        .inner_join(
            stakeholder::Entity,
            Expr::col((stakeholder::Entity, stakeholder::Column::Id))
                .equals((Entity, Column::StakeholderId)),
        )
        .and_where(Expr::col((Entity, Column::Id)).in_subquery(ids))
        .group_by_col((
            contribution_issue::Entity,
            contribution_issue::Column::PolicyIssueId,
        ))
        .group_by_col((stakeholder::Entity, stakeholder::Column::StakeholderGroup))
        .to_owned();
    let rows = db.query_all_raw(backend.build(&query)).await?;
    let mut counts = HashMap::new();
    for row in rows {
        let issue: i64 = row.try_get("", "policy_issue_id")?;
        let group: StakeholderGroup = row.try_get("", "stakeholder_group")?;
        let n: i64 = row.try_get("", "n")?;
        counts.insert((issue, group), n);
    }
    Ok(IssueMatrix { issues, counts })
}

/// How many conveyed contributions the viewer may read are in each original language,
/// most first (then by language).
pub async fn languages(
    db: &impl Db,
    viewer: &Viewer,
    consultation_id: i64,
) -> AppResult<Vec<(String, i64)>> {
    let backend = db.get_database_backend();
    let rows = select(backend, viewer, &cell_filter(consultation_id))
        .select_only()
        .column(Column::Language)
        .column_as(Expr::col((Entity, Column::Id)).count(), "n")
        .group_by(Column::Language)
        .into_tuple::<(String, i64)>()
        .all(db)
        .await?;
    let mut rows = rows;
    rows.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    Ok(rows)
}

/// The length of a period of [`timeline`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Interval {
    /// Calendar days (UTC).
    Day,
    /// ISO weeks, Monday to Sunday (UTC).
    Week,
}

impl Interval {
    /// The period that holds `day`: its first day and the first day after it.
    pub fn period(self, day: chrono::NaiveDate) -> (chrono::NaiveDate, chrono::NaiveDate) {
        use chrono::Datelike;
        match self {
            Interval::Day => (day, day + chrono::Days::new(1)),
            Interval::Week => {
                let monday =
                    day - chrono::Days::new(u64::from(day.weekday().num_days_from_monday()));
                (monday, monday + chrono::Days::new(7))
            }
        }
    }
}

/// How many conveyed contributions the viewer may read were submitted in each period,
/// by kind: `(first day of the period, kind) → count`, in order of period.
pub async fn timeline(
    db: &impl Db,
    viewer: &Viewer,
    consultation_id: i64,
    interval: Interval,
) -> AppResult<std::collections::BTreeMap<(chrono::NaiveDate, ContributionKind), i64>> {
    let backend = db.get_database_backend();
    // The day each was submitted, in UTC, as text; the periods are made here.
    let day = match backend {
        sea_orm::DbBackend::Postgres => {
            "to_char(contribution.submitted_at AT TIME ZONE 'UTC', 'YYYY-MM-DD')"
        }
        _ => "strftime('%Y-%m-%d', contribution.submitted_at)",
    };
    let rows = select(backend, viewer, &cell_filter(consultation_id))
        .select_only()
        .column_as(Expr::cust(day), "day")
        .column(Column::Kind)
        .column_as(Expr::col((Entity, Column::Id)).count(), "n")
        .filter(Column::SubmittedAt.is_not_null())
        .group_by(Expr::cust(day))
        .group_by(Column::Kind)
        .into_tuple::<(String, ContributionKind, i64)>()
        .all(db)
        .await?;
    let mut counts = std::collections::BTreeMap::new();
    for (day, kind, n) in rows {
        let day = chrono::NaiveDate::parse_from_str(&day, "%Y-%m-%d")
            .map_err(|e| crate::error::AppError::Internal(anyhow::anyhow!("day {day:?}: {e}")))?;
        *counts.entry((interval.period(day).0, kind)).or_insert(0) += n;
    }
    Ok(counts)
}

/// One cell of [`mechanism_stances`]: a mechanism, a stance, a group and its count.
pub type StanceCount = (i64, entity::enums::Stance, StakeholderGroup, i64);

/// How many conveyed contributions the viewer may read take each stance on each
/// mechanism, by the stakeholder group of their stakeholder; cells with none left out,
/// in order of mechanism, stance and group.
pub async fn mechanism_stances(
    db: &impl Db,
    viewer: &Viewer,
    consultation_id: i64,
) -> AppResult<Vec<(entity::mechanism::Model, Vec<StanceCount>)>> {
    use entity::contribution_mechanism as link;
    crate::policy::may_browse(viewer)?;
    let backend = db.get_database_backend();
    let ids = select(backend, viewer, &cell_filter(consultation_id))
        .select_only()
        .column(Column::Id)
        .into_query();
    let query = Query::select()
        .column((link::Entity, link::Column::MechanismId))
        .column((link::Entity, link::Column::Stance))
        .column((stakeholder::Entity, stakeholder::Column::StakeholderGroup))
        .expr_as(Expr::col((Entity, Column::Id)).count(), Alias::new("n"))
        .from(link::Entity)
        .inner_join(
            Entity,
            Expr::col((Entity, Column::Id)).equals((link::Entity, link::Column::ContributionId)),
        )
        .inner_join(
            stakeholder::Entity,
            Expr::col((stakeholder::Entity, stakeholder::Column::Id))
                .equals((Entity, Column::StakeholderId)),
        )
        .and_where(Expr::col((Entity, Column::Id)).in_subquery(ids))
        .group_by_col((link::Entity, link::Column::MechanismId))
        .group_by_col((link::Entity, link::Column::Stance))
        .group_by_col((stakeholder::Entity, stakeholder::Column::StakeholderGroup))
        .to_owned();
    let mut cells: Vec<StanceCount> = Vec::new();
    for row in db.query_all_raw(backend.build(&query)).await? {
        cells.push((
            row.try_get("", "mechanism_id")?,
            row.try_get("", "stance")?,
            row.try_get("", "stakeholder_group")?,
            row.try_get("", "n")?,
        ));
    }
    let order = |s: entity::enums::Stance| entity::enums::Stance::ALL.iter().position(|x| *x == s);
    let group_order = |g: StakeholderGroup| StakeholderGroup::ALL.iter().position(|x| *x == g);
    cells.sort_by_key(|(m, s, g, _)| (*m, order(*s), group_order(*g)));
    let mechanisms = entity::mechanism::Entity::find()
        .order_by_asc(entity::mechanism::Column::Id)
        .all(db)
        .await?;
    Ok(mechanisms
        .into_iter()
        .filter_map(|m| {
            let own: Vec<StanceCount> = cells.iter().filter(|c| c.0 == m.id).copied().collect();
            (!own.is_empty()).then_some((m, own))
        })
        .collect())
}

/// How many readable contributions match `filter` (a cell's count, for a report's
/// footnote).
pub async fn count(db: &impl Db, viewer: &Viewer, filter: &ContributionFilter) -> AppResult<u64> {
    let backend = db.get_database_backend();
    crate::paging::Counter::new(db, select(backend, viewer, filter))
        .count()
        .await
}
