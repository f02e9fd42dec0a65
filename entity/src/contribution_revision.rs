//! One version of a contribution's text. Once its contribution is submitted a
//! revision is never changed: an author's change makes a new one.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "contribution_revision")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub contribution_id: i64,
    /// 1-based, consecutive per contribution.
    pub number: i32,
    pub title: String,
    #[sea_orm(column_type = "Text")]
    pub body: String,
    pub language: String,
    /// Lowercase hex SHA-256 of the revision's canonical form.
    pub content_hash: String,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
