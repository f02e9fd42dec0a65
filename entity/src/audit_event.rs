//! One change of state, append-only, chained to the previous event by hash.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "audit_event")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub occurred_at: DateTimeUtc,
    pub actor_account_id: Option<i64>,
    pub actor_client_id: Option<i64>,
    /// Who acted, as shown to readers (`system`, an email, a client id).
    pub actor_label: String,
    pub action: String,
    pub target_type: String,
    pub target_id: Option<i64>,
    pub before_hash: Option<String>,
    pub after_hash: Option<String>,
    /// Hash of the previous event; empty for the first.
    pub prev_hash: String,
    pub hash: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
