//! The report's table: contributions counted by stakeholder group and kind, by the
//! database (GROUP BY), over what the viewer may see.

use crate::db::Db;
use crate::error::AppResult;
use crate::policy;
use crate::viewer::Viewer;
use entity::enums::{ContributionKind, StakeholderGroup};
use entity::{contribution, stakeholder};
use sea_orm::{ColumnTrait, EntityTrait, JoinType, QueryFilter, QuerySelect, RelationTrait};
use std::collections::{BTreeMap, HashMap};

/// Counts per (group, kind); absent pairs are zero.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Counts(pub BTreeMap<(StakeholderGroup, ContributionKind), u64>);

impl Counts {
    pub fn get(&self, group: StakeholderGroup, kind: ContributionKind) -> u64 {
        self.0.get(&(group, kind)).copied().unwrap_or(0)
    }
}

/// Counts, per consultation, the contributions that `viewer` may see: one GROUP BY
/// query for any number of consultations.
pub async fn for_consultations(
    db: &impl Db,
    viewer: &Viewer,
    consultation_ids: &[i64],
) -> AppResult<HashMap<i64, Counts>> {
    let rows: Vec<(i64, StakeholderGroup, ContributionKind, i64)> = contribution::Entity::find()
        .select_only()
        .column(contribution::Column::ConsultationId)
        .column(stakeholder::Column::StakeholderGroup)
        .column(contribution::Column::Kind)
        .column_as(contribution::Column::Id.count(), "n")
        .join(
            JoinType::InnerJoin,
            contribution::Relation::Stakeholder.def(),
        )
        .filter(contribution::Column::ConsultationId.is_in(consultation_ids.iter().copied()))
        .filter(policy::counted_contributions(viewer))
        .group_by(contribution::Column::ConsultationId)
        .group_by(stakeholder::Column::StakeholderGroup)
        .group_by(contribution::Column::Kind)
        .into_tuple()
        .all(db)
        .await?;
    let mut result: HashMap<i64, Counts> = consultation_ids
        .iter()
        .map(|&id| (id, Counts::default()))
        .collect();
    for (consultation, group, kind, n) in rows {
        result
            .entry(consultation)
            .or_default()
            .0
            .insert((group, kind), n.max(0) as u64);
    }
    Ok(result)
}
