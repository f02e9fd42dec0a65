//! Analysis of a consultation's contributions, counted by the database: which policy
//! issues each stakeholder group raised, and the contributions by original language.
//! Every count is of the *conveyed* contributions (submitted or published; not drafts,
//! not withdrawn) that the viewer may read, and every cell's contributions are listed by
//! [`ContributionFilter`] exactly as they are counted ([`cell_filter`]), so that a
//! count always equals its list's `totalCount`.

use super::read::{ContributionFilter, select};
use crate::db::Db;
use crate::error::AppResult;
use crate::viewer::Viewer;
use entity::contribution::{Column, Entity};
use entity::enums::{ContributionStatus, StakeholderGroup};
use entity::{contribution_issue, policy_issue, stakeholder};
use sea_orm::sea_query::{Alias, Expr, ExprTrait, Query};
use sea_orm::{EntityTrait, QueryOrder, QuerySelect, QueryTrait};
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
