//! A partner's HTTPS endpoint and the events it wants.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "webhook")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub url: String,
    /// Event names, comma-separated.
    pub events: String,
    /// The signing secret. Kept in clear (HMAC needs it) and never shown after it is made.
    #[serde(skip)]
    pub secret: String,
    pub owner_account_id: Option<i64>,
    pub owner_client_id: Option<i64>,
    pub description: Option<String>,
    pub active: bool,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    pub version: i32,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
