//! Every route, in one table.

use super::{attachments, console, export, graphiql, graphql, health, oauth, socket, uploads};
use actix_web::web;

/// Registers every route.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/graphql")
            .route(web::post().to(graphql::post))
            .route(web::get().to(graphql::get))
            .default_service(web::to(graphql::method_not_allowed)),
    )
    .route("/oauth/token", web::post().to(oauth::token))
    .route("/uploads/{id}", web::put().to(uploads::put))
    .service(
        web::resource("/attachments/{id}")
            .route(web::get().to(attachments::download))
            .route(web::head().to(attachments::download)),
    )
    .route("/graphql/ws", web::get().to(socket::websocket))
    .route(
        "/consultations/{id}/{file}",
        web::get().to(export::consultation_file),
    )
    .route("/graphiql/{version}/{file}", web::get().to(graphiql::asset))
    .route("/console", web::get().to(console::page))
    .route("/console/assets/{file}", web::get().to(console::asset))
    .service(
        web::resource("/console/session")
            .route(web::post().to(console::sign_in))
            .route(web::delete().to(console::sign_out)),
    )
    .route("/console/session/refresh", web::post().to(console::refresh))
    .route("/healthz", web::get().to(health::healthz))
    .route("/readyz", web::get().to(health::readyz))
    .route("/metrics", web::get().to(health::metrics))
    .route("/openapi.json", web::get().to(health::openapi))
    .route("/.well-known/jwks.json", web::get().to(health::jwks));
}
