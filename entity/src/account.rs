//! A person who signs in.
use crate::enums::{EmailLanguage, PrincipalStatus, Role};
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "account")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    /// As entered.
    pub email: String,
    /// Lowercased; unique, so emails compare case-insensitively.
    #[sea_orm(unique)]
    pub email_normalized: String,
    pub display_name: String,
    /// Argon2id PHC string.
    pub password_hash: String,
    pub role: Role,
    /// Required for MEMBER_STATE and OBSERVER.
    pub stakeholder_id: Option<i64>,
    pub status: PrincipalStatus,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    pub version: i32,
    /// The language of the emails it receives.
    pub language: EmailLanguage,
    /// Whether its holder hears by email when the secretariat publishes, unpublishes
    /// or withdraws a contribution of its stakeholder.
    pub moderation_emails: bool,
    /// The second factor's secret (base32), once enrolled.
    pub totp_secret: Option<String>,
    /// A secret being enrolled, until a code confirms it.
    pub totp_pending_secret: Option<String>,
    /// The last 30-second step whose code signed in: no code of it or before works again.
    pub totp_last_step: Option<i64>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
