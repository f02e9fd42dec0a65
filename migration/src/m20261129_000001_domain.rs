//! The whole data model of DESIGN.md: the domain, accounts, API clients and the audit log.
//! Every lookup, filter and sort path of the API has an index here; lists are paged by
//! keyset on `id`, so filtered lists use composite `(filter, id)` indexes.

use sea_orm_migration::{prelude::*, schema::*};

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261129_000001_domain"
    }
}

// The column is named after the table's noun on purpose (`group` is reserved in SQL).
#[allow(clippy::enum_variant_names)]
#[derive(DeriveIden)]
enum Stakeholder {
    Table,
    Id,
    Name,
    Acronym,
    StakeholderGroup,
    Accreditation,
    CountryCode,
    RegionalGroup,
    Website,
}

#[derive(DeriveIden)]
enum Consultation {
    Table,
    Id,
    Slug,
    Title,
    Mandate,
    ConvenedBy,
    GuidingQuestions,
    OpensAt,
    ClosesAt,
    Status,
}

#[derive(DeriveIden)]
enum Meeting {
    Table,
    Id,
    ConsultationId,
    Title,
    Venue,
    HeldOn,
    Agenda,
}

#[derive(DeriveIden)]
enum Document {
    Table,
    Id,
    Symbol,
    Title,
    Issued,
}

#[derive(DeriveIden)]
enum ConsultationDocument {
    Table,
    ConsultationId,
    DocumentId,
}

#[derive(DeriveIden)]
enum PolicyIssue {
    Table,
    Id,
    Slug,
    Title,
    Description,
    Area,
    OnWsisList,
}

#[derive(DeriveIden)]
enum Mechanism {
    Table,
    Id,
    Name,
    Acronym,
    Kind,
    Scope,
    Status,
    HostStakeholderId,
    Established,
    Description,
}

#[derive(DeriveIden)]
enum MechanismFunction {
    Table,
    MechanismId,
    Function,
}

#[derive(DeriveIden)]
enum MechanismIssue {
    Table,
    MechanismId,
    PolicyIssueId,
}

#[derive(DeriveIden)]
enum Contribution {
    Table,
    Id,
    ConsultationId,
    MeetingId,
    StakeholderId,
    OnBehalfOfGroup,
    Kind,
    Status,
    Visibility,
    Title,
    Language,
    LatestRevision,
    WithdrawnReason,
    SubmittedAt,
    PublishedAt,
}

#[derive(DeriveIden)]
enum ContributionRevision {
    Table,
    Id,
    ContributionId,
    Number,
    Title,
    Body,
    Language,
    ContentHash,
}

#[derive(DeriveIden)]
enum ContributionIssue {
    Table,
    ContributionId,
    PolicyIssueId,
}

#[derive(DeriveIden)]
enum ContributionMechanism {
    Table,
    ContributionId,
    MechanismId,
    Stance,
}

#[derive(DeriveIden)]
enum Account {
    Table,
    Id,
    Email,
    EmailNormalized,
    DisplayName,
    PasswordHash,
    Role,
    StakeholderId,
    Status,
}

#[derive(DeriveIden)]
enum ApiClient {
    Table,
    Id,
    ClientId,
    Name,
    StakeholderId,
    Role,
    Scopes,
    SecretHash,
    Status,
    SecretRotatedAt,
}

#[derive(DeriveIden)]
enum AuditEvent {
    Table,
    Id,
    OccurredAt,
    ActorAccountId,
    ActorClientId,
    ActorLabel,
    Action,
    TargetType,
    TargetId,
    BeforeHash,
    AfterHash,
    PrevHash,
    Hash,
}

#[derive(DeriveIden)]
enum Common {
    CreatedAt,
    UpdatedAt,
    Version,
}

/// Length of the string columns that hold a domain enum's name.
const ENUM_LEN: u32 = 40;

fn id_col(name: impl IntoIden) -> ColumnDef {
    big_integer(name).auto_increment().primary_key().take()
}

fn enum_col(name: impl IntoIden) -> ColumnDef {
    string_len(name, ENUM_LEN)
}

fn enum_col_null(name: impl IntoIden) -> ColumnDef {
    string_len_null(name, ENUM_LEN)
}

/// `created_at`, `updated_at` and the optimistic-concurrency `version` of an editable row.
fn editable(table: &mut TableCreateStatement) -> &mut TableCreateStatement {
    table
        .col(timestamp_with_time_zone(Common::CreatedAt))
        .col(timestamp_with_time_zone(Common::UpdatedAt))
        .col(integer(Common::Version).default(1))
}

fn fk(
    from_table: impl IntoIden,
    from_col: impl IntoIden,
    to_table: impl IntoIden,
    to_col: impl IntoIden,
    on_delete: ForeignKeyAction,
) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .from(from_table, from_col)
        .to(to_table, to_col)
        .on_delete(on_delete)
        .on_update(ForeignKeyAction::Cascade)
        .take()
}

fn index(name: &str, table: impl IntoIden, cols: &[&dyn Fn() -> DynIden]) -> IndexCreateStatement {
    let mut stmt = Index::create();
    stmt.name(name).table(table);
    for col in cols {
        stmt.col(col());
    }
    stmt.take()
}

macro_rules! idx {
    ($name:literal, $table:expr, [$($col:expr),+]) => {
        index($name, $table, &[$(&|| $col.into_iden()),+])
    };
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let mut t = Table::create();
        t.table(Stakeholder::Table)
            .col(id_col(Stakeholder::Id))
            .col(string_len_uniq(Stakeholder::Name, 300))
            .col(string_len_null(Stakeholder::Acronym, 40))
            .col(enum_col(Stakeholder::StakeholderGroup))
            .col(enum_col(Stakeholder::Accreditation))
            .col(string_len_null(Stakeholder::CountryCode, 3))
            .col(enum_col_null(Stakeholder::RegionalGroup))
            .col(string_len_null(Stakeholder::Website, 500));
        manager.create_table(editable(&mut t).take()).await?;
        manager
            .create_index(idx!(
                "ix_stakeholder_group_id",
                Stakeholder::Table,
                [Stakeholder::StakeholderGroup, Stakeholder::Id]
            ))
            .await?;

        let mut t = Table::create();
        t.table(Consultation::Table)
            .col(id_col(Consultation::Id))
            .col(string_len_uniq(Consultation::Slug, 100))
            .col(string_len(Consultation::Title, 500))
            .col(string_len(Consultation::Mandate, 500))
            .col(string_len_null(Consultation::ConvenedBy, 500))
            .col(json(Consultation::GuidingQuestions))
            .col(timestamp_with_time_zone(Consultation::OpensAt))
            .col(timestamp_with_time_zone(Consultation::ClosesAt))
            .col(enum_col(Consultation::Status));
        manager.create_table(editable(&mut t).take()).await?;
        manager
            .create_index(idx!(
                "ix_consultation_status_id",
                Consultation::Table,
                [Consultation::Status, Consultation::Id]
            ))
            .await?;

        let mut t = Table::create();
        t.table(Meeting::Table)
            .col(id_col(Meeting::Id))
            .col(big_integer(Meeting::ConsultationId))
            .col(string_len(Meeting::Title, 500))
            .col(string_len(Meeting::Venue, 300))
            .col(date(Meeting::HeldOn))
            .col(json(Meeting::Agenda))
            .foreign_key(&mut fk(
                Meeting::Table,
                Meeting::ConsultationId,
                Consultation::Table,
                Consultation::Id,
                ForeignKeyAction::Restrict,
            ));
        manager.create_table(editable(&mut t).take()).await?;
        manager
            .create_index(idx!(
                "ix_meeting_consultation_id",
                Meeting::Table,
                [Meeting::ConsultationId, Meeting::Id]
            ))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Document::Table)
                    .col(id_col(Document::Id))
                    .col(string_len_uniq(Document::Symbol, 100))
                    .col(string_len(Document::Title, 500))
                    .col(string_len_null(Document::Issued, 10))
                    .col(timestamp_with_time_zone(Common::CreatedAt))
                    .take(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(ConsultationDocument::Table)
                    .col(big_integer(ConsultationDocument::ConsultationId))
                    .col(big_integer(ConsultationDocument::DocumentId))
                    .primary_key(
                        Index::create()
                            .col(ConsultationDocument::ConsultationId)
                            .col(ConsultationDocument::DocumentId),
                    )
                    .foreign_key(&mut fk(
                        ConsultationDocument::Table,
                        ConsultationDocument::ConsultationId,
                        Consultation::Table,
                        Consultation::Id,
                        ForeignKeyAction::Cascade,
                    ))
                    .foreign_key(&mut fk(
                        ConsultationDocument::Table,
                        ConsultationDocument::DocumentId,
                        Document::Table,
                        Document::Id,
                        ForeignKeyAction::Restrict,
                    ))
                    .take(),
            )
            .await?;
        manager
            .create_index(idx!(
                "ix_consultation_document_document",
                ConsultationDocument::Table,
                [ConsultationDocument::DocumentId]
            ))
            .await?;

        let mut t = Table::create();
        t.table(PolicyIssue::Table)
            .col(id_col(PolicyIssue::Id))
            .col(string_len_uniq(PolicyIssue::Slug, 100))
            .col(string_len(PolicyIssue::Title, 300))
            .col(text(PolicyIssue::Description))
            .col(enum_col(PolicyIssue::Area))
            .col(boolean(PolicyIssue::OnWsisList));
        manager.create_table(editable(&mut t).take()).await?;
        manager
            .create_index(idx!(
                "ix_policy_issue_area_id",
                PolicyIssue::Table,
                [PolicyIssue::Area, PolicyIssue::Id]
            ))
            .await?;

        let mut t = Table::create();
        t.table(Mechanism::Table)
            .col(id_col(Mechanism::Id))
            .col(string_len_uniq(Mechanism::Name, 300))
            .col(string_len_null(Mechanism::Acronym, 40))
            .col(enum_col(Mechanism::Kind))
            .col(enum_col_null(Mechanism::Scope))
            .col(enum_col(Mechanism::Status))
            .col(big_integer_null(Mechanism::HostStakeholderId))
            .col(string_len_null(Mechanism::Established, 10))
            .col(text_null(Mechanism::Description))
            .foreign_key(&mut fk(
                Mechanism::Table,
                Mechanism::HostStakeholderId,
                Stakeholder::Table,
                Stakeholder::Id,
                ForeignKeyAction::SetNull,
            ));
        manager.create_table(editable(&mut t).take()).await?;
        manager
            .create_index(idx!(
                "ix_mechanism_status_id",
                Mechanism::Table,
                [Mechanism::Status, Mechanism::Id]
            ))
            .await?;
        manager
            .create_index(idx!(
                "ix_mechanism_kind_id",
                Mechanism::Table,
                [Mechanism::Kind, Mechanism::Id]
            ))
            .await?;
        manager
            .create_index(idx!(
                "ix_mechanism_host",
                Mechanism::Table,
                [Mechanism::HostStakeholderId]
            ))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(MechanismFunction::Table)
                    .col(big_integer(MechanismFunction::MechanismId))
                    .col(enum_col(MechanismFunction::Function))
                    .primary_key(
                        Index::create()
                            .col(MechanismFunction::MechanismId)
                            .col(MechanismFunction::Function),
                    )
                    .foreign_key(&mut fk(
                        MechanismFunction::Table,
                        MechanismFunction::MechanismId,
                        Mechanism::Table,
                        Mechanism::Id,
                        ForeignKeyAction::Cascade,
                    ))
                    .take(),
            )
            .await?;
        manager
            .create_index(idx!(
                "ix_mechanism_function_function",
                MechanismFunction::Table,
                [MechanismFunction::Function, MechanismFunction::MechanismId]
            ))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(MechanismIssue::Table)
                    .col(big_integer(MechanismIssue::MechanismId))
                    .col(big_integer(MechanismIssue::PolicyIssueId))
                    .primary_key(
                        Index::create()
                            .col(MechanismIssue::MechanismId)
                            .col(MechanismIssue::PolicyIssueId),
                    )
                    .foreign_key(&mut fk(
                        MechanismIssue::Table,
                        MechanismIssue::MechanismId,
                        Mechanism::Table,
                        Mechanism::Id,
                        ForeignKeyAction::Cascade,
                    ))
                    .foreign_key(&mut fk(
                        MechanismIssue::Table,
                        MechanismIssue::PolicyIssueId,
                        PolicyIssue::Table,
                        PolicyIssue::Id,
                        ForeignKeyAction::Cascade,
                    ))
                    .take(),
            )
            .await?;
        manager
            .create_index(idx!(
                "ix_mechanism_issue_issue",
                MechanismIssue::Table,
                [MechanismIssue::PolicyIssueId, MechanismIssue::MechanismId]
            ))
            .await?;

        let mut t = Table::create();
        t.table(Contribution::Table)
            .col(id_col(Contribution::Id))
            .col(big_integer(Contribution::ConsultationId))
            .col(big_integer_null(Contribution::MeetingId))
            .col(big_integer(Contribution::StakeholderId))
            .col(enum_col_null(Contribution::OnBehalfOfGroup))
            .col(enum_col(Contribution::Kind))
            .col(enum_col(Contribution::Status))
            .col(enum_col(Contribution::Visibility))
            .col(string_len(Contribution::Title, 500))
            .col(string_len(Contribution::Language, 16))
            .col(integer(Contribution::LatestRevision))
            .col(text_null(Contribution::WithdrawnReason))
            .col(timestamp_with_time_zone_null(Contribution::SubmittedAt))
            .col(timestamp_with_time_zone_null(Contribution::PublishedAt))
            .foreign_key(&mut fk(
                Contribution::Table,
                Contribution::ConsultationId,
                Consultation::Table,
                Consultation::Id,
                ForeignKeyAction::Restrict,
            ))
            .foreign_key(&mut fk(
                Contribution::Table,
                Contribution::MeetingId,
                Meeting::Table,
                Meeting::Id,
                ForeignKeyAction::Restrict,
            ))
            .foreign_key(&mut fk(
                Contribution::Table,
                Contribution::StakeholderId,
                Stakeholder::Table,
                Stakeholder::Id,
                ForeignKeyAction::Restrict,
            ));
        manager.create_table(editable(&mut t).take()).await?;
        manager
            .create_index(idx!(
                "ix_contribution_consultation_id",
                Contribution::Table,
                [Contribution::ConsultationId, Contribution::Id]
            ))
            .await?;
        manager
            .create_index(idx!(
                "ix_contribution_stakeholder_id",
                Contribution::Table,
                [Contribution::StakeholderId, Contribution::Id]
            ))
            .await?;
        manager
            .create_index(idx!(
                "ix_contribution_meeting_id",
                Contribution::Table,
                [Contribution::MeetingId, Contribution::Id]
            ))
            .await?;
        manager
            .create_index(idx!(
                "ix_contribution_kind_id",
                Contribution::Table,
                [Contribution::Kind, Contribution::Id]
            ))
            .await?;
        manager
            .create_index(idx!(
                "ix_contribution_language_id",
                Contribution::Table,
                [Contribution::Language, Contribution::Id]
            ))
            .await?;
        manager
            .create_index(idx!(
                "ix_contribution_status_visibility",
                Contribution::Table,
                [
                    Contribution::Status,
                    Contribution::Visibility,
                    Contribution::Id
                ]
            ))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(ContributionRevision::Table)
                    .col(id_col(ContributionRevision::Id))
                    .col(big_integer(ContributionRevision::ContributionId))
                    .col(integer(ContributionRevision::Number))
                    .col(string_len(ContributionRevision::Title, 500))
                    .col(text(ContributionRevision::Body))
                    .col(string_len(ContributionRevision::Language, 16))
                    .col(string_len(ContributionRevision::ContentHash, 64))
                    .col(timestamp_with_time_zone(Common::CreatedAt))
                    .foreign_key(&mut fk(
                        ContributionRevision::Table,
                        ContributionRevision::ContributionId,
                        Contribution::Table,
                        Contribution::Id,
                        ForeignKeyAction::Cascade,
                    ))
                    .take(),
            )
            .await?;
        manager
            .create_index(
                idx!(
                    "ux_contribution_revision_number",
                    ContributionRevision::Table,
                    [
                        ContributionRevision::ContributionId,
                        ContributionRevision::Number
                    ]
                )
                .unique()
                .take(),
            )
            .await?;
        manager
            .create_index(idx!(
                "ix_contribution_revision_hash",
                ContributionRevision::Table,
                [ContributionRevision::ContentHash]
            ))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(ContributionIssue::Table)
                    .col(big_integer(ContributionIssue::ContributionId))
                    .col(big_integer(ContributionIssue::PolicyIssueId))
                    .primary_key(
                        Index::create()
                            .col(ContributionIssue::ContributionId)
                            .col(ContributionIssue::PolicyIssueId),
                    )
                    .foreign_key(&mut fk(
                        ContributionIssue::Table,
                        ContributionIssue::ContributionId,
                        Contribution::Table,
                        Contribution::Id,
                        ForeignKeyAction::Cascade,
                    ))
                    .foreign_key(&mut fk(
                        ContributionIssue::Table,
                        ContributionIssue::PolicyIssueId,
                        PolicyIssue::Table,
                        PolicyIssue::Id,
                        ForeignKeyAction::Restrict,
                    ))
                    .take(),
            )
            .await?;
        manager
            .create_index(idx!(
                "ix_contribution_issue_issue",
                ContributionIssue::Table,
                [
                    ContributionIssue::PolicyIssueId,
                    ContributionIssue::ContributionId
                ]
            ))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(ContributionMechanism::Table)
                    .col(big_integer(ContributionMechanism::ContributionId))
                    .col(big_integer(ContributionMechanism::MechanismId))
                    .col(enum_col(ContributionMechanism::Stance))
                    .primary_key(
                        Index::create()
                            .col(ContributionMechanism::ContributionId)
                            .col(ContributionMechanism::MechanismId),
                    )
                    .foreign_key(&mut fk(
                        ContributionMechanism::Table,
                        ContributionMechanism::ContributionId,
                        Contribution::Table,
                        Contribution::Id,
                        ForeignKeyAction::Cascade,
                    ))
                    .foreign_key(&mut fk(
                        ContributionMechanism::Table,
                        ContributionMechanism::MechanismId,
                        Mechanism::Table,
                        Mechanism::Id,
                        ForeignKeyAction::Restrict,
                    ))
                    .take(),
            )
            .await?;
        manager
            .create_index(idx!(
                "ix_contribution_mechanism_mechanism",
                ContributionMechanism::Table,
                [
                    ContributionMechanism::MechanismId,
                    ContributionMechanism::ContributionId
                ]
            ))
            .await?;

        let mut t = Table::create();
        t.table(Account::Table)
            .col(id_col(Account::Id))
            .col(string_len(Account::Email, 320))
            .col(string_len_uniq(Account::EmailNormalized, 320))
            .col(string_len(Account::DisplayName, 200))
            .col(string_len(Account::PasswordHash, 200))
            .col(enum_col(Account::Role))
            .col(big_integer_null(Account::StakeholderId))
            .col(enum_col(Account::Status))
            .foreign_key(&mut fk(
                Account::Table,
                Account::StakeholderId,
                Stakeholder::Table,
                Stakeholder::Id,
                ForeignKeyAction::Restrict,
            ));
        manager.create_table(editable(&mut t).take()).await?;
        manager
            .create_index(idx!(
                "ix_account_stakeholder",
                Account::Table,
                [Account::StakeholderId]
            ))
            .await?;
        manager
            .create_index(idx!(
                "ix_account_role_id",
                Account::Table,
                [Account::Role, Account::Id]
            ))
            .await?;

        let mut t = Table::create();
        t.table(ApiClient::Table)
            .col(id_col(ApiClient::Id))
            .col(string_len_uniq(ApiClient::ClientId, 100))
            .col(string_len(ApiClient::Name, 200))
            .col(big_integer(ApiClient::StakeholderId))
            .col(enum_col(ApiClient::Role))
            .col(string_len(ApiClient::Scopes, 200))
            .col(string_len(ApiClient::SecretHash, 200))
            .col(enum_col(ApiClient::Status))
            .col(timestamp_with_time_zone_null(ApiClient::SecretRotatedAt))
            .foreign_key(&mut fk(
                ApiClient::Table,
                ApiClient::StakeholderId,
                Stakeholder::Table,
                Stakeholder::Id,
                ForeignKeyAction::Restrict,
            ));
        manager.create_table(editable(&mut t).take()).await?;
        manager
            .create_index(idx!(
                "ix_api_client_stakeholder",
                ApiClient::Table,
                [ApiClient::StakeholderId]
            ))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(AuditEvent::Table)
                    .col(id_col(AuditEvent::Id))
                    .col(timestamp_with_time_zone(AuditEvent::OccurredAt))
                    .col(big_integer_null(AuditEvent::ActorAccountId))
                    .col(big_integer_null(AuditEvent::ActorClientId))
                    .col(string_len(AuditEvent::ActorLabel, 320))
                    .col(string_len(AuditEvent::Action, 100))
                    .col(string_len(AuditEvent::TargetType, 60))
                    .col(big_integer_null(AuditEvent::TargetId))
                    .col(string_len_null(AuditEvent::BeforeHash, 64))
                    .col(string_len_null(AuditEvent::AfterHash, 64))
                    .col(string_len(AuditEvent::PrevHash, 64))
                    .col(string_len_uniq(AuditEvent::Hash, 64))
                    .foreign_key(&mut fk(
                        AuditEvent::Table,
                        AuditEvent::ActorAccountId,
                        Account::Table,
                        Account::Id,
                        ForeignKeyAction::Restrict,
                    ))
                    .foreign_key(&mut fk(
                        AuditEvent::Table,
                        AuditEvent::ActorClientId,
                        ApiClient::Table,
                        ApiClient::Id,
                        ForeignKeyAction::Restrict,
                    ))
                    .take(),
            )
            .await?;
        for stmt in [
            idx!(
                "ix_audit_event_occurred_at",
                AuditEvent::Table,
                [AuditEvent::OccurredAt, AuditEvent::Id]
            ),
            idx!(
                "ix_audit_event_action_id",
                AuditEvent::Table,
                [AuditEvent::Action, AuditEvent::Id]
            ),
            idx!(
                "ix_audit_event_target",
                AuditEvent::Table,
                [AuditEvent::TargetType, AuditEvent::TargetId, AuditEvent::Id]
            ),
            idx!(
                "ix_audit_event_actor_account",
                AuditEvent::Table,
                [AuditEvent::ActorAccountId, AuditEvent::Id]
            ),
            idx!(
                "ix_audit_event_actor_client",
                AuditEvent::Table,
                [AuditEvent::ActorClientId, AuditEvent::Id]
            ),
        ] {
            manager.create_index(stmt).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // Reverse order of creation, so foreign keys never dangle.
        let tables: [DynIden; 16] = [
            AuditEvent::Table.into_iden(),
            ApiClient::Table.into_iden(),
            Account::Table.into_iden(),
            ContributionMechanism::Table.into_iden(),
            ContributionIssue::Table.into_iden(),
            ContributionRevision::Table.into_iden(),
            Contribution::Table.into_iden(),
            MechanismIssue::Table.into_iden(),
            MechanismFunction::Table.into_iden(),
            Mechanism::Table.into_iden(),
            PolicyIssue::Table.into_iden(),
            ConsultationDocument::Table.into_iden(),
            Document::Table.into_iden(),
            Meeting::Table.into_iden(),
            Consultation::Table.into_iden(),
            Stakeholder::Table.into_iden(),
        ];
        for table in tables {
            manager
                .drop_table(Table::drop().table(table).take())
                .await?;
        }
        Ok(())
    }
}
