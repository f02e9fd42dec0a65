//! The report's table: contributions counted by stakeholder group and kind, over what
//! the viewer may see, read from the kept tallies (see [`super::tally`]): a few dozen
//! rows per consultation whatever the number of contributions.

use crate::db::Db;
use crate::error::AppResult;
use crate::policy;
use crate::viewer::Viewer;
use entity::enums::{ContributionKind, StakeholderGroup};
use entity::{contribution_tally, stakeholder, stakeholder_tally};
use sea_orm::{ColumnTrait, Condition, EntityTrait, QueryFilter};
use std::collections::{BTreeMap, HashMap};

/// Counts per (group, kind); absent pairs are zero.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Counts(pub BTreeMap<(StakeholderGroup, ContributionKind), u64>);

impl Counts {
    pub fn get(&self, group: StakeholderGroup, kind: ContributionKind) -> u64 {
        self.0.get(&(group, kind)).copied().unwrap_or(0)
    }
}

/// Counts, per consultation, the contributions that `viewer` may see, from the
/// tallies: one query for any number of consultations (two for a principal with a
/// stakeholder, whose own submissions count too).
#[tracing::instrument(
    name = "statistics::for_consultations",
    level = "debug",
    skip_all,
    err(Debug, level = "debug")
)]
pub async fn for_consultations(
    db: &impl Db,
    viewer: &Viewer,
    consultation_ids: &[i64],
) -> AppResult<HashMap<i64, Counts>> {
    let counted = policy::counted_buckets(viewer);
    let mut result: HashMap<i64, Counts> = consultation_ids
        .iter()
        .map(|&id| (id, Counts::default()))
        .collect();
    let mut add = |consultation: i64, group, kind, n: i64| {
        *result
            .entry(consultation)
            .or_default()
            .0
            .entry((group, kind))
            .or_default() += n.max(0) as u64;
    };
    if !counted.everyone.is_empty() {
        let buckets = counted
            .everyone
            .iter()
            .fold(Condition::any(), |any, &(s, v)| {
                any.add(
                    Condition::all()
                        .add(contribution_tally::Column::Status.eq(s))
                        .add(contribution_tally::Column::Visibility.eq(v)),
                )
            });
        let rows = contribution_tally::Entity::find()
            .filter(
                contribution_tally::Column::ConsultationId.is_in(consultation_ids.iter().copied()),
            )
            .filter(buckets)
            .all(db)
            .await?;
        for r in rows {
            add(r.consultation_id, r.stakeholder_group, r.kind, r.n);
        }
    }
    if let Some(own) = counted.own_stakeholder
        && let Some(own_row) = stakeholder::Entity::find_by_id(own).one(db).await?
    {
        let rows = stakeholder_tally::Entity::find()
            .filter(
                stakeholder_tally::Column::ConsultationId.is_in(consultation_ids.iter().copied()),
            )
            .filter(stakeholder_tally::Column::StakeholderId.eq(own))
            .filter(stakeholder_tally::Column::Status.is_in(policy::COUNTED_STATUSES))
            .all(db)
            .await?;
        for r in rows {
            // Already counted with everyone's when the bucket is one the role reads.
            if !counted.everyone.contains(&(r.status, r.visibility)) {
                add(r.consultation_id, own_row.stakeholder_group, r.kind, r.n);
            }
        }
    }
    Ok(result)
}
