//! A mechanism that a contribution discusses, with its stance.
use crate::enums::Stance;
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "contribution_mechanism")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub contribution_id: i64,
    #[sea_orm(primary_key, auto_increment = false)]
    pub mechanism_id: i64,
    pub stance: Stance,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
