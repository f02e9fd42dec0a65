//! Disclosure: contributions published without naming their stakeholder, and
//! contributions embargoed until their consultation closes.

use sea_orm_migration::{prelude::*, schema::*};

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261129_000005_disclosure"
    }
}

#[derive(DeriveIden)]
enum Contribution {
    Table,
    Attributed,
    Embargoed,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // One column per statement: SQLite adds columns one at a time.
        manager
            .alter_table(
                Table::alter()
                    .table(Contribution::Table)
                    .add_column(boolean(Contribution::Attributed).default(true))
                    .take(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Contribution::Table)
                    .add_column(boolean(Contribution::Embargoed).default(false))
                    .take(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Contribution::Table)
                    .drop_column(Contribution::Embargoed)
                    .take(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Contribution::Table)
                    .drop_column(Contribution::Attributed)
                    .take(),
            )
            .await
    }
}
