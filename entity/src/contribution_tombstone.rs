//! A contribution that left the published view, so that mirrors can drop it.
use crate::enums::{TombstoneReason, Visibility};
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "contribution_tombstone")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub contribution_id: i64,
    pub consultation_id: i64,
    pub stakeholder_id: i64,
    /// The visibility it had while published: who may learn that it left.
    pub visibility: Visibility,
    pub reason: TombstoneReason,
    pub occurred_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
