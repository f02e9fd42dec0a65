//! Full-text search over contributions' current title and body. PostgreSQL: a table of
//! the indexed text with a `tsvector` generated from it in the contribution's language
//! (`config`), under one partial GIN index per language. SQLite: an FTS5 table of the same name whose rowid is
//! the contribution id. The application writes a row whenever a revision is made (the
//! text is prepared there: CJK characters spaced apart so that each is a token), and
//! fills the rows of contributions made before this migration at start-up.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{ConnectionTrait, DbBackend};

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261130_000010_search"
    }
}

/// The text search configurations contributions are indexed in (one GIN index each,
/// so that a search matches each contribution in its own language only).
const CONFIGS: [&str; 5] = ["english", "french", "spanish", "russian", "simple"];

const POSTGRES_TABLE: &str = "CREATE TABLE contribution_search (
        contribution_id BIGINT PRIMARY KEY REFERENCES contribution (id) ON DELETE CASCADE,
        config REGCONFIG NOT NULL,
        title TEXT NOT NULL,
        body TEXT NOT NULL,
        document TSVECTOR GENERATED ALWAYS AS (
            setweight(to_tsvector(config, title), 'A') || setweight(to_tsvector(config, body), 'B')
        ) STORED
    )";

const SQLITE_UP: &[&str] = &["CREATE VIRTUAL TABLE contribution_search USING fts5(
        title, body, tokenize = 'porter unicode61 remove_diacritics 2'
    )"];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        if db.get_database_backend() != DbBackend::Postgres {
            for sql in SQLITE_UP {
                db.execute_unprepared(sql).await?;
            }
            return Ok(());
        }
        db.execute_unprepared(POSTGRES_TABLE).await?;
        for config in CONFIGS {
            db.execute_unprepared(&format!(
                "CREATE INDEX ix_contribution_search_{config} ON contribution_search \
                 USING GIN (document) WHERE config = '{config}'::regconfig"
            ))
            .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .get_connection()
            .execute_unprepared("DROP TABLE contribution_search")
            .await?;
        Ok(())
    }
}
