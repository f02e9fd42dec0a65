//! The GraphQL schema. Resolvers are thin: they take the viewer, the loaders and the
//! connection from the request context and call a service. No SeaORM query lives here.

pub mod connection;
pub mod loaders;
pub mod node;
pub mod query;
pub mod types;

use crate::viewer::Viewer;
use async_graphql::dataloader::DataLoader;
use async_graphql::{Context, EmptyMutation, EmptySubscription, Schema};
use loaders::Loaders;
use sea_orm::DatabaseConnection;

/// Deepest selection nesting a query may have.
pub const MAX_DEPTH: usize = 12;
/// Highest complexity a query may have (each field costs 1; connections cost their page size).
pub const MAX_COMPLEXITY: usize = 25_000;

/// Concord's executable schema.
pub type ConcordSchema = Schema<query::Query, EmptyMutation, EmptySubscription>;

/// Builds the schema. It holds no state: the connection and viewer come with each request.
pub fn build_schema() -> ConcordSchema {
    Schema::build(query::Query, EmptyMutation, EmptySubscription)
        .limit_depth(MAX_DEPTH)
        .limit_complexity(MAX_COMPLEXITY)
        .finish()
}

/// The schema in SDL, as committed in `schema.graphql`.
pub fn sdl() -> String {
    build_schema().sdl()
}

/// What each request carries into resolvers.
pub struct RequestData {
    pub db: DatabaseConnection,
    pub viewer: Viewer,
    pub loader: DataLoader<Loaders>,
}

impl RequestData {
    pub fn new(db: DatabaseConnection, viewer: Viewer) -> RequestData {
        let loader = Loaders::new(db.clone(), viewer.clone());
        RequestData { db, viewer, loader }
    }
}

/// The request's data, from a resolver's context.
pub(crate) fn request<'a>(ctx: &Context<'a>) -> async_graphql::Result<&'a RequestData> {
    ctx.data::<RequestData>()
}
