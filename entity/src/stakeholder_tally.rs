//! How many contributions one stakeholder has in one bucket of a consultation: kind ×
//! status × visibility (its group is the stakeholder's). Read for a principal's own
//! stakeholder, whose contributions it counts even where its role would not let it.
use crate::enums::{ContributionKind, ContributionStatus, Visibility};
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "stakeholder_tally")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub consultation_id: i64,
    #[sea_orm(primary_key, auto_increment = false)]
    pub stakeholder_id: i64,
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
