//! Builds the HTTP application. `main` and the tests build it the same way.

use crate::auth::Auth;
use crate::config::Settings;
use crate::graphql::build_schema;
use crate::http::{AppState, routes};
use actix_cors::Cors;
use actix_web::dev::Server;
use actix_web::http::header;
use actix_web::middleware::Condition;
use actix_web::{App, HttpServer, web};
use sea_orm::DatabaseConnection;
use std::net::TcpListener;
use std::sync::Arc;

/// The databases a server uses.
pub struct Databases {
    /// Every write, every principal's check, and reads unless `read` is given.
    pub primary: DatabaseConnection,
    /// Queries (and exports) when set: a replica of the primary
    /// (`CONCORD_READ_DATABASE_URL`).
    pub read: Option<DatabaseConnection>,
    /// PostgreSQL's LISTEN for live updates, when the primary's pool goes through a
    /// pooler in transaction mode (`CONCORD_LISTEN_DATABASE_URL`, a direct connection).
    pub listen: Option<sea_orm::sqlx::PgPool>,
}

impl Databases {
    /// One database for everything.
    pub fn one(primary: DatabaseConnection) -> Databases {
        Databases {
            primary,
            read: None,
            listen: None,
        }
    }
}

/// A bound, not yet running server.
pub struct Application {
    port: u16,
    server: Server,
    /// Tells the sockets the server is shutting down.
    stopping: tokio::sync::watch::Sender<bool>,
    shutdown_timeout: std::time::Duration,
}

impl Application {
    /// Binds `settings.bind` (port 0 picks a free port) and prepares the server on `db`.
    /// It does not touch the database: migrations and seeding are the caller's.
    pub fn build(
        settings: &Settings,
        db: DatabaseConnection,
        auth: Arc<Auth>,
    ) -> anyhow::Result<Application> {
        Application::build_with(settings, Databases::one(db), auth)
    }

    /// The same, with a replica for reads and a direct connection for LISTEN.
    pub fn build_with(
        settings: &Settings,
        databases: Databases,
        auth: Arc<Auth>,
    ) -> anyhow::Result<Application> {
        let Databases {
            primary: db,
            read: read_db,
            listen,
        } = databases;
        let listener = TcpListener::bind(&settings.bind)
            .map_err(|e| anyhow::anyhow!("cannot listen on {}: {e}", settings.bind))?;
        let port = listener.local_addr()?.port();
        let events = crate::events::Events::new(db.clone(), listen);
        let schema = build_schema();
        let limits = Arc::new(crate::graphql::limits::Limits::of(
            &schema,
            settings.introspection,
        ));
        let (stopping, stopping_rx) = tokio::sync::watch::channel(false);
        // Webhook deliveries go out from every instance (each takes its own share).
        if settings.webhooks.deliver {
            crate::service::webhooks::deliver::Deliverer::new(
                db.clone(),
                settings.webhooks.clone(),
            )?
            .spawn();
        }
        // Email goes out from every instance too, when an SMTP server is configured.
        if settings.mail.smtp.is_some() && settings.mail.send {
            crate::service::mail::send::Mailer::new(
                db.clone(),
                settings.mail.clone(),
                auth.clone(),
            )?
            .spawn();
        }
        let attachments = Arc::new(crate::service::attachments::Attachments::open(
            settings.attachments.clone(),
        )?);
        crate::service::attachments::sweep::spawn(db.clone(), attachments.clone());
        let quotas = Arc::new(crate::http::Quotas::new(settings.rate_limits.clone(), &db));
        let statements = crate::http::health::check_statements_periodically(&db, read_db.as_ref());
        let state = web::Data::new(AppState {
            statements,
            held: crate::db::Held::new(&db),
            read_held: read_db.as_ref().and_then(crate::db::Held::new),
            read_db,
            schema,
            planning: crate::graphql::build_planning_schema(),
            limits,
            db,
            auth,
            events,
            trusted_proxies: Arc::new(settings.trusted_proxies.clone()),
            body_timeout: settings.body_timeout,
            introspection: settings.introspection,
            persisted: Arc::new(crate::http::Persisted::new(settings.only_persisted)),
            quotas,
            stopping: stopping_rx,
            webhook_targets: settings.webhooks.targets,
            links_by_email: settings.mail.smtp.is_some(),
            attachments,
            compiled_reads: settings.compiled_reads,
            validated: Default::default(),
        });
        let origins = settings.cors_origins.clone();
        let server = HttpServer::new(move || {
            App::new()
                // Without configured origins no CORS layer at all: it would refuse the
                // same-origin requests of GraphiQL, which browsers also send with `Origin`.
                .wrap(Condition::new(!origins.is_empty(), cors(&origins)))
                .wrap(actix_web::middleware::from_fn(
                    crate::http::request_id::assign,
                ))
                // No page (the console, GraphiQL, a report) tells another site where the
                // reader came from.
                .wrap(
                    actix_web::middleware::DefaultHeaders::new()
                        .add((actix_web::http::header::REFERRER_POLICY, "no-referrer")),
                )
                .app_data(state.clone())
                .configure(routes)
        })
        .listen(listener)?
        // SIGTERM and SIGINT are handled by `run_until_stopped`.
        .disable_signals()
        .shutdown_timeout(settings.shutdown_timeout.as_secs())
        .run();
        Ok(Application {
            port,
            server,
            stopping,
            shutdown_timeout: settings.shutdown_timeout,
        })
    }

    /// The port actually bound.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// Serves until the process is told to stop. On SIGTERM or SIGINT: stop accepting
    /// connections, close every WebSocket with 1001 (going away), let requests in flight
    /// finish (for at most the shutdown timeout), then return.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        let handle = self.server.handle();
        let stopping = self.stopping;
        let timeout = self.shutdown_timeout;
        tokio::spawn(async move {
            stop_signal().await;
            tracing::info!(
                "shutting down: no new connections; closing WebSockets; waiting up to {} s \
                 for requests in flight",
                timeout.as_secs()
            );
            let _ = stopping.send(true);
            handle.stop(true).await;
        });
        self.server.await?;
        tracing::info!("stopped");
        Ok(())
    }
}

/// SIGTERM (what orchestrators send) or SIGINT (Ctrl-C).
async fn stop_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match (
            signal(SignalKind::terminate()),
            signal(SignalKind::interrupt()),
        ) {
            (Ok(mut term), Ok(mut int)) => {
                tokio::select! {
                    _ = term.recv() => {}
                    _ = int.recv() => {}
                }
            }
            _ => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}

/// Browser access from other origins: GET and POST with the headers a GraphQL client sends.
fn cors(origins: &[String]) -> Cors {
    let mut cors = Cors::default()
        .allowed_methods(["GET", "POST"])
        .allowed_headers([
            header::CONTENT_TYPE,
            header::ACCEPT,
            header::AUTHORIZATION,
            header::HeaderName::from_static("idempotency-key"),
            header::HeaderName::from_static("x-request-id"),
        ])
        // What a browser client may read of a response.
        .expose_headers([
            "Idempotent-Replayed",
            "X-Request-Id",
            "RateLimit-Limit",
            "RateLimit-Remaining",
            "RateLimit-Reset",
            "RateLimit-Policy",
            "Retry-After",
        ])
        .max_age(3600);
    for origin in origins {
        cors = if origin == "*" {
            cors.allow_any_origin()
        } else {
            cors.allowed_origin(origin)
        };
    }
    cors
}
