//! One email in the durable outbox, written in the transaction of the change it tells
//! of and sent by any instance (`service::mail`). It holds what the message is made
//! from, not the message: a link's token is derived again when it is sent, so the
//! table never holds a working link.
use crate::enums::{EmailLanguage, EmailStatus};
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "email_message")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    /// What it says: `invitation`, `password_reset`, `reset_request`, `moderation`.
    pub kind: String,
    pub recipient: String,
    pub language: EmailLanguage,
    /// What the template is filled with (JSON).
    #[sea_orm(column_type = "Text")]
    pub params: String,
    pub status: EmailStatus,
    pub attempts: i32,
    pub next_attempt_at: DateTimeUtc,
    /// While an instance is sending it, no other takes it.
    pub lease_until: Option<DateTimeUtc>,
    pub last_error: Option<String>,
    pub created_at: DateTimeUtc,
    pub sent_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
