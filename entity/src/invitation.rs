//! An invitation to hold an account: a one-time link, bound to the email it was sent
//! to, that sets the account's password. The token is stored only as its SHA-256.
use crate::enums::{EmailLanguage, Role};
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "invitation")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    /// As entered.
    pub email: String,
    /// Lowercased, as `account.email_normalized`.
    pub email_normalized: String,
    pub display_name: String,
    pub role: Role,
    pub stakeholder_id: Option<i64>,
    pub language: EmailLanguage,
    #[sea_orm(unique)]
    pub token_hash: String,
    pub expires_at: DateTimeUtc,
    /// The secretariat account that invited (none: the command line).
    pub invited_by: Option<i64>,
    pub created_at: DateTimeUtc,
    /// When the invitee set a password; the account it made.
    pub accepted_at: Option<DateTimeUtc>,
    pub account_id: Option<i64>,
    /// When a newer invitation to the same email replaced it.
    pub superseded_at: Option<DateTimeUtc>,
    /// The email that carries the link (none when the link was handed over).
    pub email_message_id: Option<i64>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
