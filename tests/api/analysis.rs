//! The analysis of a consultation (issue 12, point 1, in part): `issueMatrix` and
//! `languages`, counted by the database under the caller's read policy, each cell's
//! `count` equal to its own list's `totalCount` and to what that list holds.

use crate::helpers::{TestApp, spawn_seeded_app};
use crate::workflow::stakeholder_id;
use concord::seed::{self, synthetic::Size};
use entity::enums::Role;
use serde_json::{Value, json};

async fn ask(app: &TestApp, token: Option<&str>, query: &str, variables: Value) -> Value {
    let mut request = app.client.post(app.url("/graphql"));
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    let body: Value = request
        .json(&json!({ "query": query, "variables": variables }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(body["errors"].is_null(), "{body}");
    body["data"].clone()
}

/// A seeded app with a secretariat, a Government's member state, an open consultation
/// and the catalogue's first policy issue.
struct Scene {
    app: TestApp,
    admin: String,
    member: String,
    consultation: Value,
    issue: Value,
}

impl Scene {
    async fn new(slug: &str) -> Scene {
        let app = spawn_seeded_app().await;
        let admin = app
            .sign_in_as("sec@un.example", Role::Secretariat, None)
            .await;
        let gov = stakeholder_id(&app, "Government delegation 1").await;
        let member = app
            .sign_in_as("a@gov.example", Role::MemberState, Some(gov))
            .await;
        let consultation = crate::workflow::open_consultation(&app, &admin, slug).await;
        let issue = ask(
            &app,
            None,
            "{ policyIssues(first: 1) { nodes { id } } }",
            json!({}),
        )
        .await["policyIssues"]["nodes"][0]["id"]
            .clone();
        Scene {
            app,
            admin,
            member,
            consultation,
            issue,
        }
    }

    /// The member state's draft in the consultation (`input` adds to title, body and
    /// language), raising the issue; returns its ID (at version 2).
    async fn tagged_draft(&self, input: Value) -> Value {
        let mut fields =
            json!({ "consultation": self.consultation, "body": "B", "language": "en" });
        fields
            .as_object_mut()
            .unwrap()
            .extend(input.as_object().unwrap().clone());
        let created = ask(
            &self.app,
            Some(&self.member),
            "mutation($i: ContributionCreateInput!) { contributionCreate(input: $i) { contribution { id } } }",
            json!({ "i": fields }),
        )
        .await;
        let id = created["contributionCreate"]["contribution"]["id"].clone();
        ask(&self.app, Some(&self.member), "mutation($id: ID!, $i: ID!) { contributionTag(input: { id: $id, version: 1, issues: [$i], mechanisms: [] }) { contribution { id } } }", json!({ "id": id, "i": self.issue })).await;
        id
    }

    /// Submits the draft (the member state) and publishes it (the secretariat).
    async fn submit_and_publish(&self, id: &Value) {
        ask(&self.app, Some(&self.member), "mutation($id: ID!) { contributionSubmit(input: { id: $id, version: 2 }) { contribution { id } } }", json!({ "id": id })).await;
        ask(&self.app, Some(&self.admin), "mutation($id: ID!) { contributionPublish(input: { id: $id, version: 3 }) { contribution { id } } }", json!({ "id": id })).await;
    }
}

/// Checks every cell of every consultation for a caller; returns the cells' total.
async fn every_cell_lists_what_it_counts(app: &TestApp, token: Option<&str>) -> i64 {
    let data = ask(
        app,
        token,
        "{ consultations(first: 2) { nodes { id issueMatrix { issue { id } group count } languages { language count } } } }",
        json!({}),
    )
    .await;
    let mut total = 0;
    for consultation in data["consultations"]["nodes"].as_array().unwrap() {
        let id = &consultation["id"];
        let cells = consultation["issueMatrix"].as_array().unwrap();
        assert_eq!(cells.len() % 4, 0, "every issue × the four groups");
        for summary in cells.iter().filter(|c| c["count"].as_i64().unwrap() > 0) {
            let row = ask(
                app,
                token,
                "query($c: ID!, $i: ID!, $g: StakeholderGroup!) { node(id: $c) { ... on Consultation { issueMatrix(issues: [$i], groups: [$g]) { group count contributions(first: 100) { totalCount nodes { id status stakeholder { group } } } } } } }",
                json!({ "c": id, "i": summary["issue"]["id"], "g": summary["group"] }),
            )
            .await;
            let only = row["node"]["issueMatrix"].as_array().unwrap();
            assert_eq!(only.len(), 1, "{row}");
            let cell = &only[0];
            let count = cell["count"].as_i64().unwrap();
            assert_eq!(count, summary["count"].as_i64().unwrap());
            let listed = &cell["contributions"];
            assert_eq!(listed["totalCount"].as_i64().unwrap(), count, "{cell}");
            let nodes = listed["nodes"].as_array().unwrap();
            assert_eq!(nodes.len() as i64, count.min(100), "{cell}");
            for node in nodes {
                assert!(["SUBMITTED", "PUBLISHED"].contains(&node["status"].as_str().unwrap()));
                // A stakeholder shown is of the cell's group (one not attributed is not
                // shown at all).
                if !node["stakeholder"].is_null() {
                    assert_eq!(node["stakeholder"]["group"], cell["group"], "{node}");
                }
            }
            total += count;
        }
        for language in consultation["languages"].as_array().unwrap() {
            let data = ask(
                app,
                token,
                "query($c: ID!, $l: String!) { node(id: $c) { ... on Consultation { languages(only: [$l]) { language count contributions(first: 1) { totalCount } } } } }",
                json!({ "c": id, "l": language["language"] }),
            )
            .await;
            let same = data["node"]["languages"]
                .as_array()
                .unwrap()
                .iter()
                .find(|l| l["language"] == language["language"])
                .unwrap()
                .clone();
            assert_eq!(same["count"], same["contributions"]["totalCount"], "{same}");
        }
    }
    total
}

#[tokio::test]
async fn every_cell_counts_exactly_what_it_lists_for_every_caller() {
    let app = spawn_seeded_app().await;
    seed::run_synthetic(
        &app.db,
        Size {
            stakeholders: 30,
            contributions: 300,
            seed: 3,
        },
    )
    .await
    .unwrap();
    let admin = app
        .sign_in_as("sec@un.example", Role::Secretariat, None)
        .await;
    let gov = stakeholder_id(&app, "Government delegation 1").await;
    let member = app
        .sign_in_as("a@gov.example", Role::MemberState, Some(gov))
        .await;

    let anonymous = every_cell_lists_what_it_counts(&app, None).await;
    let as_member = every_cell_lists_what_it_counts(&app, Some(&member)).await;
    let as_secretariat = every_cell_lists_what_it_counts(&app, Some(&admin)).await;
    assert!(anonymous > 0, "the synthetic contributions raise issues");
    // A member state reads what member states may read, the secretariat everything
    // conveyed: never fewer.
    assert!(
        as_member >= anonymous && as_secretariat >= as_member,
        "{anonymous} {as_member} {as_secretariat}"
    );
    assert!(
        as_secretariat > anonymous,
        "some conveyed contributions are not public"
    );
}

#[tokio::test]
async fn a_member_states_only_contribution_counts_for_member_states_alone() {
    let scene = Scene::new("analysis").await;
    let Scene {
        app,
        admin,
        member,
        consultation,
        issue,
    } = &scene;
    let id = scene
        .tagged_draft(json!({ "title": "For member states", "language": "fr", "visibility": "MEMBER_STATES" }))
        .await;
    let matrix = "query($c: ID!, $i: ID!) { node(id: $c) { ... on Consultation { issueMatrix(issues: [$i], groups: [GOVERNMENT]) { count contributions { totalCount } } languages { language count } } } }";
    let vars = json!({ "c": consultation, "i": issue });
    // A draft is not conveyed: nobody counts it, its author included.
    let draft = ask(app, Some(member), matrix, vars.clone()).await;
    assert_eq!(draft["node"]["issueMatrix"][0]["count"], 0, "{draft}");
    scene.submit_and_publish(&id).await;

    for (token, expected) in [
        (None, 0),
        (Some(member.as_str()), 1),
        (Some(admin.as_str()), 1),
    ] {
        let seen = ask(app, token, matrix, vars.clone()).await;
        let cell = &seen["node"]["issueMatrix"][0];
        assert_eq!(cell["count"], expected, "{seen}");
        assert_eq!(cell["contributions"]["totalCount"], expected);
        let french = seen["node"]["languages"]
            .as_array()
            .unwrap()
            .iter()
            .find(|l| l["language"] == "fr")
            .map_or(0, |l| l["count"].as_i64().unwrap());
        assert_eq!(french, expected, "{seen}");
    }
}

#[tokio::test]
async fn a_malformed_issue_id_is_refused_and_analysis_is_priced_by_its_cells() {
    let app = spawn_seeded_app().await;
    let body: Value = app
        .client
        .post(app.url("/graphql"))
        .json(&json!({ "query": "{ consultations(first: 1) { nodes { issueMatrix(issues: [\"nope\"]) { count } } } }" }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        crate::helpers::first_error_code(&body),
        Some("BAD_USER_INPUT"),
        "{body}"
    );
    // Every cell's own count of a list, for all 100 cells at once, is too costly…
    let costly = app
        .graphql(
            "{ consultations(first: 1) { nodes { issueMatrix { count contributions { totalCount } } } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        crate::helpers::first_error_code(&costly),
        Some("QUERY_TOO_COMPLEX"),
        "{costly}"
    );
    // …for one row it is not.
    let issue = ask(
        &app,
        None,
        "{ policyIssues(first: 1) { nodes { id } } }",
        json!({}),
    )
    .await["policyIssues"]["nodes"][0]["id"]
        .clone();
    let row = app
        .graphql(
            "query($i: ID!) { consultations(first: 1) { nodes { issueMatrix(issues: [$i]) { count contributions { totalCount } } } } }",
            json!({ "i": issue }),
        )
        .await;
    assert!(row["errors"].is_null(), "{row}");
    assert_eq!(
        row["data"]["consultations"]["nodes"][0]["issueMatrix"]
            .as_array()
            .unwrap()
            .len(),
        4
    );
}

#[tokio::test]
async fn the_timeline_counts_by_day_and_week_and_lists_what_it_counts() {
    let app = spawn_seeded_app().await;
    let admin = app
        .sign_in_as("sec@un.example", Role::Secretariat, None)
        .await;
    for token in [None, Some(admin.as_str())] {
        let data = ask(
            &app,
            token,
            "{ consultations(first: 1) { nodes { id statistics { total } days: timeline(interval: DAY) { start end total byKind { kind count } } weeks: timeline(interval: WEEK) { start end total } } } }",
            json!({}),
        )
        .await;
        let consultation = &data["consultations"]["nodes"][0];
        let days = consultation["days"].as_array().unwrap();
        let weeks = consultation["weeks"].as_array().unwrap();
        let sum = |periods: &[Value]| {
            periods
                .iter()
                .map(|p| p["total"].as_i64().unwrap())
                .sum::<i64>()
        };
        // Every conveyed contribution was submitted on some day: the periods add up to the
        // statistics' total, by day and by week.
        let total = consultation["statistics"]["total"].as_i64().unwrap();
        assert_eq!(sum(days), total, "{consultation}");
        assert_eq!(sum(weeks), total);
        for pair in days.windows(2) {
            assert!(
                pair[0]["start"].as_str() < pair[1]["start"].as_str(),
                "in order"
            );
        }
        for week in weeks {
            let start =
                chrono::NaiveDate::parse_from_str(week["start"].as_str().unwrap(), "%Y-%m-%d")
                    .unwrap();
            assert_eq!(chrono::Datelike::weekday(&start), chrono::Weekday::Mon);
        }
        // Each day's cells list exactly what they count.
        for day in days {
            let start = day["start"].as_str().unwrap();
            let end = day["end"].as_str().unwrap();
            let cells = ask(
                &app,
                token,
                "query($c: ID!, $from: NaiveDate!, $to: NaiveDate!) { node(id: $c) { ... on Consultation { timeline(interval: DAY, from: $from, to: $to) { start byKind { kind count contributions(first: 100) { totalCount nodes { kind submittedAt } } } } } } }",
                json!({ "c": consultation["id"], "from": start, "to": end }),
            )
            .await;
            let periods = cells["node"]["timeline"].as_array().unwrap();
            assert_eq!(periods.len(), 1, "{cells}");
            for cell in periods[0]["byKind"].as_array().unwrap() {
                let listed = &cell["contributions"];
                assert_eq!(listed["totalCount"], cell["count"], "{cell}");
                for node in listed["nodes"].as_array().unwrap() {
                    assert_eq!(node["kind"], cell["kind"]);
                    assert!(
                        node["submittedAt"].as_str().unwrap().starts_with(start),
                        "{node}"
                    );
                }
            }
        }
    }
}

#[tokio::test]
async fn every_stance_cell_lists_what_it_counts() {
    let app = spawn_seeded_app().await;
    seed::run_synthetic(
        &app.db,
        Size {
            stakeholders: 30,
            contributions: 300,
            seed: 5,
        },
    )
    .await
    .unwrap();
    let admin = app
        .sign_in_as("sec@un.example", Role::Secretariat, None)
        .await;
    let mut totals = Vec::new();
    for token in [None, Some(admin.as_str())] {
        let data = ask(
            &app,
            token,
            "{ consultations(first: 2) { nodes { id mechanismStances { mechanism { id } stance group count } } } }",
            json!({}),
        )
        .await;
        let mut total = 0;
        for consultation in data["consultations"]["nodes"].as_array().unwrap() {
            for summary in consultation["mechanismStances"].as_array().unwrap() {
                assert!(
                    summary["count"].as_i64().unwrap() > 0,
                    "cells with none are left out"
                );
                let one = ask(
                    &app,
                    token,
                    "query($c: ID!, $m: ID!, $s: Stance!, $g: StakeholderGroup!) { node(id: $c) { ... on Consultation { mechanismStances(mechanisms: [$m], stances: [$s], groups: [$g]) { count contributions(first: 100) { totalCount nodes { id } } } } } }",
                    json!({ "c": consultation["id"], "m": summary["mechanism"]["id"], "s": summary["stance"], "g": summary["group"] }),
                )
                .await;
                let cells = one["node"]["mechanismStances"].as_array().unwrap();
                assert_eq!(cells.len(), 1, "{one}");
                let cell = &cells[0];
                assert_eq!(cell["count"], summary["count"]);
                assert_eq!(cell["contributions"]["totalCount"], cell["count"], "{cell}");
                let listed = cell["contributions"]["nodes"].as_array().unwrap().len() as i64;
                assert_eq!(listed, cell["count"].as_i64().unwrap().min(100));
                total += cell["count"].as_i64().unwrap();
            }
        }
        totals.push(total);
    }
    assert!(totals[0] > 0, "the synthetic contributions take stances");
    assert!(totals[1] > totals[0], "some are not public: {totals:?}");
}

#[tokio::test]
async fn a_contribution_not_attributed_counts_under_its_group_without_its_stakeholder() {
    let scene = Scene::new("unattributed").await;
    let id = scene
        .tagged_draft(json!({ "title": "Unsigned", "attributed": false }))
        .await;
    scene.submit_and_publish(&id).await;
    let Scene {
        app,
        consultation,
        issue,
        ..
    } = &scene;

    let seen = ask(
        app,
        None,
        "query($c: ID!, $i: ID!) { node(id: $c) { ... on Consultation { issueMatrix(issues: [$i]) { group count contributions { nodes { title stakeholder { name } } } } } } }",
        json!({ "c": consultation, "i": issue }),
    )
    .await;
    let cells = seen["node"]["issueMatrix"].as_array().unwrap();
    let government = cells.iter().find(|c| c["group"] == "GOVERNMENT").unwrap();
    assert_eq!(government["count"], 1, "{seen}");
    let node = &government["contributions"]["nodes"][0];
    assert_eq!(node["title"], "Unsigned");
    assert!(
        node["stakeholder"].is_null(),
        "the stakeholder is not revealed: {node}"
    );
    for other in cells.iter().filter(|c| c["group"] != "GOVERNMENT") {
        assert_eq!(other["count"], 0);
    }
}
