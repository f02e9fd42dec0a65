//! A document attached to one revision of a contribution. A revision that carries a
//! document forward from the one before has a row of its own naming the same blob.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "attachment")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub contribution_id: i64,
    pub revision_number: i32,
    /// Its place among the revision's attachments, from 0.
    pub position: i32,
    /// The principal that uploaded it (`account:<id>` or `client:<id>`): whose storage
    /// quota it counts against.
    pub owner: String,
    pub blob_key: String,
    pub name: String,
    pub content_type: String,
    pub size: i64,
    pub sha256: String,
    /// Text extracted for search (PDF, DOCX, ODT, plain text), if any.
    #[sea_orm(column_type = "Text", nullable)]
    pub text: Option<String>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
