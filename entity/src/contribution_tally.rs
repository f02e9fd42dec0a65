//! How many contributions sit in one bucket of a consultation: stakeholder group × kind
//! × status × visibility. Kept by every write that moves a contribution (see the
//! `tally` service); statistics read these rows instead of counting contributions.
use crate::enums::{ContributionKind, ContributionStatus, StakeholderGroup, Visibility};
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "contribution_tally")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub consultation_id: i64,
    #[sea_orm(primary_key, auto_increment = false)]
    pub stakeholder_group: StakeholderGroup,
    #[sea_orm(primary_key, auto_increment = false)]
    pub kind: ContributionKind,
    #[sea_orm(primary_key, auto_increment = false)]
    pub status: ContributionStatus,
    #[sea_orm(primary_key, auto_increment = false)]
    pub visibility: Visibility,
    pub n: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
