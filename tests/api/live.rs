//! Live updates over WebSocket (graphql-transport-ws). On PostgreSQL the publish goes
//! through a second instance on the same database (LISTEN/NOTIFY); on SQLite, in process.

use crate::helpers::{spawn_seeded_app, test_settings};
use crate::workflow::{open_consultation, stakeholder_id};
use async_graphql::futures_util::{SinkExt, StreamExt};
use entity::enums::Role;
use sea_orm::DbBackend;
use serde_json::{Value, json};
use std::time::Duration;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

pub async fn subscribe(address: &str, token: Option<&str>, consultation: &Value) -> Socket {
    let url = format!("{}/graphql/ws", address.replace("http://", "ws://"));
    let mut request = url.into_client_request().unwrap();
    request.headers_mut().insert(
        "sec-websocket-protocol",
        "graphql-transport-ws".parse().unwrap(),
    );
    let (mut socket, _) = tokio_tungstenite::connect_async(request)
        .await
        .expect("websocket");
    let init = json!({ "type": "connection_init", "payload": { "token": token } });
    socket
        .send(Message::Text(init.to_string().into()))
        .await
        .unwrap();
    let ack = next_json(&mut socket).await;
    assert_eq!(ack["type"], "connection_ack", "{ack}");
    let subscribe = json!({
        "id": "1",
        "type": "subscribe",
        "payload": {
            "query": "subscription($c: ID!) { contributionPublished(consultationId: $c) { id title } }",
            "variables": { "c": consultation },
        },
    });
    socket
        .send(Message::Text(subscribe.to_string().into()))
        .await
        .unwrap();
    socket
}

async fn next_json(socket: &mut Socket) -> Value {
    loop {
        let message = tokio::time::timeout(Duration::from_secs(10), socket.next())
            .await
            .expect("a message within 10 s")
            .expect("an open socket")
            .expect("a frame");
        if let Message::Text(text) = message {
            let value: Value = serde_json::from_str(&text).unwrap();
            if value["type"] != "ping" {
                return value;
            }
        }
    }
}

pub async fn published_id(socket: &mut Socket) -> Value {
    let message = next_json(socket).await;
    assert_eq!(message["type"], "next", "{message}");
    message["payload"]["data"]["contributionPublished"]["id"].clone()
}

#[tokio::test]
async fn subscribers_hear_of_publications_they_may_see_from_any_instance() {
    let app = spawn_seeded_app().await;
    let admin = app
        .sign_in_as("sec@un.example", Role::Secretariat, None)
        .await;
    let gov = stakeholder_id(&app, "Government delegation 1").await;
    let member = app
        .sign_in_as("a@gov.example", Role::MemberState, Some(gov))
        .await;
    let consultation = open_consultation(&app, &admin, "live").await;
    let mut ids = Vec::new();
    for visibility in ["MEMBER_STATES", "PUBLIC"] {
        let (_, created) = app
            .graphql_as(
                &member,
                "mutation($i: ContributionCreateInput!) { contributionCreate(input: $i) { contribution { id } } }",
                json!({ "i": { "consultation": consultation, "title": visibility, "body": "B", "language": "en", "visibility": visibility } }),
            )
            .await;
        let id = created["data"]["contributionCreate"]["contribution"]["id"].clone();
        app.graphql_as(&member, "mutation($id: ID!) { contributionSubmit(input: { id: $id, version: 1 }) { contribution { id } } }", json!({ "id": id }))
            .await;
        ids.push(id);
    }

    let mut anonymous = subscribe(&app.address, None, &consultation).await;
    let mut delegate = subscribe(&app.address, Some(&member), &consultation).await;

    // Publish through another instance when there is a shared PostgreSQL.
    let publisher: String = if app.db.get_database_backend() == DbBackend::Postgres {
        app.another_instance(&test_settings())
    } else {
        app.address.clone()
    };
    tokio::time::sleep(Duration::from_millis(300)).await;
    for id in &ids {
        let response: Value = app
            .client
            .post(format!("{publisher}/graphql"))
            .bearer_auth(&admin)
            .json(&json!({ "query": "mutation($id: ID!) { contributionPublish(input: { id: $id, version: 2 }) { contribution { status } } }", "variables": { "id": id } }))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(
            response["data"]["contributionPublish"]["contribution"]["status"], "PUBLISHED",
            "{response}"
        );
    }

    assert_eq!(
        published_id(&mut delegate).await,
        ids[0],
        "member states hear of the MEMBER_STATES one"
    );
    assert_eq!(published_id(&mut delegate).await, ids[1]);
    assert_eq!(
        published_id(&mut anonymous).await,
        ids[1],
        "anonymous subscribers hear only of the public one"
    );
}

#[tokio::test]
async fn a_bad_token_in_connection_init_is_refused() {
    let app = spawn_seeded_app().await;
    let url = format!("{}/graphql/ws", app.address.replace("http://", "ws://"));
    let mut request = url.into_client_request().unwrap();
    request.headers_mut().insert(
        "sec-websocket-protocol",
        "graphql-transport-ws".parse().unwrap(),
    );
    let (mut socket, _) = tokio_tungstenite::connect_async(request).await.unwrap();
    let init = json!({ "type": "connection_init", "payload": { "token": "not-a-token" } });
    socket
        .send(Message::Text(init.to_string().into()))
        .await
        .unwrap();
    let closed = tokio::time::timeout(Duration::from_secs(10), socket.next())
        .await
        .expect("an answer");
    match closed {
        Some(Ok(Message::Close(Some(frame)))) => {
            assert!(frame.reason.contains("invalid or has expired"), "{frame:?}");
        }
        Some(Ok(Message::Text(text))) => panic!("expected the connection to close, got {text}"),
        other => assert!(
            matches!(other, None | Some(Ok(Message::Close(_))) | Some(Err(_))),
            "{other:?}"
        ),
    }
}
