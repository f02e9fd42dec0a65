//! Ranked search results: contributions with how well they matched and a snippet of
//! where, paged forwards by keyset on (relevance, id).

use super::Contribution;
use crate::error::AppError;
use crate::graphql::connection::PageInfo;
use crate::paging::{self, Counter, Order, Page, PageArgs};
use crate::service::contributions::Hits;
use async_graphql::{Object, Result};

const PREFIX: &str = "search:";

/// The cursor of a result: its relevance and id.
fn encode(relevance: f64, id: i64) -> String {
    paging::opaque(&format!("{PREFIX}{relevance:?}:{id}"))
}

/// Where a page of results starts, from `after`; `BAD_USER_INPUT` if it is not a
/// cursor of a search result.
pub(crate) fn after(raw: Option<&str>) -> Result<Option<(f64, i64)>, AppError> {
    let Some(raw) = raw else { return Ok(None) };
    paging::from_opaque(raw)
        .and_then(|text| {
            let (relevance, id) = text.strip_prefix(PREFIX)?.split_once(':')?;
            let relevance: f64 = relevance.parse().ok().filter(|r: &f64| r.is_finite())?;
            Some((relevance, id.parse().ok()?))
        })
        .map(Some)
        .ok_or_else(|| {
            AppError::bad_input(
                "`after` is not a cursor of a search result; use a `cursor` or `pageInfo.endCursor` of searchContributions",
            )
        })
}

/// The size of a page of results, from `first`, bounded as every list's is.
pub(crate) fn size(first: Option<i32>) -> Result<u64, AppError> {
    let args = PageArgs {
        first,
        ..PageArgs::default()
    };
    Ok(Page::parse(&args, Order::default())?.size)
}

/// A page of contributions found by a search, best match first.
pub struct ContributionSearchConnection {
    edges: Vec<ContributionSearchEdge>,
    page_info: PageInfo,
    counter: Counter,
}

impl ContributionSearchConnection {
    pub fn new(found: Hits, after: bool) -> Self {
        let edges: Vec<ContributionSearchEdge> = found
            .hits
            .into_iter()
            .map(|hit| ContributionSearchEdge {
                cursor: encode(hit.relevance, hit.contribution.id),
                relevance: hit.relevance,
                snippet: hit.snippet,
                node: Contribution(hit.contribution),
            })
            .collect();
        let page_info = PageInfo {
            has_previous_page: after,
            has_next_page: found.has_next,
            start_cursor: edges.first().map(|e| e.cursor.clone()),
            end_cursor: edges.last().map(|e| e.cursor.clone()),
        };
        ContributionSearchConnection {
            edges,
            page_info,
            counter: found.counter,
        }
    }
}

/// A page of contributions found by a search, best match first.
#[Object]
impl ContributionSearchConnection {
    /// The results of this page, each with its cursor, relevance and snippet.
    async fn edges(&self) -> &[ContributionSearchEdge] {
        &self.edges
    }

    /// The contributions of this page, without the rest.
    async fn nodes(&self) -> Vec<&Contribution> {
        self.edges.iter().map(|edge| &edge.node).collect()
    }

    /// Where this page sits in the results (`hasPreviousPage` is true after a cursor).
    async fn page_info(&self) -> &PageInfo {
        &self.page_info
    }

    /// How many contributions the caller may read match, across all pages.
    async fn total_count(&self) -> Result<i32> {
        Ok(i32::try_from(self.counter.count().await?).unwrap_or(i32::MAX))
    }
}

/// A contribution a search found.
pub struct ContributionSearchEdge {
    cursor: String,
    node: Contribution,
    relevance: f64,
    snippet: String,
}

/// A contribution a search found.
#[Object]
impl ContributionSearchEdge {
    /// Opaque cursor of this result, for `after`.
    async fn cursor(&self) -> &str {
        &self.cursor
    }

    /// The contribution.
    async fn node(&self) -> &Contribution {
        &self.node
    }

    /// How well it matched: higher is better; comparable within one search only.
    async fn relevance(&self) -> f64 {
        self.relevance
    }

    /// Its current body around what matched, as HTML: the text escaped, each match in
    /// `<mark>`, fragments joined by " … ". The opening words when only the title matched.
    async fn snippet(&self) -> &str {
        &self.snippet
    }
}
