//! Persisted queries: Apollo's automatic persisted queries (from Apollo Client itself,
//! in Node, and by hand), shared by every instance, and the allow-list mode
//! (`concord operations add`, `CONCORD_ONLY_PERSISTED`).

use crate::helpers::{TestApp, spawn_app_with, spawn_seeded_app, test_settings};
use concord::seed::{self, Dataset};
use sea_orm::{ConnectionTrait, Statement};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use std::process::Command;

const TOTAL: &str = "query Total { consultations(first: 1) { nodes { statistics { total } } } }";

fn sha256(text: &str) -> String {
    hex::encode(Sha256::digest(text.as_bytes()))
}

fn persisted(hash: &str) -> Value {
    json!({ "persistedQuery": { "version": 1, "sha256Hash": hash } })
}

async fn post(app: &TestApp, address: &str, body: Value, accept: &str) -> (u16, Value) {
    let response = app
        .client
        .post(format!("{address}/graphql"))
        .header("accept", accept)
        .json(&body)
        .send()
        .await
        .unwrap();
    (response.status().as_u16(), response.json().await.unwrap())
}

async fn stored(app: &TestApp) -> i64 {
    let row = app
        .db
        .query_one_raw(Statement::from_string(
            app.db.get_database_backend(),
            "SELECT COUNT(*) AS n FROM persisted_operation",
        ))
        .await
        .unwrap()
        .unwrap();
    row.try_get("", "n").unwrap()
}

/// `/graphql?…` with these parameters.
pub fn query_url(app: &TestApp, params: &[(&str, &str)]) -> String {
    let query: String = url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(params)
        .finish();
    app.url(&format!("/graphql?{query}"))
}

fn total(body: &Value) -> &Value {
    &body["data"]["consultations"]["nodes"][0]["statistics"]["total"]
}

#[tokio::test]
async fn apollo_clients_persisted_query_link_registers_then_sends_only_the_hash() {
    let app = spawn_seeded_app().await;
    let url = app.url("/graphql");
    let Some(out) = crate::nodejs::run("apollo persisted queries", "apq.mjs", &[&url]).await else {
        return;
    };
    assert_eq!(out["results"], json!([98, 98, 98]), "{out}");
    let sent = out["sent"].as_array().unwrap();
    let shape: Vec<(String, bool, u64)> = sent
        .iter()
        .map(|s| {
            (
                s["method"].as_str().unwrap().to_owned(),
                s["hasQuery"].as_bool().unwrap(),
                s["status"].as_u64().unwrap(),
            )
        })
        .collect();
    // First client: the hash alone (not found), then the query with it. Second client:
    // the hash alone, answered. Third, by GET: the hash alone, answered.
    assert_eq!(
        shape,
        vec![
            ("POST".to_owned(), false, 200),
            ("POST".to_owned(), true, 200),
            ("POST".to_owned(), false, 200),
            ("GET".to_owned(), false, 200),
        ],
        "{out}"
    );
    assert!(sent.iter().all(|s| s["hash"].is_string()), "{out}");
}

#[tokio::test]
async fn an_unknown_hash_asks_for_the_query_and_every_instance_then_knows_it() {
    let app = spawn_seeded_app().await;
    let hash = sha256(TOTAL);
    // Not found: 200 whatever the media type, so that clients fall back to the query.
    for accept in ["application/json", "application/graphql-response+json"] {
        let (status, body) = post(
            &app,
            &app.address,
            json!({ "extensions": persisted(&hash) }),
            accept,
        )
        .await;
        assert_eq!(status, 200, "{body}");
        assert_eq!(
            body["errors"][0]["extensions"]["code"],
            "PERSISTED_QUERY_NOT_FOUND"
        );
        assert_eq!(body["errors"][0]["message"], "PersistedQueryNotFound");
        assert!(body.get("data").is_none());
    }
    let (status, body) = post(
        &app,
        &app.address,
        json!({ "query": TOTAL, "extensions": persisted(&hash) }),
        "application/json",
    )
    .await;
    assert_eq!((status, total(&body)), (200, &json!(98)), "{body}");
    assert_eq!(stored(&app).await, 1);

    // Another instance on the same database knows it (a fresh cache).
    let other_address = app.another_instance(&test_settings());
    let (status, body) = post(
        &app,
        &other_address,
        json!({ "extensions": persisted(&hash) }),
        "application/json",
    )
    .await;
    assert_eq!((status, total(&body)), (200, &json!(98)), "{body}");

    // By GET, with variables.
    let extensions = persisted(&hash).to_string();
    let response = app
        .client
        .get(query_url(
            &app,
            &[("extensions", &extensions), ("operationName", "Total")],
        ))
        .send()
        .await
        .unwrap();
    let body: Value = response.json().await.unwrap();
    assert_eq!(total(&body), &json!(98), "{body}");
}

#[tokio::test]
async fn a_persisted_mutation_is_still_refused_over_get() {
    let app = spawn_seeded_app().await;
    let mutation =
        "mutation { login(input: { email: \"a@b.example\", password: \"x\" }) { accessToken } }";
    let hash = sha256(mutation);
    post(
        &app,
        &app.address,
        json!({ "query": mutation, "extensions": persisted(&hash) }),
        "application/json",
    )
    .await;
    assert_eq!(stored(&app).await, 1);
    let extensions = persisted(&hash).to_string();
    let response = app
        .client
        .get(query_url(&app, &[("extensions", &extensions)]))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 405);
}

#[tokio::test]
async fn wrong_hashes_and_malformed_extensions_are_refused_and_nothing_is_stored() {
    let app = spawn_seeded_app().await;
    let cases = [
        (
            json!({ "query": TOTAL, "extensions": persisted(&sha256("something else")) }),
            "not the query's SHA-256",
        ),
        (
            json!({ "query": TOTAL, "extensions": { "persistedQuery": { "version": 2, "sha256Hash": sha256(TOTAL) } } }),
            "version must be 1",
        ),
        (
            json!({ "query": TOTAL, "extensions": { "persistedQuery": { "version": 1, "sha256Hash": "abc" } } }),
            "64 hexadecimal digits",
        ),
        (
            json!({ "extensions": { "persistedQuery": { "version": 1, "sha256Hash": "z".repeat(64) } } }),
            "64 hexadecimal digits",
        ),
        (
            json!({ "extensions": { "persistedQuery": "yes" } }),
            "must be an object",
        ),
        (
            json!({ "query": format!("{{ __typename }}{}", " ".repeat(70_000)), "extensions": persisted(&sha256(&format!("{{ __typename }}{}", " ".repeat(70_000)))) }),
            "at most 65536 bytes",
        ),
    ];
    for (body, message) in cases {
        let (status, answer) = post(&app, &app.address, body, "application/json").await;
        assert_eq!(status, 400, "{answer}");
        assert_eq!(answer["errors"][0]["extensions"]["code"], "BAD_REQUEST");
        assert!(
            answer["errors"][0]["message"]
                .as_str()
                .unwrap()
                .contains(message),
            "{answer}"
        );
    }
    assert_eq!(stored(&app).await, 0);
    // A document that names fields the schema lacks runs (and fails) but is not kept.
    let bad = "{ nothingHere }";
    let (_, answer) = post(
        &app,
        &app.address,
        json!({ "query": bad, "extensions": persisted(&sha256(bad)) }),
        "application/json",
    )
    .await;
    assert_eq!(
        answer["errors"][0]["extensions"]["code"],
        "GRAPHQL_VALIDATION_FAILED"
    );
    assert_eq!(stored(&app).await, 0);
}

/// Runs `concord`; returns whether it succeeded, its standard output, its standard error.
fn concord(db_url: &str, args: &[&str]) -> (bool, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_concord"))
        .args(args)
        .env("DATABASE_URL", db_url)
        .output()
        .expect("run concord");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[tokio::test]
async fn in_allow_list_mode_only_the_operations_an_operator_added_run() {
    let mut settings = test_settings();
    settings.only_persisted = true;
    let app = spawn_app_with(settings).await;
    seed::run(&app.db, Dataset::Report2010).await.unwrap();

    let dir = std::env::temp_dir().join(format!("concord-ops-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("more")).unwrap();
    std::fs::write(dir.join("total.graphql"), TOTAL).unwrap();
    let two = "query A { viewer { role } }\nquery B { __typename }\n";
    std::fs::write(dir.join("more/two.graphql"), two).unwrap();
    std::fs::write(dir.join("notes.txt"), "not a document").unwrap();

    // A bad document anywhere: nothing is added.
    std::fs::write(
        dir.join("bad.graphql"),
        "{ consultations { nodes { tilte } } }",
    )
    .unwrap();
    let (ok, _, err) = concord(&app.db_url, &["operations", "add", dir.to_str().unwrap()]);
    assert!(!ok, "{err}");
    assert!(
        err.contains("bad.graphql: unknown fields: Consultation.tilte"),
        "{err}"
    );
    assert_eq!(stored(&app).await, 0);
    std::fs::remove_file(dir.join("bad.graphql")).unwrap();

    let (ok, out, err) = concord(
        &app.db_url,
        &["operations", "add", dir.to_str().unwrap(), "--json"],
    );
    assert!(ok, "{err}");
    let added: Value = serde_json::from_str(&out).unwrap();
    let hashes: Vec<&str> = added
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["hash"].as_str().unwrap())
        .collect();
    assert_eq!(hashes, vec![sha256(two), sha256(TOTAL)], "{out}");
    assert_eq!(added[0]["name"], "A,B");
    let (ok, listed, _) = concord(&app.db_url, &["operations", "list"]);
    assert!(ok && listed.contains("2 operations allowed"), "{listed}");

    // Allowed: in full, or by hash.
    let (_, body) = post(
        &app,
        &app.address,
        json!({ "query": TOTAL }),
        "application/json",
    )
    .await;
    assert_eq!(total(&body), &json!(98), "{body}");
    let (_, body) = post(
        &app,
        &app.address,
        json!({ "extensions": persisted(&sha256(TOTAL)) }),
        "application/json",
    )
    .await;
    assert_eq!(total(&body), &json!(98), "{body}");
    let (_, body) = post(
        &app,
        &app.address,
        json!({ "extensions": persisted(&sha256(two)), "operationName": "B" }),
        "application/json",
    )
    .await;
    assert_eq!(body["data"]["__typename"], "Query", "{body}");

    // Anything else: refused with one code, and clients cannot register.
    let other = "{ consultations(first: 2) { nodes { title } } }";
    let refusals = [
        json!({ "query": other }),
        json!({ "query": other, "extensions": persisted(&sha256(other)) }),
        json!({ "extensions": persisted(&sha256(other)) }),
        json!({ "query": "{ __schema { queryType { name } } }" }),
        json!({ "extensions": persisted(&sha256(two)), "operationName": "C" }),
    ];
    for body in refusals {
        for (accept, status) in [
            ("application/json", 200),
            ("application/graphql-response+json", 400),
        ] {
            let (got, answer) = post(&app, &app.address, body.clone(), accept).await;
            assert_eq!(got, status, "{body} {answer}");
            assert_eq!(
                answer["errors"][0]["extensions"]["code"], "OPERATION_NOT_ALLOWED",
                "{body} {answer}"
            );
        }
    }
    assert_eq!(stored(&app).await, 2);
    let _ = std::fs::remove_dir_all(&dir);
}
