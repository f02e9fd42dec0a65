//! Every error gets an `extensions.code`, on HTTP and WebSocket alike (both transports
//! pass each response through [`classify`]). Resolvers set
//! theirs (from [`crate::error::AppError`]); errors raised before or around them get one
//! here: parse and validation failures of a request that never ran, limits, and input
//! values that do not fit their type (a `DateTime` without a time, a missing required
//! variable), which are the caller's mistakes (`BAD_USER_INPUT`) with a message that
//! says what to send. Anything left is ours (`INTERNAL_SERVER_ERROR`).

use async_graphql::{ErrorExtensionValues, ErrorExtensions, Response, ServerError, Value};

/// A service's error as a GraphQL error with its `extensions.code`; an internal cause is
/// logged here, never sent.
impl From<crate::error::AppError> for async_graphql::Error {
    fn from(err: crate::error::AppError) -> Self {
        if let crate::error::AppError::Internal(cause) = &err {
            tracing::error!(error = ?cause, "internal error while resolving a request");
        }
        let code = err.code();
        let token = match &err {
            crate::error::AppError::SecondFactor {
                enrollment_token, ..
            } => enrollment_token.clone(),
            _ => None,
        };
        async_graphql::Error::new(err.message()).extend_with(|_, ext| {
            ext.set("code", code);
            if let Some(token) = &token {
                ext.set("enrollmentToken", token.as_str());
            }
        })
    }
}

/// An error with a message and its `extensions.code`, located nowhere (a refusal of the
/// request as a whole).
pub fn coded(message: impl Into<String>, code: &str) -> ServerError {
    let mut extensions = ErrorExtensionValues::default();
    extensions.set("code", code);
    let mut error = ServerError::new(message, None);
    error.extensions = Some(extensions);
    error
}

/// Whether no part of the operation ran: errors only, none at a field.
pub fn is_request_error(response: &Response) -> bool {
    response.data == Value::Null
        && !response.errors.is_empty()
        && response.errors.iter().all(|e| e.path.is_empty())
}

/// Gives every error of a response that lacks one its code.
pub fn classify(mut response: Response) -> Response {
    let request_error = is_request_error(&response);
    for error in &mut response.errors {
        if error
            .extensions
            .as_ref()
            .is_some_and(|e| e.get("code").is_some())
        {
            continue;
        }
        let (code, message) = code_of(error, request_error);
        if let Some(message) = message {
            error.message = message;
        }
        error
            .extensions
            .get_or_insert_with(ErrorExtensionValues::default)
            .set("code", code);
    }
    response
}

/// A parser's report (position, the line drawn with a caret, what was expected) as one
/// line: "Syntax error at line 1, column 18: expected selection". `None` if it is not
/// one.
pub fn short_parse_error(message: &str) -> Option<String> {
    let position = message
        .trim_start()
        .strip_prefix("-->")?
        .lines()
        .next()?
        .trim();
    let (line, column) = position.split_once(':')?;
    let expected = message
        .lines()
        .find_map(|l| l.trim_start().strip_prefix("= "))
        .unwrap_or("the document is not GraphQL");
    Some(format!(
        "Syntax error at line {line}, column {column}: {expected}"
    ))
}

/// The code of an error without one, and a clearer message where there is one to give.
fn code_of(error: &ServerError, request_error: bool) -> (&'static str, Option<String>) {
    let message = error.message.as_str();
    if message.contains("too complex") || message.contains("nested too deep") {
        return ("QUERY_TOO_COMPLEX", None);
    }
    if message.trim_start().starts_with("-->") {
        return ("GRAPHQL_PARSE_FAILED", short_parse_error(message));
    }
    if let Some(rest) = message.strip_prefix("Failed to parse \"") {
        let hint = match rest.split('"').next() {
            Some("DateTime") => {
                Some("give a date and time in RFC 3339 form, e.g. 2026-11-29T12:00:00Z")
            }
            Some("NaiveDate") => Some("give a date as YYYY-MM-DD, e.g. 2010-12-14"),
            Some("ID") => Some("give an ID as a string"),
            _ => None,
        };
        let clearer = hint.map(|hint| format!("{message}: {hint}"));
        return ("BAD_USER_INPUT", clearer);
    }
    if let Some(name) = message
        .strip_prefix("Variable ")
        .and_then(|rest| rest.strip_suffix(" is not defined."))
    {
        return (
            "BAD_USER_INPUT",
            Some(format!(
                "Variable ${name} has a required type but no value: send it in `variables`"
            )),
        );
    }
    if message.starts_with("Invalid value for argument") {
        return ("BAD_USER_INPUT", None);
    }
    if request_error {
        ("GRAPHQL_VALIDATION_FAILED", None)
    } else {
        ("INTERNAL_SERVER_ERROR", None)
    }
}

/// Every `extensions.code` the server sends with an error. (A mutation's problems with
/// its input come in its payload's `userErrors`, with a `UserErrorCode`.) No field
/// returns this enum: the schema lists it so that clients can generate it.
#[derive(async_graphql::Enum, Copy, Clone, Debug, PartialEq, Eq)]
pub enum ErrorCode {
    /// A value in the request is wrong (a malformed ID or cursor, a page too large, a
    /// backwards range, an empty search); the message says how to fix it.
    BadUserInput,
    /// The ID finds nothing the caller may see (missing and hidden answer alike).
    NotFound,
    /// The request needs a valid access token, or the one sent is expired or revoked.
    Unauthenticated,
    /// The caller's role may not do this.
    Forbidden,
    /// The record changed since the version the caller edited; read it again.
    Conflict,
    /// The rate-limit budget is spent (HTTP 429, `Retry-After`; `extensions.retryAfter`,
    /// `cost`, `remaining`), or too many failed sign-ins; retry after the time given.
    RateLimited,
    /// The operation is too deep, too costly, or has too many aliases or root fields;
    /// the message names the limit and the value.
    QueryTooComplex,
    /// `__schema` or `__type` asked of a server whose introspection is switched off
    /// (`CONCORD_INTROSPECTION=false`); the schema is published as `schema.graphql`.
    IntrospectionDisabled,
    /// `extensions.persistedQuery` names a hash the server does not know: send the
    /// query with its hash to register it (message `PersistedQueryNotFound`, HTTP 200).
    PersistedQueryNotFound,
    /// The server runs only the operations on its allow-list (`CONCORD_ONLY_PERSISTED`)
    /// and this one is not on it, or names an operation its document lacks.
    OperationNotAllowed,
    /// The document is not GraphQL; the message points at the line and column.
    GraphqlParseFailed,
    /// The document does not fit the schema (an unknown field, a missing argument).
    GraphqlValidationFailed,
    /// The HTTP request is malformed: no JSON, no `query`, a batch.
    BadRequest,
    /// A mutation over GET, or a method the endpoint does not take.
    MethodNotAllowed,
    /// A body in a media type other than JSON.
    UnsupportedMediaType,
    /// An `Accept` header that allows no media type the server sends.
    NotAcceptable,
    /// A body larger than the limit (HTTP 413).
    PayloadTooLarge,
    /// A body that did not arrive in time (HTTP 408).
    RequestTimeout,
    /// An `Idempotency-Key` reused with a different request.
    IdempotencyKeyReused,
    /// An `Idempotency-Key` on a request that is not a mutation.
    IdempotencyKeyNotAllowed,
    /// The database cannot be reached just now (HTTP 503 with `Retry-After`).
    ServiceUnavailable,
    /// `login`: the password is right and the account signs in with a second factor:
    /// send `code` too (from the authenticator app, or a recovery code).
    SecondFactorRequired,
    /// `login`: the password is right, and the secretariat requires a second factor of
    /// this account, which has none yet: enrol with `extensions.enrollmentToken`
    /// (`secondFactorEnrollBegin`, `secondFactorEnrollConfirm`), then sign in with a code.
    SecondFactorEnrollmentRequired,
    /// Our fault: the details are logged, never sent.
    InternalServerError,
}

#[cfg(test)]
mod tests {
    use super::short_parse_error;

    #[test]
    fn parse_errors_are_one_line_with_their_place() {
        let pest = " --> 1:18\n  |\n1 | { consultations {\n  |                  ^---\n  |\n  = expected selection";
        assert_eq!(
            short_parse_error(pest).as_deref(),
            Some("Syntax error at line 1, column 18: expected selection")
        );
        assert_eq!(short_parse_error("something else"), None);
    }
}
