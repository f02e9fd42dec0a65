//! An operation stored by its SHA-256: registered by a client (Apollo's automatic
//! persisted queries) or put on the allow-list by an operator (`concord operations add`).
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "persisted_operation")]
pub struct Model {
    /// SHA-256 of `document`, lowercase hex.
    #[sea_orm(primary_key, auto_increment = false)]
    pub hash: String,
    #[sea_orm(column_type = "Text")]
    pub document: String,
    /// On the allow-list (`CONCORD_ONLY_PERSISTED` runs only these).
    pub allowed: bool,
    /// The document's operation names, comma-separated, for listing.
    pub name: Option<String>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
