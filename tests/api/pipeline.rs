//! One pipeline for every request (issue 22): a request's document is parsed once, the
//! operation it runs is decided once by the spec's GetOperation on every transport, and
//! `@skip`/`@include` are evaluated before anything is charged.

use crate::helpers::{TestApp, spawn_app, spawn_app_with};
use crate::persisted::query_url;
use async_graphql::futures_util::SinkExt;
use entity::enums::Role;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use tokio_tungstenite::tungstenite::Message;

const CREATE: &str = "mutation M { stakeholderCreate(input: { name: \"Unknown name\", group: CIVIL_SOCIETY, accreditation: WSIS_ACCREDITED }) { stakeholder { name } } }";

async fn created(app: &TestApp) -> Value {
    app.data(
        "{ stakeholders(filter: { search: \"Unknown name\" }) { totalCount } }",
        json!({}),
    )
    .await["stakeholders"]["totalCount"]
        .clone()
}

/// The first error's code, and whether the answer has `data`.
fn refused(body: &Value) -> (String, bool) {
    (
        body["errors"][0]["extensions"]["code"]
            .as_str()
            .unwrap_or_default()
            .to_owned(),
        body.get("data").is_some(),
    )
}

#[tokio::test]
async fn an_unknown_operation_name_runs_nothing_on_any_transport_keyed_or_not() {
    let app = spawn_app().await;
    let admin = app
        .sign_in_as("sec@un.example", Role::Secretariat, None)
        .await;
    let two = format!("query Q {{ viewer {{ role }} }} {CREATE}");
    let expected = ("GRAPHQL_VALIDATION_FAILED".to_owned(), false);
    for document in [CREATE, two.as_str()] {
        let body = json!({ "query": document, "operationName": "Nope" });
        // POST, with and without a key (twice with the key: nothing is kept to replay).
        for key in [None, Some("unknown-name"), Some("unknown-name")] {
            let mut request = app
                .client
                .post(app.url("/graphql"))
                .bearer_auth(&admin)
                .json(&body);
            if let Some(key) = key {
                request = request.header("idempotency-key", key);
            }
            let response = request.send().await.unwrap();
            assert_eq!(response.status(), 200);
            assert!(response.headers().get("idempotent-replayed").is_none());
            let answer: Value = response.json().await.unwrap();
            assert_eq!(refused(&answer), expected, "POST {key:?}: {answer}");
            assert!(
                answer["errors"][0]["message"]
                    .as_str()
                    .unwrap()
                    .contains("Nope"),
                "{answer}"
            );
        }
        // GET: no operation is selected, so there is no mutation to refuse with 405;
        // it is refused as the spec's GetOperation refuses it.
        let response = app
            .client
            .get(query_url(
                &app,
                &[("query", document), ("operationName", "Nope")],
            ))
            .bearer_auth(&admin)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
        let answer: Value = response.json().await.unwrap();
        assert_eq!(refused(&answer), expected, "GET: {answer}");
        // WebSocket.
        let mut socket = crate::sockets::connect_as(&app, Some(&admin)).await;
        let subscribe = json!({ "id": "1", "type": "subscribe", "payload": body });
        socket
            .send(Message::Text(subscribe.to_string().into()))
            .await
            .unwrap();
        let payload = crate::sockets::next_for(&mut socket, "1").await;
        let errors = payload
            .as_array()
            .cloned()
            .unwrap_or_else(|| payload["errors"].as_array().cloned().unwrap_or_default());
        assert_eq!(
            errors[0]["extensions"]["code"], "GRAPHQL_VALIDATION_FAILED",
            "{payload}"
        );
    }
    assert_eq!(created(&app).await, 0, "nothing ran");
}

/// The status of an anonymous query and what it cost, as `extensions.cost` says.
async fn charged(app: &TestApp, query: &str, variables: Value) -> (u16, u64) {
    let response = app
        .client
        .post(app.url("/graphql"))
        .json(&json!({ "query": query, "variables": variables }))
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    let body: Value = response.json().await.unwrap();
    (
        status,
        body["extensions"]["cost"]["requested"].as_u64().unwrap(),
    )
}

#[tokio::test]
async fn a_field_left_out_by_skip_or_include_is_not_charged() {
    // The smallest budget: 25,000 points an hour.
    let app = spawn_app_with(crate::helpers::small_anonymous_budget()).await;
    // A search costs over 5,000 points; the rest a few.
    let query = "query($skip: Boolean!, $include: Boolean = false) {
        viewer { role }
        a: searchContributions(query: \"internet\") @skip(if: $skip) { totalCount }
        ... on Query @include(if: $include) { b: searchContributions(query: \"policy\") { totalCount } }
        ...Search @skip(if: $skip)
    }
    fragment Search on Query { c: searchContributions(query: \"cooperation\") { totalCount } }";
    // Thirty times with every search left out: a few points each, all of them run.
    for _ in 0..30 {
        let (status, cost) = charged(&app, query, json!({ "skip": true })).await;
        assert_eq!(status, 200);
        assert!(cost < 100, "no search runs, none is charged: {cost}");
    }
    let (status, one) = charged(&app, query, json!({ "skip": true, "include": true })).await;
    assert_eq!(status, 200);
    assert!((5_000..10_000).contains(&one), "one search: {one}");
    // With all three it costs over 15,000 points: what is left of the budget once the
    // skipped ones and the one search are paid does not pay for it.
    let (status, all) = charged(&app, query, json!({ "skip": false, "include": true })).await;
    assert!(all >= 15_000, "three searches: {all}");
    assert_eq!(status, 429);
}

#[tokio::test]
async fn a_document_is_parsed_once_whatever_reads_it_and_not_again_when_sent_again() {
    // A server of its own, so that its metrics count only these requests.
    let app = spawn_app().await;
    let admin = app
        .sign_in_as("sec@un.example", Role::Secretariat, None)
        .await;
    let (_serving, port) = crate::pooler::serve(&[("DATABASE_URL", &app.db_url)]).await;
    let address = format!("http://127.0.0.1:{port}");
    let client = reqwest::Client::new();
    let parsed =
        || crate::helpers::counter(&client, &address, "concord_graphql_documents_parsed_total");
    let post = |body: Value, key: Option<&'static str>| {
        let mut request = client
            .post(format!("{address}/graphql"))
            .bearer_auth(&admin)
            .json(&body);
        if let Some(key) = key {
            request = request.header("idempotency-key", key);
        }
        request.send()
    };
    assert_eq!(parsed().await, 0);
    // Documents not sent before (each parsed once; one sent again is not parsed again).
    let mut distinct = 0;
    // A query, and a named query with fragments, directives and an order to restore.
    post(json!({ "query": "{ viewer { role } }" }), None)
        .await
        .unwrap();
    distinct += 1;
    post(
        json!({ "query": "query A($s: Boolean!) { ...F viewer @skip(if: $s) { role } } fragment F on Query { stakeholders(first: 1) { totalCount } }", "variables": { "s": false }, "operationName": "A" }),
        None,
    )
    .await
    .unwrap();
    distinct += 1;
    // A keyed named mutation, and its replay (the same document).
    distinct += 1;
    let create =
        json!({ "query": CREATE.replace("Unknown name", "Parsed once"), "operationName": "M" });
    for _ in 0..2 {
        let response = post(create.clone(), Some("parsed-once")).await.unwrap();
        assert_eq!(response.status(), 200);
    }
    // A query over GET (sent before by POST), and a mutation over GET (405).
    distinct += 1;
    for (query, status) in [("{ viewer { role } }", 200), (CREATE, 405)] {
        let url = format!(
            "{address}/graphql?{}",
            url::form_urlencoded::Serializer::new(String::new())
                .append_pair("query", query)
                .finish()
        );
        let response = client.get(url).send().await.unwrap();
        assert_eq!(response.status(), status);
    }
    // A persisted query registered, then run by its hash alone.
    let document = "query Persisted { viewer { role } }";
    let hash = hex::encode(Sha256::digest(document.as_bytes()));
    let persisted = json!({ "persistedQuery": { "version": 1, "sha256Hash": hash } });
    post(json!({ "query": document, "extensions": persisted }), None)
        .await
        .unwrap();
    post(json!({ "extensions": persisted }), None)
        .await
        .unwrap();
    distinct += 1;
    // The answer to a document sent alone.
    let answer_to = |query: String| {
        let sent = post(json!({ "query": query }), None);
        async move { sent.await.unwrap().json::<Value>().await.unwrap() }
    };
    // A document that does not parse (parsed once, and not again to report why).
    let answer = answer_to("{ viewer".to_owned()).await;
    assert_eq!(
        answer["errors"][0]["extensions"]["code"],
        "GRAPHQL_PARSE_FAILED"
    );
    distinct += 1;
    // An operation on a WebSocket (its document sent before).
    let mut socket = crate::sockets::connect_at(&address, Some(&admin)).await;
    let subscribe =
        json!({ "id": "1", "type": "subscribe", "payload": { "query": "{ viewer { role } }" } });
    socket
        .send(Message::Text(subscribe.to_string().into()))
        .await
        .unwrap();
    let payload = crate::sockets::next_for(&mut socket, "1").await;
    assert_eq!(payload["data"]["viewer"]["role"], "SECRETARIAT");
    // Refused before any parse: a NUL character.
    let response = post(json!({ "query": "{ viewer { role } }\u{0}" }), None)
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(parsed().await, distinct, "one parse a document");
    // Sent again, none is parsed again; the one that does not parse says so again.
    post(json!({ "query": "{ viewer { role } }" }), None)
        .await
        .unwrap();
    assert_eq!(
        answer_to("{ viewer".to_owned()).await,
        answer,
        "the same refusal"
    );
    assert_eq!(parsed().await, distinct, "nothing parsed again");
    // One the limits refuse (51 root fields) is not kept: it is parsed each time.
    let wide = crate::helpers::aliased(51, "viewer { role }");
    for _ in 0..2 {
        let refused = answer_to(wide.clone()).await;
        assert_eq!(
            refused["errors"][0]["extensions"]["code"],
            "QUERY_TOO_COMPLEX"
        );
    }
    assert_eq!(
        parsed().await,
        distinct + 2,
        "a refused document is not kept"
    );
}

#[tokio::test]
async fn fragments_in_a_circle_or_spread_past_counting_are_refused_before_they_are_walked() {
    let app = spawn_app().await;
    // A fragment that spreads itself through a field (here inside introspection, where
    // depth is not counted) is the validator's to refuse; nothing walks it before.
    for query in [
        "{ __schema { ...A } } fragment A on __Schema { types { name } queryType { ...B } } fragment B on __Type { fields { type { ...B } } }",
        "{ stakeholders { ...S } } fragment S on StakeholderConnection { nodes { ...T } } fragment T on Stakeholder { contributions { ...U } } fragment U on ContributionConnection { ...S }",
    ] {
        let body = app.graphql(query, json!({})).await;
        assert_eq!(
            body["errors"][0]["extensions"]["code"], "GRAPHQL_VALIDATION_FAILED",
            "{body}"
        );
    }
    // Fifteen fragments, each spreading the next three times: 3^15 fields once spread.
    let mut query = String::from("{ ...F0 }");
    for i in 0..15 {
        query.push_str(&format!(
            " fragment F{i} on Query {{ ...F{n} ...F{n} ...F{n} }}",
            n = i + 1
        ));
    }
    query.push_str(" fragment F15 on Query { viewer { role } }");
    let started = std::time::Instant::now();
    let body = app.graphql(&query, json!({})).await;
    assert_eq!(
        body["errors"][0]["extensions"]["code"], "QUERY_TOO_COMPLEX",
        "{body}"
    );
    assert!(started.elapsed() < std::time::Duration::from_secs(5));
    // The server is still there.
    assert_eq!(
        app.data("{ viewer { role } }", json!({})).await["viewer"]["role"],
        Value::Null
    );
}
