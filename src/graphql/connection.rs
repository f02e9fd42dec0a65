//! Relay connections. Every list in the schema is one of these: `edges { cursor node }`,
//! `nodes`, `pageInfo` and `totalCount`, paged with `first/after` or `last/before`.

use super::context::{RequestData, request};
use super::loaders::{ContributionCountOf, CountOf};
use crate::paging::{Counter, Slice};
use crate::service::relations::Relation;
use async_graphql::{Context, SimpleObject};
use std::future::Future;
use std::pin::Pin;

type CountFuture<'a> = Pin<Box<dyn Future<Output = async_graphql::Result<u64>> + Send + 'a>>;

/// A count that resolves through the request's loaders, batched with its siblings.
pub trait BatchedCount: Send + Sync {
    fn count<'a>(&'a self, rd: &'a RequestData) -> CountFuture<'a>;
}

impl<R: Relation> BatchedCount for CountOf<R> {
    fn count<'a>(&'a self, rd: &'a RequestData) -> CountFuture<'a> {
        Box::pin(async move { Ok(rd.loader.load_one(*self).await?.unwrap_or(0)) })
    }
}

impl BatchedCount for ContributionCountOf {
    fn count<'a>(&'a self, rd: &'a RequestData) -> CountFuture<'a> {
        Box::pin(async move { Ok(rd.loader.load_one(self.clone()).await?.unwrap_or(0)) })
    }
}

/// How a connection counts its whole list, when `totalCount` is asked for.
pub enum TotalCount {
    /// A top-level list: one COUNT query.
    Query(Counter),
    /// A nested list: one GROUP BY query for all its siblings.
    Batched(Box<dyn BatchedCount>),
}

impl TotalCount {
    pub async fn resolve(&self, ctx: &Context<'_>) -> async_graphql::Result<i32> {
        let n = match self {
            TotalCount::Query(counter) => counter.count().await?,
            TotalCount::Batched(count) => count.count(request(ctx)?).await?,
        };
        Ok(i32::try_from(n).unwrap_or(i32::MAX))
    }
}

/// Where a page sits in its list.
#[derive(SimpleObject, Debug, Clone)]
pub struct PageInfo {
    /// Whether items exist before this page (page backwards with `last`/`before`).
    pub has_previous_page: bool,
    /// Whether items exist after this page (page forwards with `first`/`after`).
    pub has_next_page: bool,
    /// The cursor of the first item of this page; null when the page is empty.
    pub start_cursor: Option<String>,
    /// The cursor of the last item of this page; null when the page is empty.
    pub end_cursor: Option<String>,
}

/// Declares a connection type and its edge type over a node type.
macro_rules! connection {
    ($conn:ident, $edge:ident, $node:ident, $conn_doc:literal, $edge_doc:literal) => {
        #[doc = $conn_doc]
        pub struct $conn {
            edges: Vec<$edge>,
            page_info: $crate::graphql::connection::PageInfo,
            total: $crate::graphql::connection::TotalCount,
        }

        #[doc = $conn_doc]
        #[async_graphql::Object]
        impl $conn {
            /// The items of this page, each with its cursor.
            async fn edges(&self) -> &[$edge] {
                &self.edges
            }

            /// The items of this page, without cursors.
            async fn nodes(&self) -> Vec<&$node> {
                self.edges.iter().map(|edge| &edge.node).collect()
            }

            /// Where this page sits in the whole list.
            async fn page_info(&self) -> &$crate::graphql::connection::PageInfo {
                &self.page_info
            }

            /// How many items the whole list holds across all pages, counting only
            /// what the caller may see.
            async fn total_count(
                &self,
                ctx: &async_graphql::Context<'_>,
            ) -> async_graphql::Result<i32> {
                self.total.resolve(ctx).await
            }
        }

        impl $conn {
            /// Builds the connection from a service listing.
            #[allow(dead_code)] // some connections are only ever nested
            pub fn from_listing<M>(
                listing: $crate::paging::Listing<M>,
                wrap: fn(M) -> $node,
            ) -> Self {
                let total = $crate::graphql::connection::TotalCount::Query(listing.counter);
                Self::from_slice(listing.slice, total, wrap)
            }

            /// Builds the connection from a page and the way to count its list.
            pub fn from_slice<M>(
                slice: $crate::paging::Slice<M>,
                total: $crate::graphql::connection::TotalCount,
                wrap: fn(M) -> $node,
            ) -> Self {
                let (edges, page_info) =
                    $crate::graphql::connection::parts(slice, |cursor, model| $edge {
                        cursor,
                        node: wrap(model),
                    });
                $conn {
                    edges,
                    page_info,
                    total,
                }
            }
        }

        #[doc = $edge_doc]
        pub struct $edge {
            cursor: String,
            node: $node,
        }

        #[doc = $edge_doc]
        #[async_graphql::Object]
        impl $edge {
            /// Opaque cursor of this item, for `after` or `before`.
            async fn cursor(&self) -> &str {
                &self.cursor
            }

            /// The item.
            async fn node(&self) -> &$node {
                &self.node
            }
        }
    };
}
pub(crate) use connection;

/// Splits a page into edges and page info.
pub fn parts<M, E>(slice: Slice<M>, edge: impl Fn(String, M) -> E) -> (Vec<E>, PageInfo) {
    let start_cursor = slice.cursors.first().cloned();
    let end_cursor = slice.cursors.last().cloned();
    let edges = slice
        .cursors
        .into_iter()
        .zip(slice.items)
        .map(|(cursor, m)| edge(cursor, m))
        .collect();
    let page_info = PageInfo {
        has_previous_page: slice.has_previous,
        has_next_page: slice.has_next,
        start_cursor,
        end_cursor,
    };
    (edges, page_info)
}
