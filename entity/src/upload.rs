//! A document received and not yet attached to a revision (`service::attachments`):
//! `PENDING` while a two-step upload waits for its bytes, `READY` once they are stored.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "upload")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    /// The principal that uploaded it (`account:<id>` or `client:<id>`).
    pub owner: String,
    pub state: String,
    pub blob_key: String,
    pub name: String,
    pub content_type: Option<String>,
    /// Bytes stored (`READY`), or announced (`PENDING`).
    pub size: i64,
    pub sha256: Option<String>,
    #[sea_orm(column_type = "Text", nullable)]
    pub text: Option<String>,
    pub created_at: DateTimeUtc,
    pub expires_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
