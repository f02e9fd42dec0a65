//! Identity: refresh tokens (rotated, in families), one-time password-reset tokens,
//! failed-login counters shared by every instance, and the server's own signing key
//! when none is configured.

use sea_orm_migration::{prelude::*, schema::*};

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261129_000002_identity"
    }
}

#[derive(DeriveIden)]
enum Account {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum RefreshToken {
    Table,
    Id,
    AccountId,
    FamilyId,
    TokenHash,
    ExpiresAt,
    CreatedAt,
    RotatedAt,
    RevokedAt,
}

#[derive(DeriveIden)]
enum PasswordReset {
    Table,
    Id,
    AccountId,
    TokenHash,
    ExpiresAt,
    CreatedAt,
    UsedAt,
}

#[derive(DeriveIden)]
enum LoginThrottle {
    Table,
    Key,
    WindowStartedAt,
    Failures,
}

#[derive(DeriveIden)]
enum SigningKey {
    Table,
    Purpose,
    Kid,
    Secret,
    CreatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(RefreshToken::Table)
                    .col(big_integer(RefreshToken::Id).auto_increment().primary_key())
                    .col(big_integer(RefreshToken::AccountId))
                    .col(string_len(RefreshToken::FamilyId, 64))
                    .col(string_len_uniq(RefreshToken::TokenHash, 64))
                    .col(timestamp_with_time_zone(RefreshToken::ExpiresAt))
                    .col(timestamp_with_time_zone(RefreshToken::CreatedAt))
                    .col(timestamp_with_time_zone_null(RefreshToken::RotatedAt))
                    .col(timestamp_with_time_zone_null(RefreshToken::RevokedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(RefreshToken::Table, RefreshToken::AccountId)
                            .to(Account::Table, Account::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .take(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_refresh_token_family")
                    .table(RefreshToken::Table)
                    .col(RefreshToken::FamilyId)
                    .take(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_refresh_token_account")
                    .table(RefreshToken::Table)
                    .col(RefreshToken::AccountId)
                    .take(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(PasswordReset::Table)
                    .col(
                        big_integer(PasswordReset::Id)
                            .auto_increment()
                            .primary_key(),
                    )
                    .col(big_integer(PasswordReset::AccountId))
                    .col(string_len_uniq(PasswordReset::TokenHash, 64))
                    .col(timestamp_with_time_zone(PasswordReset::ExpiresAt))
                    .col(timestamp_with_time_zone(PasswordReset::CreatedAt))
                    .col(timestamp_with_time_zone_null(PasswordReset::UsedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(PasswordReset::Table, PasswordReset::AccountId)
                            .to(Account::Table, Account::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .take(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_password_reset_account")
                    .table(PasswordReset::Table)
                    .col(PasswordReset::AccountId)
                    .take(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(LoginThrottle::Table)
                    .col(string_len(LoginThrottle::Key, 400).primary_key())
                    .col(timestamp_with_time_zone(LoginThrottle::WindowStartedAt))
                    .col(integer(LoginThrottle::Failures))
                    .take(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(SigningKey::Table)
                    .col(string_len(SigningKey::Purpose, 40).primary_key())
                    .col(string_len(SigningKey::Kid, 64))
                    .col(string_len(SigningKey::Secret, 200))
                    .col(timestamp_with_time_zone(SigningKey::CreatedAt))
                    .take(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            SigningKey::Table.into_iden(),
            LoginThrottle::Table.into_iden(),
            PasswordReset::Table.into_iden(),
            RefreshToken::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).take())
                .await?;
        }
        Ok(())
    }
}
