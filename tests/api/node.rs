use crate::helpers::{first_error_code, spawn_seeded_app};
use concord::ids::{GlobalId, NodeType};
use serde_json::{Value, json};

const ONE_OF_EACH: &str = r#"{
  stakeholders(first: 1) { nodes { id } }
  consultations(first: 1) { nodes { id meetings(first: 1) { nodes { id } } } }
  contributions(first: 1) { nodes { id currentRevision { id } } }
  policyIssues(first: 1) { nodes { id } }
  mechanisms(first: 1) { nodes { id } }
  documents(first: 1) { nodes { id } }
}"#;

const NODE: &str = "query($id: ID!) { node(id: $id) { __typename id } }";

#[tokio::test]
async fn node_round_trips_for_every_type() {
    let app = spawn_seeded_app().await;
    let d = app.data(ONE_OF_EACH, json!({})).await;
    let cases = [
        ("Stakeholder", &d["stakeholders"]["nodes"][0]["id"]),
        ("Consultation", &d["consultations"]["nodes"][0]["id"]),
        (
            "Meeting",
            &d["consultations"]["nodes"][0]["meetings"]["nodes"][0]["id"],
        ),
        ("Contribution", &d["contributions"]["nodes"][0]["id"]),
        (
            "ContributionRevision",
            &d["contributions"]["nodes"][0]["currentRevision"]["id"],
        ),
        ("PolicyIssue", &d["policyIssues"]["nodes"][0]["id"]),
        ("Mechanism", &d["mechanisms"]["nodes"][0]["id"]),
        ("Document", &d["documents"]["nodes"][0]["id"]),
    ];
    for (typename, id) in &cases {
        assert!(id.is_string(), "an id for {typename}");
        let data = app.data(NODE, json!({ "id": id })).await;
        assert_eq!(
            data["node"],
            json!({ "__typename": typename, "id": id }),
            "{typename}"
        );
    }

    let ids: Vec<&Value> = cases.iter().map(|(_, id)| *id).collect();
    let data = app
        .data(
            "query($ids: [ID!]!) { nodes(ids: $ids) { __typename id } }",
            json!({ "ids": ids }),
        )
        .await;
    let got: Vec<&Value> = data["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| &n["id"])
        .collect();
    assert_eq!(got, ids, "nodes(ids:) answers in the order asked");
}

#[tokio::test]
async fn a_malformed_id_gives_a_clear_error() {
    let app = spawn_seeded_app().await;
    for bad in [
        "",
        "42",
        "not an id",
        "U3Rha2Vob2xkZXI6",
        "Q29udHJpYnV0aW9uOi0x",
    ] {
        let body = app.graphql(NODE, json!({ "id": bad })).await;
        assert_eq!(
            first_error_code(&body),
            Some("BAD_USER_INPUT"),
            "{bad:?}: {body}"
        );
        let message = body["errors"][0]["message"].as_str().unwrap();
        assert!(message.contains("not a valid ID"), "{message}");
    }
    // An ID of the wrong type for a typed argument.
    let meeting = GlobalId::new(NodeType::Meeting, 1).encode();
    let body = app
        .graphql(
            "query($id: ID!) { stakeholder(id: $id) { name } }",
            json!({ "id": meeting }),
        )
        .await;
    assert_eq!(first_error_code(&body), Some("BAD_USER_INPUT"));
}

#[tokio::test]
async fn a_hidden_record_answers_exactly_like_a_missing_one() {
    let app = spawn_seeded_app().await;
    let d = app
        .data(
            "{ contributions(last: 1) { nodes { id currentRevision { id } } } }",
            json!({}),
        )
        .await;
    let hidden_id = d["contributions"]["nodes"][0]["id"].clone();
    let hidden_revision_id = d["contributions"]["nodes"][0]["currentRevision"]["id"].clone();
    use sea_orm::ConnectionTrait;
    app.db
        .execute_unprepared("UPDATE contribution SET status = 'DRAFT' WHERE id = (SELECT MAX(id) FROM contribution)")
        .await
        .unwrap();
    let missing_id = GlobalId::new(NodeType::Contribution, 999_999).encode();

    let hidden = app.graphql(NODE, json!({ "id": hidden_id })).await;
    let missing = app.graphql(NODE, json!({ "id": missing_id })).await;

    assert_eq!(first_error_code(&hidden), Some("NOT_FOUND"));
    assert_eq!(hidden["data"], json!({ "node": null }));
    assert_eq!(
        hidden["errors"][0]["message"],
        missing["errors"][0]["message"]
    );
    assert_eq!(hidden["data"], missing["data"]);

    let typed = app
        .graphql(
            "query($id: ID!) { contribution(id: $id) { title } }",
            json!({ "id": hidden_id }),
        )
        .await;
    assert_eq!(first_error_code(&typed), Some("NOT_FOUND"));
    let revision = app.graphql(NODE, json!({ "id": hidden_revision_id })).await;
    assert_eq!(
        first_error_code(&revision),
        Some("NOT_FOUND"),
        "its revisions hide with it"
    );
    let listed = app
        .data("{ contributions { totalCount } }", json!({}))
        .await;
    assert_eq!(listed["contributions"]["totalCount"], 97);
}

#[tokio::test]
async fn relations_resolve_both_ways() {
    let app = spawn_seeded_app().await;
    let data = app
        .data(
            r#"{
              contributions(filter: { kinds: [PRESENTATION], stakeholderGroups: [PRIVATE_SECTOR] }, first: 1) {
                nodes {
                  onBehalfOfGroup
                  stakeholder { acronym contributions { totalCount } }
                  meeting { venue heldOn consultation { slug } }
                  consultation { slug }
                  revisions { totalCount nodes { number contentHash } }
                  body
                }
              }
              mechanisms(filter: { statuses: [EXISTING] }, first: 100) {
                nodes {
                  acronym functions
                  host { acronym hostedMechanisms(first: 5) { nodes { name } } }
                  issues(first: 5) { nodes { slug mechanisms(first: 5) { nodes { name } } } }
                }
              }
            }"#,
            json!({}),
        )
        .await;
    let icc = &data["contributions"]["nodes"][0];
    assert_eq!(icc["onBehalfOfGroup"], "PRIVATE_SECTOR");
    assert_eq!(icc["stakeholder"]["acronym"], "ICC");
    assert_eq!(icc["stakeholder"]["contributions"]["totalCount"], 1);
    assert_eq!(icc["meeting"]["venue"], "New York");
    assert_eq!(icc["meeting"]["heldOn"], "2010-12-14");
    assert_eq!(
        icc["meeting"]["consultation"]["slug"],
        "enhanced-cooperation-2010"
    );
    assert_eq!(icc["revisions"]["totalCount"], 1);
    let hash = icc["revisions"]["nodes"][0]["contentHash"]
        .as_str()
        .unwrap();
    assert_eq!(hash.len(), 64);
    assert!(icc["body"].as_str().unwrap().contains("Placeholder"));

    let mechanisms = data["mechanisms"]["nodes"].as_array().unwrap();
    let unesco = mechanisms
        .iter()
        .find(|m| m["host"]["acronym"] == "UNESCO")
        .expect("a UNESCO-hosted mechanism");
    assert_eq!(
        unesco["issues"]["nodes"][0]["slug"],
        "freedom-of-expression"
    );
    let issue_mechanisms = unesco["issues"]["nodes"][0]["mechanisms"]["nodes"]
        .as_array()
        .unwrap();
    assert!(
        issue_mechanisms
            .iter()
            .any(|m| m["name"] == "UNESCO governing bodies"),
        "issue → mechanisms"
    );
    let hosted = unesco["host"]["hostedMechanisms"]["nodes"]
        .as_array()
        .unwrap();
    assert!(
        hosted
            .iter()
            .any(|m| m["name"] == "UNESCO governing bodies")
    );
    let gac = mechanisms.iter().find(|m| m["acronym"] == "GAC").unwrap();
    assert_eq!(gac["functions"], json!(["ADMINISTRATIVE", "CONSULTATIVE"]));
}

#[tokio::test]
async fn contribution_links_resolve_with_their_stance_and_filter_lists() {
    let app = spawn_seeded_app().await;
    use sea_orm::ConnectionTrait;
    // The report attributes no issue or mechanism to a contribution; link one here.
    app.db
        .execute_unprepared(
            "INSERT INTO contribution_issue (contribution_id, policy_issue_id) \
             SELECT MIN(c.id), (SELECT id FROM policy_issue WHERE slug = 'network-neutrality') FROM contribution c",
        )
        .await
        .unwrap();
    app.db
        .execute_unprepared(
            "INSERT INTO contribution_mechanism (contribution_id, mechanism_id, stance) \
             SELECT MIN(c.id), (SELECT id FROM mechanism WHERE acronym = 'IGF'), 'SUPPORTS' FROM contribution c",
        )
        .await
        .unwrap();

    let data = app
        .data(
            r#"{
              contributions(first: 1) { nodes {
                issues(first: 5) { totalCount nodes { slug } }
                mechanisms(first: 5) { totalCount nodes { stance mechanism { acronym } } }
              } }
              mechanisms(filter: { kinds: [MULTISTAKEHOLDER] }, first: 1) { nodes { acronym } }
            }"#,
            json!({}),
        )
        .await;
    let first = &data["contributions"]["nodes"][0];
    assert_eq!(
        first["issues"],
        json!({ "totalCount": 1, "nodes": [{ "slug": "network-neutrality" }] })
    );
    assert_eq!(
        first["mechanisms"],
        json!({ "totalCount": 1, "nodes": [{ "stance": "SUPPORTS", "mechanism": { "acronym": "IGF" } }] })
    );

    let issue = app
        .data(
            r#"{ policyIssue(slug: "network-neutrality") { id contributions { totalCount } } }"#,
            json!({}),
        )
        .await;
    assert_eq!(issue["policyIssue"]["contributions"]["totalCount"], 1);
    let by_filter = app
        .data(
            "query($i: ID!) { contributions(filter: { policyIssue: $i }) { totalCount } }",
            json!({ "i": issue["policyIssue"]["id"] }),
        )
        .await;
    assert_eq!(by_filter["contributions"]["totalCount"], 1);
}

#[tokio::test]
async fn nodes_takes_at_most_100_ids() {
    let app = spawn_seeded_app().await;
    let ids: Vec<String> = (1..=101)
        .map(|n| GlobalId::new(NodeType::Stakeholder, n).encode())
        .collect();
    let body = app
        .graphql(
            "query($ids: [ID!]!) { nodes(ids: $ids) { id } }",
            json!({ "ids": ids }),
        )
        .await;
    assert_eq!(first_error_code(&body), Some("BAD_USER_INPUT"));
    let some = app
        .data(
            "query($ids: [ID!]!) { nodes(ids: $ids) { id } }",
            json!({ "ids": &ids[..100] }),
        )
        .await;
    let found = some["nodes"].as_array().unwrap();
    assert_eq!(found.len(), 100);
    assert!(
        found.iter().any(|n| n.is_null()),
        "ids that find nothing give null in place"
    );
}
