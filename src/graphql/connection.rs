//! Relay connections. Every list in the schema is one of these: `edges { cursor node }`,
//! `nodes`, `pageInfo` and `totalCount`, paged with `first/after` or `last/before`.

use crate::paging::{Counter, Listing, encode_cursor};
use async_graphql::SimpleObject;

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
            counter: $crate::paging::Counter,
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
            async fn total_count(&self) -> async_graphql::Result<i32> {
                let n = self.counter.count().await?;
                Ok(i32::try_from(n).unwrap_or(i32::MAX))
            }
        }

        impl $conn {
            /// Builds the connection from a service listing.
            pub fn from_listing<M>(
                listing: $crate::paging::Listing<M>,
                key: fn(&M) -> i64,
                wrap: fn(M) -> $node,
            ) -> Self {
                let (edges, page_info, counter) =
                    $crate::graphql::connection::parts(listing, key, |cursor, model| $edge {
                        cursor,
                        node: wrap(model),
                    });
                $conn { edges, page_info, counter }
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

/// Splits a listing into edges, page info and its counter.
pub fn parts<M, E>(
    listing: Listing<M>,
    key: fn(&M) -> i64,
    edge: impl Fn(String, M) -> E,
) -> (Vec<E>, PageInfo, Counter) {
    let slice = listing.slice;
    let start_cursor = slice.items.first().map(|m| encode_cursor(key(m)));
    let end_cursor = slice.items.last().map(|m| encode_cursor(key(m)));
    let edges = slice
        .items
        .into_iter()
        .map(|m| edge(encode_cursor(key(&m)), m))
        .collect();
    let page_info = PageInfo {
        has_previous_page: slice.has_previous,
        has_next_page: slice.has_next,
        start_cursor,
        end_cursor,
    };
    (edges, page_info, listing.counter)
}
