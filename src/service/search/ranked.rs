//! How PostgreSQL ranks a search: every match, exactly, without reading every match.
//!
//! A contribution whose title matches the search ranks above one where only the rest
//! (body, translations) does; within each of those two tiers, the one with fewer words
//! ranks first (the words weigh more in it), ties by id. Both keys are stored in the
//! search row (`title_document`, `words`: migration 15), and the B-tree `(config, words,
//! contribution_id)` gives each language's rows in that order, so the best matches are
//! found by walking it from the start (or from a cursor) until enough match, instead of
//! scoring all of them: a word in 136,000 of 1,000,000 contributions ranks in
//! milliseconds, and the first page is the best of *all* matches.
//!
//! Each tier (the title's, then the rest when the first does not fill the page) is read
//! per language, in rounds. A round walks the next rows of each open language (four
//! times the page plus 100, then eight times more each round), each row with whether
//! it matches and may be read; a language is done when its walk has found a page or
//! run out of rows. A language whose walk met no match is asked how many candidates
//! its GIN index holds (counted up to [`FEW`]): when they are few, the walk stops and
//! they are read through that index and sorted, after the walk's last row; after
//! [`ROUNDS`] rounds every open language is read that way. The walk's statements plan
//! the same whatever the words (the tests are in the select list); the index reads are
//! planned for the words. The read policy is the caller's statement over
//! `contribution` (the one every list reads through), kept as a correlated `EXISTS`:
//! it may narrow, never widen.
//!
//! A list the caller's filter narrows (a consultation, a stakeholder, languages…) may
//! hold few contributions, which a walk would meet rarely: when it holds at most
//! [`SMALL`](super::narrowed::SMALL), their matches are read by key and ranked at once
//! ([`among_few`](super::narrowed::among_few)).
//!
//! Measured on 1,000,000 contributions (docs/BENCHMARKS.md): every search of
//! `bench/search_latency.py`, common words, phrases and scripts alike, p50 7–12 ms.

use super::{CONFIGS, SearchQuery, TABLE};
use sea_orm::sea_query::{
    Alias, Asterisk, Expr, ExprTrait, Order, Query, SelectStatement, UnionType,
};
use sea_orm::{ConnectionTrait, DbErr, Value};

/// Where a match ranks: its tier and its number of words.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rank {
    /// The title matches the search.
    pub title: bool,
    /// Words indexed in the contribution (title, body, translations).
    pub words: i32,
}

impl Rank {
    /// The `relevance` shown for this rank: 1 + 1/log₂(words + 2) when the title
    /// matches, 1/log₂(words + 2) otherwise; higher is better.
    pub fn relevance(self) -> f64 {
        let tier = if self.title { 1.0 } else { 0.0 };
        tier + 1.0 / (f64::from(self.words) + 2.0).log2()
    }

    /// The rank a `relevance` was made from (cursors carry the relevance); `None` if
    /// no rank gives exactly that value.
    pub fn from_relevance(relevance: f64) -> Option<Rank> {
        let title = relevance > 1.0;
        let part = relevance - if title { 1.0 } else { 0.0 };
        if !(part > 0.0 && part <= 1.0) {
            return None;
        }
        let words = (2f64.powf(1.0 / part) - 2.0).round();
        if !(0.0..=f64::from(i32::MAX)).contains(&words) {
            return None;
        }
        // In range: the cast is exact.
        let rank = Rank {
            title,
            words: words as i32,
        };
        (rank.relevance() == relevance).then_some(rank)
    }
}

/// The best `size` matches of `query` that `readable` (a statement over `contribution`)
/// keeps, after `after`, best first: each id with its rank. `narrowed`: the caller's
/// filter narrows the list beyond the read policy (a consultation, a stakeholder…), so
/// that it may hold few contributions, whose matches are then ranked all at once: a
/// walk would meet them rarely.
pub async fn best<C: ConnectionTrait>(
    db: &C,
    query: &SearchQuery,
    readable: &SelectStatement,
    narrowed: bool,
    after: Option<(Rank, i64)>,
    size: u64,
) -> Result<Vec<(i64, Rank)>, DbErr> {
    if narrowed
        && let Some(found) = super::narrowed::among_few(db, query, readable, after, size).await?
    {
        return Ok(found);
    }
    let mut found = Vec::new();
    if after.is_none_or(|(rank, _)| rank.title) {
        let from = after.map(|(rank, id)| (rank.words, id));
        for (id, words) in tier(db, query, readable, true, from, size).await? {
            found.push((id, Rank { title: true, words }));
        }
    }
    if (found.len() as u64) < size {
        let from = after
            .filter(|(rank, _)| !rank.title)
            .map(|(rank, id)| (rank.words, id));
        let left = size - found.len() as u64;
        for (id, words) in tier(db, query, readable, false, from, left).await? {
            found.push((
                id,
                Rank {
                    title: false,
                    words,
                },
            ));
        }
    }
    Ok(found)
}

/// The condition that a row of the search table (`s`) is in the tier and matches, in
/// configuration `config`. The cheaper test first: the title's small vector in the
/// title's tier, the whole document in the other.
fn matches_in_tier(query: &SearchQuery, config: &str, title: bool) -> Expr {
    let document = format!("s.document @@ websearch_to_tsquery('{config}', $1)");
    let in_title = format!("(s.title_document @@ websearch_to_tsquery('{config}', $1))");
    let sql = if title {
        // The document's test inside `CASE`: the title's index finds the candidates, the
        // document's (far larger) never does.
        format!("({in_title} AND CASE WHEN {in_title} THEN {document} ELSE FALSE END)")
    } else {
        format!("({document} AND NOT {in_title})")
    };
    Expr::cust_with_values(sql, [query.websearch.clone()])
}

/// `readable`, kept to the contribution of the search row `s`.
fn correlated(readable: &SelectStatement) -> Expr {
    let mut one = readable.clone();
    one.clear_selects();
    // `OFFSET 0` keeps it a test per row: PostgreSQL would otherwise turn it into a
    // join, and may read the whole table for a handful of matches.
    one.expr(Expr::cust("1"))
        .and_where(Expr::cust("contribution.id = s.contribution_id"))
        .offset(0);
    Expr::exists(one)
}

/// Rounds of the walk before a language's remaining matches are read through its GIN
/// index; each walks eight times as many rows as the one before.
const ROUNDS: u32 = 3;

/// One tier's best `size` matches after (`words`, id) `from`, across the languages.
async fn tier<C: ConnectionTrait>(
    db: &C,
    query: &SearchQuery,
    readable: &SelectStatement,
    title: bool,
    from: Option<(i32, i64)>,
    size: u64,
) -> Result<Vec<(i64, i32)>, DbErr> {
    // Per language: where its walk is (its last row) and the matches it found; `None`
    // once it is done (a page found, or no rows left).
    let mut open: Vec<Option<Option<(i32, i64)>>> = vec![Some(from); CONFIGS.len()];
    let mut found: Vec<Vec<(i64, i32)>> = vec![Vec::new(); CONFIGS.len()];
    let mut rare = vec![false; CONFIGS.len()];
    let mut probed = vec![false; CONFIGS.len()];
    let mut walk = size * 4 + 100;
    for _ in 0..ROUNDS {
        let mut union: Option<SelectStatement> = None;
        for (n, config) in CONFIGS.iter().enumerate() {
            let Some(last) = open[n] else { continue };
            if rare[n] {
                continue;
            }
            union = Some(append(
                union,
                walked(query, readable, title, n, config, last, walk),
            ));
        }
        let Some(statement) = union else { break };
        let mut count = vec![0u64; CONFIGS.len()];
        for row in db.query_all(&statement).await? {
            let n = usize::try_from(row.try_get_by_index::<i32>(0)?)
                .map_err(|_| DbErr::Custom("a language out of range".into()))?;
            let (id, words): (i64, i32) = (row.try_get_by_index(1)?, row.try_get_by_index(2)?);
            count[n] += 1;
            if let Some(last) = open[n].as_mut() {
                *last = Some((words, id)).max(*last);
            }
            if row.try_get_by_index::<bool>(3)? {
                found[n].push((id, words));
            }
        }
        for n in 0..CONFIGS.len() {
            if open[n].is_some() && ((found[n].len() as u64) >= size || count[n] < walk) {
                open[n] = None;
            }
        }
        // Walk on only where the matches are many: a language whose walk met none and
        // whose index holds fewer than [`FEW`] candidates reads them from its index.
        let unmet: Vec<usize> = (0..CONFIGS.len())
            .filter(|&n| open[n].is_some() && !probed[n] && found[n].is_empty())
            .collect();
        for &n in &unmet {
            probed[n] = true;
        }
        for n in few(db, query, title, &unmet).await? {
            rare[n] = true;
        }
        walk *= 8;
    }
    // The languages whose walk found too few and did not reach their end: the rest of
    // their matches, through the GIN index, after the walk's last row. Planned for the
    // words searched: how many match decides the plan.
    let mut rest: Option<SelectStatement> = None;
    for (n, config) in CONFIGS.iter().enumerate() {
        let Some(Some((words, id))) = open[n] else {
            continue;
        };
        let mut rows = Query::select();
        rows.expr_as(Expr::cust("s.contribution_id"), Alias::new("id"))
            .expr_as(Expr::cust("s.words"), Alias::new("words"))
            .from_as(Alias::new(TABLE), Alias::new("s"))
            .and_where(Expr::cust(format!("s.config = '{config}'::regconfig")))
            .and_where(matches_in_tier(query, config, title))
            .and_where(correlated(readable))
            // `+ 0`: neither bounded nor sorted through the B-tree, which would walk
            // the rest of the language for its few matches.
            .and_where(Expr::cust_with_values(
                "(s.words + 0, s.contribution_id + 0) > ($1, $2)",
                [Value::from(words), Value::from(id)],
            ))
            .order_by_expr(Expr::cust("s.words + 0"), Order::Asc)
            .order_by_expr(Expr::cust("s.contribution_id"), Order::Asc)
            .limit(size);
        let mut part = Query::select();
        part.column(Asterisk)
            .from_subquery(rows, Alias::new(format!("rest_{n}")));
        rest = Some(append(rest, part));
    }
    let mut all: Vec<(i64, i32)> = found.into_iter().flatten().collect();
    if let Some(statement) = rest {
        // Through the GIN index: the B-tree would find the language's rows, and test
        // them all for their few matches.
        db.execute_unprepared(
            "SET LOCAL plan_cache_mode = force_custom_plan; SET LOCAL enable_indexscan = off",
        )
        .await?;
        for row in db.query_all(&statement).await? {
            all.push((row.try_get_by_index(0)?, row.try_get_by_index(1)?));
        }
        db.execute_unprepared(
            "SET LOCAL plan_cache_mode = DEFAULT; SET LOCAL enable_indexscan = DEFAULT",
        )
        .await?;
    }
    all.sort_by_key(|&(id, words)| (words, id));
    all.truncate(usize::try_from(size).unwrap_or(usize::MAX));
    Ok(all)
}

/// Candidates (index entries, before the policy) under which a language's matches are
/// read from its GIN index rather than met on a walk.
const FEW: u64 = 2_000;

/// Which of the languages `configs` (indexes into [`CONFIGS`]) hold fewer than [`FEW`]
/// candidates for the tier: its GIN index's matches (the title's in the title's tier),
/// counted up to [`FEW`].
async fn few<C: ConnectionTrait>(
    db: &C,
    query: &SearchQuery,
    title: bool,
    configs: &[usize],
) -> Result<Vec<usize>, DbErr> {
    let mut union: Option<SelectStatement> = None;
    for &n in configs {
        let config = CONFIGS[n];
        let column = if title { "title_document" } else { "document" };
        let mut rows = Query::select();
        rows.expr(Expr::cust("1"))
            .from_as(Alias::new(TABLE), Alias::new("s"))
            .and_where(Expr::cust_with_values(
                format!(
                    "s.config = '{config}'::regconfig AND s.{column} @@ websearch_to_tsquery('{config}', $1)"
                ),
                [query.websearch.clone()],
            ))
            .limit(FEW);
        let mut part = Query::select();
        part.expr_as(Expr::cust(n.to_string()), Alias::new("config"))
            .expr_as(Expr::cust("COUNT(*)"), Alias::new("candidates"))
            .from_subquery(rows, Alias::new(format!("few_{n}")));
        union = Some(append(union, part));
    }
    let Some(statement) = union else {
        return Ok(Vec::new());
    };
    let mut out = Vec::new();
    for row in db.query_all(&statement).await? {
        let (n, candidates): (i32, i64) = (row.try_get_by_index(0)?, row.try_get_by_index(1)?);
        if (candidates as u64) < FEW {
            out.push(
                usize::try_from(n).map_err(|_| DbErr::Custom("a language out of range".into()))?,
            );
        }
    }
    Ok(out)
}

/// The next `walk` rows of language `n` after `last`, each with whether it matches in
/// the tier and may be read. Its plan never depends on the words: the B-tree's order,
/// the tests in the select list.
fn walked(
    query: &SearchQuery,
    readable: &SelectStatement,
    title: bool,
    n: usize,
    config: &str,
    last: Option<(i32, i64)>,
    walk: u64,
) -> SelectStatement {
    let mut rows = Query::select();
    rows.expr_as(Expr::cust("s.contribution_id"), Alias::new("id"))
        .expr_as(Expr::cust("s.words"), Alias::new("words"))
        .expr_as(
            matches_in_tier(query, config, title).and(correlated(readable)),
            Alias::new("found"),
        )
        .from_as(Alias::new(TABLE), Alias::new("s"))
        .and_where(Expr::cust(format!("s.config = '{config}'::regconfig")))
        .order_by_expr(Expr::cust("s.words"), Order::Asc)
        .order_by_expr(Expr::cust("s.contribution_id"), Order::Asc)
        .limit(walk);
    if let Some((words, id)) = last {
        rows.and_where(after_row(words, id));
    }
    let mut part = Query::select();
    part.expr_as(Expr::cust(n.to_string()), Alias::new("config"))
        .column(Asterisk)
        .from_subquery(rows, Alias::new(format!("walk_{n}")));
    part
}

/// `union` with `part` appended (`UNION ALL`).
fn append(union: Option<SelectStatement>, part: SelectStatement) -> SelectStatement {
    match union {
        None => part,
        Some(mut all) => {
            all.union(UnionType::All, part);
            all
        }
    }
}

/// Rows after (`words`, `id`) in the walk's order.
fn after_row(words: i32, id: i64) -> Expr {
    Expr::cust_with_values(
        "(s.words, s.contribution_id) > ($1, $2)",
        [Value::from(words), Value::from(id)],
    )
}

#[cfg(test)]
mod tests {
    use super::Rank;

    #[test]
    fn a_relevance_gives_back_its_rank() {
        for title in [false, true] {
            for words in [0, 1, 2, 25, 1000, 65_535, 10_000_000] {
                let rank = Rank { title, words };
                assert_eq!(Rank::from_relevance(rank.relevance()), Some(rank));
            }
        }
        assert!(
            Rank {
                title: true,
                words: 10_000
            }
            .relevance()
                > Rank {
                    title: false,
                    words: 0
                }
                .relevance()
        );
        assert!(
            Rank {
                title: false,
                words: 3
            }
            .relevance()
                > Rank {
                    title: false,
                    words: 4
                }
                .relevance()
        );
        for bad in [0.0, -1.0, 2.5, 0.123_456_789, f64::NAN, f64::INFINITY] {
            assert_eq!(Rank::from_relevance(bad), None, "{bad}");
        }
    }
}
