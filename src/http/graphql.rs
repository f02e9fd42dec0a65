//! `/graphql`. `/graphql` follows the GraphQL-over-HTTP spec: POST
//! with a JSON body for any operation, GET with a query string for queries only (a
//! mutation over GET is refused with 405). A browser's GET without a query gets
//! GraphiQL. (`/graphql/ws` is `socket.rs`.)

use super::body;
use super::error::{HttpError, error_body};
use super::execute::execute;
use super::format::{ResponseFormat, accepts_html, not_acceptable};
use super::idempotent::execute_once;
use super::pipeline;
use super::state::AppState;
use actix_web::http::StatusCode;
use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use async_graphql::parser::types::OperationType;
use serde_json::Value;

/// Any method but GET and POST.
pub async fn method_not_allowed() -> HttpResponse {
    HttpResponse::MethodNotAllowed()
        .insert_header((header::ALLOW, "GET, POST"))
        .json(error_body(
            "Use GET for queries or POST for any operation",
            "METHOD_NOT_ALLOWED",
        ))
}

/// `POST /graphql`: one operation in a JSON body.
pub async fn post(
    state: web::Data<AppState>,
    req: HttpRequest,
    payload: web::Payload,
) -> HttpResponse {
    let Some(format) = ResponseFormat::negotiate(&req) else {
        return not_acceptable();
    };
    if super::uploads::is_multipart(&req) {
        return super::uploads::graphql_multipart(&state, &req, payload, format).await;
    }
    if let Err(refusal) = body::check_length(&req) {
        return format.refuse(refusal);
    }
    if !body::is_json(&req) {
        return format.refuse(HttpError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "UNSUPPORTED_MEDIA_TYPE",
            "POST /graphql takes a JSON body (Content-Type: application/json), or a GraphQL multipart request (multipart/form-data) for uploads",
        ));
    }
    let body = match body::read(payload, state.body_timeout).await {
        Ok(body) => body,
        Err(refusal) => return format.refuse(refusal),
    };
    let request = match direct(&body) {
        Some(request) => request,
        None => match from_body(&body) {
            Ok(request) => request,
            Err(refusal) => return format.refuse(refusal),
        },
    };
    let prepared = match pipeline::prepare(&state, request).await {
        Ok(prepared) => prepared,
        Err(refusal) => return refusal.into_response(format),
    };
    let key = req
        .headers()
        .get("idempotency-key")
        .map(|v| v.to_str().unwrap_or("").trim().to_owned());
    match key {
        Some(key) if prepared.operation_type() == Some(OperationType::Mutation) => {
            execute_once(&state, &req, format, prepared, &key, &body).await
        }
        _ => execute(&state, &req, format, prepared).await,
    }
}

/// The body read straight into a request, when it is a JSON object with a non-empty
/// `query` string that reads as one as it stands (the common case, read once); `None`
/// sends it through [`from_body`], which says what is wrong with it, or reads what this
/// does not (a repeated key, an empty `query`, a persisted query).
fn direct(body: &[u8]) -> Option<async_graphql::Request> {
    if body.iter().find(|b| !b.is_ascii_whitespace()) != Some(&b'{') {
        return None;
    }
    serde_json::from_slice::<async_graphql::Request>(body)
        .ok()
        .filter(|request| !request.query.is_empty())
}

/// A POST body as a request, read through a JSON value so that what is wrong with it
/// can be said.
fn from_body(body: &[u8]) -> Result<async_graphql::Request, HttpError> {
    let parsed: Value = match serde_json::from_slice(body) {
        Ok(value) => value,
        Err(err) => {
            return Err(HttpError::bad_request(
                "BAD_REQUEST",
                format!("The body is not valid JSON: {err}"),
            ));
        }
    };
    let persisted = parsed.pointer("/extensions/persistedQuery").is_some();
    if !parsed.is_array() && !parsed.get("query").is_some_and(Value::is_string) && !persisted {
        return Err(HttpError::bad_request(
            "BAD_REQUEST",
            "The body needs a `query` string (or, for a persisted query, \
             `extensions.persistedQuery`)",
        ));
    }
    if parsed.is_array() {
        return Err(HttpError::bad_request(
            "BAD_REQUEST",
            "Batched requests are not supported: send one operation per request",
        ));
    }
    serde_json::from_value(parsed).map_err(|err| {
        HttpError::bad_request(
            "BAD_REQUEST",
            format!("The body is not a GraphQL request ({{\"query\": …, \"variables\": …, \"operationName\": …}}): {err}"),
        )
    })
}

/// `GET /graphql`: a query in the query string, or GraphiQL for a browser.
pub async fn get(state: web::Data<AppState>, req: HttpRequest) -> HttpResponse {
    let has_query = url::form_urlencoded::parse(req.query_string().as_bytes())
        .any(|(k, _)| k == "query" || k == "extensions");
    if !has_query && accepts_html(&req) {
        return super::graphiql::page(state.introspection);
    }
    let Some(format) = ResponseFormat::negotiate(&req) else {
        return not_acceptable();
    };
    if !has_query {
        return format.refuse(HttpError::bad_request(
            "BAD_REQUEST",
            "GET /graphql needs a `query` parameter (or, for a persisted query, `extensions`)",
        ));
    }
    let request = match from_query_string(req.query_string()) {
        Ok(request) => request,
        Err(err) => {
            return format.refuse(HttpError::bad_request(
                "BAD_REQUEST",
                format!("Malformed query string: {err}"),
            ));
        }
    };
    // Before the method check: a persisted mutation is still a mutation.
    let prepared = match pipeline::prepare(&state, request).await {
        Ok(prepared) => prepared,
        Err(refusal) => return refusal.into_response(format),
    };
    if matches!(
        prepared.operation_type(),
        Some(OperationType::Mutation | OperationType::Subscription)
    ) {
        return HttpResponse::MethodNotAllowed()
            .insert_header((header::ALLOW, "POST"))
            .insert_header((header::CONTENT_TYPE, format.content_type()))
            .json(error_body(
                "Mutations and subscriptions are not allowed over GET; use POST",
                "METHOD_NOT_ALLOWED",
            ));
    }
    execute(&state, &req, format, prepared).await
}

/// A GET request's parameters, as the GraphQL-over-HTTP spec names them: `query`,
/// `operationName`, `variables` and `extensions` (JSON), each at most once.
/// (async-graphql's `parse_query_string` reads `operation_name`, so that a client's
/// `operationName` would be ignored.)
fn from_query_string(input: &str) -> Result<async_graphql::Request, String> {
    let (mut query, mut name, mut variables, mut extensions) = (None, None, None, None);
    for (key, value) in url::form_urlencoded::parse(input.as_bytes()) {
        let slot = match key.as_ref() {
            "query" => &mut query,
            "operationName" => &mut name,
            "variables" => &mut variables,
            "extensions" => &mut extensions,
            _ => continue,
        };
        if slot.replace(value.into_owned()).is_some() {
            return Err(format!("`{key}` is given more than once"));
        }
    }
    fn json<T: serde::de::DeserializeOwned + Default>(
        what: &str,
        text: Option<String>,
    ) -> Result<T, String> {
        match text.as_deref().map(serde_json::from_str::<Value>) {
            None | Some(Ok(Value::Null)) => Ok(T::default()),
            Some(Ok(value)) => serde_json::from_value(value)
                .map_err(|err| format!("`{what}` must be a JSON object: {err}")),
            Some(Err(err)) => Err(format!("`{what}` is not valid JSON: {err}")),
        }
    }
    let mut request = async_graphql::Request::new(query.unwrap_or_default());
    request.operation_name = name;
    request.variables = json("variables", variables)?;
    request.extensions = json("extensions", extensions)?;
    Ok(request)
}

#[cfg(test)]
mod tests {
    use super::{direct, from_body, from_query_string};

    /// A body read directly is the request read through a JSON value; a body it does
    /// not take is left to the path that says what is wrong.
    #[test]
    fn a_body_read_directly_is_the_body_read_through_a_value() {
        let same = [
            r#"{"query":"{ __typename }"}"#,
            r#" {"query":"query Q($a: Int) { a }","variables":{"a":1,"b":[1.5,"x",null,{"z":true,"y":-2}]},"operationName":"Q"}"#,
            r#"{"query":"{ a }","variables":null,"operationName":null,"extensions":{"x":{"y":1}}}"#,
            r#"{"variables":{},"query":"{ a }","other":[1,2]}"#,
            r#"{"query":"{ a }","extensions":{"persistedQuery":{"version":1,"sha256Hash":"ab"}}}"#,
        ];
        for body in same {
            let fast = direct(body.as_bytes()).unwrap_or_else(|| panic!("not direct: {body}"));
            let slow = from_body(body.as_bytes()).unwrap();
            assert_eq!(fast.query, slow.query, "{body}");
            assert_eq!(fast.operation_name, slow.operation_name, "{body}");
            assert_eq!(
                fast.variables.to_string(),
                slow.variables.to_string(),
                "{body}"
            );
            assert_eq!(
                serde_json::to_string(&fast.extensions).unwrap(),
                serde_json::to_string(&slow.extensions).unwrap(),
                "{body}"
            );
        }
        // Left to the path that explains (or reads what the direct one does not).
        for body in [
            "",
            "[]",
            r#"[{"query":"{ a }"}]"#,
            r#"{"query":""}"#,
            r#"{"query":"{ a }","query":"{ b }"}"#,
            r#"{"query":1}"#,
            r#"{"query":"{ a }","variables":[1]}"#,
            r#"{"extensions":{"persistedQuery":{"version":1,"sha256Hash":"ab"}}}"#,
            r#"{"query":"{ a }"} x"#,
        ] {
            assert!(direct(body.as_bytes()).is_none(), "{body}");
        }
        let repeated = from_body(br#"{"query":"{ a }","query":"{ b }"}"#).unwrap();
        assert_eq!(repeated.query, "{ b }");
        assert!(from_body(b"[]").is_err() && from_body(br#"{"query":1}"#).is_err());
    }

    #[test]
    fn a_query_string_is_read_with_the_specs_names() {
        let request = from_query_string(
            "query=mutation%20M%20%7B%20a%20%7D&operationName=M&variables=%7B%22x%22%3A1%7D",
        )
        .unwrap();
        assert_eq!(request.query, "mutation M { a }");
        assert_eq!(request.operation_name.as_deref(), Some("M"));
        assert_eq!(request.variables.to_string(), r#"{x: 1}"#);
        assert!(from_query_string("query=a&query=b").is_err());
        assert!(from_query_string("query=a&variables=[1]").is_err());
        assert!(from_query_string("query=a&variables=%7B").is_err());
        let plain = from_query_string("query=%7Ba%7D&variables=null").unwrap();
        assert!(plain.variables.is_empty() && plain.operation_name.is_none());
    }
}
