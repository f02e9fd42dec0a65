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

/// A bound, not yet running server.
pub struct Application {
    port: u16,
    server: Server,
}

impl Application {
    /// Binds `settings.bind` (port 0 picks a free port) and prepares the server on `db`.
    /// It does not touch the database: migrations and seeding are the caller's.
    pub fn build(
        settings: &Settings,
        db: DatabaseConnection,
        auth: Arc<Auth>,
    ) -> anyhow::Result<Application> {
        let listener = TcpListener::bind(&settings.bind)
            .map_err(|e| anyhow::anyhow!("cannot listen on {}: {e}", settings.bind))?;
        let port = listener.local_addr()?.port();
        let events = crate::events::Events::new(db.clone());
        let schema = build_schema();
        let limits = Arc::new(crate::graphql::limits::Limits::of(
            &schema,
            settings.introspection,
        ));
        let quotas = Arc::new(crate::http::Quotas::new(settings.rate_limits.clone(), &db));
        let state = web::Data::new(AppState {
            schema,
            limits,
            db,
            auth,
            events,
            trusted_proxies: Arc::new(settings.trusted_proxies.clone()),
            body_timeout: settings.body_timeout,
            introspection: settings.introspection,
            persisted: Arc::new(crate::http::Persisted::new(settings.only_persisted)),
            quotas,
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
                .app_data(state.clone())
                .configure(routes)
        })
        .listen(listener)?
        .run();
        Ok(Application { port, server })
    }

    /// The port actually bound.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// Serves until the process is told to stop (SIGINT/SIGTERM: graceful shutdown).
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        self.server.await
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
