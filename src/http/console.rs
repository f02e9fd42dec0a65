//! The secretariat's console at `/console`: one page and its script and style, compiled
//! into the binary (no build step, nothing fetched from elsewhere), and its session.
//!
//! The console is a client of the public GraphQL API like any other: every screen
//! reads and writes through `/graphql` with a bearer access token held in the page's
//! memory, so it can do nothing the role table refuses its user. What survives a
//! reload is the session's refresh token, in a cookie the page's script cannot read
//! (`HttpOnly`, `SameSite=Strict`, `Secure` behind TLS, `Path=/console`).
//! Every use of that cookie (`POST /console/session/refresh`, `DELETE
//! /console/session`) must also carry the session's CSRF token in `X-CSRF-Token`: the
//! value of a second cookie, which only the console's own pages can read, and which is
//! bound to the session: an HMAC-SHA256 of its refresh token under a server key (a
//! signed double-submit token), so that a cookie an attacker manages to plant cannot
//! be matched by a header of its choosing. A missing or forged one is `403`. Every
//! response, pages included, is sent with `Referrer-Policy: no-referrer`
//! (`startup`).

use super::client::client_text;
use super::error::HttpError;
use super::state::AppState;
use crate::service::sessions::{self, Session};
use actix_web::cookie::{Cookie, SameSite, time::Duration as CookieDuration};
use actix_web::http::StatusCode;
use actix_web::http::header::{self, CacheControl, CacheDirective};
use actix_web::{HttpRequest, HttpResponse, web};
use serde_json::json;

/// The refresh token's cookie.
pub const SESSION_COOKIE: &str = "concord_console";
/// The CSRF token's cookie (readable by the page, which echoes it in a header).
pub const CSRF_COOKIE: &str = "concord_csrf";
/// The header that must echo the CSRF cookie.
pub const CSRF_HEADER: &str = "X-CSRF-Token";

const ASSETS: &[(&str, &str, &[u8])] = &[
    (
        "console.js",
        "text/javascript; charset=utf-8",
        include_bytes!("console/console.js"),
    ),
    (
        "console.css",
        "text/css; charset=utf-8",
        include_bytes!("console/console.css"),
    ),
];

/// The page's own script and style, and connections to this server only.
const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; script-src 'self'; \
     style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; \
     form-action 'none'; frame-ancestors 'none'";

/// `GET /console` (and any screen under it: the page routes by its fragment).
pub async fn page() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .insert_header((header::CONTENT_SECURITY_POLICY, CONTENT_SECURITY_POLICY))
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .insert_header(CacheControl(vec![CacheDirective::NoCache]))
        .body(include_str!("console/index.html"))
}

/// `GET /console/assets/{file}`.
pub async fn asset(file: web::Path<String>) -> HttpResponse {
    match ASSETS.iter().find(|(name, _, _)| *name == file.as_str()) {
        Some((_, media_type, body)) => HttpResponse::Ok()
            .content_type(*media_type)
            .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
            .insert_header(CacheControl(vec![CacheDirective::NoCache]))
            .body(*body),
        None => HttpResponse::NotFound().finish(),
    }
}

/// Sign-in for the console.
#[derive(serde::Deserialize)]
pub struct SignIn {
    email: String,
    password: String,
    /// The second factor's code, when the account has one.
    #[serde(default)]
    code: Option<String>,
}

/// Whether the request came over TLS: to this server, or to a trusted proxy that says
/// so (`X-Forwarded-Proto` / `Forwarded`, believed only from a trusted proxy).
fn secure(req: &HttpRequest, state: &AppState) -> bool {
    if req.app_config().secure() {
        return true;
    }
    let from_proxy = req
        .peer_addr()
        .is_some_and(|a| state.trusted_proxies.iter().any(|n| n.contains(&a.ip())));
    from_proxy && req.connection_info().scheme() == "https"
}

fn cookie<'c>(name: &'c str, value: String, http_only: bool, secure: bool) -> Cookie<'c> {
    Cookie::build(name, value)
        .path("/console")
        .http_only(http_only)
        .secure(secure)
        .same_site(SameSite::Strict)
        .max_age(CookieDuration::days(14))
        .finish()
}

fn removal(name: &str) -> Cookie<'_> {
    let mut c = Cookie::build(name, "")
        .path("/console")
        .same_site(SameSite::Strict)
        .finish();
    c.make_removal();
    c
}

/// The answer to a sign-in or a refresh: the access token for the page's memory, the
/// refresh token and a new CSRF token in cookies.
fn session_answer(
    req: &HttpRequest,
    state: &AppState,
    session: Session,
) -> Result<HttpResponse, HttpError> {
    let csrf = csrf_token(&state.auth.csrf_key, &session.refresh_token);
    let secure = secure(req, state);
    Ok(HttpResponse::Ok()
        .insert_header(CacheControl(vec![CacheDirective::NoStore]))
        .cookie(cookie(SESSION_COOKIE, session.refresh_token, true, secure))
        .cookie(cookie(CSRF_COOKIE, csrf.clone(), false, secure))
        .json(json!({
            "accessToken": session.access_token,
            "accessTokenExpiresAt": session.access_expires_at,
            "csrfToken": csrf,
            "account": {
                "email": session.account.email,
                "displayName": session.account.display_name,
                "role": session.account.role.as_str(),
            },
        })))
}

/// `POST /console/session`: signs in with email and password, a JSON body read within
/// the body deadline as every body is (`body::read`).
pub async fn sign_in(
    state: web::Data<AppState>,
    req: HttpRequest,
    payload: web::Payload,
) -> Result<HttpResponse, HttpError> {
    if !super::body::is_json(&req) {
        return Err(HttpError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "UNSUPPORTED_MEDIA_TYPE",
            "Send the email and password as JSON (Content-Type: application/json)",
        ));
    }
    super::body::check_length(&req)?;
    let raw = super::body::read(payload, state.body_timeout).await?;
    let body: SignIn = serde_json::from_slice(&raw).map_err(|_| {
        HttpError::bad_request(
            "BAD_REQUEST",
            "The body must be {\"email\": \"…\", \"password\": \"…\"}",
        )
    })?;
    let ip = client_text(&req, &state.trusted_proxies);
    let session = sessions::login(
        &state.db,
        &state.auth,
        &body.email,
        &body.password,
        body.code.as_deref(),
        ip.as_deref(),
    )
    .await?;
    session_answer(&req, &state, session)
}

/// The CSRF token of the session whose refresh token is `refresh_token`.
pub fn csrf_token(key: &[u8; 32], refresh_token: &str) -> String {
    use hmac::{KeyInit, Mac};
    let mut mac = <hmac::Hmac<sha2::Sha256> as KeyInit>::new_from_slice(key)
        .expect("HMAC takes a key of any length");
    mac.update(b"console session\0");
    mac.update(refresh_token.as_bytes());
    format!("csrf_{}", hex::encode(mac.finalize().into_bytes()))
}

/// The refresh token, if the request carries the session cookie and the CSRF header
/// that is that session's token ([`csrf_token`]); `403` otherwise.
fn checked_session(req: &HttpRequest, key: &[u8; 32]) -> Result<String, HttpError> {
    let refused =
        |message: &'static str| HttpError::new(StatusCode::FORBIDDEN, "FORBIDDEN", message);
    let Some(header) = req.headers().get(CSRF_HEADER).and_then(|v| v.to_str().ok()) else {
        return Err(refused("The X-CSRF-Token header is missing"));
    };
    let session = req
        .cookie(SESSION_COOKIE)
        .map(|c| c.value().to_owned())
        .filter(|v| !v.is_empty())
        .ok_or_else(|| {
            HttpError::new(
                StatusCode::UNAUTHORIZED,
                "UNAUTHENTICATED",
                "The console session has ended; sign in again",
            )
        })?;
    let expected = csrf_token(key, &session);
    if !crate::auth::secret::constant_time_eq(expected.as_bytes(), header.as_bytes()) {
        return Err(refused(
            "The X-CSRF-Token header does not match this session",
        ));
    }
    Ok(session)
}

/// `POST /console/session/refresh`: a new access token for the session in the cookie
/// (which rotates), with the CSRF header.
pub async fn refresh(
    state: web::Data<AppState>,
    req: HttpRequest,
) -> Result<HttpResponse, HttpError> {
    let token = checked_session(&req, &state.auth.csrf_key)?;
    match sessions::refresh(&state.db, &state.auth, &token).await {
        Ok(session) => session_answer(&req, &state, session),
        Err(err) => {
            let mut answer = actix_web::ResponseError::error_response(&HttpError::from(err));
            answer.add_removal_cookie(&removal(SESSION_COOKIE)).ok();
            Ok(answer)
        }
    }
}

/// `DELETE /console/session`: signs out (the whole session ends), with the CSRF header.
pub async fn sign_out(
    state: web::Data<AppState>,
    req: HttpRequest,
) -> Result<HttpResponse, HttpError> {
    let token = checked_session(&req, &state.auth.csrf_key)?;
    if let Some(account) = sessions::logout(&state.db, &token).await? {
        state
            .events
            .access_changed(crate::viewer::Subject::Account(account))
            .await;
    }
    Ok(HttpResponse::NoContent()
        .cookie(removal(SESSION_COOKIE))
        .cookie(removal(CSRF_COOKIE))
        .finish())
}
