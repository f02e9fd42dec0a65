//! GraphQL over HTTP, GraphiQL, and the health endpoints.

use crate::helpers::{
    TEST_SECRET, TestDb, aliased, first_error_code, spawn_app, spawn_app_with, spawn_seeded_app,
    spawn_with, test_auth, test_settings,
};
use concord::config::AuthSettings;
use sea_orm::{ConnectOptions, Database};
use serde_json::{Value, json};
use std::sync::Arc;
use std::sync::atomic::AtomicUsize;
use std::time::Duration;

const GQL_RESPONSE: &str = "application/graphql-response+json";

fn content_type(r: &reqwest::Response) -> String {
    r.headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned()
}

fn get_url(app: &crate::helpers::TestApp, query: &str) -> reqwest::Url {
    reqwest::Url::parse_with_params(&app.url("/graphql"), &[("query", query)]).unwrap()
}

#[tokio::test]
async fn get_runs_queries_and_refuses_mutations() {
    let app = spawn_seeded_app().await;

    let ok = app
        .client
        .get(get_url(&app, "{ consultations { totalCount } }"))
        .send()
        .await
        .unwrap();
    assert_eq!(ok.status(), 200);
    let body: Value = ok.json().await.unwrap();
    assert_eq!(body["data"]["consultations"]["totalCount"], 1);

    let refused = app
        .client
        .get(get_url(&app, "mutation { __typename }"))
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 405);
    assert_eq!(refused.headers()["allow"], "POST");
    let body: Value = refused.json().await.unwrap();
    assert_eq!(first_error_code(&body), Some("METHOD_NOT_ALLOWED"));
}

#[tokio::test]
async fn the_graphql_response_media_type_is_served_when_asked_for() {
    let app = spawn_app().await;
    let post = |accept: &'static str, query: &'static str| {
        app.client
            .post(app.url("/graphql"))
            .header("accept", accept)
            .json(&json!({ "query": query }))
            .send()
    };

    let ok = post(GQL_RESPONSE, "{ consultations { totalCount } }")
        .await
        .unwrap();
    assert_eq!(ok.status(), 200);
    assert_eq!(content_type(&ok), GQL_RESPONSE);

    // A request that cannot run: 400 under the new media type, with no `data` entry.
    let invalid = post(GQL_RESPONSE, "{ noSuchField }").await.unwrap();
    assert_eq!(invalid.status(), 400);
    let body: Value = invalid.json().await.unwrap();
    assert!(body.get("data").is_none(), "{body}");
    assert_eq!(first_error_code(&body), Some("GRAPHQL_VALIDATION_FAILED"));

    let unparsable = post(GQL_RESPONSE, "{ consultations {").await.unwrap();
    assert_eq!(unparsable.status(), 400);
    let body: Value = unparsable.json().await.unwrap();
    assert_eq!(first_error_code(&body), Some("GRAPHQL_PARSE_FAILED"));
    assert_eq!(
        body["errors"][0]["message"], "Syntax error at line 1, column 18: expected selection",
        "short, and pointing at the place"
    );
    assert_eq!(
        body["errors"][0]["locations"],
        json!([{ "line": 1, "column": 18 }])
    );

    // Legacy clients asking for plain JSON keep getting 200 with the errors.
    let legacy = post("application/json", "{ noSuchField }").await.unwrap();
    assert_eq!(legacy.status(), 200);
    assert_eq!(content_type(&legacy), "application/json");

    let unacceptable = post("text/csv", "{ consultations { totalCount } }")
        .await
        .unwrap();
    assert_eq!(unacceptable.status(), 406);
}

#[tokio::test]
async fn malformed_requests_get_4xx_with_a_clear_error() {
    let app = spawn_app().await;
    let cases: [(&str, &str, u16, &str); 4] = [
        ("application/json", "{not json", 400, "BAD_REQUEST"),
        (
            "application/json",
            r#"[{"query":"{ __typename }"}]"#,
            400,
            "BAD_REQUEST",
        ),
        (
            "application/json",
            r#"{"variables":{}}"#,
            400,
            "BAD_REQUEST",
        ),
        (
            "text/plain",
            r#"{"query":"{ __typename }"}"#,
            415,
            "UNSUPPORTED_MEDIA_TYPE",
        ),
    ];
    for (ct, body, status, code) in cases {
        let r = app
            .client
            .post(app.url("/graphql"))
            .header("content-type", ct)
            .body(body)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status().as_u16(), status, "{ct} {body}");
        let body: Value = r.json().await.unwrap();
        assert_eq!(first_error_code(&body), Some(code));
    }
    let no_query = app
        .client
        .get(app.url("/graphql"))
        .header("accept", "application/json")
        .send()
        .await
        .unwrap();
    assert_eq!(no_query.status(), 400);
    let put = app.client.put(app.url("/graphql")).send().await.unwrap();
    assert_eq!(put.status(), 405);
}

#[tokio::test]
async fn a_browser_gets_graphiql() {
    let app = spawn_app().await;
    let r = app
        .client
        .get(app.url("/graphql"))
        .header("accept", "text/html,application/xhtml+xml")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert!(content_type(&r).starts_with("text/html"));
    assert!(r.text().await.unwrap().contains("graphiql"));
}

#[tokio::test]
async fn overly_complex_queries_are_refused_before_they_run() {
    let app = spawn_seeded_app().await;
    let query = "{ stakeholders(first: 100) { nodes { contributions(first: 100) { nodes { stakeholder { contributions(first: 100) { totalCount } } } } } } }";
    let before = app.query_count();
    let body = app.graphql(query, json!({})).await;
    assert_eq!(first_error_code(&body), Some("QUERY_TOO_COMPLEX"), "{body}");
    assert_eq!(app.query_count(), before, "nothing ran");
}

#[tokio::test]
async fn health_and_readiness() {
    let app = spawn_app().await;
    let health = app.client.get(app.url("/healthz")).send().await.unwrap();
    assert_eq!(health.status(), 200);
    // Ready once the database answers and (on PostgreSQL) LISTEN is connected.
    let mut ready = 0;
    for _ in 0..50 {
        ready = app
            .client
            .get(app.url("/readyz"))
            .send()
            .await
            .unwrap()
            .status()
            .as_u16();
        if ready == 200 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(ready, 200);
}

#[tokio::test]
async fn readyz_says_not_ready_when_the_database_is_unreachable() {
    // Nothing listens on port 9 (discard); the pool connects lazily, so the app starts.
    let mut options = ConnectOptions::new("postgres://concord@127.0.0.1:9/concord");
    options
        .connect_lazy(true)
        .connect_timeout(Duration::from_secs(1))
        .acquire_timeout(Duration::from_secs(1));
    let db = Database::connect(options).await.expect("a lazy pool");
    let auth = test_auth(
        &db,
        AuthSettings {
            jwt_secret: Some(TEST_SECRET.into()),
            ..AuthSettings::default()
        },
    )
    .await;
    let app = spawn_with(
        &test_settings(),
        db,
        Arc::new(AtomicUsize::new(0)),
        TestDb::create().await,
        auth,
    );

    let ready = app.client.get(app.url("/readyz")).send().await.unwrap();
    assert_eq!(ready.status(), 503);
    let body: Value = ready.json().await.unwrap();
    assert_eq!(body["status"], "unavailable");
    let health = app.client.get(app.url("/healthz")).send().await.unwrap();
    assert_eq!(health.status(), 200, "the process itself is up");
}

#[tokio::test]
async fn cors_lets_configured_origins_call_from_a_browser() {
    let mut settings = test_settings();
    settings.cors_origins = vec!["https://app.example".into()];
    let app = spawn_app_with(settings).await;
    let preflight = |origin: &'static str| {
        app.client
            .request(reqwest::Method::OPTIONS, app.url("/graphql"))
            .header("origin", origin)
            .header("access-control-request-method", "POST")
            .header("access-control-request-headers", "content-type")
            .send()
    };

    let allowed = preflight("https://app.example").await.unwrap();
    assert!(allowed.status().is_success(), "{}", allowed.status());
    assert_eq!(
        allowed.headers()["access-control-allow-origin"],
        "https://app.example"
    );

    let other = preflight("https://elsewhere.example").await.unwrap();
    assert!(other.headers().get("access-control-allow-origin").is_none());
}

#[tokio::test]
async fn without_cors_origins_same_origin_browser_requests_still_work() {
    let app = spawn_app().await;
    // Browsers send `Origin` on same-origin POSTs too (GraphiQL does).
    let r = app
        .client
        .post(app.url("/graphql"))
        .header("origin", app.address.clone())
        .json(&json!({ "query": "{ __typename }" }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert!(r.headers().get("access-control-allow-origin").is_none());
}

#[tokio::test]
async fn a_nul_character_anywhere_is_bad_input_and_changes_nothing() {
    let app = crate::helpers::spawn_seeded_app().await;
    let post = |body: Value, accept: &'static str| {
        let client = app.client.clone();
        let url = app.url("/graphql");
        async move {
            let response = client
                .post(url)
                .header("accept", accept)
                .json(&body)
                .send()
                .await
                .unwrap();
            (
                response.status().as_u16(),
                response.json::<Value>().await.unwrap(),
            )
        }
    };
    let login = json!({
        "query": "mutation($i: LoginInput!) { login(input: $i) { accessToken } }",
        "variables": { "i": { "email": "a\u{0}@example.org", "password": "whatever it is" } },
    });
    let inline = json!({ "query": "{ policyIssue(slug: \"cyber\u{0}security\") { id } }" });
    // A well-formed request whose input is refused: 200 under application/json (the
    // GraphQL-over-HTTP spec), 400 under application/graphql-response+json; no data.
    for body in [login, inline] {
        for (accept, expected) in [
            ("application/json", 200),
            ("application/graphql-response+json", 400),
        ] {
            let (status, answer) = post(body.clone(), accept).await;
            assert_eq!(status, expected, "{accept}: {answer}");
            assert_eq!(
                first_error_code(&answer),
                Some("BAD_USER_INPUT"),
                "{answer}"
            );
            assert!(answer.get("data").is_none(), "{answer}");
        }
    }
    use sea_orm::{EntityTrait, PaginatorTrait};
    assert_eq!(
        entity::login_throttle::Entity::find()
            .count(&app.db)
            .await
            .unwrap(),
        0,
        "the refused sign-in never ran, so no failure was counted"
    );
    let get =
        app.client
            .get(app.url(
                "/graphql?query=%7B%20policyIssue(slug%3A%20%22a%00b%22)%20%7B%20id%20%7D%20%7D",
            ))
            .header("accept", "application/graphql-response+json")
            .send()
            .await
            .unwrap();
    assert_eq!(get.status(), 400);
    let token = app
        .client
        .post(app.url("/oauth/token"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body("grant_type=client_credentials&client_id=cc_%00&client_secret=x")
        .send()
        .await
        .unwrap();
    assert_eq!(token.status(), 400);
    let body: Value = token.json().await.unwrap();
    assert_eq!(body["error"], "invalid_request");
}

#[tokio::test]
async fn aliases_and_root_fields_are_bounded() {
    let app = spawn_app().await;
    let ok = app.graphql(&aliased(50, "__typename"), json!({})).await;
    assert!(ok.get("errors").is_none(), "{ok}");
    let nested = format!(
        "{{ consultations {{ nodes {{ {} }} }} }}",
        (0..101)
            .map(|i| format!("t{i}: title"))
            .collect::<Vec<_>>()
            .join(" ")
    );
    for (query, limit) in [
        (aliased(101, "__typename"), "at most 100"),
        (nested, "at most 100"),
    ] {
        let refused = app.graphql(&query, json!({})).await;
        assert_eq!(
            first_error_code(&refused),
            Some("QUERY_TOO_COMPLEX"),
            "{refused}"
        );
        let message = refused["errors"][0]["message"].as_str().unwrap();
        assert!(
            message.contains("101 aliases") && message.contains(limit),
            "{message}"
        );
        assert!(refused.get("data").is_none(), "nothing ran: {refused}");
    }
    let roots = format!("{{ {} }}", vec!["__typename"; 51].join(" "));
    let refused = app.graphql(&roots, json!({})).await;
    assert_eq!(
        first_error_code(&refused),
        Some("QUERY_TOO_COMPLEX"),
        "{refused}"
    );
    assert!(
        refused["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("51 root fields")
    );
}

/// The cost counts what a field really costs: a `totalCount` over the contributions is
/// a counting statement over up to the whole table, so fifty of them (which the old
/// field-counting limit admitted) are refused before anything runs, while the same
/// fifty pages without the count, and one page with it, run and say what they cost.
#[tokio::test]
async fn the_cost_counts_what_a_field_really_costs() {
    let app = spawn_seeded_app().await;
    let counted = "contributions(first: 100) { totalCount nodes { id title } }";
    let before = app.query_count();
    let refused = app.graphql(&aliased(50, counted), json!({})).await;
    assert_eq!(
        first_error_code(&refused),
        Some("QUERY_TOO_COMPLEX"),
        "{refused}"
    );
    let message = refused["errors"][0]["message"].as_str().unwrap();
    assert!(
        message.contains("costs 140600 points") && message.contains("at most 25000"),
        "{message}"
    );
    assert!(refused.get("data").is_none(), "{refused}");
    assert_eq!(app.query_count(), before, "nothing ran");

    let one = app.graphql(&format!("{{ {counted} }}"), json!({})).await;
    assert!(one.get("errors").is_none(), "{one}");
    assert_eq!(one["data"]["contributions"]["totalCount"], 98);
    assert_eq!(one["extensions"]["cost"]["requested"], 2812, "{one}");
    assert_eq!(one["extensions"]["cost"]["limit"], 25000);

    let pages = app
        .graphql(
            &aliased(50, "contributions(first: 100) { nodes { id title } }"),
            json!({}),
        )
        .await;
    assert!(pages.get("errors").is_none(), "{pages}");
    assert_eq!(pages["data"]["a49"]["nodes"].as_array().unwrap().len(), 98);

    // A nested page is charged on each of its parents: 100 × 100 items is refused.
    let nested = app
        .graphql(
            "{ stakeholders(first: 100) { nodes { contributions(first: 100) { nodes { id title } } } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        first_error_code(&nested),
        Some("QUERY_TOO_COMPLEX"),
        "{nested}"
    );
}

#[tokio::test]
async fn values_that_do_not_fit_their_type_are_the_callers_mistake_with_a_hint() {
    let app = spawn_seeded_app().await;
    let cases = [
        (
            "query($id: ID!) { node(id: $id) { id } }",
            json!({}),
            "send it in `variables`",
        ),
        (
            "query($s: DateTime) { contributionTombstones(since: $s) { totalCount } }",
            json!({ "s": "2026-11-29" }),
            "RFC 3339",
        ),
        (
            "{ contributionTombstones(since: \"2026-11-29\") { totalCount } }",
            json!({}),
            "2026-11-29T12:00:00Z",
        ),
        (
            "mutation { meetingCreate(input: { consultation: \"x\", title: \"t\", venue: \"v\", heldOn: \"14/12/2010\" }) { meeting { id } } }",
            json!({}),
            "YYYY-MM-DD",
        ),
    ];
    for (query, variables, hint) in cases {
        let body = app.graphql(query, variables).await;
        assert_eq!(
            first_error_code(&body),
            Some("BAD_USER_INPUT"),
            "{query}: {body}"
        );
        let message = body["errors"][0]["message"].as_str().unwrap();
        assert!(message.contains(hint), "{query}: {message}");
    }
}

#[tokio::test]
async fn bodies_are_bounded_by_the_documented_limits_in_any_script() {
    let app = crate::helpers::spawn_seeded_app().await;
    // Too large: refused with a JSON code.
    let oversized = vec![b' '; concord::http::MAX_BODY_BYTES + 1];
    let response = app
        .client
        .post(app.url("/graphql"))
        .header("content-type", "application/json")
        .body(oversized)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 413);
    let body: Value = response.json().await.unwrap();
    assert_eq!(first_error_code(&body), Some("PAYLOAD_TOO_LARGE"), "{body}");

    // The longest body the API documents fits, in a script of two bytes a character.
    let admin = app
        .sign_in_as("sec@un.example", entity::enums::Role::Secretariat, None)
        .await;
    let consultation = crate::workflow::open_consultation(&app, &admin, "long").await;
    let arabic = "ع".repeat(1_000_000);
    let gov = concord::ids::GlobalId::new(
        concord::ids::NodeType::Stakeholder,
        crate::workflow::stakeholder_id(&app, "Government delegation 1").await,
    )
    .encode();
    let (status, created) = app
        .graphql_as(
            &admin,
            "mutation($i: ContributionCreateInput!) { contributionCreate(input: $i) { contribution { id } userErrors { message } } }",
            json!({ "i": { "consultation": consultation, "stakeholder": gov, "title": "طويل", "body": arabic, "language": "ar" } }),
        )
        .await;
    assert_eq!(status, 200);
    assert!(
        created["data"]["contributionCreate"]["contribution"]["id"].is_string(),
        "{}",
        &created.to_string()[..300.min(created.to_string().len())]
    );
}

#[tokio::test]
async fn a_body_that_stalls_is_timed_out() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let app = spawn_app_with(concord::config::Settings {
        body_timeout: Duration::from_secs(1),
        ..test_settings()
    })
    .await;
    let address = app.address.trim_start_matches("http://").to_owned();
    let mut stream = tokio::net::TcpStream::connect(address).await.unwrap();
    stream
        .write_all(b"POST /graphql HTTP/1.1\r\nHost: concord\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"query\"")
        .await
        .unwrap();
    let mut answer = vec![0u8; 4096];
    let read = tokio::time::timeout(Duration::from_secs(10), stream.read(&mut answer))
        .await
        .expect("an answer before the client gives up")
        .unwrap();
    let text = String::from_utf8_lossy(&answer[..read]);
    assert!(text.starts_with("HTTP/1.1 408"), "{text}");
    assert!(text.contains("REQUEST_TIMEOUT"), "{text}");
}

#[tokio::test]
async fn the_standard_introspection_query_is_answered_and_deep_queries_are_not() {
    let app = spawn_seeded_app().await;
    // graphql-js getIntrospectionQuery(), as GraphiQL and codegen tools send it: its
    // type references nest 9 deep inside `__schema`, which the depth limit skips.
    let introspection = include_str!("fixtures/introspection.graphql");
    let body = app.graphql(introspection, json!({})).await;
    assert!(body["errors"].is_null(), "{body}");
    let types = body["data"]["__schema"]["types"].as_array().unwrap();
    assert!(
        types
            .iter()
            .any(|t| t["name"] == "ContributionSearchConnection"),
        "the whole schema is described"
    );

    // 12 levels of fields run; 13 are refused before anything runs.
    let twelve = "{ contributions(first: 1) { nodes { stakeholder { contributions(first: 1) { nodes { stakeholder { contributions(first: 1) { nodes { stakeholder { contributions(first: 1) { nodes { id } } } } } } } } } } } }";
    let body = app.graphql(twelve, json!({})).await;
    assert!(body["errors"].is_null(), "{body}");
    let thirteen = twelve.replace("nodes { id }", "nodes { stakeholder { name } }");
    let before = app.query_count();
    let body = app.graphql(&thirteen, json!({})).await;
    assert_eq!(first_error_code(&body), Some("QUERY_TOO_COMPLEX"), "{body}");
    let message = body["errors"][0]["message"].as_str().unwrap();
    assert!(
        message.contains("13") && message.contains("12"),
        "{message}"
    );
    assert_eq!(app.query_count(), before, "nothing ran");
}

#[tokio::test]
async fn every_response_carries_a_request_id_the_client_may_choose() {
    let app = spawn_app().await;
    let send = |id: Option<&'static str>| {
        let app = &app;
        async move {
            let mut request = app
                .client
                .post(app.url("/graphql"))
                .json(&json!({ "query": "{ __typename }" }));
            if let Some(id) = id {
                request = request.header("x-request-id", id);
            }
            let response = request.send().await.unwrap();
            response
                .headers()
                .get("x-request-id")
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned)
        }
    };
    let generated = send(None).await.expect("an id");
    assert_eq!(generated.len(), 16, "{generated}");
    assert!(generated.bytes().all(|b| b.is_ascii_hexdigit()));
    assert_ne!(send(None).await.unwrap(), generated, "one per request");
    assert_eq!(send(Some("trace-4f2a.1")).await.unwrap(), "trace-4f2a.1");
    let replaced = send(Some("not usable; has spaces")).await.unwrap();
    assert_eq!(replaced.len(), 16, "an unusable id is replaced: {replaced}");
    // Other endpoints too.
    let health = app.client.get(app.url("/healthz")).send().await.unwrap();
    assert!(health.headers().get("x-request-id").is_some());
}

#[tokio::test]
async fn fields_come_back_in_the_order_the_query_asked_for_them() {
    let app = spawn_seeded_app().await;
    // A slow field first and an instant one after: async-graphql writes fields as they
    // finish, so before the response was reordered `zz` came first.
    let query = "{ contributions(first: 50) { totalCount nodes { title id } } zz: __typename ...F } fragment F on Query { consultations(first: 1) { nodes { id } } }";
    for _ in 0..5 {
        let response = app
            .client
            .post(app.url("/graphql"))
            .json(&json!({ "query": query }))
            .send()
            .await
            .unwrap();
        let text = response.text().await.unwrap();
        let positions: Vec<usize> = ["\"contributions\"", "\"zz\"", "\"consultations\""]
            .iter()
            .map(|key| text.find(key).unwrap_or_else(|| panic!("{key} in {text}")))
            .collect();
        assert!(
            positions.windows(2).all(|w| w[0] < w[1]),
            "keys in query order: {positions:?} in {}",
            &text[..200.min(text.len())]
        );
        let title = text.find("\"title\"").unwrap();
        let id = text[title..].find("\"id\"").unwrap();
        assert!(id > 0, "title before id within each node");
    }
}
