//! A partner organization's programmatic identity (OAuth 2.0 client credentials).
use crate::enums::{PrincipalStatus, Role};
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "api_client")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    #[sea_orm(unique)]
    pub client_id: String,
    pub name: String,
    pub stakeholder_id: i64,
    pub role: Role,
    /// Space-separated OAuth scopes (`read`, `submit`).
    pub scopes: String,
    /// Lowercase hex SHA-256 of the secret (256 random bits, so a fast hash is safe);
    /// the secret itself is never stored.
    pub secret_hash: String,
    pub status: PrincipalStatus,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    pub secret_rotated_at: Option<DateTimeUtc>,
    pub version: i32,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
