//! Every error gets an `extensions.code`, on HTTP and WebSocket alike (both transports
//! pass each response through [`classify`]). Resolvers set
//! theirs (from [`crate::error::AppError`]); errors raised before or around them get one
//! here: parse and validation failures of a request that never ran, limits, and input
//! values that do not fit their type (a `DateTime` without a time, a missing required
//! variable), which are the caller's mistakes (`BAD_USER_INPUT`) with a message that
//! says what to send. Anything left is ours (`INTERNAL_SERVER_ERROR`).

use async_graphql::{ErrorExtensionValues, Response, ServerError, Value};

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

/// The code of an error without one, and a clearer message where there is one to give.
fn code_of(error: &ServerError, request_error: bool) -> (&'static str, Option<String>) {
    let message = error.message.as_str();
    if message.contains("too complex") || message.contains("nested too deep") {
        return ("QUERY_TOO_COMPLEX", None);
    }
    if message.trim_start().starts_with("-->") {
        return ("GRAPHQL_PARSE_FAILED", None);
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
