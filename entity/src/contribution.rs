//! What a stakeholder says to a consultation. The text of each submitted version
//! lives in `contribution_revision`; `title` and `language` here mirror the latest
//! revision so that lists never load bodies.
use crate::enums::{ContributionKind, ContributionStatus, StakeholderGroup, Visibility};
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "contribution")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub consultation_id: i64,
    pub meeting_id: Option<i64>,
    pub stakeholder_id: i64,
    pub on_behalf_of_group: Option<StakeholderGroup>,
    pub kind: ContributionKind,
    pub status: ContributionStatus,
    pub visibility: Visibility,
    pub title: String,
    pub language: String,
    /// Number of the latest revision (1-based).
    pub latest_revision: i32,
    pub withdrawn_reason: Option<String>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    pub submitted_at: Option<DateTimeUtc>,
    pub published_at: Option<DateTimeUtc>,
    pub version: i32,
    /// False: published without naming the stakeholder (counted under its group only).
    pub attributed: bool,
    /// True: held back until the consultation closes, then published automatically.
    pub embargoed: bool,
    /// For meeting records: the 0-based index of the meeting's agenda item.
    pub agenda_item: Option<i32>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::stakeholder::Entity",
        from = "Column::StakeholderId",
        to = "super::stakeholder::Column::Id"
    )]
    Stakeholder,
}

impl Related<super::stakeholder::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Stakeholder.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
