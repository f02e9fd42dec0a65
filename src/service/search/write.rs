//! Writing the searchable text: one row per contribution, replaced with each revision
//! and with its translations. PostgreSQL stems it in the statement that writes it (the
//! vector, the title's own vector and the count of words the ranking reads: migration
//! 15); SQLite's FTS5 tokenizes as it inserts.

use super::{TABLE, config, key, spaced};
use sea_orm::{ConnectionTrait, DbBackend, DbErr, Statement, Value};
use std::collections::HashMap;

/// The text a contribution is found by.
pub struct Indexed<'a> {
    pub contribution_id: i64,
    pub language: &'a str,
    pub title: &'a str,
    pub body: &'a str,
    /// The current revision's translations, titles and bodies run together (see
    /// [`translations_text`]); empty when there are none.
    pub translations: &'a str,
}

/// Writes (or replaces) the searchable text of contributions, in one statement per
/// database round (rows are bounded by the caller: a revision, or a seeding batch).
pub async fn index<C: ConnectionTrait>(db: &C, rows: &[Indexed<'_>]) -> Result<(), DbErr> {
    index_with(db, rows, &BodyVectors::default()).await
}

/// The vector PostgreSQL stems the text of a search row into, in the row's `config`
/// (`title`, `body`: `tsvector` expressions; `translations`: a text expression): the
/// title at weight A, the body at B, the translations at C. The column is written by
/// the application (migration 15), always through this expression.
fn document(title: &str, body: &str, translations: &str) -> String {
    format!(
        "setweight({title}, 'A') || setweight({body}, 'B') \
         || setweight(to_tsvector(config, {translations}), 'C')"
    )
}

/// The stemmed vectors of bodies already seen (PostgreSQL), so that a loader writing
/// the same body many times has it stemmed once ([`BodyVectors::learn`]). Each vector
/// is PostgreSQL's own `to_tsvector` of the text, in the row's configuration: the rows
/// written with it hold what they would hold without it.
#[derive(Default)]
pub struct BodyVectors(HashMap<(&'static str, String), String>);

impl BodyVectors {
    /// Stems, in one statement, the bodies of `rows` not seen before. Nothing on SQLite
    /// (FTS5 tokenizes as it inserts).
    pub async fn learn<C: ConnectionTrait>(
        &mut self,
        db: &C,
        rows: &[Indexed<'_>],
    ) -> Result<(), DbErr> {
        let backend = db.get_database_backend();
        if backend != DbBackend::Postgres {
            return Ok(());
        }
        let mut new: Vec<(&'static str, String)> = Vec::new();
        for row in rows {
            let key = (config(row.language), spaced(row.body));
            if !self.0.contains_key(&key) && !new.contains(&key) {
                new.push(key);
            }
        }
        if new.is_empty() {
            return Ok(());
        }
        let mut values: Vec<Value> = Vec::with_capacity(new.len() * 2);
        let tuples: Vec<String> = (0..new.len())
            .map(|i| format!("(${}::regconfig, ${})", i * 2 + 1, i * 2 + 2))
            .collect();
        for (config, body) in &new {
            values.push((*config).into());
            values.push(body.clone().into());
        }
        // SQL safe: each tuple is placeholders; every value is bound.
        let sql = format!(
            "SELECT to_tsvector(v.config, v.body)::text FROM (VALUES {}) AS v(config, body)",
            tuples.join(", ")
        );
        let found = db
            .query_all_raw(Statement::from_sql_and_values(backend, sql, values))
            .await?;
        for (key, row) in new.into_iter().zip(found) {
            self.0.insert(key, row.try_get_by_index::<String>(0)?);
        }
        Ok(())
    }

    /// The vector known for the body of `key` (a configuration and a spaced body).
    fn get(&self, key: &(&'static str, String)) -> Option<String> {
        if self.0.is_empty() {
            return None;
        }
        self.0.get(key).cloned()
    }
}

/// [`index`], taking each body's vector from `known` where it holds it.
pub async fn index_with<C: ConnectionTrait>(
    db: &C,
    rows: &[Indexed<'_>],
    known: &BodyVectors,
) -> Result<(), DbErr> {
    if rows.is_empty() {
        return Ok(());
    }
    let backend = db.get_database_backend();
    let mut values: Vec<Value> = Vec::with_capacity(rows.len() * 6);
    let mut tuples = Vec::with_capacity(rows.len());
    for (i, row) in rows.iter().enumerate() {
        values.push(row.contribution_id.into());
        if backend == DbBackend::Postgres {
            let n = i * 6;
            let key = (config(row.language), spaced(row.body));
            let vector = known.get(&key);
            values.push(key.0.into());
            values.push(spaced(row.title).into());
            values.push(key.1.into());
            values.push(spaced(row.translations).into());
            values.push(vector.into());
            tuples.push(format!(
                "(${}::bigint, ${}::regconfig, ${}::text, ${}::text, ${}::text, ${}::tsvector)",
                n + 1,
                n + 2,
                n + 3,
                n + 4,
                n + 5,
                n + 6
            ));
        } else {
            values.push(spaced(row.title).into());
            values.push(spaced(row.body).into());
            values.push(spaced(row.translations).into());
            tuples.push("(?, ?, ?, ?)".to_owned());
        }
    }
    let sql = if backend == DbBackend::Postgres {
        // SQL safe: the table and the expression are constants and each tuple is
        // placeholders; every value is bound.
        format!(
            "INSERT INTO {TABLE} \
             (contribution_id, config, title, body, translations, document, title_document, words) \
             SELECT id, config, title, body, translations, document, title_document, \
             concord_search_words(document) \
             FROM (SELECT id, config, title, body, translations, title_document, {} AS document \
             FROM (SELECT v.*, to_tsvector(v.config, v.title) AS title_document \
             FROM (VALUES {}) AS v(id, config, title, body, translations, body_vector)) AS t) AS d \
             ON CONFLICT (contribution_id) DO UPDATE \
             SET config = EXCLUDED.config, title = EXCLUDED.title, body = EXCLUDED.body, \
             translations = EXCLUDED.translations, document = EXCLUDED.document, \
             title_document = EXCLUDED.title_document, words = EXCLUDED.words",
            document(
                "title_document",
                "COALESCE(body_vector, to_tsvector(config, body))",
                "translations"
            ),
            tuples.join(", ")
        )
    } else {
        // FTS5 has no upsert: the old rows go first.
        let ids: Vec<String> = rows.iter().map(|r| r.contribution_id.to_string()).collect();
        // SQL safe: the table is a constant and the ids are integers written by Rust.
        db.execute_unprepared(&format!(
            "DELETE FROM {TABLE} WHERE rowid IN ({})",
            ids.join(", ")
        ))
        .await?;
        // SQL safe: the table is a constant and each tuple is placeholders.
        format!(
            "INSERT INTO {TABLE} (rowid, title, body, translations) VALUES {}",
            tuples.join(", ")
        )
    };
    db.execute_raw(Statement::from_sql_and_values(backend, sql, values))
        .await?;
    Ok(())
}

/// Indexes the contributions that have no searchable text yet (those made before the
/// search migration, or written around the API), in batches; returns how many.
pub async fn fill_missing<C: ConnectionTrait>(db: &C) -> Result<u64, DbErr> {
    const BATCH: u64 = 500;
    let backend = db.get_database_backend();
    let key = key(backend);
    let joined = translations_aggregate(backend);
    // SQL safe: the table, the key column, the aggregate and the batch are constants of
    // this module chosen by the backend; nothing comes from a caller.
    let sql = format!(
        "SELECT c.id, r.language, r.title, r.body, \
         COALESCE((SELECT {joined} FROM contribution_translation t WHERE t.revision_id = r.id), '') \
         FROM contribution c \
         JOIN contribution_revision r ON r.contribution_id = c.id AND r.number = c.latest_revision \
         WHERE NOT EXISTS (SELECT 1 FROM {TABLE} s WHERE s.{key} = c.id) \
         ORDER BY c.id LIMIT {BATCH}"
    );
    let mut filled = 0;
    loop {
        let rows = db
            .query_all_raw(Statement::from_string(backend, sql.clone()))
            .await?;
        if rows.is_empty() {
            return Ok(filled);
        }
        let mut texts = Vec::with_capacity(rows.len());
        for row in &rows {
            texts.push((
                row.try_get_by_index::<i64>(0)?,
                row.try_get_by_index::<String>(1)?,
                row.try_get_by_index::<String>(2)?,
                row.try_get_by_index::<String>(3)?,
                row.try_get_by_index::<String>(4)?,
            ));
        }
        let batch: Vec<Indexed> = texts
            .iter()
            .map(|(id, language, title, body, translations)| Indexed {
                contribution_id: *id,
                language,
                title,
                body,
                translations,
            })
            .collect();
        index(db, &batch).await?;
        filled += rows.len() as u64;
    }
}

/// How a revision's translations are run together in SQL (as [`translations_text`]
/// does).
fn translations_aggregate(backend: DbBackend) -> &'static str {
    if backend == DbBackend::Postgres {
        "string_agg(t.title || ' ' || t.body, ' ' ORDER BY t.language)"
    } else {
        "group_concat(t.title || ' ' || t.body, ' ')"
    }
}

/// The translations of revision `revision_id`, titles and bodies run together: what a
/// search finds them by.
pub async fn translations_text<C: ConnectionTrait>(
    db: &C,
    revision_id: i64,
) -> Result<String, DbErr> {
    use entity::contribution_translation::{Column, Entity};
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
    let rows = Entity::find()
        .filter(Column::RevisionId.eq(revision_id))
        .order_by_asc(Column::Language)
        .all(db)
        .await?;
    Ok(rows
        .iter()
        .map(|t| format!("{} {}", t.title, t.body))
        .collect::<Vec<_>>()
        .join(" "))
}

/// Replaces the translations a contribution is found by (its current revision's).
pub async fn set_translations<C: ConnectionTrait>(
    db: &C,
    contribution_id: i64,
    text: &str,
) -> Result<(), DbErr> {
    let backend = db.get_database_backend();
    let sql = if backend == DbBackend::Postgres {
        // SQL safe: the table and the expression are constants; the values are bound.
        format!(
            "UPDATE {TABLE} SET translations = $1, document = d.document, \
             words = concord_search_words(d.document) \
             FROM (SELECT {} AS document FROM {TABLE} WHERE contribution_id = $2) AS d \
             WHERE contribution_id = $2",
            document("title_document", "to_tsvector(config, body)", "$1::text")
        )
    } else {
        // SQL safe: the table is a constant; the values are bound.
        format!("UPDATE {TABLE} SET translations = ? WHERE rowid = ?")
    };
    db.execute_raw(Statement::from_sql_and_values(
        backend,
        sql,
        [spaced(text).into(), contribution_id.into()],
    ))
    .await?;
    Ok(())
}

/// Removes a contribution's searchable text (a discarded draft). PostgreSQL's row goes
/// with the contribution's (a foreign key); SQLite's FTS5 table has none.
pub async fn remove<C: ConnectionTrait>(db: &C, contribution_id: i64) -> Result<(), DbErr> {
    if db.get_database_backend() == DbBackend::Postgres {
        return Ok(());
    }
    // SQL safe: the table is a constant and the id an integer written by Rust.
    db.execute_unprepared(&format!(
        "DELETE FROM {TABLE} WHERE rowid = {contribution_id}"
    ))
    .await?;
    Ok(())
}
