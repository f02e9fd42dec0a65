//! A WebSocket applies its principal's current record to every event and operation,
//! and closes with 4403 when the account is disabled, 4401 when the token expires or
//! the session ends.

use crate::helpers::{TestApp, spawn_seeded_app};
use crate::workflow::{secretariat_member_and_consultation, stakeholder_id};
use async_graphql::futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use std::time::Duration;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

pub type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// What the server sent next.
#[derive(Debug)]
enum Frame {
    Json(Value),
    Closed(u16, String),
}

async fn connect(app: &TestApp, token: &str) -> Socket {
    connect_as(app, Some(token)).await
}

/// A socket, initialised with `token` (none: anonymous).
pub async fn connect_as(app: &TestApp, token: Option<&str>) -> Socket {
    connect_at(&app.address, token).await
}

/// [`connect_as`] for the server at `address` (`http://…`).
pub async fn connect_at(address: &str, token: Option<&str>) -> Socket {
    let url = format!("{}/graphql/ws", address.replace("http://", "ws://"));
    let mut request = url.into_client_request().unwrap();
    request.headers_mut().insert(
        "sec-websocket-protocol",
        "graphql-transport-ws".parse().unwrap(),
    );
    let (mut socket, response) = tokio_tungstenite::connect_async(request)
        .await
        .expect("websocket");
    assert_eq!(
        response.headers()["sec-websocket-protocol"],
        "graphql-transport-ws"
    );
    let init = json!({ "type": "connection_init", "payload": { "token": token } });
    socket
        .send(Message::Text(init.to_string().into()))
        .await
        .unwrap();
    match next(&mut socket).await {
        Frame::Json(ack) => assert_eq!(ack["type"], "connection_ack", "{ack}"),
        other => panic!("no ack: {other:?}"),
    }
    socket
}

pub async fn send(socket: &mut Socket, id: &str, query: &str, variables: Value) {
    let message = json!({
        "id": id,
        "type": "subscribe",
        "payload": { "query": query, "variables": variables },
    });
    socket
        .send(Message::Text(message.to_string().into()))
        .await
        .unwrap();
}

async fn next(socket: &mut Socket) -> Frame {
    loop {
        let message = tokio::time::timeout(Duration::from_secs(10), socket.next())
            .await
            .expect("a frame within 10 s");
        match message {
            Some(Ok(Message::Text(text))) => {
                let value: Value = serde_json::from_str(&text).unwrap();
                if value["type"] != "ping" {
                    return Frame::Json(value);
                }
            }
            Some(Ok(Message::Close(frame))) => {
                let frame = frame.expect("a close code");
                return Frame::Closed(frame.code.into(), frame.reason.to_string());
            }
            Some(Ok(_)) => {}
            other => panic!("the socket ended without a close frame: {other:?}"),
        }
    }
}

/// The next `next` message for operation `id` (skipping `complete` messages).
pub async fn next_for(socket: &mut Socket, id: &str) -> Value {
    loop {
        match next(socket).await {
            Frame::Json(m) if m["id"] == id && m["type"] == "next" => return m["payload"].clone(),
            Frame::Json(m) if m["id"] == id && m["type"] == "error" => return m["payload"].clone(),
            Frame::Json(_) => {}
            Frame::Closed(code, reason) => panic!("closed {code} {reason} waiting for {id}"),
        }
    }
}

pub const PUBLISHED: &str =
    "subscription($c: ID!) { contributionPublished(consultationId: $c) { id title } }";

/// A seeded app with the secretariat and a member state, an open consultation, another
/// Government's submitted MEMBER_STATES contribution and the member's PUBLIC one.
struct Scene {
    app: TestApp,
    admin: String,
    member: String,
    member_account: Value,
    consultation: Value,
    restricted: Value,
    public: Value,
}

async fn scene() -> Scene {
    let app = spawn_seeded_app().await;
    let (admin, member, consultation) = secretariat_member_and_consultation(&app, "sockets").await;
    let (_, me) = app
        .graphql_as(&member, "{ viewer { account { id } } }", json!({}))
        .await;
    let other = concord::ids::GlobalId::new(
        concord::ids::NodeType::Stakeholder,
        stakeholder_id(&app, "Government delegation 2").await,
    )
    .encode();
    let mut ids = Vec::new();
    for (author, stakeholder, visibility) in [
        (&admin, Some(other), "MEMBER_STATES"),
        (&member, None, "PUBLIC"),
    ] {
        let (_, created) = app
            .graphql_as(
                author,
                "mutation($i: ContributionCreateInput!) { contributionCreate(input: $i) { contribution { id } } }",
                json!({ "i": { "consultation": consultation, "stakeholder": stakeholder, "title": visibility, "body": "B", "language": "en", "visibility": visibility } }),
            )
            .await;
        let id = created["data"]["contributionCreate"]["contribution"]["id"].clone();
        app.graphql_as(
            author,
            "mutation($id: ID!) { contributionSubmit(input: { id: $id, version: 1 }) { contribution { id } } }",
            json!({ "id": id }),
        )
        .await;
        ids.push(id);
    }
    Scene {
        member_account: me["data"]["viewer"]["account"]["id"].clone(),
        app,
        admin,
        member,
        consultation,
        public: ids.pop().unwrap(),
        restricted: ids.pop().unwrap(),
    }
}

/// A socket for `token` (none: anonymous) subscribed, as "events", to the scene's
/// publications.
async fn subscribed(s: &Scene, token: Option<&str>) -> Socket {
    let mut socket = connect_as(&s.app, token).await;
    send(
        &mut socket,
        "events",
        PUBLISHED,
        json!({ "c": s.consultation }),
    )
    .await;
    socket
}

/// The code the server closes the socket with next.
async fn close_code(socket: &mut Socket) -> u16 {
    match next(socket).await {
        Frame::Closed(code, _) => code,
        other => panic!("expected the socket to close: {other:?}"),
    }
}

async fn publish(s: &Scene, id: &Value) {
    let (_, body) = s
        .app
        .graphql_as(
            &s.admin,
            "mutation($id: ID!) { contributionPublish(input: { id: $id, version: 2 }) { contribution { status } userErrors { message } } }",
            json!({ "id": id }),
        )
        .await;
    assert_eq!(
        body["data"]["contributionPublish"]["contribution"]["status"], "PUBLISHED",
        "{body}"
    );
}

#[tokio::test]
async fn a_socket_applies_the_accounts_current_role_to_every_event_and_operation() {
    let s = scene().await;
    let mut socket = subscribed(&s, Some(&s.member)).await;
    send(&mut socket, "before", "{ viewer { role } }", json!({})).await;
    assert_eq!(
        next_for(&mut socket, "before").await["data"]["viewer"]["role"],
        "MEMBER_STATE"
    );

    // The secretariat demotes the member state to an observer.
    let (_, demoted) = s
        .app
        .graphql_as(
            &s.admin,
            "mutation($id: ID!) { accountUpdate(input: { id: $id, version: 1, role: OBSERVER }) { account { role } userErrors { message } } }",
            json!({ "id": s.member_account }),
        )
        .await;
    assert_eq!(
        demoted["data"]["accountUpdate"]["account"]["role"], "OBSERVER",
        "{demoted}"
    );

    publish(&s, &s.restricted).await;
    publish(&s, &s.public).await;
    let event = next_for(&mut socket, "events").await;
    assert_eq!(
        event["data"]["contributionPublished"]["id"], s.public,
        "the MEMBER_STATES contribution is no longer for this socket: {event}"
    );

    send(&mut socket, "after", "{ viewer { role } }", json!({})).await;
    assert_eq!(
        next_for(&mut socket, "after").await["data"]["viewer"]["role"],
        "OBSERVER"
    );
    send(
        &mut socket,
        "create",
        "mutation($i: ContributionCreateInput!) { contributionCreate(input: $i) { contribution { id } } }",
        json!({ "i": { "consultation": s.consultation, "title": "T", "body": "B", "language": "en", "visibility": "MEMBER_STATES" } }),
    )
    .await;
    let refused = next_for(&mut socket, "create").await;
    assert_eq!(
        refused["errors"][0]["extensions"]["code"], "FORBIDDEN",
        "{refused}"
    );
}

#[tokio::test]
async fn disabling_an_account_closes_its_sockets_with_4403() {
    let s = scene().await;
    let mut socket = subscribed(&s, Some(&s.member)).await;
    let (_, disabled) = s
        .app
        .graphql_as(
            &s.admin,
            "mutation($id: ID!) { accountDisable(input: { id: $id }) { account { status } } }",
            json!({ "id": s.member_account }),
        )
        .await;
    assert_eq!(
        disabled["data"]["accountDisable"]["account"]["status"],
        "DISABLED"
    );
    assert_eq!(close_code(&mut socket).await, 4403);
}

#[tokio::test]
async fn logout_closes_the_sessions_sockets_with_4401() {
    let s = scene().await;
    let body = s.app.login("a@gov.example", "a long enough password").await;
    let login = &body["data"]["login"];
    let mut socket = connect(&s.app, login["accessToken"].as_str().unwrap()).await;
    let mut other_session = connect(&s.app, &s.member).await;
    s.app
        .data(
            "mutation($r: String!) { logout(input: { refreshToken: $r }) { loggedOut } }",
            json!({ "r": login["refreshToken"] }),
        )
        .await;
    assert_eq!(close_code(&mut socket).await, 4401);
    send(
        &mut other_session,
        "still",
        "{ viewer { role } }",
        json!({}),
    )
    .await;
    assert_eq!(
        next_for(&mut other_session, "still").await["data"]["viewer"]["role"],
        "MEMBER_STATE",
        "another session's socket goes on"
    );
}

#[tokio::test]
async fn a_socket_closes_with_4401_when_its_token_expires() {
    let s = scene().await;
    let mut claims = s.app.auth.keys.verify(&s.member).expect("a valid token");
    claims.exp = chrono::Utc::now().timestamp() + 2;
    let short_lived = s.app.auth.keys.sign(&claims).unwrap();
    let mut socket = subscribed(&s, Some(&short_lived)).await;
    assert_eq!(close_code(&mut socket).await, 4401);
}

#[tokio::test]
async fn a_publication_sent_with_an_idempotency_key_is_heard_once_it_commits() {
    let s = scene().await;
    let mut socket = subscribed(&s, None).await;
    let response = s
        .app
        .client
        .post(s.app.url("/graphql"))
        .bearer_auth(&s.admin)
        .header("idempotency-key", "publish-once")
        .json(&json!({
            "query": "mutation($id: ID!) { contributionPublish(input: { id: $id, version: 2 }) { contribution { status } } }",
            "variables": { "id": s.public },
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let event = next_for(&mut socket, "events").await;
    assert_eq!(
        event["data"]["contributionPublished"]["id"], s.public,
        "{event}"
    );
}

/// The limits and the error codes apply on the socket as over HTTP: an operation over
/// the cost is refused before it runs with `QUERY_TOO_COMPLEX` naming its cost, and an
/// admitted one says what it cost.
#[tokio::test]
async fn the_socket_applies_the_limits_and_reports_the_cost() {
    let app = crate::helpers::spawn_seeded_app().await;
    let mut socket = connect_as(&app, None).await;
    let counted = "contributions(first: 100) { totalCount nodes { id } }";
    let before = app.query_count();
    send(
        &mut socket,
        "costly",
        &crate::helpers::aliased(50, counted),
        json!({}),
    )
    .await;
    let refused = next_for(&mut socket, "costly").await;
    let error = &refused["errors"][0];
    assert_eq!(
        error["extensions"]["code"], "QUERY_TOO_COMPLEX",
        "{refused}"
    );
    assert!(
        error["message"].as_str().unwrap().contains("at most 25000"),
        "{refused}"
    );
    assert_eq!(app.query_count(), before, "nothing ran");

    send(&mut socket, "one", &format!("{{ {counted} }}"), json!({})).await;
    let one = next_for(&mut socket, "one").await;
    assert_eq!(one["data"]["contributions"]["totalCount"], 98, "{one}");
    assert!(
        one["extensions"]["cost"]["requested"].as_u64().unwrap() > 2_500,
        "{one}"
    );
}
