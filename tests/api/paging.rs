use crate::helpers::{first_error_code, spawn_seeded_app};
use serde_json::{Value, json};
use std::collections::HashSet;

const FORWARD: &str = r#"
query($first: Int, $after: String) {
  contributions(first: $first, after: $after) {
    totalCount
    edges { cursor node { id } }
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
  }
}"#;

const BACKWARD: &str = r#"
query($last: Int, $before: String) {
  contributions(last: $last, before: $before) {
    totalCount
    edges { cursor node { id } }
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
  }
}"#;

fn ids(connection: &Value) -> Vec<String> {
    connection["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["node"]["id"].as_str().unwrap().to_owned())
        .collect()
}

/// Walks the whole list forwards; returns the ids in order.
async fn walk_forward(app: &crate::helpers::TestApp, size: i64) -> Vec<String> {
    let mut all = Vec::new();
    let mut after = Value::Null;
    let mut first_page = true;
    loop {
        let data = app
            .data(FORWARD, json!({ "first": size, "after": after }))
            .await;
        let c = &data["contributions"];
        assert_eq!(c["totalCount"], 98);
        assert_eq!(
            c["pageInfo"]["hasPreviousPage"],
            !first_page,
            "hasPreviousPage at {}",
            all.len()
        );
        let page = ids(c);
        assert!(page.len() as i64 <= size);
        all.extend(page);
        if c["pageInfo"]["hasNextPage"] == false {
            return all;
        }
        assert_eq!(
            c["edges"].as_array().unwrap().len() as i64,
            size,
            "a full page before the end"
        );
        after = c["pageInfo"]["endCursor"].clone();
        first_page = false;
    }
}

/// Walks the whole list backwards from the end; returns the ids in list order.
async fn walk_backward(app: &crate::helpers::TestApp, size: i64) -> Vec<String> {
    let mut pages: Vec<Vec<String>> = Vec::new();
    let mut before = Value::Null;
    let mut last_page = true;
    loop {
        let data = app
            .data(BACKWARD, json!({ "last": size, "before": before }))
            .await;
        let c = &data["contributions"];
        assert_eq!(c["pageInfo"]["hasNextPage"], !last_page);
        pages.push(ids(c));
        if c["pageInfo"]["hasPreviousPage"] == false {
            break;
        }
        before = c["pageInfo"]["startCursor"].clone();
        last_page = false;
    }
    pages.into_iter().rev().flatten().collect()
}

#[tokio::test]
async fn paging_walks_all_98_contributions_without_duplicates_or_gaps() {
    let app = spawn_seeded_app().await;
    let reference = ids(&app
        .data(
            "{ contributions(first: 100) { edges { node { id } } } }",
            json!({}),
        )
        .await["contributions"]);
    assert_eq!(reference.len(), 98);
    assert_eq!(reference.iter().collect::<HashSet<_>>().len(), 98);

    for size in [1, 7, 50] {
        assert_eq!(
            walk_forward(&app, size).await,
            reference,
            "forwards, page size {size}"
        );
        assert_eq!(
            walk_backward(&app, size).await,
            reference,
            "backwards, page size {size}"
        );
    }
}

#[tokio::test]
async fn page_sizes_above_the_maximum_or_negative_are_refused() {
    let app = spawn_seeded_app().await;
    for (query, vars) in [
        (FORWARD, json!({ "first": 101 })),
        (FORWARD, json!({ "first": -1 })),
        (BACKWARD, json!({ "last": 1000 })),
        (
            "{ contributions(first: 1, last: 1) { totalCount } }",
            json!({}),
        ),
        (FORWARD, json!({ "first": 5, "after": "not-a-cursor" })),
    ] {
        let body = app.graphql(query, vars.clone()).await;
        assert_eq!(
            first_error_code(&body),
            Some("BAD_USER_INPUT"),
            "{vars}: {body}"
        );
        assert!(body["data"].is_null(), "nothing returned for {vars}");
    }
    let body = app.graphql(FORWARD, json!({ "first": 101 })).await;
    let message = body["errors"][0]["message"].as_str().unwrap();
    assert!(
        message.contains("100"),
        "the message names the maximum: {message}"
    );
}

#[tokio::test]
async fn filters_narrow_lists_and_their_counts() {
    let app = spawn_seeded_app().await;
    let query = r#"query($f: ContributionFilter) { contributions(filter: $f, first: 100) { totalCount nodes { kind stakeholder { group } } } }"#;

    let data = app
        .data(
            query,
            json!({ "f": { "kinds": ["PRESENTATION"], "stakeholderGroups": ["CIVIL_SOCIETY"] } }),
        )
        .await;
    let c = &data["contributions"];
    assert_eq!(c["totalCount"], 7);
    for node in c["nodes"].as_array().unwrap() {
        assert_eq!(node["kind"], "PRESENTATION");
        assert_eq!(node["stakeholder"]["group"], "CIVIL_SOCIETY");
    }

    let meeting = app.data("{ consultations { nodes { id meetings { nodes { id contributions { totalCount } } } } } }", json!({})).await;
    let consultation = &meeting["consultations"]["nodes"][0];
    assert_eq!(
        consultation["meetings"]["nodes"][0]["contributions"]["totalCount"], 39,
        "26 presentations + 13 interventions"
    );

    let data = app
        .data(
            query,
            json!({ "f": { "consultation": consultation["id"], "kinds": ["WRITTEN_COMMENT"] } }),
        )
        .await;
    assert_eq!(data["contributions"]["totalCount"], 59);

    let wrong_type = app
        .graphql(
            query,
            json!({ "f": { "consultation": consultation["meetings"]["nodes"][0]["id"] } }),
        )
        .await;
    assert_eq!(first_error_code(&wrong_type), Some("BAD_USER_INPUT"));
}
