//! Full-text search over contributions: their current title and body, in the six UN
//! languages, and the translations of their current revision (kept beside the original
//! in the same row, so that a search reads one index whichever text matches). PostgreSQL stems each contribution in its own language (`english`,
//! `french`, `spanish`, `russian`; `concord_cjk`, a copy of `simple`, for Chinese, Japanese
//! and Korean; `simple` for Arabic and anything else) through a GIN index per
//! configuration; SQLite uses FTS5 (Porter stemming, accents folded). On both,
//! CJK characters are indexed and searched one per token, so a Chinese word is found as
//! the phrase of its characters.
//!
//! A search is a [`SearchQuery`]: words (all must match), `"quoted phrases"`, `a or b`
//! and `-excluded` words, as web search engines take them. It narrows any list of
//! contributions ([`matching`]) and ranks every match, always inside the caller's read
//! policy: on PostgreSQL through [`best`] (title matches first, then the fewest words;
//! `ranked`), on SQLite by bm25 ([`join_matches`], [`relevance`]) in the statement the
//! callers apply the policy to.

mod narrowed;
mod query;
mod ranked;
mod text;
mod write;

pub use query::{MAX_QUERY_CHARS, SearchQuery};
pub use ranked::{Rank, best};
use text::{START, STOP, joined, to_html};
pub use text::{config, spaced};
pub use write::{
    BodyVectors, Indexed, fill_missing, index, index_with, remove, set_translations,
    translations_text,
};

use sea_orm::sea_query::{Alias, Expr, Query, SelectStatement};
use sea_orm::{ConnectionTrait, DbBackend, DbErr, Statement, TryGetable};
use std::collections::HashMap;

/// The table both databases keep the searchable text in.
const TABLE: &str = "contribution_search";

/// The configurations contributions are indexed in (see [`config`]).
const CONFIGS: [&str; 6] = [
    "english",
    "french",
    "spanish",
    "russian",
    "simple",
    "concord_cjk",
];

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

/// About how many contributions `query` matches, whoever asks (the read policy left
/// aside), as PostgreSQL's planner estimates it from the search index's statistics, no
/// row read (it tends to under-estimate: 1.5× for a word, more for several, which it
/// takes as independent); `None` on SQLite, whose FTS5 keeps no statistics. What a
/// search's `totalCount` is priced by before it runs (`graphql::cost`).
pub async fn estimate<C: ConnectionTrait>(
    db: &C,
    query: &SearchQuery,
) -> Result<Option<u64>, DbErr> {
    let backend = db.get_database_backend();
    if backend != DbBackend::Postgres {
        return Ok(None);
    }
    let (sql, values) = matching(backend, query).build(sea_orm::sea_query::PostgresQueryBuilder);
    // SQL safe: the statement is sea-query's, its values bound.
    let explain = format!("EXPLAIN (FORMAT JSON) {sql}");
    let Some(row) = db
        .query_one_raw(Statement::from_sql_and_values(backend, explain, values))
        .await?
    else {
        return Ok(None);
    };
    let plan: serde_json::Value = row.try_get("", "QUERY PLAN")?;
    Ok(plan[0]["Plan"]["Plan Rows"]
        .as_f64()
        .map(|rows| rows as u64))
}

/// How well a contribution matches on SQLite, higher is better (comparable within one
/// search): FTS5's bm25, titles weighing ten times the body, the body twice the
/// translations. (PostgreSQL ranks through [`best`].)
pub fn relevance() -> Expr {
    // bm25 is lower for better matches.
    Expr::cust(format!("(-bm25({TABLE}, 10.0, 1.0, 0.5))"))
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
