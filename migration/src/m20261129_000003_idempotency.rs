//! Safe retries: the first response to each (principal, Idempotency-Key), with a hash
//! of the request it answered.

use sea_orm_migration::{prelude::*, schema::*};

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261129_000003_idempotency"
    }
}

#[derive(DeriveIden)]
enum IdempotencyKey {
    Table,
    Principal,
    Key,
    RequestHash,
    Response,
    CreatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(IdempotencyKey::Table)
                    .col(string_len(IdempotencyKey::Principal, 64))
                    .col(string_len(IdempotencyKey::Key, 200))
                    .col(string_len(IdempotencyKey::RequestHash, 64))
                    .col(text_null(IdempotencyKey::Response))
                    .col(timestamp_with_time_zone(IdempotencyKey::CreatedAt))
                    .primary_key(
                        Index::create()
                            .col(IdempotencyKey::Principal)
                            .col(IdempotencyKey::Key),
                    )
                    .take(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_idempotency_key_created_at")
                    .table(IdempotencyKey::Table)
                    .col(IdempotencyKey::CreatedAt)
                    .take(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(IdempotencyKey::Table).take())
            .await
    }
}
