//! `GET /metrics`: Prometheus text with requests and latency by operation and outcome,
//! errors by code, SQL latency, the pool, WebSocket connections and rate-limit refusals.
//! (One registry per process: the tests use operation names no other test uses.)

use crate::helpers::{TestApp, spawn_app_with, spawn_seeded_app};
use async_graphql::futures_util::SinkExt;
use entity::enums::Role;
use serde_json::json;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

async fn scrape(app: &TestApp) -> String {
    let response = app.client.get(app.url("/metrics")).send().await.unwrap();
    assert_eq!(response.status(), 200);
    assert!(
        response.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/plain; version=0.0.4")
    );
    response.text().await.unwrap()
}

/// The value of a sample, by its name and labels as printed.
fn sample(text: &str, series: &str) -> Option<f64> {
    text.lines()
        .find_map(|line| line.strip_prefix(series)?.strip_prefix(' ')?.parse().ok())
}

#[tokio::test]
async fn metrics_count_requests_by_operation_and_outcome_and_errors_by_code() {
    let app = spawn_seeded_app().await;
    // (Only a signed-in caller's operations are labelled by name.)
    let token = app
        .sign_in_as("metrics@un.example", Role::Secretariat, None)
        .await;
    for query in [
        "query MetricsProbe { consultations(first: 1) { nodes { title } } }",
        "query MetricsProbe { consultations(first: 1) { nodes { title } } }",
        "query MetricsBad { nothingHere }",
        "query MetricsAlsoBad { node(id: \"nope\") { id } }",
    ] {
        app.graphql_as(&token, query, json!({})).await;
    }

    let text = scrape(&app).await;
    let requests = "concord_graphql_requests_total";
    assert_eq!(
        sample(
            &text,
            &format!("{requests}{{operation=\"MetricsProbe\",outcome=\"ok\"}}")
        ),
        Some(2.0),
        "{text}"
    );
    assert_eq!(
        sample(
            &text,
            &format!(
                "{requests}{{operation=\"MetricsBad\",outcome=\"GRAPHQL_VALIDATION_FAILED\"}}"
            )
        ),
        Some(1.0)
    );
    assert_eq!(
        sample(
            &text,
            &format!("{requests}{{operation=\"MetricsAlsoBad\",outcome=\"BAD_USER_INPUT\"}}")
        ),
        Some(1.0)
    );
    assert_eq!(
        sample(
            &text,
            "concord_graphql_request_duration_seconds_count{operation=\"MetricsProbe\",outcome=\"ok\"}"
        ),
        Some(2.0)
    );
    assert!(
        sample(
            &text,
            "concord_graphql_errors_total{code=\"GRAPHQL_VALIDATION_FAILED\"}"
        )
        .unwrap()
            >= 1.0
    );
    assert!(sample(&text, "concord_sql_duration_seconds_count{outcome=\"ok\"}").unwrap() > 0.0);
    assert!(sample(&text, "concord_db_pool_connections{state=\"idle\"}").is_some());
    assert!(sample(&text, "concord_db_pool_connections{state=\"in_use\"}").is_some());
}

#[tokio::test]
async fn operation_names_that_are_not_plain_names_are_labelled_other() {
    let app = spawn_seeded_app().await;
    let token = app
        .sign_in_as("metrics@un.example", Role::Secretariat, None)
        .await;
    let long = format!("query M{} {{ __typename }}", "x".repeat(120));
    app.graphql_as(&token, &long, json!({})).await;
    let text = scrape(&app).await;
    assert!(!text.contains(&"x".repeat(120)));
    assert!(text.contains("operation=\"other\""), "{text}");
}

#[tokio::test]
async fn made_up_names_of_anonymous_callers_cannot_crowd_out_the_rest() {
    let app = spawn_seeded_app().await;
    let token = app
        .sign_in_as("metrics@un.example", Role::Secretariat, None)
        .await;
    // More made-up names than there are labels, from a caller who is not signed in.
    for i in 1..=(concord::metrics::MAX_OPERATION_NAMES + 5) {
        app.graphql(&format!("query Junk{i} {{ __typename }}"), json!({}))
            .await;
    }
    app.graphql_as(&token, "query SecretariatProbe { __typename }", json!({}))
        .await;
    let text = scrape(&app).await;
    assert!(!text.contains("operation=\"Junk"), "{text}");
    assert!(
        sample(
            &text,
            "concord_graphql_requests_total{operation=\"SecretariatProbe\",outcome=\"ok\"}"
        ) == Some(1.0),
        "{text}"
    );
}

#[tokio::test]
async fn metrics_count_sockets_and_rate_limit_refusals() {
    let app = spawn_app_with(crate::helpers::small_anonymous_budget()).await;
    let before = sample(
        &scrape(&app).await,
        "concord_rate_limited_total{principal=\"anonymous\"}",
    )
    .unwrap_or(0.0);
    let costly = "query MetricsCostly { contributions(first: 100) { totalCount nodes { body } } }";
    let mut refused = 0;
    for _ in 0..30 {
        let response = app
            .client
            .post(app.url("/graphql"))
            .json(&json!({ "query": costly }))
            .send()
            .await
            .unwrap();
        if response.status() == 429 {
            refused += 1;
        }
    }
    assert!(refused > 0);
    let text = scrape(&app).await;
    let after = sample(&text, "concord_rate_limited_total{principal=\"anonymous\"}").unwrap();
    assert!(
        after - before >= f64::from(refused),
        "{before} {after} {refused}"
    );
    assert!(
        sample(
            &text,
            // An anonymous caller's operation, so not labelled by its name.
            "concord_graphql_requests_total{operation=\"other\",outcome=\"RATE_LIMITED\"}"
        )
        .unwrap()
            >= f64::from(refused)
    );

    let url = format!("{}/graphql/ws", app.address.replace("http://", "ws://"));
    let mut request = url.into_client_request().unwrap();
    request.headers_mut().insert(
        "sec-websocket-protocol",
        "graphql-transport-ws".parse().unwrap(),
    );
    let (mut socket, _) = tokio_tungstenite::connect_async(request).await.unwrap();
    socket
        .send(Message::Text(
            json!({ "type": "connection_init" }).to_string().into(),
        ))
        .await
        .unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    let open = sample(&scrape(&app).await, "concord_websocket_connections").unwrap();
    assert!(open >= 1.0, "{open}");
}
