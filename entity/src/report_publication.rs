//! A published version of a report, frozen: its Markdown (which its hash covers) and
//! HTML as rendered when it was published.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "report_publication")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub report_id: i64,
    /// 1-based, consecutive per report.
    pub number: i32,
    /// The report's version that was published.
    pub report_version: i32,
    #[sea_orm(column_type = "Text")]
    pub markdown: String,
    #[sea_orm(column_type = "Text")]
    pub html: String,
    /// Lowercase hex SHA-256 of `markdown`'s UTF-8 bytes.
    pub content_hash: String,
    /// The ids of the contributions it cites, as a JSON array.
    #[sea_orm(column_type = "Text")]
    pub citations: String,
    pub published_at: DateTimeUtc,
    pub published_by: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
