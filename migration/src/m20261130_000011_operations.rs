//! Persisted operations (Apollo's automatic persisted queries and the operator's
//! allow-list) and the rate-limit buckets of every principal, shared by every instance.
//! On PostgreSQL the buckets are an UNLOGGED table: they are written on every request,
//! and what they hold is worth nothing after a crash (a bucket lost is a full one).

use sea_orm::DbBackend;
use sea_orm_migration::{prelude::*, schema::*};

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261130_000011_operations"
    }
}

#[derive(DeriveIden)]
enum PersistedOperation {
    Table,
    Hash,
    Document,
    Allowed,
    Name,
    CreatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(PersistedOperation::Table)
                    .col(string_len(PersistedOperation::Hash, 64).primary_key())
                    .col(text(PersistedOperation::Document))
                    .col(boolean(PersistedOperation::Allowed))
                    .col(string_len_null(PersistedOperation::Name, 200))
                    .col(timestamp_with_time_zone(PersistedOperation::CreatedAt))
                    .take(),
            )
            .await?;
        let unlogged = match manager.get_database_backend() {
            DbBackend::Postgres => "UNLOGGED ",
            _ => "",
        };
        manager
            .get_connection()
            .execute_unprepared(&format!(
                "CREATE {unlogged}TABLE rate_limit_bucket (\
                 principal VARCHAR(100) NOT NULL PRIMARY KEY, \
                 used DOUBLE PRECISION NOT NULL, \
                 updated_at BIGINT NOT NULL)"
            ))
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .get_connection()
            .execute_unprepared("DROP TABLE rate_limit_bucket")
            .await?;
        manager
            .drop_table(Table::drop().table(PersistedOperation::Table).take())
            .await
    }
}
