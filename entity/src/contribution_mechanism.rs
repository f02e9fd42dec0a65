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
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::mechanism::Entity",
        from = "Column::MechanismId",
        to = "super::mechanism::Column::Id"
    )]
    Mechanism,
}

impl Related<super::mechanism::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Mechanism.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
