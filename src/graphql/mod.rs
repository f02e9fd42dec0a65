//! The GraphQL schema. Resolvers are thin: they take the viewer, the loaders and the
//! connection from the request context and call a service. No SeaORM query lives here.

pub mod connection;
pub mod loaders;
pub mod mutation;
pub mod node;
pub mod query;
pub mod subscription;
pub mod types;
pub mod workflow;

use crate::auth::Auth;
use crate::error::AppError;
use crate::events::Events;
use crate::viewer::Viewer;
use async_graphql::dataloader::DataLoader;
use async_graphql::{Context, Schema};
use loaders::Loaders;
use sea_orm::DatabaseConnection;
use std::sync::Arc;

/// Deepest selection nesting a query may have.
pub const MAX_DEPTH: usize = 12;
/// Highest complexity a query may have (each field costs 1; connections cost their page size).
pub const MAX_COMPLEXITY: usize = 25_000;

/// Concord's executable schema.
pub type ConcordSchema = Schema<query::Query, mutation::Mutation, subscription::Subscription>;

/// Builds the schema. It holds no state: the connection and viewer come with each request.
pub fn build_schema() -> ConcordSchema {
    Schema::build(
        query::Query,
        mutation::Mutation::default(),
        subscription::Subscription,
    )
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
    pub auth: Arc<Auth>,
    /// The peer address, for throttling failed sign-ins.
    pub client_ip: Option<String>,
    /// Publication events, for live updates.
    pub events: Events,
}

impl RequestData {
    pub fn new(
        db: DatabaseConnection,
        viewer: Viewer,
        auth: Arc<Auth>,
        client_ip: Option<String>,
        events: Events,
    ) -> RequestData {
        let loader = Loaders::new(db.clone(), viewer.clone());
        RequestData {
            db,
            viewer,
            loader,
            auth,
            client_ip,
            events,
        }
    }
}

/// The request's data, from a resolver's context. When anonymous access is switched
/// off, an anonymous caller gets `UNAUTHENTICATED` here, for every field but sign-in.
pub(crate) fn request<'a>(ctx: &Context<'a>) -> async_graphql::Result<&'a RequestData> {
    let rd = request_public(ctx)?;
    if !rd.auth.anonymous_access && rd.viewer == Viewer::Anonymous {
        return Err(AppError::Unauthenticated("Sign in to use this API").into());
    }
    Ok(rd)
}

/// The request's data for the fields anyone may call (sign-in, password reset).
pub(crate) fn request_public<'a>(ctx: &Context<'a>) -> async_graphql::Result<&'a RequestData> {
    ctx.data::<RequestData>()
}
