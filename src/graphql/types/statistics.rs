use crate::service::statistics::Counts;
use async_graphql::SimpleObject;
use entity::enums::{ContributionKind, StakeholderGroup};

/// Contributions counted by stakeholder group and kind: the table of the
/// Secretary-General's report. Every group and kind is present, zeros included.
#[derive(SimpleObject, Debug, Clone)]
pub struct ContributionStatistics {
    /// All counted contributions.
    pub total: i32,
    /// Counts per kind, over all groups (the table's last row), in enum order.
    pub by_kind: Vec<KindCount>,
    /// Counts per stakeholder group (the table's rows), in enum order.
    pub by_group: Vec<GroupStatistics>,
}

/// The contributions of one stakeholder group.
#[derive(SimpleObject, Debug, Clone)]
pub struct GroupStatistics {
    /// The stakeholder group.
    pub group: StakeholderGroup,
    /// All counted contributions of the group.
    pub total: i32,
    /// The group's counts per kind, in enum order.
    pub by_kind: Vec<KindCount>,
}

/// How many contributions of one kind.
#[derive(SimpleObject, Debug, Clone)]
pub struct KindCount {
    /// The kind of contribution.
    pub kind: ContributionKind,
    /// How many.
    pub count: i32,
}

fn int(n: u64) -> i32 {
    i32::try_from(n).unwrap_or(i32::MAX)
}

impl ContributionStatistics {
    pub fn from_counts(counts: &Counts) -> ContributionStatistics {
        let kind_counts = |count: &dyn Fn(ContributionKind) -> u64| -> Vec<KindCount> {
            ContributionKind::ALL
                .iter()
                .map(|&kind| KindCount {
                    kind,
                    count: int(count(kind)),
                })
                .collect()
        };
        let by_group = StakeholderGroup::ALL
            .iter()
            .map(|&group| {
                let by_kind = kind_counts(&|kind| counts.get(group, kind));
                GroupStatistics {
                    group,
                    total: by_kind.iter().map(|k| k.count).sum(),
                    by_kind,
                }
            })
            .collect();
        let by_kind = kind_counts(&|kind| {
            StakeholderGroup::ALL
                .iter()
                .map(|&group| counts.get(group, kind))
                .sum()
        });
        ContributionStatistics {
            total: by_kind.iter().map(|k| k.count).sum(),
            by_kind,
            by_group,
        }
    }
}
