//! Full-text search over contributions: their current title and body, in the six UN
//! languages, and the translations of their current revision (kept beside the original
//! in the same row, so that a search reads one index whichever text matches). PostgreSQL stems each contribution in its own language (`english`,
//! `french`, `spanish`, `russian`; `simple` for Arabic, Chinese and anything else)
//! through a GIN index; SQLite uses FTS5 (Porter stemming, accents folded). On both,
//! CJK characters are indexed and searched one per token, so a Chinese word is found as
//! the phrase of its characters.
//!
//! A search is a [`SearchQuery`]: words (all must match), `"quoted phrases"`, `a or b`
//! and `-excluded` words, as web search engines take them. It narrows any list of
//! contributions ([`matching`]) and ranks them ([`join_matches`], [`relevance`]), always inside the caller's
//! read policy, which the callers apply to the same statement.

mod query;
mod text;

pub use query::{MAX_QUERY_CHARS, SearchQuery};
use text::{START, STOP, joined, to_html};
pub use text::{config, spaced};

use sea_orm::sea_query::{Alias, Asterisk, Expr, Query, SelectStatement};
use sea_orm::{ConnectionTrait, DbBackend, DbErr, Statement, TryGetable, Value};
use std::collections::HashMap;

/// The table both databases keep the searchable text in.
const TABLE: &str = "contribution_search";

/// The configurations contributions are indexed in (see [`config`]).
const CONFIGS: [&str; 5] = ["english", "french", "spanish", "russian", "simple"];

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
    if rows.is_empty() {
        return Ok(());
    }
    let backend = db.get_database_backend();
    let mut values: Vec<Value> = Vec::with_capacity(rows.len() * 5);
    let mut tuples = Vec::with_capacity(rows.len());
    for (i, row) in rows.iter().enumerate() {
        let n = i * 5;
        values.push(row.contribution_id.into());
        if backend == DbBackend::Postgres {
            values.push(config(row.language).into());
            tuples.push(format!(
                "(${}, ${}::regconfig, ${}, ${}, ${})",
                n + 1,
                n + 2,
                n + 3,
                n + 4,
                n + 5
            ));
        } else {
            tuples.push("(?, ?, ?, ?)".to_owned());
        }
        values.push(spaced(row.title).into());
        values.push(spaced(row.body).into());
        values.push(spaced(row.translations).into());
    }
    let sql = if backend == DbBackend::Postgres {
        // SQL safe: the table is a constant and each tuple is placeholders; every value
        // is bound.
        format!(
            "INSERT INTO {TABLE} (contribution_id, config, title, body, translations) VALUES {} \
             ON CONFLICT (contribution_id) DO UPDATE \
             SET config = EXCLUDED.config, title = EXCLUDED.title, body = EXCLUDED.body, \
             translations = EXCLUDED.translations",
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
    // SQL safe: the table is a constant; the values are bound.
    let sql = if backend == DbBackend::Postgres {
        format!("UPDATE {TABLE} SET translations = $1 WHERE contribution_id = $2")
    } else {
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

/// The search table's column that holds the contribution id (an FTS5 table's rowid).
fn key(backend: DbBackend) -> &'static str {
    if backend == DbBackend::Postgres {
        "contribution_id"
    } else {
        "rowid"
    }
}

/// The ids of the contributions a search matches, as a subquery.
pub fn matching(backend: DbBackend, query: &SearchQuery) -> SelectStatement {
    Query::select()
        .column(Alias::new(key(backend)))
        .from(Alias::new(TABLE))
        .and_where(matches(backend, query))
        .take()
}

/// The condition on a row of the search table that it matches `query`. PostgreSQL:
/// each contribution with the search in its own language, one branch per language,
/// each through that language's partial GIN index. SQLite: FTS5's `MATCH`.
fn matches(backend: DbBackend, query: &SearchQuery) -> Expr {
    if backend != DbBackend::Postgres {
        return Expr::cust_with_values(format!("{TABLE} MATCH ?"), [query.fts5.clone()]);
    }
    let branches: Vec<String> = CONFIGS
        .iter()
        .map(|c| {
            format!(
                "({TABLE}.config = '{c}'::regconfig AND {TABLE}.document @@ websearch_to_tsquery('{c}', $1))"
            )
        })
        .collect();
    Expr::cust_with_values(
        format!("({})", branches.join(" OR ")),
        [query.websearch.clone()],
    )
}

/// Most matches a search ranks on PostgreSQL: the first this many it finds (in
/// storage order, which is about the order of writing), so that a search matching
/// hundreds of thousands of contributions still answers in milliseconds. `totalCount`
/// counts every match.
pub const RANKED: u64 = 1_000;

/// The statement that ranks the matches `candidates` selects (all of `contribution`'s
/// columns, joined to the search table by [`join_matches`]): on PostgreSQL the first
/// [`RANKED`] of them, joined to their searchable text again; on SQLite all of them,
/// in place (FTS5 ranks inside the statement that matches).
pub fn ranked(backend: DbBackend, mut candidates: SelectStatement) -> SelectStatement {
    if backend != DbBackend::Postgres {
        return candidates;
    }
    candidates.limit(RANKED);
    Query::select()
        .column((Alias::new("contribution"), Asterisk))
        .from_subquery(candidates, Alias::new("contribution"))
        .inner_join(
            Alias::new(TABLE),
            Expr::cust(format!("{TABLE}.contribution_id = contribution.id")),
        )
        .take()
}

/// How well a contribution matches, higher is better (comparable within one search).
pub fn relevance(backend: DbBackend, query: &SearchQuery) -> Expr {
    if backend == DbBackend::Postgres {
        Expr::cust_with_values(
            format!(
                "CAST(ts_rank({TABLE}.document, websearch_to_tsquery({TABLE}.config, $1), 1) AS DOUBLE PRECISION)"
            ),
            [query.websearch.clone()],
        )
    } else {
        // bm25 is lower for better matches; titles weigh ten times the body, the body
        // twice the translations.
        Expr::cust(format!("(-bm25({TABLE}, 10.0, 1.0, 0.5))"))
    }
}

/// Joins the search table to a statement over `contribution` and keeps the matches
/// (FTS5's ranking functions need the table matched in the same statement).
pub fn join_matches(backend: DbBackend, select: &mut SelectStatement, query: &SearchQuery) {
    let key = key(backend);
    select
        .inner_join(
            Alias::new(TABLE),
            Expr::cust(format!("{TABLE}.{key} = contribution.id")),
        )
        .and_where(matches(backend, query));
}

/// A snippet of each contribution's body around what matched: HTML, its text escaped
/// and the matches in `<mark>`. Contributions without a match in the body get its
/// opening words.
pub async fn snippets<C: ConnectionTrait>(
    db: &C,
    query: &SearchQuery,
    ids: &[i64],
) -> Result<HashMap<i64, String>, DbErr> {
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    let backend = db.get_database_backend();
    let list: Vec<String> = ids.iter().map(i64::to_string).collect();
    // The body's snippet, unless only a translation matched: then the translations'.
    let statement = if backend == DbBackend::Postgres {
        // SQL safe: the column is one of two constants below, the markers constants; the
        // query is bound ($1).
        let headline = |column: &str| {
            format!(
                "ts_headline(config, {column}, websearch_to_tsquery(config, $1), \
                 'StartSel={START}, StopSel={STOP}, MaxWords=30, MinWords=12, ShortWord=0, MaxFragments=2, FragmentDelimiter=\" … \"')"
            )
        };
        Statement::from_sql_and_values(
            backend,
            // SQL safe: the table is a constant, the ids integers written by Rust.
            format!(
                "SELECT contribution_id, {}, {} FROM {TABLE} WHERE contribution_id IN ({})",
                headline("body"),
                headline("translations"),
                list.join(", ")
            ),
            [query.websearch.clone().into()],
        )
    } else {
        Statement::from_sql_and_values(
            backend,
            // SQL safe: the table and markers are constants, the ids integers written by
            // Rust; the query is bound (?).
            format!(
                "SELECT rowid, snippet({TABLE}, 1, '{START}', '{STOP}', ' … ', 24), \
                 snippet({TABLE}, 2, '{START}', '{STOP}', ' … ', 24) \
                 FROM {TABLE} WHERE {TABLE} MATCH ? AND rowid IN ({})",
                list.join(", ")
            ),
            [query.fts5.clone().into()],
        )
    };
    let rows = db.query_all_raw(statement).await?;
    let mut out = HashMap::with_capacity(rows.len());
    for row in rows {
        let id = i64::try_get_by_index(&row, 0).map_err(DbErr::from)?;
        let body = String::try_get_by_index(&row, 1).map_err(DbErr::from)?;
        let translations = String::try_get_by_index(&row, 2).map_err(DbErr::from)?;
        let text = if !body.contains(START) && translations.contains(START) {
            translations
        } else {
            body
        };
        out.insert(id, to_html(&joined(&text)));
    }
    Ok(out)
}
