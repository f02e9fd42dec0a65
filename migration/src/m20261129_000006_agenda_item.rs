//! Which agenda item of its meeting a presentation or intervention belongs to.

use sea_orm_migration::{prelude::*, schema::*};

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261129_000006_agenda_item"
    }
}

#[derive(DeriveIden)]
enum Contribution {
    Table,
    AgendaItem,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Contribution::Table)
                    .add_column(integer_null(Contribution::AgendaItem))
                    .take(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Contribution::Table)
                    .drop_column(Contribution::AgendaItem)
                    .take(),
            )
            .await
    }
}
