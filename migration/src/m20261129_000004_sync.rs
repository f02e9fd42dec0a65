//! Keeping mirrors in sync: contributions by `updated_at`, and tombstones for
//! contributions that leave the published view (withdrawn, unpublished, revised).

use sea_orm_migration::{prelude::*, schema::*};

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261129_000004_sync"
    }
}

#[derive(DeriveIden)]
enum Contribution {
    Table,
    Id,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum ContributionTombstone {
    Table,
    Id,
    ContributionId,
    ConsultationId,
    StakeholderId,
    Visibility,
    Reason,
    OccurredAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_index(
                Index::create()
                    .name("ix_contribution_updated_at_id")
                    .table(Contribution::Table)
                    .col(Contribution::UpdatedAt)
                    .col(Contribution::Id)
                    .take(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(ContributionTombstone::Table)
                    .col(
                        big_integer(ContributionTombstone::Id)
                            .auto_increment()
                            .primary_key(),
                    )
                    .col(big_integer(ContributionTombstone::ContributionId))
                    .col(big_integer(ContributionTombstone::ConsultationId))
                    .col(big_integer(ContributionTombstone::StakeholderId))
                    .col(string_len(ContributionTombstone::Visibility, 40))
                    .col(string_len(ContributionTombstone::Reason, 40))
                    .col(timestamp_with_time_zone(ContributionTombstone::OccurredAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(
                                ContributionTombstone::Table,
                                ContributionTombstone::ContributionId,
                            )
                            .to(Contribution::Table, Contribution::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .take(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_contribution_tombstone_consultation")
                    .table(ContributionTombstone::Table)
                    .col(ContributionTombstone::ConsultationId)
                    .col(ContributionTombstone::OccurredAt)
                    .take(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(ContributionTombstone::Table).take())
            .await?;
        manager
            .drop_index(
                Index::drop()
                    .name("ix_contribution_updated_at_id")
                    .table(Contribution::Table)
                    .to_owned(),
            )
            .await
    }
}
