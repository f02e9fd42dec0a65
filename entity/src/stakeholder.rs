//! An entity that may take part in consultations.
use crate::enums::{Accreditation, RegionalGroup, StakeholderGroup};
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "stakeholder")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    #[sea_orm(unique)]
    pub name: String,
    pub acronym: Option<String>,
    pub stakeholder_group: StakeholderGroup,
    pub accreditation: Accreditation,
    /// ISO 3166-1 alpha-3, for Governments.
    pub country_code: Option<String>,
    pub regional_group: Option<RegionalGroup>,
    pub website: Option<String>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    pub version: i32,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
