//! PostgreSQL: the search table's `tsvector` (`document`) becomes a plain column that the
//! application writes, instead of a generated one. It holds the same vector, computed by
//! the same expression in the same statement that writes the text
//! (`service::search::index`); what changes is that a bulk loader may hand over a vector
//! PostgreSQL has already computed for the same text. `concord seed synthetic` does: its
//! bodies repeat, and stemming each again was more than half of its time (1,000,000
//! contributions: 525 s, of which ≈ 290 s went to `to_tsvector`). SQLite's FTS5 table
//! is unchanged.
//!
//! The row also gets what a search ranks by without reading the vector (the ranking of
//! `service::search::ranked`): the title's own vector (`title_document`: the title
//! matches, or only the rest does) and the number of words indexed (`words`, through
//! `concord_search_words`), under a B-tree `(config, words, contribution_id)` that
//! gives each language's rows shortest first, and a GIN index of the titles per
//! language. Filling them rewrites the table (1,000,000 rows: 41 s).
//!
//! `DROP EXPRESSION` keeps every row's value; the GIN indexes stay.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{ConnectionTrait, DbBackend};

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261205_000015_search_document"
    }
}

/// The configurations contributions are indexed in (one partial GIN index each).
const CONFIGS: [&str; 6] = [
    "english",
    "french",
    "spanish",
    "russian",
    "simple",
    "concord_cjk",
];

const POSTGRES_UP: &[&str] = &[
    "ALTER TABLE contribution_search ALTER COLUMN document DROP EXPRESSION",
    // The words a vector indexes: its positions, a lexeme without positions counting
    // once.
    "CREATE FUNCTION concord_search_words(tsvector) RETURNS integer \
     LANGUAGE sql IMMUTABLE PARALLEL SAFE \
     AS 'SELECT COALESCE(SUM(COALESCE(array_length(positions, 1), 1)), 0)::integer FROM unnest($1)'",
    "ALTER TABLE contribution_search ADD COLUMN title_document TSVECTOR, ADD COLUMN words INTEGER",
    // Chinese, Japanese and Korean: a copy of `simple` of their own (the same vectors).
    "CREATE TEXT SEARCH CONFIGURATION concord_cjk (COPY = simple)",
    "UPDATE contribution_search AS s SET config = 'concord_cjk'::regconfig FROM contribution AS c \
     WHERE c.id = s.contribution_id \
     AND lower(split_part(replace(c.language, '_', '-'), '-', 1)) IN ('zh', 'ja', 'ko')",
    "UPDATE contribution_search \
     SET title_document = to_tsvector(config, title), words = concord_search_words(document)",
    "ALTER TABLE contribution_search ALTER COLUMN title_document SET NOT NULL, \
     ALTER COLUMN words SET NOT NULL",
    "CREATE INDEX ix_contribution_search_ranked ON contribution_search (config, words, contribution_id)",
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        if db.get_database_backend() == DbBackend::Postgres {
            for sql in POSTGRES_UP {
                db.execute_unprepared(sql).await?;
            }
            for config in CONFIGS {
                db.execute_unprepared(&format!(
                    "CREATE INDEX ix_contribution_search_title_{config} ON contribution_search \
                     USING GIN (title_document) WHERE config = '{config}'::regconfig"
                ))
                .await?;
            }
            db.execute_unprepared(
                "CREATE INDEX ix_contribution_search_concord_cjk ON contribution_search \
                 USING GIN (document) WHERE config = 'concord_cjk'::regconfig",
            )
            .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        if db.get_database_backend() != DbBackend::Postgres {
            return Ok(());
        }
        // A column cannot become generated again: it is made anew, as migration 12 made
        // it, with its indexes.
        for config in CONFIGS {
            db.execute_unprepared(&format!("DROP INDEX ix_contribution_search_title_{config}"))
                .await?;
        }
        for sql in [
            "DROP INDEX ix_contribution_search_ranked",
            "DROP INDEX ix_contribution_search_concord_cjk",
            "UPDATE contribution_search SET config = 'simple'::regconfig \
             WHERE config = 'concord_cjk'::regconfig",
            "ALTER TABLE contribution_search DROP COLUMN title_document, DROP COLUMN words, \
             DROP COLUMN document",
            "DROP FUNCTION concord_search_words(tsvector)",
            "DROP TEXT SEARCH CONFIGURATION concord_cjk",
        ] {
            db.execute_unprepared(sql).await?;
        }
        db.execute_unprepared(
            "ALTER TABLE contribution_search ADD COLUMN document TSVECTOR GENERATED ALWAYS AS (
                setweight(to_tsvector(config, title), 'A') || setweight(to_tsvector(config, body), 'B')
                || setweight(to_tsvector(config, translations), 'C')
            ) STORED",
        )
        .await?;
        for config in &CONFIGS[..5] {
            db.execute_unprepared(&format!(
                "CREATE INDEX ix_contribution_search_{config} ON contribution_search \
                 USING GIN (document) WHERE config = '{config}'::regconfig"
            ))
            .await?;
        }
        Ok(())
    }
}
