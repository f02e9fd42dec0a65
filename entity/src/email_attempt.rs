//! One attempt at sending an email of the outbox.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "email_attempt")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub message_id: i64,
    pub attempted_at: DateTimeUtc,
    /// The SMTP server's reply code, when it gave one.
    pub smtp_code: Option<i32>,
    /// What went wrong; none when the server accepted the message.
    pub error: Option<String>,
    pub duration_ms: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
