//! Contribution counts kept up to date by every write, so that statistics read a few
//! rows whatever the number of contributions: per consultation × stakeholder group ×
//! kind × status × visibility, and the same per stakeholder (a principal also counts its
//! own stakeholder's contributions that its role alone would not let it read).
//! Filled here from the contributions already stored.

use sea_orm_migration::{prelude::*, schema::*};

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261129_000007_tally"
    }
}

#[derive(DeriveIden)]
enum ContributionTally {
    Table,
    ConsultationId,
    StakeholderGroup,
    Kind,
    Status,
    Visibility,
    N,
}

#[derive(DeriveIden)]
enum StakeholderTally {
    Table,
    ConsultationId,
    StakeholderId,
    Kind,
    Status,
    Visibility,
    N,
}

/// Length of the string columns that hold a domain enum's name (as in the first migration).
const ENUM_LEN: u32 = 40;

const FILL_CONTRIBUTION_TALLY: &str = "\
INSERT INTO contribution_tally (consultation_id, stakeholder_group, kind, status, visibility, n) \
SELECT c.consultation_id, s.stakeholder_group, c.kind, c.status, c.visibility, COUNT(*) \
FROM contribution c JOIN stakeholder s ON s.id = c.stakeholder_id \
GROUP BY c.consultation_id, s.stakeholder_group, c.kind, c.status, c.visibility";

const FILL_STAKEHOLDER_TALLY: &str = "\
INSERT INTO stakeholder_tally (consultation_id, stakeholder_id, kind, status, visibility, n) \
SELECT consultation_id, stakeholder_id, kind, status, visibility, COUNT(*) \
FROM contribution \
GROUP BY consultation_id, stakeholder_id, kind, status, visibility";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(ContributionTally::Table)
                    .col(big_integer(ContributionTally::ConsultationId))
                    .col(string_len(ContributionTally::StakeholderGroup, ENUM_LEN))
                    .col(string_len(ContributionTally::Kind, ENUM_LEN))
                    .col(string_len(ContributionTally::Status, ENUM_LEN))
                    .col(string_len(ContributionTally::Visibility, ENUM_LEN))
                    .col(big_integer(ContributionTally::N).default(0))
                    .primary_key(
                        Index::create()
                            .col(ContributionTally::ConsultationId)
                            .col(ContributionTally::StakeholderGroup)
                            .col(ContributionTally::Kind)
                            .col(ContributionTally::Status)
                            .col(ContributionTally::Visibility),
                    )
                    .take(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(StakeholderTally::Table)
                    .col(big_integer(StakeholderTally::ConsultationId))
                    .col(big_integer(StakeholderTally::StakeholderId))
                    .col(string_len(StakeholderTally::Kind, ENUM_LEN))
                    .col(string_len(StakeholderTally::Status, ENUM_LEN))
                    .col(string_len(StakeholderTally::Visibility, ENUM_LEN))
                    .col(big_integer(StakeholderTally::N).default(0))
                    .primary_key(
                        Index::create()
                            .col(StakeholderTally::ConsultationId)
                            .col(StakeholderTally::StakeholderId)
                            .col(StakeholderTally::Kind)
                            .col(StakeholderTally::Status)
                            .col(StakeholderTally::Visibility),
                    )
                    .take(),
            )
            .await?;
        let db = manager.get_connection();
        db.execute_unprepared(FILL_CONTRIBUTION_TALLY).await?;
        db.execute_unprepared(FILL_STAKEHOLDER_TALLY).await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(StakeholderTally::Table).take())
            .await?;
        manager
            .drop_table(Table::drop().table(ContributionTally::Table).take())
            .await
    }
}
