//! The one way a caller becomes a [`Viewer`]: the bearer token of a request, or the
//! `connection_init` payload of a WebSocket, verified and then looked up, so that the
//! account's or client's current record decides (a disabled account is refused at once).

use super::error::HttpError;
use super::state::AppState;
use crate::service::principals::{self, End, Live, Refusal, Standing};
use crate::viewer::{Scopes, Subject, Viewer};
use actix_web::HttpRequest;
use actix_web::http::header;
use serde_json::Value;
use std::sync::Arc;
use tokio::sync::watch;

/// The caller behind the `Authorization` header: anonymous without one; refused (401)
/// when the token is bad in any way or its account or client is no longer active.
pub async fn from_request(state: &AppState, req: &HttpRequest) -> Result<Viewer, HttpError> {
    let Some(value) = req.headers().get(header::AUTHORIZATION) else {
        return Ok(Viewer::Anonymous);
    };
    let token = value
        .to_str()
        .ok()
        .and_then(|v| {
            v.strip_prefix("Bearer ")
                .or_else(|| v.strip_prefix("bearer "))
        })
        .map(str::trim)
        .ok_or_else(HttpError::invalid_token)?;
    from_token(state, token).await
}

/// The principal behind a WebSocket's `connection_init` payload: its `token` (or
/// `Authorization: Bearer …`) entry, checked now and then again for every event and
/// operation (`ended` hears when its access ends); `None` for an anonymous socket.
pub async fn live_from_connection_init(
    state: &AppState,
    init: &Value,
    ended: watch::Sender<Option<End>>,
) -> Result<Option<Arc<Live>>, HttpError> {
    let token = init
        .get("token")
        .or_else(|| init.get("Authorization"))
        .or_else(|| init.get("authorization"))
        .and_then(Value::as_str)
        .map(|t| t.trim_start_matches("Bearer ").trim());
    let Some(token) = token else {
        return Ok(None);
    };
    let Ok(claims) = state.auth.keys.verify(token) else {
        return Err(HttpError::invalid_token());
    };
    let Some(subject) = Subject::parse(&claims.sub) else {
        return Err(HttpError::invalid_token());
    };
    let expires_at =
        chrono::DateTime::from_timestamp(claims.exp, 0).ok_or_else(HttpError::invalid_token)?;
    let live = Live::new(
        state.db.clone(),
        (subject, claims.sid, Scopes::parse(&claims.scopes)),
        expires_at,
        state.events.access_generation(),
        ended,
    );
    match live.viewer().await {
        Ok(_) => Ok(Some(Arc::new(live))),
        Err(Refusal::Ended(_)) => Err(HttpError::invalid_token()),
        Err(Refusal::Unavailable) => Err(HttpError::unavailable()),
    }
}

/// The principal behind an access token, as its record says now.
async fn from_token(state: &AppState, token: &str) -> Result<Viewer, HttpError> {
    let Ok(claims) = state.auth.keys.verify(token) else {
        return Err(HttpError::invalid_token());
    };
    let Some(subject) = Subject::parse(&claims.sub) else {
        return Err(HttpError::invalid_token());
    };
    let scopes = Scopes::parse(&claims.scopes);
    match principals::current(&state.db, subject, &claims.sid, scopes).await {
        Ok(Standing::Active(principal)) => Ok(Viewer::Principal(principal)),
        Ok(Standing::Ended | Standing::Disabled) => Err(HttpError::invalid_token()),
        Err(err) => Err(err.into()),
    }
}
