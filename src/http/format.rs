//! The media type of a GraphQL response, negotiated from `Accept` (GraphQL over HTTP):
//! `application/graphql-response+json` when the client asks for it (with 4xx for
//! requests that could not be executed), `application/json` otherwise.

use super::error::{HttpError, RETRY_AFTER_SECONDS, error_body};
use actix_web::HttpRequest;
use actix_web::HttpResponse;
use actix_web::http::StatusCode;
use actix_web::http::header;
use serde_json::Value;

const GRAPHQL_RESPONSE_JSON: &str = "application/graphql-response+json";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResponseFormat {
    GraphQlResponseJson,
    Json,
}

impl ResponseFormat {
    /// Picks the response media type from `Accept`; `None` when nothing we serve fits.
    pub fn negotiate(req: &HttpRequest) -> Option<ResponseFormat> {
        let Some(accept) = req
            .headers()
            .get(header::ACCEPT)
            .and_then(|v| v.to_str().ok())
        else {
            return Some(ResponseFormat::Json);
        };
        let types = || {
            accept
                .split(',')
                .map(|part| part.split(';').next().unwrap_or("").trim())
        };
        if types().any(|t| t.eq_ignore_ascii_case(GRAPHQL_RESPONSE_JSON)) {
            Some(ResponseFormat::GraphQlResponseJson)
        } else if types().any(|t| {
            ["application/json", "application/*", "*/*", ""]
                .iter()
                .any(|served| t.eq_ignore_ascii_case(served))
        }) {
            Some(ResponseFormat::Json)
        } else {
            None
        }
    }

    pub fn content_type(self) -> &'static str {
        match self {
            ResponseFormat::GraphQlResponseJson => GRAPHQL_RESPONSE_JSON,
            ResponseFormat::Json => "application/json",
        }
    }

    /// A response in this format.
    pub fn reply(self, status: StatusCode, body: Value) -> HttpResponse {
        self.reply_json(status, body.to_string())
    }

    /// A reply whose body is JSON text already.
    pub fn reply_json(self, status: StatusCode, body: String) -> HttpResponse {
        self.reply_charged(status, body, None)
    }

    /// A reply whose body is JSON text already, with the `RateLimit-*` headers of
    /// `charge` when given.
    pub fn reply_charged(
        self,
        status: StatusCode,
        body: String,
        charge: Option<&crate::service::quotas::Charge>,
    ) -> HttpResponse {
        // Under plain JSON, malformed requests still get 4xx; only GraphQL request errors stay 200.
        let mut response = HttpResponse::build(status);
        response
            .insert_header((
                header::CONTENT_TYPE,
                header::HeaderValue::from_static(self.content_type()),
            ))
            .insert_header((
                header::CACHE_CONTROL,
                header::HeaderValue::from_static("no-store"),
            ));
        if status == StatusCode::SERVICE_UNAVAILABLE {
            response.insert_header((header::RETRY_AFTER, RETRY_AFTER_SECONDS));
        }
        if let Some(charge) = charge {
            super::quota::add_headers(&mut response, charge);
        }
        response.body(body)
    }

    /// A well-formed request that cannot run (its input is refused before it does): 200
    /// under `application/json`, as the GraphQL-over-HTTP spec asks of that media type,
    /// and 400 under `application/graphql-response+json`.
    pub fn request_error(self, error: HttpError) -> HttpResponse {
        let status = match self {
            ResponseFormat::GraphQlResponseJson => StatusCode::BAD_REQUEST,
            ResponseFormat::Json => StatusCode::OK,
        };
        self.reply(status, error.body())
    }

    /// An HTTP-level refusal in this format.
    pub fn refuse(self, error: HttpError) -> HttpResponse {
        self.reply(error.status(), error.body())
    }
}

/// Whether the client takes HTML (a browser: it gets GraphiQL).
pub fn accepts_html(req: &HttpRequest) -> bool {
    req.headers()
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|accept| accept.contains("text/html"))
}

/// Nothing in `Accept` that we serve.
pub fn not_acceptable() -> HttpResponse {
    HttpResponse::NotAcceptable().json(error_body(
        "Accept application/graphql-response+json or application/json",
        "NOT_ACCEPTABLE",
    ))
}
