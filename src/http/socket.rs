//! `GET /graphql/ws`: subscriptions (and any operation) over WebSocket, with
//! graphql-transport-ws or the older graphql-ws. The access token goes in
//! `connection_init`'s payload as `token` (or `Authorization: Bearer …`).
//!
//! The account's or client's current record applies to every event and operation: the
//! principal is read again each time (see [`Live`]), and the socket is closed with
//! `4401` when the token expires or its session ends, `4403` when the account is
//! disabled or the client revoked (the client may reconnect with a fresh token).

use super::pipeline;
use super::principal;
use super::state::AppState;
use crate::service::principals::{End, Live, Refusal};
use crate::viewer::Viewer;
use actix_web::{HttpRequest, HttpResponse, web};
use actix_ws::{CloseCode, CloseReason, Message};
use async_graphql::futures_util::StreamExt;
use async_graphql::futures_util::stream::BoxStream;
use async_graphql::http::{WebSocket, WebSocketProtocols, WsMessage};
use async_graphql::{Data, ErrorExtensions, Executor, Request, Response};
use std::str::FromStr;
use std::sync::{Arc, OnceLock};
use std::time::Duration;
use tokio::sync::watch;

/// How often an idle socket is pinged (a peer gone away is noticed when the ping
/// cannot be sent) and its principal read again (changes announced through
/// [`crate::events::Events::access_changed`] are acted on at once).
const RECHECK: Duration = Duration::from_secs(30);

/// The close code and reason for an ended principal.
fn close_reason(end: End) -> CloseReason {
    let (code, description) = match end {
        End::Expired => (4401, "The access token has expired"),
        End::SessionEnded => (4401, "The session has ended; sign in again"),
        End::Disabled => (4403, "The account or client is disabled"),
    };
    CloseReason {
        code: CloseCode::Other(code),
        description: Some(description.to_owned()),
    }
}

/// The socket's principal, once `connection_init` has named it (`None`: anonymous).
type Slot = Arc<OnceLock<Option<Arc<Live>>>>;

/// Runs each operation of a socket for its principal as the record says now.
#[derive(Clone)]
struct SocketExecutor {
    state: AppState,
    live: Slot,
    /// The client's address (its anonymous rate-limit bucket).
    client_ip: Option<String>,
    /// The handshake's request id: an internal error of any operation on the socket
    /// carries it (the cause is logged under it).
    request_id: Option<String>,
}

impl SocketExecutor {
    fn refused(refusal: Refusal) -> Response {
        let (message, code) = match refusal {
            Refusal::Ended(_) => (
                "The access token is invalid or has expired",
                "UNAUTHENTICATED",
            ),
            Refusal::Unavailable => ("Try again shortly", "INTERNAL_SERVER_ERROR"),
        };
        let error = async_graphql::Error::new(message).extend_with(|_, e| e.set("code", code));
        Response::from_errors(vec![error.into_server_error(Default::default())])
    }
}

impl Executor for SocketExecutor {
    async fn execute(&self, request: Request) -> Response {
        // Sockets only stream; kept for the trait.
        self.execute_stream(request, None)
            .next()
            .await
            .unwrap_or_default()
    }

    fn execute_stream(
        &self,
        request: Request,
        session_data: Option<Arc<Data>>,
    ) -> BoxStream<'static, Response> {
        let state = self.state.clone();
        let client_ip = self.client_ip.clone();
        let request_id = self.request_id.clone();
        let live = self.live.get().cloned().flatten();
        Box::pin(async_stream::stream! {
            // The order of HTTP: the request read, then its caller, then the pipeline.
            let prepared = match pipeline::prepare(&state, request).await {
                Ok(prepared) => prepared,
                Err(refusal) => {
                    yield Response::from_errors(vec![refusal.server_error()]);
                    return;
                }
            };
            let viewer = match &live {
                None => Ok(Viewer::Anonymous),
                Some(live) => live.viewer().await,
            };
            match viewer {
                Err(refusal) => yield SocketExecutor::refused(refusal),
                Ok(viewer) => {
                    let caller = pipeline::Caller { viewer, client_ip, request_id };
                    let mut responses =
                        pipeline::stream(state, caller, live, prepared, session_data);
                    while let Some(response) = responses.next().await {
                        yield response;
                    }
                }
            }
        })
    }
}

/// The handshake; the socket itself is served by a task of its own.
pub async fn websocket(
    state: web::Data<AppState>,
    req: HttpRequest,
    payload: web::Payload,
) -> actix_web::Result<HttpResponse> {
    let offered = req
        .headers()
        .get(actix_web::http::header::SEC_WEBSOCKET_PROTOCOL)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let protocol = offered
        .split(',')
        .find_map(|p| WebSocketProtocols::from_str(p.trim()).ok())
        .unwrap_or(WebSocketProtocols::SubscriptionsTransportWS);
    let (response, session, messages) =
        actix_ws::handle_with_protocols(&req, payload, &["graphql-transport-ws", "graphql-ws"])?;
    let client_ip = super::client::client_text(&req, &state.trusted_proxies);
    let request_id = super::request_id::current();
    actix_web::rt::spawn(serve(
        state.get_ref().clone(),
        protocol,
        session,
        messages,
        client_ip,
        request_id,
    ));
    Ok(response)
}

async fn serve(
    state: AppState,
    protocol: WebSocketProtocols,
    mut session: actix_ws::Session,
    mut messages: actix_ws::MessageStream,
    client_ip: Option<String>,
    request_id: Option<String>,
) {
    let _open = crate::metrics::global().socket_opened();
    let slot: Slot = Arc::new(OnceLock::new());
    let (ended_tx, mut ended) = watch::channel(None);
    let (input, mut received) = tokio::sync::mpsc::unbounded_channel::<Vec<u8>>();
    let client = Box::pin(async_stream::stream! {
        while let Some(message) = received.recv().await {
            yield message;
        }
    });
    let (init_state, init_slot) = (state.clone(), slot.clone());
    let executor = SocketExecutor {
        state: state.clone(),
        live: slot.clone(),
        client_ip,
        request_id,
    };
    let mut protocol_stream = Box::pin(
        WebSocket::new(executor, client, protocol).on_connection_init(move |payload| async move {
            let viewer = principal::live_from_connection_init(&init_state, &payload, ended_tx)
                .await
                .map_err(|_| {
                    async_graphql::Error::new("The access token is invalid or has expired")
                })?;
            let _ = init_slot.set(viewer);
            Ok(Data::default())
        }),
    );
    let mut ended_open = true;
    let mut changes = state.events.access_changes();
    let mut recheck = tokio::time::interval(RECHECK);
    recheck.tick().await;
    let mut stopping = state.stopping.clone();
    loop {
        let live = slot.get().cloned().flatten();
        let expires = live.as_ref().map(|l| l.expires_at());
        let until_expiry = expires
            .and_then(|at| (at - chrono::Utc::now()).to_std().ok())
            .unwrap_or(Duration::from_secs(24 * 3600));
        tokio::select! {
            message = messages.next() => match message {
                Some(Ok(Message::Text(text))) => {
                    if input.send(text.as_bytes().to_vec()).is_err() {
                        break;
                    }
                }
                Some(Ok(Message::Binary(bytes))) => {
                    if input.send(bytes.to_vec()).is_err() {
                        break;
                    }
                }
                Some(Ok(Message::Ping(bytes))) => {
                    if session.pong(&bytes).await.is_err() {
                        return;
                    }
                }
                Some(Ok(Message::Close(_))) | Some(Err(_)) | None => break,
                Some(Ok(_)) => {}
            },
            out = protocol_stream.next() => match out {
                Some(WsMessage::Text(text)) => {
                    if session.text(text).await.is_err() {
                        return;
                    }
                }
                Some(WsMessage::Close(code, reason)) => {
                    let reason = CloseReason { code: CloseCode::Other(code), description: Some(reason) };
                    let _ = session.close(Some(reason)).await;
                    return;
                }
                None => break,
            },
            changed = ended.changed(), if ended_open => match changed {
                Ok(()) => {
                    if let Some(end) = *ended.borrow() {
                        let _ = session.close(Some(close_reason(end))).await;
                        return;
                    }
                }
                // No principal will ever end (an anonymous socket): stop watching.
                Err(_) => ended_open = false,
            },
            _ = tokio::time::sleep(until_expiry), if expires.is_some() => {
                if let Some(live) = &live {
                    live.end(End::Expired);
                }
                let _ = session.close(Some(close_reason(End::Expired))).await;
                return;
            }
            change = changes.recv() => {
                let ours = match change {
                    Ok(subject) => live.as_ref().is_some_and(|l| l.subject() == subject),
                    // Missed some: check anyway.
                    Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => true,
                    Err(tokio::sync::broadcast::error::RecvError::Closed) => false,
                };
                if ours && let Some(live) = &live {
                    let _ = live.viewer().await;
                }
            }
            _ = stopping.wait_for(|stopping| *stopping) => {
                // The server is shutting down: 1001, so that clients reconnect elsewhere.
                let reason = CloseReason {
                    code: CloseCode::Away,
                    description: Some("The server is shutting down; reconnect".to_owned()),
                };
                let _ = session.close(Some(reason)).await;
                return;
            }
            _ = recheck.tick() => {
                if session.ping(b"").await.is_err() {
                    return;
                }
                if let Some(live) = &live {
                    let _ = live.viewer().await;
                }
            }
        }
    }
    let _ = session.close(None).await;
}
