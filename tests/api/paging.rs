use crate::helpers::{compiled_reads, first_error_code, spawn_seeded_app, spawn_seeded_app_with};
use concord::config::CompiledReads;
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

/// Filters by status, visibility and date ranges, within what the caller may read:
/// an anonymous caller asking for drafts or MEMBER_STATES contributions gets none; the
/// author and the secretariat get theirs; ranges are from-inclusive, to-exclusive; a
/// range that ends before it starts is `BAD_USER_INPUT`; nested lists filter alike.
#[tokio::test]
async fn contributions_filter_by_status_visibility_and_dates() {
    let app = spawn_seeded_app().await;
    let (admin, member, consultation) =
        crate::workflow::secretariat_member_and_consultation(&app, "filters").await;
    let create = "mutation($i: ContributionCreateInput!) { contributionCreate(input: $i) { contribution { id version } userErrors { message } } }";
    let mut made = Vec::new();
    for (title, visibility) in [
        ("Kept as a draft", "PUBLIC"),
        ("For member states", "MEMBER_STATES"),
    ] {
        let (_, created) = app
            .graphql_as(&member, create, json!({ "i": { "consultation": consultation, "title": title, "body": "Text.", "language": "en", "visibility": visibility } }))
            .await;
        made.push(created["data"]["contributionCreate"]["contribution"].clone());
    }
    let submit = "mutation($id: ID!, $v: Int!) { contributionSubmit(input: { id: $id, version: $v }) { contribution { version } userErrors { message } } }";
    let (_, submitted) = app
        .graphql_as(
            &member,
            submit,
            json!({ "id": made[1]["id"], "v": made[1]["version"] }),
        )
        .await;
    let v = &submitted["data"]["contributionSubmit"]["contribution"]["version"];
    let publish = "mutation($id: ID!, $v: Int!) { contributionPublish(input: { id: $id, version: $v }) { userErrors { message } } }";
    let (_, published) = app
        .graphql_as(&admin, publish, json!({ "id": made[1]["id"], "v": v }))
        .await;
    assert_eq!(
        published["data"]["contributionPublish"]["userErrors"],
        json!([]),
        "{published}"
    );

    let count = |token: Option<String>, filter: Value| {
        let app = &app;
        async move {
            let query =
                "query($f: ContributionFilter) { contributions(filter: $f) { totalCount } }";
            let body = match token {
                Some(t) => app.graphql_as(&t, query, json!({ "f": filter })).await.1,
                None => app.graphql(query, json!({ "f": filter })).await,
            };
            body["data"]["contributions"]["totalCount"]
                .as_i64()
                .unwrap_or_else(|| panic!("{body}"))
        }
    };
    let (member, admin) = (Some(member), Some(admin));
    assert_eq!(count(None, json!({ "statuses": ["DRAFT"] })).await, 0);
    assert_eq!(
        count(member.clone(), json!({ "statuses": ["DRAFT"] })).await,
        1
    );
    assert_eq!(
        count(admin.clone(), json!({ "statuses": ["DRAFT", "SUBMITTED"] })).await,
        1
    );
    assert_eq!(count(None, json!({ "statuses": ["PUBLISHED"] })).await, 98);
    assert_eq!(
        count(None, json!({ "visibilities": ["MEMBER_STATES"] })).await,
        0
    );
    assert_eq!(
        count(member.clone(), json!({ "visibilities": ["MEMBER_STATES"] })).await,
        1
    );
    assert_eq!(
        count(
            admin.clone(),
            json!({ "visibilities": ["PUBLIC", "MEMBER_STATES"] })
        )
        .await,
        100
    );

    // The report's contributions were published between September and December 2010.
    let in_2010 =
        json!({ "published": { "from": "2010-01-01T00:00:00Z", "to": "2011-01-01T00:00:00Z" } });
    assert_eq!(count(None, in_2010).await, 98);
    let october =
        json!({ "published": { "from": "2010-10-01T00:00:00Z", "to": "2010-11-01T00:00:00Z" } });
    let before_october = json!({ "published": { "to": "2010-10-01T00:00:00Z" } });
    let from_october = json!({ "published": { "from": "2010-10-01T00:00:00Z" } });
    let (o, b, f) = (
        count(None, october).await,
        count(None, before_october).await,
        count(None, from_october).await,
    );
    assert!(b > 0 && f > 0 && o > 0, "{b} {o} {f}");
    assert_eq!(b + f, 98, "the two halves of an open range make the whole");
    assert_eq!(
        count(
            member.clone(),
            json!({ "published": { "from": "2020-01-01T00:00:00Z" } })
        )
        .await,
        1
    );
    assert_eq!(
        count(
            member.clone(),
            json!({ "submitted": { "from": "2020-01-01T00:00:00Z" } })
        )
        .await,
        1,
        "a draft has no submission time"
    );
    assert_eq!(
        count(
            member.clone(),
            json!({ "updated": { "from": "2020-01-01T00:00:00Z" } })
        )
        .await,
        2
    );

    let backwards = app
        .graphql(
            "{ contributions(filter: { published: { from: \"2011-01-01T00:00:00Z\", to: \"2010-01-01T00:00:00Z\" } }) { totalCount } }",
            json!({}),
        )
        .await;
    assert_eq!(
        first_error_code(&backwards),
        Some("BAD_USER_INPUT"),
        "{backwards}"
    );
    assert!(
        backwards["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("`published.from` must be before `published.to`"),
        "{backwards}"
    );

    // Nested lists take the same filter.
    let nested = app
        .graphql(
            "{ stakeholders(first: 100) { nodes { contributions(filter: { published: { to: \"2010-10-01T00:00:00Z\" } }) { totalCount } } } }",
            json!({}),
        )
        .await;
    let total: i64 = nested["data"]["stakeholders"]["nodes"]
        .as_array()
        .unwrap_or_else(|| panic!("{nested}"))
        .iter()
        .map(|s| s["contributions"]["totalCount"].as_i64().unwrap())
        .sum();
    assert_eq!(total, b, "{nested}");
}

#[tokio::test]
async fn the_far_side_of_a_cursor_is_looked_up_only_when_page_info_is_read() {
    let app = spawn_seeded_app_with(compiled_reads(CompiledReads::On)).await;
    let first = app
        .data(
            "{ contributions(first: 5) { pageInfo { endCursor } } }",
            json!({}),
        )
        .await;
    let after = first["contributions"]["pageInfo"]["endCursor"].clone();
    let statements = |query: &'static str| {
        let app = &app;
        let after = after.clone();
        async move {
            let before = app.query_count();
            let data = app.data(query, json!({ "after": after })).await;
            (app.query_count() - before, data)
        }
    };
    let (without, _) = statements(
        "query($after: String) { contributions(first: 5, after: $after) { nodes { id } } }",
    )
    .await;
    let (with, data) = statements(
        "query($after: String) { contributions(first: 5, after: $after) { nodes { id } pageInfo { hasPreviousPage } } }",
    )
    .await;
    assert_eq!(data["contributions"]["pageInfo"]["hasPreviousPage"], true);
    assert_eq!(
        with,
        without + 1,
        "one statement for hasPreviousPage, only when read"
    );
}
