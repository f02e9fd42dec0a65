//! Indexes for listing contributions in order of creation or by title, paged by keyset
//! on (column, id); submission, publication and update times have theirs already.

use sea_orm_migration::prelude::*;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261130_000009_sort_keys"
    }
}

#[derive(DeriveIden)]
enum Contribution {
    Table,
    Id,
    CreatedAt,
    Title,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for (name, column) in [
            ("ix_contribution_created_at_id", Contribution::CreatedAt),
            ("ix_contribution_title_id", Contribution::Title),
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
        for name in ["ix_contribution_created_at_id", "ix_contribution_title_id"] {
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
