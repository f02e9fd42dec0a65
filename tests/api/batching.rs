//! Relations resolve through batching loaders: the number of SQL statements a query
//! costs does not grow with the number of rows it returns.

use crate::helpers::{compiled_reads, spawn_seeded_app_with};
use concord::config::CompiledReads;
use serde_json::json;

const DEEP: &str = r#"query($n: Int) {
  contributions(first: $n) {
    nodes {
      title body
      stakeholder { name hostedMechanisms(first: 5) { totalCount nodes { name } } }
      consultation { slug statistics { total } documents(first: 5) { nodes { symbol } } }
      meeting { venue }
      issues(first: 5) { totalCount nodes { slug } }
      mechanisms(first: 5) { nodes { stance mechanism { name host { name } functions issues(first: 5) { nodes { slug } } } } }
      revisions(first: 5) { totalCount nodes { number } }
      currentRevision { contentHash }
    }
  }
}"#;

#[tokio::test]
async fn a_page_costs_the_same_number_of_queries_whatever_its_size() {
    let app = spawn_seeded_app_with(compiled_reads(CompiledReads::Off)).await;
    let mut costs = Vec::new();
    for n in [2, 98] {
        let before = app.query_count();
        let data = app.data(DEEP, json!({ "n": n })).await;
        assert_eq!(
            data["contributions"]["nodes"].as_array().unwrap().len(),
            n as usize
        );
        costs.push(app.query_count() - before);
    }
    // One statement per relation and level; a loader may split a level into two
    // batches when its keys arrive across its batching delay, never into one per row.
    assert!(
        costs[1] <= 2 * costs[0],
        "statements for 2 rows vs 98 rows: {costs:?}"
    );
    assert!(
        costs[1] < 30,
        "98 rows × 12 relations resolved in {} statements",
        costs[1]
    );
}

const NESTED: &str = r#"query($n: Int) {
  stakeholders(first: $n) {
    nodes {
      id
      contributions(first: 2) { totalCount pageInfo { hasNextPage hasPreviousPage } nodes { id } }
    }
  }
}"#;

#[tokio::test]
async fn nested_connections_cost_one_statement_per_level_not_per_parent() {
    let app = spawn_seeded_app_with(compiled_reads(CompiledReads::Off)).await;
    let mut costs = Vec::new();
    let mut last = serde_json::Value::Null;
    for n in [3, 100] {
        let before = app.query_count();
        last = app.data(NESTED, json!({ "n": n })).await;
        costs.push(app.query_count() - before);
    }
    assert!(
        costs[1] <= 2 * costs[0],
        "statements for 3 vs all stakeholders: {costs:?}"
    );
    assert!(costs[1] <= 8, "{costs:?}");

    let stakeholders = last["stakeholders"]["nodes"].as_array().unwrap();
    assert!(stakeholders.len() > 60, "every stakeholder of the seed");
    let total: i64 = stakeholders
        .iter()
        .map(|s| s["contributions"]["totalCount"].as_i64().unwrap())
        .sum();
    assert_eq!(
        total, 98,
        "every contribution belongs to exactly one stakeholder"
    );
}
