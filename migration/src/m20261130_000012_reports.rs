//! From contributions to the report, and outward to partners:
//! - the secretariat's report drafts (sections of paragraphs, each paragraph's
//!   citations) and their publications, each frozen with its SHA-256;
//! - translations of a contribution's revisions into the UN's official languages,
//!   searchable like the original (beside it, in the search table's row);
//! - partners' webhooks and their durable outbox of deliveries, with every attempt.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;
use sea_orm_migration::sea_orm::{ConnectionTrait, DbBackend};

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261130_000012_reports"
    }
}

#[derive(DeriveIden)]
enum Report {
    Table,
    Id,
    ConsultationId,
    Title,
    Symbol,
    CreatedAt,
    UpdatedAt,
    Version,
}

#[derive(DeriveIden)]
enum ReportSection {
    Table,
    Id,
    ReportId,
    Kind,
    Position,
    Heading,
    CreatedAt,
    UpdatedAt,
    Version,
}

#[derive(DeriveIden)]
enum ReportParagraph {
    Table,
    Id,
    SectionId,
    ReportId,
    Position,
    Body,
    Citations,
    CreatedAt,
    UpdatedAt,
    Version,
}

#[derive(DeriveIden)]
enum ReportPublication {
    Table,
    Id,
    ReportId,
    Number,
    ReportVersion,
    Markdown,
    Html,
    ContentHash,
    Citations,
    PublishedAt,
    PublishedBy,
}

#[derive(DeriveIden)]
enum ContributionTranslation {
    Table,
    Id,
    ContributionId,
    RevisionId,
    Language,
    Title,
    Body,
    Official,
    SuppliedByAccountId,
    SuppliedByClientId,
    SuppliedBy,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Webhook {
    Table,
    Id,
    Url,
    Events,
    Secret,
    OwnerAccountId,
    OwnerClientId,
    Description,
    Active,
    CreatedAt,
    UpdatedAt,
    Version,
}

#[derive(DeriveIden)]
enum WebhookDelivery {
    Table,
    Id,
    WebhookId,
    Event,
    Payload,
    Status,
    Attempts,
    NextAttemptAt,
    LeaseUntil,
    LastStatusCode,
    LastError,
    CreatedAt,
    DeliveredAt,
}

#[derive(DeriveIden)]
enum WebhookAttempt {
    Table,
    Id,
    DeliveryId,
    AttemptedAt,
    StatusCode,
    Error,
    DurationMs,
}

#[derive(DeriveIden)]
enum Consultation {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Contribution {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum ContributionRevision {
    Table,
    Id,
}

/// Length of the string columns that hold a domain enum's name (as in the first migration).
const ENUM_LEN: u32 = 40;

fn id_col(name: impl IntoIden) -> ColumnDef {
    big_integer(name).auto_increment().primary_key().take()
}

fn fk(
    from: (impl IntoIden, impl IntoIden),
    to: (impl IntoIden, impl IntoIden),
    on_delete: ForeignKeyAction,
) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .from(from.0, from.1)
        .to(to.0, to.1)
        .on_delete(on_delete)
        .on_update(ForeignKeyAction::Cascade)
        .take()
}

/// The search table gains the current revision's translations, beside the original in
/// the same row, so that a search reads one index whichever text matches. PostgreSQL: a
/// column, and the generated `tsvector` (with its per-language indexes) made again to
/// cover it at weight C, stemmed in the row's language. SQLite: the FTS5 table made
/// again with a third column; the application refills it at start-up.
const SEARCH_POSTGRES: &[&str] = &[
    "ALTER TABLE contribution_search ADD COLUMN translations TEXT NOT NULL DEFAULT ''",
    "ALTER TABLE contribution_search DROP COLUMN document",
    "ALTER TABLE contribution_search ADD COLUMN document TSVECTOR GENERATED ALWAYS AS (
        setweight(to_tsvector(config, title), 'A') || setweight(to_tsvector(config, body), 'B')
        || setweight(to_tsvector(config, translations), 'C')
    ) STORED",
];

const SEARCH_SQLITE: &[&str] = &[
    "DROP TABLE contribution_search",
    "CREATE VIRTUAL TABLE contribution_search USING fts5(
        title, body, translations, tokenize = 'porter unicode61 remove_diacritics 2'
    )",
];

/// The configurations contributions are indexed in (one partial GIN index each).
const CONFIGS: [&str; 5] = ["english", "french", "spanish", "russian", "simple"];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Report::Table)
                    .col(id_col(Report::Id))
                    .col(big_integer(Report::ConsultationId).unique_key())
                    .col(string_len(Report::Title, 300))
                    .col(string_len_null(Report::Symbol, 100))
                    .col(timestamp_with_time_zone(Report::CreatedAt))
                    .col(timestamp_with_time_zone(Report::UpdatedAt))
                    .col(integer(Report::Version).default(1))
                    .foreign_key(&mut fk(
                        (Report::Table, Report::ConsultationId),
                        (Consultation::Table, Consultation::Id),
                        ForeignKeyAction::Restrict,
                    ))
                    .take(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(ReportSection::Table)
                    .col(id_col(ReportSection::Id))
                    .col(big_integer(ReportSection::ReportId))
                    .col(string_len(ReportSection::Kind, ENUM_LEN))
                    .col(integer(ReportSection::Position))
                    .col(string_len(ReportSection::Heading, 300))
                    .col(timestamp_with_time_zone(ReportSection::CreatedAt))
                    .col(timestamp_with_time_zone(ReportSection::UpdatedAt))
                    .col(integer(ReportSection::Version).default(1))
                    .foreign_key(&mut fk(
                        (ReportSection::Table, ReportSection::ReportId),
                        (Report::Table, Report::Id),
                        ForeignKeyAction::Cascade,
                    ))
                    .take(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_report_section_report")
                    .table(ReportSection::Table)
                    .col(ReportSection::ReportId)
                    .col(ReportSection::Position)
                    .take(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(ReportParagraph::Table)
                    .col(id_col(ReportParagraph::Id))
                    .col(big_integer(ReportParagraph::SectionId))
                    .col(big_integer(ReportParagraph::ReportId))
                    .col(integer(ReportParagraph::Position))
                    .col(text(ReportParagraph::Body))
                    // The structured citations, as JSON (markers in the body are parsed).
                    .col(text(ReportParagraph::Citations))
                    .col(timestamp_with_time_zone(ReportParagraph::CreatedAt))
                    .col(timestamp_with_time_zone(ReportParagraph::UpdatedAt))
                    .col(integer(ReportParagraph::Version).default(1))
                    .foreign_key(&mut fk(
                        (ReportParagraph::Table, ReportParagraph::SectionId),
                        (ReportSection::Table, ReportSection::Id),
                        ForeignKeyAction::Cascade,
                    ))
                    .take(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_report_paragraph_section")
                    .table(ReportParagraph::Table)
                    .col(ReportParagraph::SectionId)
                    .col(ReportParagraph::Position)
                    .take(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(ReportPublication::Table)
                    .col(id_col(ReportPublication::Id))
                    .col(big_integer(ReportPublication::ReportId))
                    .col(integer(ReportPublication::Number))
                    .col(integer(ReportPublication::ReportVersion))
                    .col(text(ReportPublication::Markdown))
                    .col(text(ReportPublication::Html))
                    .col(string_len(ReportPublication::ContentHash, 64))
                    // The ids of the contributions it cites, as a JSON array.
                    .col(text(ReportPublication::Citations))
                    .col(timestamp_with_time_zone(ReportPublication::PublishedAt))
                    .col(string_len(ReportPublication::PublishedBy, 100))
                    .foreign_key(&mut fk(
                        (ReportPublication::Table, ReportPublication::ReportId),
                        (Report::Table, Report::Id),
                        ForeignKeyAction::Cascade,
                    ))
                    .index(
                        Index::create()
                            .unique()
                            .name("ux_report_publication_number")
                            .col(ReportPublication::ReportId)
                            .col(ReportPublication::Number),
                    )
                    .take(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(ContributionTranslation::Table)
                    .col(id_col(ContributionTranslation::Id))
                    .col(big_integer(ContributionTranslation::ContributionId))
                    .col(big_integer(ContributionTranslation::RevisionId))
                    .col(string_len(ContributionTranslation::Language, 8))
                    .col(string_len(ContributionTranslation::Title, 500))
                    .col(text(ContributionTranslation::Body))
                    .col(boolean(ContributionTranslation::Official))
                    .col(big_integer_null(
                        ContributionTranslation::SuppliedByAccountId,
                    ))
                    .col(big_integer_null(
                        ContributionTranslation::SuppliedByClientId,
                    ))
                    .col(string_len(ContributionTranslation::SuppliedBy, 300))
                    .col(timestamp_with_time_zone(ContributionTranslation::CreatedAt))
                    .foreign_key(&mut fk(
                        (
                            ContributionTranslation::Table,
                            ContributionTranslation::ContributionId,
                        ),
                        (Contribution::Table, Contribution::Id),
                        ForeignKeyAction::Cascade,
                    ))
                    .foreign_key(&mut fk(
                        (
                            ContributionTranslation::Table,
                            ContributionTranslation::RevisionId,
                        ),
                        (ContributionRevision::Table, ContributionRevision::Id),
                        ForeignKeyAction::Cascade,
                    ))
                    .index(
                        Index::create()
                            .unique()
                            .name("ux_contribution_translation_language")
                            .col(ContributionTranslation::RevisionId)
                            .col(ContributionTranslation::Language),
                    )
                    .take(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_contribution_translation_contribution")
                    .table(ContributionTranslation::Table)
                    .col(ContributionTranslation::ContributionId)
                    .take(),
            )
            .await?;
        let db = manager.get_connection();
        if db.get_database_backend() == DbBackend::Postgres {
            for sql in SEARCH_POSTGRES {
                db.execute_unprepared(sql).await?;
            }
            for config in CONFIGS {
                db.execute_unprepared(&format!(
                    "CREATE INDEX ix_contribution_search_{config} ON contribution_search \
                     USING GIN (document) WHERE config = '{config}'::regconfig"
                ))
                .await?;
            }
        } else {
            for sql in SEARCH_SQLITE {
                db.execute_unprepared(sql).await?;
            }
        }

        manager
            .create_table(
                Table::create()
                    .table(Webhook::Table)
                    .col(id_col(Webhook::Id))
                    .col(string_len(Webhook::Url, 2000))
                    .col(string_len(Webhook::Events, 400))
                    .col(string_len(Webhook::Secret, 100))
                    .col(big_integer_null(Webhook::OwnerAccountId))
                    .col(big_integer_null(Webhook::OwnerClientId))
                    .col(string_len_null(Webhook::Description, 300))
                    .col(boolean(Webhook::Active))
                    .col(timestamp_with_time_zone(Webhook::CreatedAt))
                    .col(timestamp_with_time_zone(Webhook::UpdatedAt))
                    .col(integer(Webhook::Version).default(1))
                    .take(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(WebhookDelivery::Table)
                    .col(id_col(WebhookDelivery::Id))
                    .col(big_integer(WebhookDelivery::WebhookId))
                    .col(string_len(WebhookDelivery::Event, 60))
                    .col(text(WebhookDelivery::Payload))
                    .col(string_len(WebhookDelivery::Status, ENUM_LEN))
                    .col(integer(WebhookDelivery::Attempts).default(0))
                    .col(timestamp_with_time_zone(WebhookDelivery::NextAttemptAt))
                    .col(timestamp_with_time_zone_null(WebhookDelivery::LeaseUntil))
                    .col(integer_null(WebhookDelivery::LastStatusCode))
                    .col(string_len_null(WebhookDelivery::LastError, 500))
                    .col(timestamp_with_time_zone(WebhookDelivery::CreatedAt))
                    .col(timestamp_with_time_zone_null(WebhookDelivery::DeliveredAt))
                    .foreign_key(&mut fk(
                        (WebhookDelivery::Table, WebhookDelivery::WebhookId),
                        (Webhook::Table, Webhook::Id),
                        ForeignKeyAction::Cascade,
                    ))
                    .take(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_webhook_delivery_due")
                    .table(WebhookDelivery::Table)
                    .col(WebhookDelivery::Status)
                    .col(WebhookDelivery::NextAttemptAt)
                    .take(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_webhook_delivery_webhook")
                    .table(WebhookDelivery::Table)
                    .col(WebhookDelivery::WebhookId)
                    .col(WebhookDelivery::Id)
                    .take(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(WebhookAttempt::Table)
                    .col(id_col(WebhookAttempt::Id))
                    .col(big_integer(WebhookAttempt::DeliveryId))
                    .col(timestamp_with_time_zone(WebhookAttempt::AttemptedAt))
                    .col(integer_null(WebhookAttempt::StatusCode))
                    .col(string_len_null(WebhookAttempt::Error, 500))
                    .col(big_integer(WebhookAttempt::DurationMs))
                    .foreign_key(&mut fk(
                        (WebhookAttempt::Table, WebhookAttempt::DeliveryId),
                        (WebhookDelivery::Table, WebhookDelivery::Id),
                        ForeignKeyAction::Cascade,
                    ))
                    .take(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_webhook_attempt_delivery")
                    .table(WebhookAttempt::Table)
                    .col(WebhookAttempt::DeliveryId)
                    .take(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        if db.get_database_backend() == DbBackend::Postgres {
            for sql in [
                "ALTER TABLE contribution_search DROP COLUMN document",
                "ALTER TABLE contribution_search DROP COLUMN translations",
                "ALTER TABLE contribution_search ADD COLUMN document TSVECTOR GENERATED ALWAYS AS (
                    setweight(to_tsvector(config, title), 'A') || setweight(to_tsvector(config, body), 'B')
                ) STORED",
            ] {
                db.execute_unprepared(sql).await?;
            }
            for config in CONFIGS {
                db.execute_unprepared(&format!(
                    "CREATE INDEX ix_contribution_search_{config} ON contribution_search \
                     USING GIN (document) WHERE config = '{config}'::regconfig"
                ))
                .await?;
            }
        } else {
            for sql in [
                "DROP TABLE contribution_search",
                "CREATE VIRTUAL TABLE contribution_search USING fts5(
                    title, body, tokenize = 'porter unicode61 remove_diacritics 2'
                )",
            ] {
                db.execute_unprepared(sql).await?;
            }
        }
        for table in [
            "webhook_attempt",
            "webhook_delivery",
            "webhook",
            "contribution_translation",
            "report_publication",
            "report_paragraph",
            "report_section",
            "report",
        ] {
            manager
                .get_connection()
                .execute_unprepared(&format!("DROP TABLE {table}"))
                .await?;
        }
        Ok(())
    }
}
