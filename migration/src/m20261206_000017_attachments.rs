//! Attachments: documents submitted with a contribution's revision. An `upload` is a
//! document received but not yet attached (by the GraphQL multipart request, or by the
//! two-step upload: asked for, then its bytes sent); attaching it to a revision makes
//! an `attachment` row, one per revision that carries the document. Rows name their
//! blob (`blob_key`) in the object store; a blob is written before any row names it.

use sea_orm_migration::{prelude::*, schema::*};

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261206_000017_attachments"
    }
}

#[derive(DeriveIden)]
enum Upload {
    Table,
    Id,
    Owner,
    State,
    BlobKey,
    Name,
    ContentType,
    Size,
    Sha256,
    Text,
    CreatedAt,
    ExpiresAt,
}

#[derive(DeriveIden)]
enum Attachment {
    Table,
    Id,
    ContributionId,
    RevisionNumber,
    Position,
    Owner,
    BlobKey,
    Name,
    ContentType,
    Size,
    Sha256,
    Text,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Contribution {
    Table,
    Id,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Upload::Table)
                    .col(big_integer(Upload::Id).auto_increment().primary_key())
                    .col(string_len(Upload::Owner, 64))
                    .col(string_len(Upload::State, 16))
                    .col(string_len(Upload::BlobKey, 100))
                    .col(string_len(Upload::Name, 255))
                    .col(string_len_null(Upload::ContentType, 100))
                    .col(big_integer(Upload::Size))
                    .col(string_len_null(Upload::Sha256, 64))
                    .col(text_null(Upload::Text))
                    .col(timestamp_with_time_zone(Upload::CreatedAt))
                    .col(timestamp_with_time_zone(Upload::ExpiresAt))
                    .take(),
            )
            .await?;
        for (name, column) in [
            ("upload_owner", Upload::Owner),
            ("upload_blob", Upload::BlobKey),
            ("upload_expires", Upload::ExpiresAt),
        ] {
            manager
                .create_index(
                    Index::create()
                        .name(name)
                        .table(Upload::Table)
                        .col(column)
                        .take(),
                )
                .await?;
        }
        manager
            .create_table(
                Table::create()
                    .table(Attachment::Table)
                    .col(big_integer(Attachment::Id).auto_increment().primary_key())
                    .col(big_integer(Attachment::ContributionId))
                    .col(integer(Attachment::RevisionNumber))
                    .col(integer(Attachment::Position))
                    .col(string_len(Attachment::Owner, 64))
                    .col(string_len(Attachment::BlobKey, 100))
                    .col(string_len(Attachment::Name, 255))
                    .col(string_len(Attachment::ContentType, 100))
                    .col(big_integer(Attachment::Size))
                    .col(string_len(Attachment::Sha256, 64))
                    .col(text_null(Attachment::Text))
                    .col(timestamp_with_time_zone(Attachment::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Attachment::Table, Attachment::ContributionId)
                            .to(Contribution::Table, Contribution::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .take(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("attachment_revision")
                    .table(Attachment::Table)
                    .col(Attachment::ContributionId)
                    .col(Attachment::RevisionNumber)
                    .col(Attachment::Position)
                    .unique()
                    .take(),
            )
            .await?;
        for (name, column) in [
            ("attachment_blob", Attachment::BlobKey),
            ("attachment_owner", Attachment::Owner),
        ] {
            manager
                .create_index(
                    Index::create()
                        .name(name)
                        .table(Attachment::Table)
                        .col(column)
                        .take(),
                )
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Attachment::Table).take())
            .await?;
        manager
            .drop_table(Table::drop().table(Upload::Table).take())
            .await
    }
}
