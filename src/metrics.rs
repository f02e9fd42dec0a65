//! Prometheus metrics, served as text at `GET /metrics` (the `prometheus` crate). One
//! registry per process: every server of the process reports into it.
//!
//! - `concord_graphql_requests_total{operation, outcome}` and
//!   `concord_graphql_request_duration_seconds{operation, outcome}`: each GraphQL
//!   request (HTTP, and each operation on a WebSocket), by operation name (`anonymous`
//!   without one; `other` past [`MAX_OPERATION_NAMES`] names, for a name that is not a
//!   plain GraphQL name, and for the operations of callers who are not signed in unless
//!   the server runs only its allow-list, so that nobody can crowd out the names of
//!   the operations that matter by sending made-up ones) and outcome (`ok`, or the code
//!   of its first error);
//! - `concord_graphql_errors_total{code}`: every error sent, by `extensions.code`;
//! - `concord_rate_limited_total{principal}`: requests refused for a spent budget, by
//!   kind of caller (`anonymous`, `account`, `client`);
//! - `concord_sql_duration_seconds{outcome}`: every SQL statement (`ok`, `failed`);
//! - `concord_db_pool_connections{state}`: the pool's connections `in_use` and `idle`,
//!   read when scraped;
//! - `concord_websocket_connections`: sockets open now;
//! - `concord_graphql_documents_parsed_total`: GraphQL documents parsed (at most one a
//!   request, whatever reads it, and none for a document parsed lately: see
//!   [`crate::graphql::prepared`]);
//! - `concord_graphql_validations_reused_total`: queries answered by their plan without
//!   the executor, the same operation having passed validation before
//!   ([`crate::graphql::compiled::Validated`]);
//! - `concord_graphql_root_fields_total{path}`: the root fields of queries, by how they
//!   ran: `compiled` (as a plan, [`crate::graphql::compiled`]), `fallback` (planned, but
//!   the plan gave way to the resolvers at run time) or `resolved` (not planned).

use prometheus::{
    Encoder, HistogramOpts, HistogramVec, IntCounter, IntCounterVec, IntGauge, IntGaugeVec, Opts,
    Registry, TextEncoder,
};
use sea_orm::{DatabaseConnection, DbBackend};
use std::collections::HashSet;
use std::sync::{Mutex, OnceLock};
use std::time::Duration;

/// Most distinct operation names labelled; others count as `other`.
pub const MAX_OPERATION_NAMES: usize = 200;

/// The process's metrics.
pub struct Metrics {
    registry: Registry,
    requests: IntCounterVec,
    latency: HistogramVec,
    errors: IntCounterVec,
    rate_limited: IntCounterVec,
    sql: HistogramVec,
    pool: IntGaugeVec,
    sockets: IntGauge,
    parsed: IntCounter,
    reused: IntCounter,
    root_fields: IntCounterVec,
    names: Mutex<HashSet<String>>,
}

/// The process's metrics, made on first use.
pub fn global() -> &'static Metrics {
    static METRICS: OnceLock<Metrics> = OnceLock::new();
    METRICS.get_or_init(Metrics::new)
}

impl Metrics {
    fn new() -> Metrics {
        let registry =
            Registry::new_custom(Some("concord".to_owned()), None).expect("a valid metrics prefix");
        let requests = IntCounterVec::new(
            Opts::new(
                "graphql_requests_total",
                "GraphQL requests, by operation and outcome",
            ),
            &["operation", "outcome"],
        )
        .expect("valid metric");
        let latency = HistogramVec::new(
            HistogramOpts::new(
                "graphql_request_duration_seconds",
                "Time to answer a GraphQL request, by operation and outcome",
            )
            .buckets(vec![
                0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0,
            ]),
            &["operation", "outcome"],
        )
        .expect("valid metric");
        let errors = IntCounterVec::new(
            Opts::new(
                "graphql_errors_total",
                "GraphQL errors sent, by extensions.code",
            ),
            &["code"],
        )
        .expect("valid metric");
        let rate_limited = IntCounterVec::new(
            Opts::new(
                "rate_limited_total",
                "Requests refused because the caller's budget was spent",
            ),
            &["principal"],
        )
        .expect("valid metric");
        let sql = HistogramVec::new(
            HistogramOpts::new("sql_duration_seconds", "Time of each SQL statement").buckets(vec![
                0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1.0,
            ]),
            &["outcome"],
        )
        .expect("valid metric");
        let pool = IntGaugeVec::new(
            Opts::new("db_pool_connections", "Database pool connections, by state"),
            &["state"],
        )
        .expect("valid metric");
        let sockets = IntGauge::new("websocket_connections", "WebSocket connections open")
            .expect("valid metric");
        let parsed = IntCounter::new("graphql_documents_parsed_total", "GraphQL documents parsed")
            .expect("valid metric");
        let reused = IntCounter::new(
            "graphql_validations_reused_total",
            "Queries whose plan ran without the executor, validated before",
        )
        .expect("valid metric");
        let root_fields = IntCounterVec::new(
            Opts::new(
                "graphql_root_fields_total",
                "Root fields of queries, by how they ran: compiled, fallback or resolved",
            ),
            &["path"],
        )
        .expect("valid metric");
        for collector in [
            Box::new(requests.clone()) as Box<dyn prometheus::core::Collector>,
            Box::new(latency.clone()),
            Box::new(errors.clone()),
            Box::new(rate_limited.clone()),
            Box::new(sql.clone()),
            Box::new(pool.clone()),
            Box::new(sockets.clone()),
            Box::new(parsed.clone()),
            Box::new(reused.clone()),
            Box::new(root_fields.clone()),
        ] {
            registry
                .register(collector)
                .expect("metrics registered once");
        }
        Metrics {
            registry,
            requests,
            latency,
            errors,
            rate_limited,
            sql,
            pool,
            sockets,
            parsed,
            reused,
            root_fields,
            names: Mutex::new(HashSet::new()),
        }
    }

    /// The label of an operation name: bounded in number and form.
    fn operation_label<'a>(&self, name: Option<&'a str>, trusted: bool) -> &'a str {
        let Some(name) = name else {
            return "anonymous";
        };
        if !trusted {
            return "other";
        }
        let plain = !name.is_empty()
            && name.len() <= 100
            && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_');
        if !plain {
            return "other";
        }
        let mut names = self.names.lock().unwrap_or_else(|p| p.into_inner());
        if names.contains(name) {
            name
        } else if names.len() < MAX_OPERATION_NAMES {
            names.insert(name.to_owned());
            name
        } else {
            "other"
        }
    }

    /// Records a GraphQL request: its operation, the codes of its errors, its time.
    /// `trusted`: its operation's name may get a label of its own (the caller is signed
    /// in, or only allow-listed operations run).
    pub fn request(
        &self,
        operation: Option<&str>,
        trusted: bool,
        codes: &[String],
        took: Duration,
    ) {
        let operation = self.operation_label(operation, trusted);
        let outcome = codes.first().map_or("ok", String::as_str);
        self.requests.with_label_values(&[operation, outcome]).inc();
        self.latency
            .with_label_values(&[operation, outcome])
            .observe(took.as_secs_f64());
        for code in codes {
            self.errors.with_label_values(&[code.as_str()]).inc();
        }
    }

    /// Records a GraphQL document parsed.
    pub fn document_parsed(&self) {
        self.parsed.inc();
    }

    /// Records a query whose plan ran without the executor (validated before).
    pub fn validation_reused(&self) {
        self.reused.inc();
    }

    /// Records `n` root fields of a query run by `path` (`compiled`, `fallback`,
    /// `resolved`).
    pub fn root_fields(&self, path: &str, n: usize) {
        self.root_fields.with_label_values(&[path]).inc_by(n as u64);
    }

    /// Records a request refused for a spent budget.
    pub fn rate_limited(&self, principal: &str) {
        self.rate_limited.with_label_values(&[principal]).inc();
    }

    /// Records an SQL statement (the database connection's metric callback).
    pub fn statement(&self, info: &sea_orm::metric::Info<'_>) {
        let outcome = if info.failed { "failed" } else { "ok" };
        self.sql
            .with_label_values(&[outcome])
            .observe(info.elapsed.as_secs_f64());
    }

    /// A socket opened; the guard counts it closed when dropped.
    pub fn socket_opened(&'static self) -> SocketGuard {
        self.sockets.inc();
        SocketGuard(self)
    }

    /// The metrics as Prometheus text, with the pool of `db` read now.
    pub fn render(&self, db: &DatabaseConnection) -> String {
        let (size, idle) = match db.get_database_backend() {
            DbBackend::Postgres => {
                let pool = db.get_postgres_connection_pool();
                (pool.size(), pool.num_idle())
            }
            DbBackend::Sqlite => {
                let pool = db.get_sqlite_connection_pool();
                (pool.size(), pool.num_idle())
            }
            _ => (0, 0),
        };
        let idle = i64::try_from(idle).unwrap_or(i64::MAX);
        self.pool
            .with_label_values(&["in_use"])
            .set(i64::from(size) - idle);
        self.pool.with_label_values(&["idle"]).set(idle);
        let mut out = Vec::new();
        if let Err(err) = TextEncoder::new().encode(&self.registry.gather(), &mut out) {
            tracing::error!(%err, "metrics could not be written");
        }
        String::from_utf8(out).unwrap_or_default()
    }
}

/// An open WebSocket, for the gauge.
pub struct SocketGuard(&'static Metrics);

impl Drop for SocketGuard {
    fn drop(&mut self) {
        self.0.sockets.dec();
    }
}
