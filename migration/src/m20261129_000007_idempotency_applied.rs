//! When a keyed mutation's change committed: set inside the mutation's own transaction,
//! so that a claim its process left behind (a crash, an outage) is resolved from what
//! really happened: not applied, it runs again; applied, it does not.

use sea_orm_migration::{prelude::*, schema::*};

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261129_000007_idempotency_applied"
    }
}

#[derive(DeriveIden)]
enum IdempotencyKey {
    Table,
    AppliedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(IdempotencyKey::Table)
                    .add_column(timestamp_with_time_zone_null(IdempotencyKey::AppliedAt))
                    .take(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(IdempotencyKey::Table)
                    .drop_column(IdempotencyKey::AppliedAt)
                    .take(),
            )
            .await
    }
}
