//! A policy issue that a contribution raises.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "contribution_issue")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub contribution_id: i64,
    #[sea_orm(primary_key, auto_increment = false)]
    pub policy_issue_id: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::contribution::Entity",
        from = "Column::ContributionId",
        to = "super::contribution::Column::Id"
    )]
    Contribution,
    #[sea_orm(
        belongs_to = "super::policy_issue::Entity",
        from = "Column::PolicyIssueId",
        to = "super::policy_issue::Column::Id"
    )]
    PolicyIssue,
}

impl ActiveModelBehavior for ActiveModel {}

impl Related<super::policy_issue::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::PolicyIssue.def()
    }
}
