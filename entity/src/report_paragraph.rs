//! A paragraph of a report draft, with its citations.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "report_paragraph")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub section_id: i64,
    pub report_id: i64,
    /// Order within its section.
    pub position: i32,
    #[sea_orm(column_type = "Text")]
    pub body: String,
    /// The structured citations, as JSON (the `[[c:ID]]` markers live in the body).
    #[sea_orm(column_type = "Text")]
    pub citations: String,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    pub version: i32,
    /// The number it keeps from the document it is quoted from (the seeded draft
    /// quotes the 2011 report); none: numbered in order after the one before.
    pub number: Option<i32>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
