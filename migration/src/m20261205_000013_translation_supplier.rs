//! Translations: who supplied one, as anyone may be told (`supplied_as`: the
//! secretariat or the contributor), kept beside the principal (which only those who may
//! see the contribution's attribution are shown).

use sea_orm_migration::prelude::*;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261205_000013_translation_supplier"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        db.execute_unprepared(
            "ALTER TABLE contribution_translation \
             ADD COLUMN supplied_as VARCHAR(20) NOT NULL DEFAULT 'CONTRIBUTOR'",
        )
        .await?;
        db.execute_unprepared(
            "UPDATE contribution_translation SET supplied_as = 'SECRETARIAT' \
             WHERE official OR (supplied_by_account_id IS NULL AND supplied_by_client_id IS NULL) \
             OR supplied_by_account_id IN (SELECT id FROM account WHERE role = 'SECRETARIAT')",
        )
        .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .get_connection()
            .execute_unprepared("ALTER TABLE contribution_translation DROP COLUMN supplied_as")
            .await?;
        Ok(())
    }
}
