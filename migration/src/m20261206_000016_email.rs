//! Email: a durable outbox (`email_message`, with each attempt in `email_attempt`),
//! invitations to hold an account, and what an account's holder wants by email (its
//! language, and whether it hears of the moderation of its stakeholder's words). And a
//! report paragraph's own number, for one quoted from another document.

use sea_orm_migration::{prelude::*, schema::*};

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261206_000016_email"
    }
}

#[derive(DeriveIden)]
enum Account {
    Table,
    Language,
    ModerationEmails,
    TotpSecret,
    TotpPendingSecret,
    TotpLastStep,
}

#[derive(DeriveIden)]
enum RecoveryCode {
    Table,
    Id,
    AccountId,
    CodeHash,
    CreatedAt,
    UsedAt,
}

#[derive(DeriveIden)]
enum ServerSetting {
    Table,
    Key,
    Value,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum ReportParagraph {
    Table,
    Number,
}

#[derive(DeriveIden)]
enum EmailMessage {
    Table,
    Id,
    Kind,
    Recipient,
    Language,
    Params,
    Status,
    Attempts,
    NextAttemptAt,
    LeaseUntil,
    LastError,
    CreatedAt,
    SentAt,
}

#[derive(DeriveIden)]
enum EmailAttempt {
    Table,
    Id,
    MessageId,
    AttemptedAt,
    SmtpCode,
    Error,
    DurationMs,
}

#[derive(DeriveIden)]
enum Invitation {
    Table,
    Id,
    Email,
    EmailNormalized,
    DisplayName,
    Role,
    StakeholderId,
    Language,
    TokenHash,
    ExpiresAt,
    InvitedBy,
    CreatedAt,
    AcceptedAt,
    AccountId,
    SupersededAt,
    EmailMessageId,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // SQLite adds one column per statement.
        manager
            .alter_table(
                Table::alter()
                    .table(Account::Table)
                    .add_column(string_len(Account::Language, 40).default("EN"))
                    .take(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Account::Table)
                    .add_column(boolean(Account::ModerationEmails).default(true))
                    .take(),
            )
            .await?;
        // The second factor (`service::second_factor`).
        for column in [
            string_len_null(Account::TotpSecret, 64),
            string_len_null(Account::TotpPendingSecret, 64),
            big_integer_null(Account::TotpLastStep),
        ] {
            let mut column = column;
            manager
                .alter_table(
                    Table::alter()
                        .table(Account::Table)
                        .add_column(&mut column)
                        .take(),
                )
                .await?;
        }
        manager
            .create_table(
                Table::create()
                    .table(RecoveryCode::Table)
                    .col(big_integer(RecoveryCode::Id).auto_increment().primary_key())
                    .col(big_integer(RecoveryCode::AccountId))
                    .col(string_len(RecoveryCode::CodeHash, 64))
                    .col(timestamp_with_time_zone(RecoveryCode::CreatedAt))
                    .col(timestamp_with_time_zone_null(RecoveryCode::UsedAt))
                    .take(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("recovery_code_account")
                    .table(RecoveryCode::Table)
                    .col(RecoveryCode::AccountId)
                    .take(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(ServerSetting::Table)
                    .col(string_len(ServerSetting::Key, 100).primary_key())
                    .col(text(ServerSetting::Value))
                    .col(timestamp_with_time_zone(ServerSetting::UpdatedAt))
                    .take(),
            )
            .await?;
        // A paragraph quoted from another document keeps its number there.
        manager
            .alter_table(
                Table::alter()
                    .table(ReportParagraph::Table)
                    .add_column(integer_null(ReportParagraph::Number))
                    .take(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(EmailMessage::Table)
                    .col(big_integer(EmailMessage::Id).auto_increment().primary_key())
                    .col(string_len(EmailMessage::Kind, 40))
                    .col(string_len(EmailMessage::Recipient, 320))
                    .col(string_len(EmailMessage::Language, 40))
                    .col(text(EmailMessage::Params))
                    .col(string_len(EmailMessage::Status, 40))
                    .col(integer(EmailMessage::Attempts))
                    .col(timestamp_with_time_zone(EmailMessage::NextAttemptAt))
                    .col(timestamp_with_time_zone_null(EmailMessage::LeaseUntil))
                    .col(text_null(EmailMessage::LastError))
                    .col(timestamp_with_time_zone(EmailMessage::CreatedAt))
                    .col(timestamp_with_time_zone_null(EmailMessage::SentAt))
                    .take(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("email_message_due")
                    .table(EmailMessage::Table)
                    .col(EmailMessage::Status)
                    .col(EmailMessage::NextAttemptAt)
                    .take(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(EmailAttempt::Table)
                    .col(big_integer(EmailAttempt::Id).auto_increment().primary_key())
                    .col(big_integer(EmailAttempt::MessageId))
                    .col(timestamp_with_time_zone(EmailAttempt::AttemptedAt))
                    .col(integer_null(EmailAttempt::SmtpCode))
                    .col(text_null(EmailAttempt::Error))
                    .col(big_integer(EmailAttempt::DurationMs))
                    .foreign_key(
                        ForeignKey::create()
                            .from(EmailAttempt::Table, EmailAttempt::MessageId)
                            .to(EmailMessage::Table, EmailMessage::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .take(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("email_attempt_message")
                    .table(EmailAttempt::Table)
                    .col(EmailAttempt::MessageId)
                    .take(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Invitation::Table)
                    .col(big_integer(Invitation::Id).auto_increment().primary_key())
                    .col(string_len(Invitation::Email, 320))
                    .col(string_len(Invitation::EmailNormalized, 320))
                    .col(string_len(Invitation::DisplayName, 200))
                    .col(string_len(Invitation::Role, 40))
                    .col(big_integer_null(Invitation::StakeholderId))
                    .col(string_len(Invitation::Language, 40))
                    .col(string_len_uniq(Invitation::TokenHash, 64))
                    .col(timestamp_with_time_zone(Invitation::ExpiresAt))
                    .col(big_integer_null(Invitation::InvitedBy))
                    .col(timestamp_with_time_zone(Invitation::CreatedAt))
                    .col(timestamp_with_time_zone_null(Invitation::AcceptedAt))
                    .col(big_integer_null(Invitation::AccountId))
                    .col(timestamp_with_time_zone_null(Invitation::SupersededAt))
                    .col(big_integer_null(Invitation::EmailMessageId))
                    .take(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("invitation_email")
                    .table(Invitation::Table)
                    .col(Invitation::EmailNormalized)
                    .take(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            "server_setting",
            "recovery_code",
            "invitation",
            "email_attempt",
            "email_message",
        ] {
            manager
                .drop_table(Table::drop().table(Alias::new(table)).take())
                .await?;
        }
        manager
            .alter_table(
                Table::alter()
                    .table(ReportParagraph::Table)
                    .drop_column(ReportParagraph::Number)
                    .take(),
            )
            .await?;
        for column in [
            Account::TotpLastStep,
            Account::TotpPendingSecret,
            Account::TotpSecret,
            Account::ModerationEmails,
            Account::Language,
        ] {
            manager
                .alter_table(
                    Table::alter()
                        .table(Account::Table)
                        .drop_column(column)
                        .take(),
                )
                .await?;
        }
        Ok(())
    }
}
