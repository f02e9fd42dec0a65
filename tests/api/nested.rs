//! Nested connections page exactly like the top-level list with the same filter.

use crate::helpers::{TestApp, spawn_seeded_app};
use sea_orm::ConnectionTrait;
use serde_json::{Value, json};

const PAGE: &str =
    "totalCount pageInfo { hasNextPage hasPreviousPage startCursor endCursor } nodes { id }";
const ARGS: &str = "first: $first, after: $after, last: $last, before: $before";
const VARS: &str = "$first: Int, $after: String, $last: Int, $before: String";

async fn top_level(app: &TestApp, filter: &Value, args: &Value) -> Value {
    let q = format!(
        "query($f: ContributionFilter, {VARS}) {{ contributions(filter: $f, {ARGS}) {{ {PAGE} }} }}"
    );
    let mut vars = args.clone();
    vars["f"] = filter.clone();
    app.data(&q, vars).await["contributions"].clone()
}

async fn nested(app: &TestApp, parent: &Value, args: &Value) -> Value {
    let fragment = |t: &str| format!("... on {t} {{ contributions({ARGS}) {{ {PAGE} }} }}");
    let q = format!(
        "query($id: ID!, {VARS}) {{ node(id: $id) {{ {} {} {} {} }} }}",
        fragment("Consultation"),
        fragment("Meeting"),
        fragment("PolicyIssue"),
        fragment("Stakeholder")
    );
    let mut vars = args.clone();
    vars["id"] = parent.clone();
    app.data(&q, vars).await["node"]["contributions"].clone()
}

/// Compares the nested list of `parent` with the top-level list under `filter`.
async fn compare(app: &TestApp, parent: &Value, filter: Value) {
    let all = top_level(app, &filter, &json!({ "first": 100 })).await;
    assert!(
        all["nodes"].as_array().unwrap().len() >= 3,
        "enough rows to page through: {all}"
    );
    let cursor =
        top_level(app, &filter, &json!({ "first": 2 })).await["pageInfo"]["endCursor"].clone();
    for args in [
        json!({ "first": 2 }),
        json!({ "first": 2, "after": cursor }),
        json!({ "last": 2 }),
        json!({ "last": 1, "before": cursor }),
        json!({ "first": 100 }),
    ] {
        assert_eq!(
            nested(app, parent, &args).await,
            top_level(app, &filter, &args).await,
            "{filter} {args}"
        );
    }
}

#[tokio::test]
async fn nested_contributions_page_like_the_top_level_list() {
    let app = spawn_seeded_app().await;
    let ids = app
        .data(
            r#"{ consultations { nodes { id meetings { nodes { id } } } }
                 stakeholders(filter: { groups: [GOVERNMENT] }, first: 1) { nodes { id } } }"#,
            json!({}),
        )
        .await;
    let consultation = ids["consultations"]["nodes"][0]["id"].clone();
    let meeting = ids["consultations"]["nodes"][0]["meetings"]["nodes"][0]["id"].clone();
    let delegation = ids["stakeholders"]["nodes"][0]["id"].clone();

    compare(&app, &consultation, json!({ "consultation": consultation })).await;
    compare(&app, &meeting, json!({ "meeting": meeting })).await;
    compare(&app, &delegation, json!({ "stakeholder": delegation })).await;

    // Link a few contributions to an issue: the issue's list goes through the link table.
    app.db
        .execute_unprepared(
            "INSERT INTO contribution_issue (contribution_id, policy_issue_id) \
             SELECT c.id, (SELECT id FROM policy_issue WHERE slug = 'cybersecurity') \
             FROM contribution c WHERE c.id % 10 = 0",
        )
        .await
        .unwrap();
    let issue = app
        .data(
            r#"{ policyIssue(slug: "cybersecurity") { id } }"#,
            json!({}),
        )
        .await["policyIssue"]["id"]
        .clone();
    compare(&app, &issue, json!({ "policyIssue": issue })).await;
}
