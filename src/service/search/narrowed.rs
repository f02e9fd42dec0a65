//! Ranking the matches of a list the caller's filter narrows to few contributions: all
//! at once, by key (see [`super::ranked`]).

use super::{Rank, SearchQuery, TABLE};
use sea_orm::sea_query::{Expr, SelectStatement};
use sea_orm::{ConnectionTrait, DbErr, Statement};

/// Most contributions a narrowed list may hold for its matches to be ranked all at once
/// ([`among_few`]) rather than walked for.
pub(super) const SMALL: u64 = 2_000;

/// When `readable` holds at most [`SMALL`] contributions: their matches, ranked, the
/// best `size` after `after`. `None` when it holds more.
pub(super) async fn among_few<C: ConnectionTrait>(
    db: &C,
    query: &SearchQuery,
    readable: &SelectStatement,
    after: Option<(Rank, i64)>,
    size: u64,
) -> Result<Option<Vec<(i64, Rank)>>, DbErr> {
    let mut ids = readable.clone();
    ids.clear_selects();
    ids.expr(Expr::cust("contribution.id")).limit(SMALL + 1);
    let rows = db.query_all(&ids).await?;
    if rows.len() as u64 > SMALL {
        return Ok(None);
    }
    if rows.is_empty() {
        return Ok(Some(Vec::new()));
    }
    let mut list = Vec::with_capacity(rows.len());
    for row in &rows {
        list.push(row.try_get_by_index::<i64>(0)?.to_string());
    }
    let backend = db.get_database_backend();
    // SQL safe: the table is a constant and the ids integers written by Rust; the search
    // is bound.
    let sql = format!(
        "SELECT contribution_id, title_document @@ websearch_to_tsquery(config, $1), words \
         FROM {TABLE} WHERE contribution_id IN ({}) \
         AND document @@ websearch_to_tsquery(config, $1)",
        list.join(", ")
    );
    let mut found = Vec::new();
    for row in db
        .query_all_raw(Statement::from_sql_and_values(
            backend,
            sql,
            [query.websearch.clone().into()],
        ))
        .await?
    {
        let id: i64 = row.try_get_by_index(0)?;
        let rank = Rank {
            title: row.try_get_by_index(1)?,
            words: row.try_get_by_index(2)?,
        };
        found.push((id, rank));
    }
    // Best first: the title's tier, then the fewest words, then the id.
    let key = |&(id, rank): &(i64, Rank)| (std::cmp::Reverse(rank.title), rank.words, id);
    found.sort_by_key(key);
    if let Some((rank, id)) = after {
        let from = key(&(id, rank));
        found.retain(|hit| key(hit) > from);
    }
    found.truncate(usize::try_from(size).unwrap_or(usize::MAX));
    Ok(Some(found))
}
