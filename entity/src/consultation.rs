//! One open consultation.
use crate::enums::ConsultationStatus;
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "consultation")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    #[sea_orm(unique)]
    pub slug: String,
    pub title: String,
    pub mandate: String,
    pub convened_by: Option<String>,
    /// JSON array of strings.
    pub guiding_questions: Json,
    pub opens_at: DateTimeUtc,
    pub closes_at: DateTimeUtc,
    pub status: ConsultationStatus,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    pub version: i32,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
