//! Indexes for the contribution filters by submission and publication time (the
//! update time has had one since the sync migration).

use sea_orm_migration::prelude::*;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261129_000008_date_filters"
    }
}

#[derive(DeriveIden)]
enum Contribution {
    Table,
    Id,
    SubmittedAt,
    PublishedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for (name, column) in [
            ("ix_contribution_submitted_at_id", Contribution::SubmittedAt),
            ("ix_contribution_published_at_id", Contribution::PublishedAt),
        ] {
            manager
                .create_index(
                    Index::create()
                        .name(name)
                        .table(Contribution::Table)
                        .col(column)
                        .col(Contribution::Id)
                        .take(),
                )
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for name in [
            "ix_contribution_submitted_at_id",
            "ix_contribution_published_at_id",
        ] {
            manager
                .drop_index(
                    Index::drop()
                        .name(name)
                        .table(Contribution::Table)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }
}
