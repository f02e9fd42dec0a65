//! A translation of one revision of a contribution into another UN official language.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "contribution_translation")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub contribution_id: i64,
    pub revision_id: i64,
    /// One of ar, en, es, fr, ru, zh; never the revision's own language.
    pub language: String,
    pub title: String,
    #[sea_orm(column_type = "Text")]
    pub body: String,
    /// Supplied by the secretariat as the official text.
    pub official: bool,
    pub supplied_by_account_id: Option<i64>,
    pub supplied_by_client_id: Option<i64>,
    /// Who supplied it, as the audit log names principals (`account:7`).
    pub supplied_by: String,
    /// Who supplied it as anyone may be told: `SECRETARIAT` or `CONTRIBUTOR` (one of
    /// the stakeholder's own principals).
    pub supplied_as: String,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::contribution_revision::Entity",
        from = "Column::RevisionId",
        to = "super::contribution_revision::Column::Id"
    )]
    Revision,
}

impl Related<super::contribution_revision::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Revision.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
