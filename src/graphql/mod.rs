//! The GraphQL schema. Resolvers are thin: they take the viewer, the loaders and the
//! connection from the request context and call a service. No SeaORM query lives here.

pub mod args;
pub mod compiled;
pub mod connection;
pub mod context;
pub mod cost;
pub mod enums;
pub mod error_codes;
pub mod limits;
pub mod loaders;
pub mod mutation;
pub mod node;
pub mod operation;
pub mod order;
pub mod prepared;
pub mod query;
pub mod response_order;
pub mod schema_diff;
pub mod selection;
pub mod subscription;
pub mod types;

pub use context::RequestData;

use async_graphql::Schema;

/// Deepest selection nesting a query may have, introspection excepted
/// ([`limits::Limits`] checks it).
pub const MAX_DEPTH: usize = 12;

/// Concord's executable schema.
pub type ConcordSchema = Schema<query::Query, mutation::Mutation, subscription::Subscription>;

/// Builds the schema. It holds no state: the connection and viewer come with each request.
/// It has no extensions (they would wrap every field's resolution): the transports apply
/// [`limits::Limits`] before and [`error_codes::classify`] after running a request.
pub fn build_schema() -> ConcordSchema {
    builder().finish()
}

/// The same schema with one extension, [`compiled::Reads`], which runs a planned query
/// after validation in place of the resolvers: only queries that carry a plan run on it,
/// so that every other operation's fields resolve without the extension chain.
pub fn build_planning_schema() -> ConcordSchema {
    builder().extension(compiled::Reads).finish()
}

fn builder()
-> async_graphql::SchemaBuilder<query::Query, mutation::Mutation, subscription::Subscription> {
    Schema::build(
        query::Query,
        mutation::Mutation::default(),
        subscription::Subscription,
    )
    .register_output_type::<error_codes::ErrorCode>()
    .override_output_type_description::<chrono::DateTime<chrono::Utc>>(
        "A moment, as an RFC 3339 date and time with its offset, e.g. \"2010-12-14T10:00:00Z\". \
         Returned in UTC; accepted with any offset.",
    )
    .override_output_type_description::<chrono::NaiveDate>(
        "A calendar day, as an ISO 8601 date, e.g. \"2010-12-14\".",
    )
}

/// The schema in SDL, as committed in `schema.graphql`, with the `@specifiedBy` URLs
/// the live schema gives its scalars.
pub fn sdl() -> String {
    build_schema().sdl_with_options(async_graphql::SDLExportOptions::new().include_specified_by())
}
