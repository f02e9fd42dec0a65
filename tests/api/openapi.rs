//! The partners' endpoints described: `/openapi.json` is OpenAPI 3.1, names every route
//! but the WebSocket and GraphiQL's files, resolves every `$ref`, and describes the
//! export's rows as the export writes them. Browsers may read the headers they need.

use crate::helpers::{spawn_app_with, spawn_seeded_app, test_settings};
use serde_json::Value;

fn refs<'a>(value: &'a Value, out: &mut Vec<&'a str>) {
    match value {
        Value::Object(map) => {
            for (key, v) in map {
                match (key.as_str(), v) {
                    ("$ref", Value::String(r)) => out.push(r),
                    _ => refs(v, out),
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|v| refs(v, out)),
        _ => {}
    }
}

#[tokio::test]
async fn the_openapi_document_describes_every_route_and_the_export_rows() {
    let app = spawn_seeded_app().await;
    let response = app
        .client
        .get(app.url("/openapi.json"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let doc: Value = response.json().await.unwrap();
    assert_eq!(doc["openapi"], "3.1.0");

    // Every route registered is described (the socket and GraphiQL's files are not
    // OpenAPI's to describe).
    let routes = include_str!("../../src/http/routes.rs");
    let paths = doc["paths"].as_object().unwrap();
    let mut registered: Vec<String> = routes
        .split('"')
        .skip(1)
        .step_by(2)
        .filter(|s| s.starts_with('/'))
        .filter(|s| *s != "/graphql/ws" && !s.starts_with("/graphiql/"))
        // The console's page and files are a browser's, not an API.
        .filter(|s| *s != "/console" && !s.starts_with("/console/assets/"))
        .map(str::to_owned)
        .collect();
    registered.sort();
    registered.dedup();
    for route in &registered {
        if route == "/consultations/{id}/{file}" {
            for file in [
                "contributions.csv",
                "contributions.ndjson",
                "report.html",
                "report.md",
            ] {
                assert!(
                    paths.contains_key(&format!("/consultations/{{id}}/{file}")),
                    "{file}"
                );
            }
        } else {
            assert!(paths.contains_key(route), "{route} is not described");
        }
    }
    // The one route of a consultation's files is four paths.
    assert_eq!(paths.len(), registered.len() + 3, "{registered:?}");

    // Every reference resolves.
    let mut found = Vec::new();
    refs(&doc, &mut found);
    assert!(!found.is_empty());
    for r in found {
        let pointer = r.strip_prefix('#').unwrap();
        assert!(doc.pointer(pointer).is_some(), "{r} resolves to nothing");
    }

    // The export's rows are as described: the same columns, in the CSV's order.
    let row = &doc["components"]["schemas"]["ContributionRow"];
    let required: Vec<&str> = row["required"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap())
        .collect();
    assert_eq!(
        required,
        concord::service::contributions::tabular::COLUMNS.to_vec()
    );
    let consultation =
        concord::ids::GlobalId::new(concord::ids::NodeType::Consultation, 1).encode();
    let text = app
        .client
        .get(app.url(&format!(
            "/consultations/{consultation}/contributions.ndjson"
        )))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let first: Value = serde_json::from_str(text.lines().next().unwrap()).unwrap();
    let mut keys: Vec<&str> = first
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    let mut columns = required.clone();
    keys.sort_unstable();
    columns.sort_unstable();
    assert_eq!(keys, columns);
}

#[tokio::test]
async fn browsers_from_other_origins_may_read_the_headers_clients_need() {
    let mut settings = test_settings();
    settings.cors_origins = vec!["https://partner.example".to_owned()];
    let app = spawn_app_with(settings).await;
    let response = app
        .client
        .post(app.url("/graphql"))
        .header("origin", "https://partner.example")
        .json(&serde_json::json!({ "query": "{ __typename }" }))
        .send()
        .await
        .unwrap();
    let exposed = response.headers()["access-control-expose-headers"]
        .to_str()
        .unwrap()
        .to_ascii_lowercase();
    for header in [
        "idempotent-replayed",
        "x-request-id",
        "ratelimit-limit",
        "ratelimit-remaining",
        "ratelimit-reset",
        "ratelimit-policy",
        "retry-after",
    ] {
        assert!(exposed.contains(header), "{header} not in {exposed}");
    }
    assert!(response.headers().contains_key("ratelimit-remaining"));
}
