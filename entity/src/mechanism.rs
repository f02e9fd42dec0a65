//! An international cooperation mechanism.
use crate::enums::{MechanismKind, MechanismScope, MechanismStatus};
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "mechanism")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    #[sea_orm(unique)]
    pub name: String,
    pub acronym: Option<String>,
    pub kind: MechanismKind,
    /// Unknown where the report does not say.
    pub scope: Option<MechanismScope>,
    pub status: MechanismStatus,
    pub host_stakeholder_id: Option<i64>,
    /// When it was established, as precise as known (`YYYY`, `YYYY-MM`, `YYYY-MM-DD`).
    pub established: Option<String>,
    pub description: Option<String>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    pub version: i32,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
