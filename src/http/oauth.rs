//! `POST /oauth/token`: the OAuth 2.0 client-credentials grant (RFC 6749 §4.4).
//! Form-encoded request; client authentication by HTTP Basic (§2.3.1) or in the body,
//! not both; errors as §5.2. The token is a Concord access token carrying the scopes.

use super::body;
use super::state::AppState;
use crate::service::api_clients;
use crate::viewer::{Scopes, Subject};
use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use base64::{Engine, engine::general_purpose::STANDARD};
use serde_json::json;
use std::collections::HashMap;

fn error(status: u16, code: &str, description: &str) -> HttpResponse {
    let mut response =
        HttpResponse::build(actix_web::http::StatusCode::from_u16(status).unwrap_or_default());
    response
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .insert_header((header::PRAGMA, "no-cache"));
    if status == 401 {
        response.insert_header((header::WWW_AUTHENTICATE, "Basic realm=\"concord\""));
    }
    if code == "server_error"
        && let Some(id) = super::request_id::current()
    {
        return response.json(json!({
            "error": code,
            "error_description": format!("{description}; it is logged under request id {id}"),
            "request_id": id,
        }));
    }
    response.json(json!({ "error": code, "error_description": description }))
}

/// Credentials from `Authorization: Basic`, each part form-decoded (§2.3.1).
fn basic_credentials(req: &HttpRequest) -> Option<Result<(String, String), ()>> {
    let value = req.headers().get(header::AUTHORIZATION)?.to_str().ok()?;
    let encoded = value
        .strip_prefix("Basic ")
        .or_else(|| value.strip_prefix("basic "))?;
    let parse = || -> Option<(String, String)> {
        let decoded = String::from_utf8(STANDARD.decode(encoded.trim()).ok()?).ok()?;
        let (id, secret) = decoded.split_once(':')?;
        let unescape = |s: &str| {
            url::form_urlencoded::parse(format!("x={s}").as_bytes())
                .next()
                .map(|(_, v)| v.into_owned())
        };
        Some((unescape(id)?, unescape(secret)?))
    };
    Some(parse().ok_or(()))
}

/// The token endpoint.
pub async fn token(
    state: web::Data<AppState>,
    req: HttpRequest,
    payload: web::Payload,
) -> HttpResponse {
    let body = match body::check_length(&req) {
        Ok(()) => body::read(payload, state.body_timeout).await,
        Err(refusal) => Err(refusal),
    };
    let body = match body {
        Ok(body) => body,
        Err(refusal) => {
            return error(
                refusal.status().as_u16(),
                "invalid_request",
                refusal.message(),
            );
        }
    };
    let content_type = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if !content_type
        .to_ascii_lowercase()
        .starts_with("application/x-www-form-urlencoded")
    {
        return error(
            400,
            "invalid_request",
            "Send the request form-encoded (application/x-www-form-urlencoded)",
        );
    }
    let mut params: HashMap<String, String> = HashMap::new();
    for (key, value) in url::form_urlencoded::parse(&body) {
        if key.contains('\0') || value.contains('\0') {
            return error(
                400,
                "invalid_request",
                "Parameters may not contain NUL characters",
            );
        }
        // §3.2: parameters must not be repeated.
        if params.insert(key.to_string(), value.into_owned()).is_some() {
            return error(
                400,
                "invalid_request",
                &format!("The parameter {key} is repeated"),
            );
        }
    }
    match params.get("grant_type").map(String::as_str) {
        None => return error(400, "invalid_request", "grant_type is missing"),
        Some("client_credentials") => {}
        Some(_) => {
            return error(
                400,
                "unsupported_grant_type",
                "Only client_credentials is supported",
            );
        }
    }
    let body_credentials = match (params.get("client_id"), params.get("client_secret")) {
        (Some(id), Some(secret)) => Some((id.clone(), secret.clone())),
        (None, None) => None,
        _ => {
            return error(
                400,
                "invalid_request",
                "Send both client_id and client_secret",
            );
        }
    };
    let (client_id, client_secret) = match (basic_credentials(&req), body_credentials) {
        (Some(_), Some(_)) => {
            return error(400, "invalid_request", "Authenticate with one method only");
        }
        (Some(Ok(c)), None) | (None, Some(c)) => c,
        (Some(Err(())), None) => {
            return error(401, "invalid_client", "Malformed Basic credentials");
        }
        (None, None) => return error(401, "invalid_client", "Client authentication is missing"),
    };
    if client_id.contains('\0') || client_secret.contains('\0') {
        return error(401, "invalid_client", "Unknown client or wrong secret");
    }
    let client = match api_clients::authenticate(&state.db, &client_id, &client_secret).await {
        Ok(Some(client)) => client,
        Ok(None) => return error(401, "invalid_client", "Unknown client or wrong secret"),
        Err(err) => {
            tracing::error!(error = ?err, "authenticating an API client");
            return error(500, "server_error", "Try again shortly");
        }
    };
    let held = api_clients::scopes(&client);
    let granted = match params.get("scope") {
        None => held,
        Some(requested) => {
            let names: Vec<String> = requested
                .split(' ')
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
                .collect();
            let asked = Scopes::parse(&names);
            let known = names.iter().all(|s| s == "read" || s == "submit");
            if !known
                || (asked.read && !held.read)
                || (asked.submit && !held.submit)
                || names.is_empty()
            {
                return error(
                    400,
                    "invalid_scope",
                    "Ask only for scopes the client holds: read, submit",
                );
            }
            asked
        }
    };
    let issued = state.auth.keys.issue(
        Subject::Client(client.id).label(),
        api_clients::credential_id(&client),
        client.role,
        Some(client.stakeholder_id),
        granted.names(),
    );
    let Ok((access_token, expires_at)) = issued else {
        return error(500, "server_error", "Try again shortly");
    };
    let expires_in = (expires_at - chrono::Utc::now()).num_seconds().max(0);
    HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .insert_header((header::PRAGMA, "no-cache"))
        .json(json!({
            "access_token": access_token,
            "token_type": "Bearer",
            "expires_in": expires_in,
            "scope": granted.names().join(" "),
        }))
}
