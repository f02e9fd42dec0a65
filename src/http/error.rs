//! Errors of the endpoints around GraphQL (export, the refusal of a token, malformed
//! HTTP): the same envelope as a GraphQL error, `{"errors": [{"message", "extensions":
//! {"code"}}]}`, with the matching HTTP status. Internal causes are logged where they
//! happen and never sent.

use crate::error::AppError;
use actix_web::http::{StatusCode, header};
use actix_web::{HttpResponse, ResponseError};
use serde_json::{Value, json};
use std::borrow::Cow;

/// What `Retry-After` says when the database cannot be reached.
pub const RETRY_AFTER_SECONDS: &str = "5";

const INVALID_TOKEN: &str = "The access token is invalid or has expired";

/// An HTTP-level refusal: status, `extensions.code` and a message a client can act on.
#[derive(Debug, Clone)]
pub struct HttpError {
    status: StatusCode,
    code: &'static str,
    message: Cow<'static, str>,
    /// `extensions.enrollmentToken`, for a sign-in that must enrol a second factor.
    enrollment_token: Option<String>,
}

impl From<AppError> for HttpError {
    fn from(err: AppError) -> Self {
        let status = match &err {
            AppError::BadInput(_) => StatusCode::BAD_REQUEST,
            AppError::NotFound(_) => StatusCode::NOT_FOUND,
            AppError::Unauthenticated(_) => StatusCode::UNAUTHORIZED,
            AppError::Forbidden => StatusCode::FORBIDDEN,
            AppError::RateLimited(_) => StatusCode::TOO_MANY_REQUESTS,
            AppError::Conflict(_) => StatusCode::CONFLICT,
            AppError::Unavailable => return HttpError::unavailable(),
            AppError::SecondFactor {
                enrollment_token, ..
            } => {
                let mut e = HttpError::new(StatusCode::UNAUTHORIZED, err.code(), err.message());
                e.enrollment_token = enrollment_token.clone();
                return e;
            }
            AppError::Internal(cause) => {
                tracing::error!(error = ?cause, "internal error while serving a request");
                return HttpError::new(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "INTERNAL_SERVER_ERROR",
                    "Internal server error",
                );
            }
        };
        HttpError::new(status, err.code(), err.message())
    }
}

impl HttpError {
    pub fn new(
        status: StatusCode,
        code: &'static str,
        message: impl Into<Cow<'static, str>>,
    ) -> Self {
        HttpError {
            status,
            code,
            message: message.into(),
            enrollment_token: None,
        }
    }

    /// 400 with this code and message.
    pub fn bad_request(code: &'static str, message: impl Into<Cow<'static, str>>) -> Self {
        HttpError::new(StatusCode::BAD_REQUEST, code, message)
    }

    /// The one answer to every refused token: no detail that helps an attacker.
    pub fn invalid_token() -> Self {
        HttpError::new(StatusCode::UNAUTHORIZED, "UNAUTHENTICATED", INVALID_TOKEN)
    }

    /// The database cannot be reached: 503 with `Retry-After`, so clients retry.
    pub fn unavailable() -> Self {
        HttpError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "SERVICE_UNAVAILABLE",
            "The service cannot reach its database just now; retry shortly",
        )
    }

    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// The `extensions.code`.
    pub fn code(&self) -> &'static str {
        self.code
    }

    /// The message sent.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// The response body. An `INTERNAL_SERVER_ERROR` (whose message never holds the
    /// cause) also says under which request id the cause is logged.
    pub fn body(&self) -> Value {
        if self.code == "INTERNAL_SERVER_ERROR"
            && let Some(id) = super::request_id::current()
        {
            return json!({ "errors": [{
                "message": format!("{}; it is logged under request id {id}", self.message),
                "extensions": { "code": "INTERNAL_SERVER_ERROR", "requestId": id },
            }] });
        }
        if let Some(token) = &self.enrollment_token {
            return json!({ "errors": [{
                "message": self.message,
                "extensions": { "code": self.code, "enrollmentToken": token },
            }] });
        }
        error_body(&self.message, self.code)
    }
}

impl std::fmt::Display for HttpError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.code, self.message)
    }
}

impl ResponseError for HttpError {
    fn status_code(&self) -> StatusCode {
        self.status
    }

    fn error_response(&self) -> HttpResponse {
        let mut response = HttpResponse::build(self.status);
        if self.status == StatusCode::SERVICE_UNAVAILABLE {
            response.insert_header((header::RETRY_AFTER, RETRY_AFTER_SECONDS));
        }
        if self.status == StatusCode::UNAUTHORIZED {
            // RFC 6750 §3: `invalid_token` only when a token was sent and refused.
            let challenge = if self.message == INVALID_TOKEN {
                "Bearer error=\"invalid_token\""
            } else {
                "Bearer"
            };
            response.insert_header((header::WWW_AUTHENTICATE, challenge));
        }
        response.json(self.body())
    }
}

/// The error envelope with one error.
pub fn error_body(message: &str, code: &str) -> Value {
    json!({ "errors": [{ "message": message, "extensions": { "code": code } }] })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn an_internal_error_names_only_its_request_id() {
        let error = HttpError::from(AppError::Internal(anyhow::anyhow!("disk on fire")));
        let body =
            super::super::request_id::within("req-42".to_owned(), async { error.body() }).await;
        assert_eq!(
            body["errors"][0]["extensions"],
            json!({ "code": "INTERNAL_SERVER_ERROR", "requestId": "req-42" })
        );
        let message = body["errors"][0]["message"].as_str().unwrap();
        assert!(
            message.contains("req-42") && !message.contains("disk"),
            "{message}"
        );
        // Outside a request (no id): the plain envelope.
        assert_eq!(
            error.body()["errors"][0]["extensions"],
            json!({ "code": "INTERNAL_SERVER_ERROR" })
        );
    }
}
