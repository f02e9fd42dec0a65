//! `orderBy` on connections: keyset paging on (sort key, id) in both directions, nulls
//! above every value, nested lists ordered like top-level ones, and cursors bound to
//! the order they came from.

use crate::helpers::{
    TestApp, compiled_reads, first_error_code, spawn_seeded_app, spawn_seeded_app_with,
};
use concord::config::CompiledReads;
use serde_json::{Value, json};
use std::collections::HashSet;

const PAGE: &str = r#"
query($order: ContributionOrder, $first: Int, $after: String, $last: Int, $before: String) {
  contributions(orderBy: $order, first: $first, after: $after, last: $last, before: $before) {
    edges { cursor node { id title createdAt updatedAt submittedAt publishedAt } }
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
  }
}"#;

/// The field of a contribution node that an order field sorts by.
fn node_field(order_field: &str) -> &'static str {
    match order_field {
        "CREATED_AT" => "createdAt",
        "UPDATED_AT" => "updatedAt",
        "SUBMITTED_AT" => "submittedAt",
        "PUBLISHED_AT" => "publishedAt",
        _ => "title",
    }
}

/// Walks the whole list in `order`, forwards with `first` or backwards with `last`;
/// returns the nodes in list order, checking `pageInfo` on every page.
async fn walk(app: &TestApp, token: &str, order: &Value, size: i64, forward: bool) -> Vec<Value> {
    let mut pages: Vec<Vec<Value>> = Vec::new();
    let mut cursor = Value::Null;
    loop {
        let vars = if forward {
            json!({ "order": order, "first": size, "after": cursor })
        } else {
            json!({ "order": order, "last": size, "before": cursor })
        };
        let (_, body) = app.graphql_as(token, PAGE, vars).await;
        let c = &body["data"]["contributions"];
        let edges = c["edges"]
            .as_array()
            .unwrap_or_else(|| panic!("{order}: {body}"));
        let info = &c["pageInfo"];
        // The side we came from has items exactly when this is not the first page.
        let (came_from, going_to, next_cursor) = if forward {
            ("hasPreviousPage", "hasNextPage", "endCursor")
        } else {
            ("hasNextPage", "hasPreviousPage", "startCursor")
        };
        assert_eq!(info[came_from], !pages.is_empty(), "{order} {came_from}");
        if info[going_to] == true {
            assert_eq!(edges.len() as i64, size, "a full page before the end");
        }
        assert_eq!(info["startCursor"], edges[0]["cursor"]);
        assert_eq!(info["endCursor"], edges[edges.len() - 1]["cursor"]);
        pages.push(edges.iter().map(|e| e["node"].clone()).collect());
        if info[going_to] == false {
            break;
        }
        cursor = info[next_cursor].clone();
    }
    if !forward {
        pages.reverse();
    }
    pages.into_iter().flatten().collect()
}

fn ids(nodes: &[Value]) -> Vec<&str> {
    nodes.iter().map(|n| n["id"].as_str().unwrap()).collect()
}

/// A member state with two drafts (no submission or publication time) and one submitted
/// contribution (no publication time), beside the 98 published ones of the report.
async fn member_with_unpublished_work(app: &TestApp) -> String {
    let (_admin, member, consultation) =
        crate::workflow::secretariat_member_and_consultation(app, "ordering").await;
    let create = "mutation($i: ContributionCreateInput!) { contributionCreate(input: $i) { contribution { id version } userErrors { message } } }";
    let mut made = Vec::new();
    for title in [
        "Zebra crossings of the Internet",
        "aardvark",
        "Access for all",
    ] {
        let (_, created) = app
            .graphql_as(&member, create, json!({ "i": { "consultation": consultation, "title": title, "body": "Text.", "language": "en" } }))
            .await;
        made.push(created["data"]["contributionCreate"]["contribution"].clone());
    }
    let submit = "mutation($id: ID!, $v: Int!) { contributionSubmit(input: { id: $id, version: $v }) { userErrors { message } } }";
    let (_, submitted) = app
        .graphql_as(
            &member,
            submit,
            json!({ "id": made[0]["id"], "v": made[0]["version"] }),
        )
        .await;
    assert_eq!(
        submitted["data"]["contributionSubmit"]["userErrors"],
        json!([]),
        "{submitted}"
    );
    member
}

#[tokio::test]
async fn every_order_pages_through_every_contribution_both_ways() {
    let app = spawn_seeded_app().await;
    let member = member_with_unpublished_work(&app).await;
    let everything = walk(&app, &member, &Value::Null, 100, true).await;
    assert_eq!(everything.len(), 101, "98 published, 1 submitted, 2 drafts");
    let all: HashSet<&str> = ids(&everything).into_iter().collect();

    for field in [
        "CREATED_AT",
        "UPDATED_AT",
        "SUBMITTED_AT",
        "PUBLISHED_AT",
        "TITLE",
    ] {
        let asc = json!({ "field": field, "direction": "ASC" });
        let desc = json!({ "field": field, "direction": "DESC" });
        let up = walk(&app, &member, &asc, 7, true).await;
        assert_eq!(up.len(), 101, "{field}");
        assert_eq!(ids(&up).into_iter().collect::<HashSet<_>>(), all, "{field}");
        assert_eq!(
            ids(&walk(&app, &member, &asc, 10, false).await),
            ids(&up),
            "{field} ascending, read backwards"
        );
        let mut down = walk(&app, &member, &desc, 50, true).await;
        down.reverse();
        assert_eq!(ids(&down), ids(&up), "{field} descending is the reverse");
        let mut down_backwards = walk(&app, &member, &desc, 3, false).await;
        down_backwards.reverse();
        assert_eq!(
            ids(&down_backwards),
            ids(&up),
            "{field} descending, backwards"
        );

        // The values never go down, and items without one come last.
        let key = node_field(field);
        let values: Vec<&Value> = up.iter().map(|n| &n[key]).collect();
        let nulls = values.iter().filter(|v| v.is_null()).count();
        assert!(
            values[values.len() - nulls..].iter().all(|v| v.is_null()),
            "{field}: nulls last"
        );
        if field != "TITLE" {
            let times: Vec<chrono::DateTime<chrono::Utc>> = values[..values.len() - nulls]
                .iter()
                .map(|v| v.as_str().unwrap().parse().unwrap())
                .collect();
            assert!(times.windows(2).all(|w| w[0] <= w[1]), "{field} ascending");
        }
        let expected_nulls = match field {
            "SUBMITTED_AT" => 2,
            "PUBLISHED_AT" => 3,
            _ => 0,
        };
        assert_eq!(nulls, expected_nulls, "{field}");
    }

    // Titles in the database's collation: the drafts' titles land apart, not together.
    let by_title = walk(&app, &member, &json!({ "field": "TITLE" }), 100, true).await;
    let position = |title: &str| {
        by_title
            .iter()
            .position(|n| n["title"] == title)
            .unwrap_or_else(|| panic!("{title}"))
    };
    assert!(position("Access for all") < position("Zebra crossings of the Internet"));
}

#[tokio::test]
async fn nested_lists_take_the_same_order_in_one_statement_per_level() {
    let app = spawn_seeded_app_with(compiled_reads(CompiledReads::On)).await;
    let order = r#"orderBy: { field: TITLE, direction: DESC }"#;
    let nested = app
        .data(
            &format!(
                "{{ stakeholders(first: 30) {{ nodes {{ id contributions({order}, first: 2) {{ nodes {{ id }} pageInfo {{ hasNextPage endCursor }} }} }} }} }}"
            ),
            json!({}),
        )
        .await;
    let mut compared = 0;
    for stakeholder in nested["stakeholders"]["nodes"].as_array().unwrap() {
        let top = app
            .data(
                &format!(
                    "query($s: ID!) {{ contributions(filter: {{ stakeholder: $s }}, {order}, first: 100) {{ nodes {{ id }} }} }}"
                ),
                json!({ "s": stakeholder["id"] }),
            )
            .await;
        let all: Vec<&Value> = top["contributions"]["nodes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|n| &n["id"])
            .collect();
        let page: Vec<&Value> = stakeholder["contributions"]["nodes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|n| &n["id"])
            .collect();
        assert_eq!(page, all[..all.len().min(2)], "{}", stakeholder["id"]);
        assert_eq!(
            stakeholder["contributions"]["pageInfo"]["hasNextPage"],
            all.len() > 2
        );
        if all.len() > 2 {
            // The nested cursor continues the same order.
            let next = app
                .data(
                    &format!(
                        "query($s: ID!, $after: String) {{ node(id: $s) {{ ... on Stakeholder {{ contributions({order}, first: 1, after: $after) {{ nodes {{ id }} pageInfo {{ hasPreviousPage }} }} }} }} }}"
                    ),
                    json!({ "s": stakeholder["id"], "after": stakeholder["contributions"]["pageInfo"]["endCursor"] }),
                )
                .await;
            let c = &next["node"]["contributions"];
            assert_eq!(&c["nodes"][0]["id"], all[2]);
            assert_eq!(c["pageInfo"]["hasPreviousPage"], true);
            compared += 1;
        }
    }
    assert!(
        compared > 0,
        "some stakeholder has more than two contributions"
    );

    // One statement per level, whatever the order.
    let before = app.query_count();
    app.data(
        &format!(
            "{{ stakeholders(first: 50, orderBy: {{ field: NAME }}) {{ nodes {{ contributions({order}, first: 10) {{ nodes {{ id }} }} }} }} }}"
        ),
        json!({}),
    )
    .await;
    let statements = app.query_count() - before;
    assert!(statements <= 3, "{statements} statements");
}

#[tokio::test]
async fn every_list_of_records_can_be_ordered() {
    let app = spawn_seeded_app().await;
    for (list, field, key) in [
        ("stakeholders", "NAME", "name"),
        ("consultations", "OPENS_AT", "opensAt"),
        ("policyIssues", "TITLE", "title"),
        ("mechanisms", "NAME", "name"),
        ("documents", "SYMBOL", "symbol"),
    ] {
        let query = |direction: &str| {
            format!(
                "{{ {list}(orderBy: {{ field: {field}, direction: {direction} }}, first: 100) {{ totalCount nodes {{ id {key} }} }} }}"
            )
        };
        let up = app.data(&query("ASC"), json!({})).await;
        let down = app.data(&query("DESC"), json!({})).await;
        let up = up[list]["nodes"].as_array().unwrap().clone();
        let mut down = down[list]["nodes"].as_array().unwrap().clone();
        assert!(!up.is_empty(), "{list}");
        down.reverse();
        assert_eq!(up, down, "{list} by {field}: descending is the reverse");
    }
    // Nested lists of other records, and the secretariat's own lists, take orderBy too.
    let nested = app
        .data(
            "{ consultations(first: 1) { nodes { meetings(orderBy: { field: HELD_ON, direction: DESC }) { nodes { heldOn } } documents(orderBy: { field: SYMBOL }) { nodes { symbol } } } } }",
            json!({}),
        )
        .await;
    let held: Vec<&str> = nested["consultations"]["nodes"][0]["meetings"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["heldOn"].as_str().unwrap())
        .collect();
    assert!(held.windows(2).all(|w| w[0] >= w[1]), "{held:?}");
}

#[tokio::test]
async fn orders_and_cursors_that_do_not_fit_are_refused() {
    let app = spawn_seeded_app().await;
    let by_title = json!({ "field": "TITLE" });
    let first = app
        .data(PAGE, json!({ "order": by_title, "first": 2 }))
        .await;
    let title_cursor = first["contributions"]["pageInfo"]["endCursor"].clone();
    let plain = app.data(PAGE, json!({ "first": 2 })).await;
    let plain_cursor = plain["contributions"]["pageInfo"]["endCursor"].clone();
    use base64::Engine;
    let forged = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .encode("cursor:published_at:5:=last tuesday");
    for (what, vars) in [
        (
            "a title cursor in another order",
            json!({ "order": { "field": "PUBLISHED_AT" }, "after": title_cursor }),
        ),
        (
            "a title cursor with no order",
            json!({ "after": title_cursor }),
        ),
        (
            "a plain cursor in an order",
            json!({ "order": by_title, "before": plain_cursor, "last": 1 }),
        ),
        (
            "a cursor naming a value its column cannot hold",
            json!({ "order": { "field": "PUBLISHED_AT" }, "after": forged }),
        ),
        (
            "an unknown field",
            json!({ "order": { "field": "POPULARITY" } }),
        ),
        (
            "an unknown direction",
            json!({ "order": { "field": "TITLE", "direction": "SIDEWAYS" } }),
        ),
    ] {
        let body = app.graphql(PAGE, vars).await;
        assert_eq!(
            first_error_code(&body),
            Some("BAD_USER_INPUT"),
            "{what}: {body}"
        );
        assert!(
            body["data"].is_null() || body["data"]["contributions"].is_null(),
            "{what}"
        );
    }
    let inline = app
        .graphql(
            "{ contributions(orderBy: { field: POPULARITY }) { totalCount } }",
            json!({}),
        )
        .await;
    assert_eq!(
        first_error_code(&inline),
        Some("BAD_USER_INPUT"),
        "{inline}"
    );
    // The title cursor goes on in its own order.
    let next = app
        .data(
            PAGE,
            json!({ "order": by_title, "first": 1, "after": title_cursor }),
        )
        .await;
    let third = app
        .data(PAGE, json!({ "order": by_title, "first": 3 }))
        .await;
    assert_eq!(
        next["contributions"]["edges"][0]["node"]["id"],
        third["contributions"]["edges"][2]["node"]["id"]
    );
}

/// Where only published contributions are listed (for an anonymous caller, or under a
/// `statuses: [PUBLISHED]` filter) in the order of their publication, the list tells
/// its index that they have a date (`published_at IS NOT NULL`): it must still hold
/// every published contribution the caller may read, in the same order, both ways.
#[tokio::test]
async fn lists_of_the_published_by_date_hold_every_published_one() {
    let app = spawn_seeded_app().await;
    let member = member_with_unpublished_work(&app).await;
    let secretariat = app
        .sign_in_as(
            "sec-order@un.example",
            entity::enums::Role::Secretariat,
            None,
        )
        .await;
    let list = "query($o: ContributionOrder, $f: ContributionFilter, $first: Int, $after: String, $last: Int) { contributions(orderBy: $o, filter: $f, first: $first, after: $after, last: $last) { nodes { id status visibility } pageInfo { endCursor hasNextPage } } }";
    let ask = |token: Option<&str>, variables: Value| {
        let app = &app;
        let token = token.map(str::to_owned);
        async move {
            let body = match token {
                Some(token) => app.graphql_as(&token, list, variables).await.1,
                None => app.graphql(list, variables).await,
            };
            body["data"]["contributions"].clone()
        }
    };
    for direction in ["ASC", "DESC"] {
        let order = json!({ "field": "PUBLISHED_AT", "direction": direction });
        // Everything, as the secretariat reads it (no such condition), in two pages.
        let first = ask(Some(&secretariat), json!({ "o": order, "first": 60 })).await;
        let rest = ask(
            Some(&secretariat),
            json!({ "o": order, "first": 60, "after": first["pageInfo"]["endCursor"] }),
        )
        .await;
        assert_eq!(rest["pageInfo"]["hasNextPage"], false);
        let everything: Vec<Value> = [&first, &rest]
            .iter()
            .flat_map(|c| c["nodes"].as_array().unwrap().clone())
            .collect();
        assert!(everything.iter().any(|n| n["status"] != "PUBLISHED"));
        let expected = |visible: &dyn Fn(&Value) -> bool| -> Vec<Value> {
            everything
                .iter()
                .filter(|n| n["status"] == "PUBLISHED" && visible(n))
                .map(|n| n["id"].clone())
                .collect()
        };
        let ids = |c: &Value| -> Vec<Value> {
            c["nodes"]
                .as_array()
                .unwrap()
                .iter()
                .map(|n| n["id"].clone())
                .collect()
        };
        let public = expected(&|n| n["visibility"] == "PUBLIC");
        assert!(public.len() > 50, "{}", public.len());
        let forwards = ask(None, json!({ "o": order, "first": 100 })).await;
        assert_eq!(ids(&forwards), public, "anonymous, {direction}");
        let backwards = ask(None, json!({ "o": order, "last": 100 })).await;
        assert_eq!(ids(&backwards), public, "anonymous backwards, {direction}");
        let published = ask(
            Some(&member),
            json!({ "o": order, "f": { "statuses": ["PUBLISHED"] }, "first": 100 }),
        )
        .await;
        assert_eq!(
            ids(&published),
            expected(&|n| n["visibility"] != "SECRETARIAT"),
            "a member's published ones, {direction}"
        );
    }
}
