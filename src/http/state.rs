//! What every worker shares.

use crate::auth::Auth;
use crate::events::Events;
use crate::graphql::ConcordSchema;
use crate::graphql::limits::Limits;
use ipnet::IpNet;
use sea_orm::DatabaseConnection;
use std::sync::Arc;

/// Shared state of every worker.
#[derive(Clone)]
pub struct AppState {
    pub schema: ConcordSchema,
    /// The same schema with the compiled reads' extension, for queries that carry a
    /// plan (`graphql::build_planning_schema`).
    pub planning: ConcordSchema,
    /// The schema's limits, applied before a request runs.
    pub limits: Arc<Limits>,
    pub db: DatabaseConnection,
    /// A replica for queries and exports (`CONCORD_READ_DATABASE_URL`); `None`: `db`.
    pub read_db: Option<DatabaseConnection>,
    /// The connections of `db` and of `read_db` kept between statements, where their
    /// pools may be held ([`crate::db::Held`]).
    pub held: Option<Arc<crate::db::Held>>,
    pub read_held: Option<Arc<crate::db::Held>>,
    pub auth: Arc<Auth>,
    pub events: Events,
    /// Proxies whose forwarding headers name the client.
    pub trusted_proxies: Arc<Vec<IpNet>>,
    /// How long a client may take to send a request body.
    pub body_timeout: std::time::Duration,
    /// Becomes `true` when the server begins to shut down (sockets close with 1001).
    pub stopping: tokio::sync::watch::Receiver<bool>,
    /// Rate limits.
    pub quotas: Arc<super::quota::Quotas>,
    /// Persisted queries and the allow-list.
    pub persisted: Arc<super::persisted::Persisted>,
    /// Whether `__schema` and `__type` are answered (`CONCORD_INTROSPECTION`).
    pub introspection: bool,
    /// Whether queries the planner knows run as plans (`CONCORD_COMPILED_READS`).
    pub compiled_reads: crate::config::CompiledReads,
    /// Operations validated before, whose plans run without the executor.
    pub validated: Arc<crate::graphql::compiled::Validated>,
    /// Where webhooks may point.
    pub webhook_targets: crate::service::webhooks::Targets,
    /// Where documents go, and the rules for them.
    pub attachments: Arc<crate::service::attachments::Attachments>,
    /// Whether links go by email (an SMTP server is configured).
    pub links_by_email: bool,
    /// Why prepared statements are not safe on the pools, when the last check found
    /// they are not (see [`crate::pooler`]); `/readyz` reports it.
    pub statements: Arc<std::sync::Mutex<Option<String>>>,
}

impl AppState {
    /// Where queries and exports read: the replica if there is one.
    pub fn reads(&self) -> &DatabaseConnection {
        self.read_db.as_ref().unwrap_or(&self.db)
    }

    /// The primary, for a request.
    pub fn primary(&self) -> crate::db::Handle {
        crate::db::Handle::of(&self.db, self.held.as_ref())
    }

    /// Where a query reads, for a request: the replica if there is one.
    pub fn queries(&self) -> crate::db::Handle {
        match &self.read_db {
            Some(read) => crate::db::Handle::of(read, self.read_held.as_ref()),
            None => self.primary(),
        }
    }
}
