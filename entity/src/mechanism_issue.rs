//! A policy issue that a mechanism addresses.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "mechanism_issue")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub mechanism_id: i64,
    #[sea_orm(primary_key, auto_increment = false)]
    pub policy_issue_id: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::mechanism::Entity",
        from = "Column::MechanismId",
        to = "super::mechanism::Column::Id"
    )]
    Mechanism,
    #[sea_orm(
        belongs_to = "super::policy_issue::Entity",
        from = "Column::PolicyIssueId",
        to = "super::policy_issue::Column::Id"
    )]
    PolicyIssue,
}

impl ActiveModelBehavior for ActiveModel {}
