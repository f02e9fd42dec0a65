//! Concord's migrations. Each file is append-only once it has landed; every
//! migration runs unchanged on SQLite and PostgreSQL.

pub use sea_orm_migration::prelude::*;

mod m20261129_000001_domain;
mod m20261129_000002_identity;
mod m20261129_000003_idempotency;
mod m20261129_000004_sync;
mod m20261129_000005_disclosure;
mod m20261129_000006_agenda_item;
mod m20261129_000007_tally;
mod m20261129_000008_date_filters;
mod m20261130_000009_sort_keys;
mod m20261130_000010_search;
mod m20261130_000011_operations;
mod m20261130_000012_reports;
mod m20261205_000013_translation_supplier;
mod m20261205_000014_readable_by_stakeholder;
mod m20261205_000015_search_document;
mod m20261206_000016_email;
mod m20261206_000017_attachments;

/// Applies Concord's migrations in order.
pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261129_000001_domain::Migration),
            Box::new(m20261129_000002_identity::Migration),
            Box::new(m20261129_000003_idempotency::Migration),
            Box::new(m20261129_000004_sync::Migration),
            Box::new(m20261129_000005_disclosure::Migration),
            Box::new(m20261129_000006_agenda_item::Migration),
            Box::new(m20261129_000007_tally::Migration),
            Box::new(m20261129_000008_date_filters::Migration),
            Box::new(m20261130_000009_sort_keys::Migration),
            Box::new(m20261130_000010_search::Migration),
            Box::new(m20261130_000011_operations::Migration),
            Box::new(m20261130_000012_reports::Migration),
            Box::new(m20261205_000013_translation_supplier::Migration),
            Box::new(m20261205_000014_readable_by_stakeholder::Migration),
            Box::new(m20261205_000015_search_document::Migration),
            Box::new(m20261206_000016_email::Migration),
            Box::new(m20261206_000017_attachments::Migration),
        ]
    }
}
