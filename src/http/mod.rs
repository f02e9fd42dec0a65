//! The HTTP layer: routes, the shared state, the one way a request or a WebSocket
//! `connection_init` becomes a principal, and one handler file per endpoint.
//!
//! Handlers turn HTTP into calls of the GraphQL schema or the services and back; they
//! decide nothing about access (that is [`crate::policy`]).

mod attachments;
mod body;
mod client;
mod console;
mod error;
mod execute;
mod export;
mod format;
pub mod graphiql;
mod graphql;
pub(crate) mod health;
mod idempotent;
mod oauth;
mod persisted;
mod pipeline;
mod principal;
mod quota;
mod report;
pub mod request_id;
mod routes;
mod socket;
mod state;
mod uploads;

pub use body::{BODY_TIMEOUT, MAX_BODY_BYTES};
pub use error::HttpError;
pub use persisted::Persisted;
pub use quota::Quotas;
pub use routes::routes;
pub use state::AppState;
