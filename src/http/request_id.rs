//! A request id for every request: the client's `X-Request-Id` when it sends a usable
//! one (1 to 128 letters, digits, `-`, `_`, `.`), else 16 hex digits of its own
//! ([`generated`]: unique within the process, unrelated across processes). The id is
//! the `request_id` of the request's log span (every line logged while it runs), is
//! echoed in the response's `X-Request-Id`, and is the only detail an
//! `INTERNAL_SERVER_ERROR` carries (`extensions.requestId`), so that an operator can
//! find the logged cause.

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::middleware::Next;
use std::time::Instant;
use tracing::Instrument;

/// The header a request id travels in.
pub const HEADER: HeaderName = HeaderName::from_static("x-request-id");

tokio::task_local! {
    /// The id of the request whose handler runs on this task.
    static CURRENT: String;
}

/// Runs `fut` as the handling of the request `id` (what the middleware does).
pub async fn within<F: std::future::Future>(id: String, fut: F) -> F::Output {
    CURRENT.scope(id, fut).await
}

/// The id of the request being handled, where there is one (inside the middleware).
pub fn current() -> Option<String> {
    CURRENT.try_with(String::clone).ok()
}

fn usable(id: &str) -> bool {
    (1..=128).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
}

/// A new id: a counter, offset by a key drawn once per process, through a bijection of
/// 64-bit integers (SplitMix64's finaliser), in 16 hex digits. No two ids of a process
/// are equal (2^64 of them before the counter wraps), ids of two processes are
/// unrelated, and no system call is made (reading the operating system's randomness for
/// each request cost 4.5 % of a trivial request's CPU). An id names a request in the
/// log; it is no secret (the caller is the one given it).
fn generated() -> String {
    use std::sync::OnceLock;
    use std::sync::atomic::{AtomicU64, Ordering};
    static KEY: OnceLock<u64> = OnceLock::new();
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let key = *KEY.get_or_init(|| {
        crate::auth::secret::random_bytes(8)
            .ok()
            .and_then(|bytes| bytes.try_into().ok())
            .map(u64::from_le_bytes)
            .unwrap_or_else(|| {
                std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map_or(0, |d| d.as_nanos() as u64)
                    ^ u64::from(std::process::id())
            })
    });
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    format!("{:016x}", mix(n.wrapping_add(key)))
}

/// SplitMix64's finaliser: a bijection of `u64` (each step is invertible) that spreads
/// consecutive inputs over the whole range.
fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// The middleware: assigns the id, runs the request inside its span, logs its outcome
/// and echoes the id.
pub async fn assign(
    request: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody + 'static>, actix_web::Error> {
    let id = request
        .headers()
        .get(&HEADER)
        .and_then(|v| v.to_str().ok())
        .filter(|v| usable(v))
        .map_or_else(generated, str::to_owned);
    let span = tracing::info_span!(
        "request",
        request_id = %id,
        method = %request.method(),
        path = %request.path(),
    );
    let started = Instant::now();
    let echoed = HeaderValue::from_str(&id).ok();
    let served = async move {
        let mut response = next.call(request).await?;
        tracing::info!(
            status = response.status().as_u16(),
            elapsed_ms = started.elapsed().as_secs_f64() * 1000.0,
            "served"
        );
        if let Some(value) = echoed {
            response.headers_mut().insert(HEADER, value);
        }
        Ok(response)
    }
    .instrument(span);
    within(id, served).await
}

/// Gives each `INTERNAL_SERVER_ERROR` of `response` the request's id and nothing else:
/// the cause is in the log under that id.
pub fn mark_internal_errors(response: &mut async_graphql::Response, id: &str) {
    for error in &mut response.errors {
        let internal = error
            .extensions
            .as_ref()
            .and_then(|e| e.get("code"))
            .is_some_and(|code| *code == async_graphql::Value::from("INTERNAL_SERVER_ERROR"));
        if internal {
            error.message = format!("Internal server error; it is logged under request id {id}");
            let mut extensions = async_graphql::ErrorExtensionValues::default();
            extensions.set("code", "INTERNAL_SERVER_ERROR");
            extensions.set("requestId", id);
            error.extensions = Some(extensions);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_from_clients_are_kept_only_when_plain() {
        assert!(usable("2f1c-9a.b_C"));
        for bad in ["", "has space", "quote\"", &"x".repeat(129), "é"] {
            assert!(!usable(bad), "{bad:?}");
        }
        assert_eq!(generated().len(), 16);
    }

    #[test]
    fn generated_ids_are_plain_and_never_repeat() {
        let ids: std::collections::HashSet<String> = (0..100_000).map(|_| generated()).collect();
        assert_eq!(ids.len(), 100_000);
        assert!(ids.iter().all(|id| id.len() == 16 && usable(id)));
        // Consecutive counters do not give neighbouring ids.
        assert!(mix(1).abs_diff(mix(2)) > 1 << 32);
    }

    #[test]
    fn an_internal_error_carries_the_request_id_and_nothing_else() {
        let mut extensions = async_graphql::ErrorExtensionValues::default();
        extensions.set("code", "INTERNAL_SERVER_ERROR");
        extensions.set("detail", "connection reset by peer");
        let mut error = async_graphql::ServerError::new("db exploded", None);
        error.extensions = Some(extensions);
        let mut response = async_graphql::Response::from_errors(vec![error]);
        mark_internal_errors(&mut response, "abc123");
        let error = &response.errors[0];
        assert!(!error.message.contains("exploded"));
        assert!(error.message.contains("abc123"));
        let extensions = error.extensions.as_ref().unwrap();
        assert_eq!(
            extensions.get("requestId"),
            Some(&async_graphql::Value::from("abc123"))
        );
        assert!(extensions.get("detail").is_none());
    }
}
