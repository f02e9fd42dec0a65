//! Access that holds everywhere: which roles a partner's client may hold, what a
//! client without the `read` scope reads, and draft consultations, the secretariat's
//! alone until opened.

use crate::clients::{CREATE, stakeholder_id as by_acronym, token_request};
use crate::helpers::{TestApp, first_error_code, spawn_seeded_app};
use crate::workflow::{open_consultation, stakeholder_id};
use concord::ids::{GlobalId, NodeType};
use entity::enums::Role;
use sea_orm::{EntityTrait, PaginatorTrait};
use serde_json::{Value, json};

fn gid(node_type: NodeType, id: i64) -> String {
    GlobalId::new(node_type, id).encode()
}

async fn admin(app: &TestApp) -> String {
    app.sign_in_as("sec@un.example", Role::Secretariat, None)
        .await
}

async fn create_client(
    app: &TestApp,
    admin: &str,
    stakeholder: &Value,
    role: &str,
    scopes: &[&str],
) -> Value {
    let (_, body) = app
        .graphql_as(admin, CREATE, json!({ "i": { "name": "Partner", "stakeholder": stakeholder, "role": role, "scopes": scopes.iter().map(|s| s.to_uppercase()).collect::<Vec<_>>() } }))
        .await;
    body["data"]["apiClientCreate"].clone()
}

#[tokio::test]
async fn a_client_speaks_for_a_government_as_a_member_state_and_never_acts_as_the_secretariat() {
    let app = spawn_seeded_app().await;
    let admin = admin(&app).await;
    let congo = by_acronym(&app, "CONGO").await;
    let gov = json!(gid(
        NodeType::Stakeholder,
        stakeholder_id(&app, "Government delegation 1").await
    ));

    let refused = create_client(&app, &admin, &congo, "MEMBER_STATE", &["read"]).await;
    assert_eq!(refused["apiClient"], Value::Null);
    assert_eq!(
        refused["userErrors"][0]["field"],
        json!(["input", "stakeholder"]),
        "{refused}"
    );
    assert_eq!(refused["userErrors"][0]["code"], "INVALID");

    // Scopes are an enum: an unknown one never reaches the service.
    let (_, refused) = app
        .graphql_as(&admin, CREATE, json!({ "i": { "name": "Partner", "stakeholder": gov, "role": "OBSERVER", "scopes": ["READ", "ADMIN"] } }))
        .await;
    assert_eq!(
        crate::helpers::first_error_code(&refused),
        Some("BAD_USER_INPUT"),
        "{refused}"
    );
    assert!(
        refused["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("ADMIN"),
        "{refused}"
    );

    let refused = create_client(&app, &admin, &gov, "SECRETARIAT", &["read"]).await;
    assert_eq!(refused["apiClient"], Value::Null);
    assert_eq!(
        refused["userErrors"][0]["field"],
        json!(["input", "role"]),
        "{refused}"
    );
    assert_eq!(
        entity::api_client::Entity::find()
            .count(&app.db)
            .await
            .unwrap(),
        0,
        "nothing was created"
    );

    for (stakeholder, role) in [(&gov, "MEMBER_STATE"), (&congo, "OBSERVER")] {
        let made = create_client(&app, &admin, stakeholder, role, &["read"]).await;
        assert_eq!(made["userErrors"], json!([]), "{made}");
        assert_eq!(made["apiClient"]["role"], role);
    }
}

#[tokio::test]
async fn a_client_without_the_read_scope_reads_only_what_it_writes() {
    let app = spawn_seeded_app().await;
    let admin = admin(&app).await;
    let consultation = open_consultation(&app, &admin, "submit-only").await;
    let congo = by_acronym(&app, "CONGO").await;
    let made = create_client(&app, &admin, &congo, "OBSERVER", &["submit"]).await;
    let (client_id, secret) = (
        made["apiClient"]["clientId"].as_str().unwrap().to_owned(),
        made["clientSecret"].as_str().unwrap().to_owned(),
    );
    let (status, issued) = token_request(
        &app,
        Some((&client_id, &secret)),
        &[("grant_type", "client_credentials")],
    )
    .await;
    assert_eq!(status, 200, "{issued}");
    let token = issued["access_token"].as_str().unwrap().to_owned();

    for list in [
        "{ stakeholders { nodes { id } } }",
        "{ consultations { nodes { id } } }",
        "{ policyIssues { nodes { id } } }",
        "{ mechanisms { nodes { id } } }",
        "{ documents { nodes { id } } }",
    ] {
        let (_, body) = app.graphql_as(&token, list, json!({})).await;
        assert_eq!(first_error_code(&body), Some("FORBIDDEN"), "{list}: {body}");
    }
    let (_, body) = app
        .graphql_as(
            &token,
            "query($id: ID!) { consultation(id: $id) { title } }",
            json!({ "id": consultation }),
        )
        .await;
    assert_eq!(first_error_code(&body), Some("FORBIDDEN"), "{body}");

    // It writes, and reads what it wrote (and its own stakeholder's) but nothing else.
    let (_, created) = app
        .graphql_as(
            &token,
            "mutation($i: ContributionCreateInput!) { contributionCreate(input: $i) { contribution { id consultation { title } } userErrors { message } } }",
            json!({ "i": { "consultation": consultation, "title": "Ours", "body": "B", "language": "en" } }),
        )
        .await;
    let own = created["data"]["contributionCreate"]["contribution"].clone();
    assert!(own["id"].is_string(), "{created}");
    assert_eq!(
        own["consultation"]["title"], "Consultation on data",
        "what it wrote to"
    );
    let (_, listed) = app
        .graphql_as(
            &token,
            "{ contributions(first: 100) { totalCount nodes { id stakeholder { acronym } } } }",
            json!({}),
        )
        .await;
    let nodes = listed["data"]["contributions"]["nodes"]
        .as_array()
        .unwrap()
        .clone();
    assert!(nodes.iter().any(|n| n["id"] == own["id"]), "{listed}");
    assert!(
        nodes.iter().all(|n| n["stakeholder"]["acronym"] == "CONGO"),
        "only its own stakeholder's: {listed}"
    );
    let public = app
        .data(
            "{ contributions(first: 1) { totalCount nodes { id } } }",
            json!({}),
        )
        .await;
    assert!(public["contributions"]["totalCount"].as_i64().unwrap() > nodes.len() as i64);
    let other = public["contributions"]["nodes"][0]["id"].clone();
    let (_, body) = app
        .graphql_as(
            &token,
            "query($id: ID!) { contribution(id: $id) { title } }",
            json!({ "id": other }),
        )
        .await;
    assert_eq!(body["data"]["contribution"], Value::Null, "{body}");
    assert_eq!(first_error_code(&body), Some("NOT_FOUND"));
}

/// Whether a caller finds a consultation in the list, by ID, as a node and through
/// its meeting; and the status of its export.
async fn sees(
    app: &TestApp,
    token: Option<&str>,
    draft: &Value,
    meeting: &Value,
) -> ([bool; 4], u16) {
    let ask = |query: &'static str, variables: Value| async move {
        match token {
            Some(t) => app.graphql_as(t, query, variables).await.1,
            None => app.graphql(query, variables).await,
        }
    };
    let listed = ask("{ consultations(first: 100) { nodes { id } } }", json!({})).await;
    let in_list = listed["data"]["consultations"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .any(|n| n["id"] == *draft);
    let single = ask(
        "query($c: ID!) { consultation(id: $c) { id } }",
        json!({ "c": draft }),
    )
    .await;
    let node = ask(
        "query($c: ID!) { node(id: $c) { id } }",
        json!({ "c": draft }),
    )
    .await;
    let at_meeting = ask(
        "query($m: ID!) { meeting(id: $m) { id } }",
        json!({ "m": meeting }),
    )
    .await;
    let found = [
        in_list,
        single["data"]["consultation"].is_object(),
        node["data"]["node"].is_object(),
        at_meeting["data"]["meeting"].is_object(),
    ];
    if !found[1] {
        assert_eq!(first_error_code(&single), Some("NOT_FOUND"), "{single}");
    }
    let raw = draft.as_str().unwrap();
    let mut export = app
        .client
        .get(app.url(&format!("/consultations/{raw}/contributions.csv")));
    if let Some(t) = token {
        export = export.bearer_auth(t);
    }
    (found, export.send().await.unwrap().status().as_u16())
}

#[tokio::test]
async fn a_draft_consultation_is_the_secretariats_alone_until_opened() {
    let app = spawn_seeded_app().await;
    let admin = admin(&app).await;
    let gov = stakeholder_id(&app, "Government delegation 1").await;
    let member = app
        .sign_in_as("a@gov.example", Role::MemberState, Some(gov))
        .await;
    let now = chrono::Utc::now();
    let (_, created) = app
        .graphql_as(
            &admin,
            "mutation($i: ConsultationCreateInput!) { consultationCreate(input: $i) { consultation { id version } } }",
            json!({ "i": {
                "slug": "not-yet", "title": "Not yet", "mandate": "Resolution 2",
                "guidingQuestions": [],
                "opensAt": (now - chrono::Duration::hours(1)).to_rfc3339(),
                "closesAt": (now + chrono::Duration::days(30)).to_rfc3339(),
            } }),
        )
        .await;
    let draft = created["data"]["consultationCreate"]["consultation"]["id"].clone();
    let (_, meeting) = app
        .graphql_as(
            &admin,
            "mutation($c: ID!) { meetingCreate(input: { consultation: $c, title: \"Briefing\", venue: \"Geneva\", heldOn: \"2030-01-10\" }) { meeting { id } } }",
            json!({ "c": draft }),
        )
        .await;
    let meeting = meeting["data"]["meetingCreate"]["meeting"]["id"].clone();
    // Something said at its meeting cannot be made public before the opening.
    let (_, recorded) = app
        .graphql_as(
            &admin,
            "mutation($m: ID!, $s: ID!) { contributionRecord(input: { meeting: $m, stakeholder: $s, kind: PRESENTATION, title: \"T\", body: \"B\", language: \"en\" }) { contribution { id version } } }",
            json!({ "m": meeting, "s": gid(NodeType::Stakeholder, gov) }),
        )
        .await;
    let spoken = recorded["data"]["contributionRecord"]["contribution"].clone();
    let (_, publish) = app
        .graphql_as(
            &admin,
            "mutation($id: ID!, $v: Int!) { contributionPublish(input: { id: $id, version: $v }) { contribution { id } userErrors { code } } }",
            json!({ "id": spoken["id"], "v": spoken["version"] }),
        )
        .await;
    assert_eq!(
        publish["data"]["contributionPublish"]["userErrors"],
        json!([{ "code": "NOT_ALLOWED" }]),
        "{publish}"
    );

    assert_eq!(
        sees(&app, None, &draft, &meeting).await,
        ([false; 4], 404),
        "anonymous"
    );
    assert_eq!(
        sees(&app, Some(&member), &draft, &meeting).await,
        ([false; 4], 404),
        "a member state"
    );
    assert_eq!(
        sees(&app, Some(&admin), &draft, &meeting).await,
        ([true; 4], 200),
        "the secretariat"
    );

    let (_, body) = app
        .graphql_as(
            &member,
            "mutation($i: ContributionCreateInput!) { contributionCreate(input: $i) { contribution { id } userErrors { field code } } }",
            json!({ "i": { "consultation": draft, "title": "T", "body": "B", "language": "en" } }),
        )
        .await;
    assert_eq!(
        body["data"]["contributionCreate"]["userErrors"],
        json!([{ "field": ["input", "consultation"], "code": "NOT_FOUND" }]),
        "a draft is no consultation to a member state yet"
    );

    app.graphql_as(
        &admin,
        "mutation($id: ID!) { consultationOpen(input: { id: $id, version: 1 }) { consultation { status } } }",
        json!({ "id": draft }),
    )
    .await;
    assert_eq!(
        sees(&app, None, &draft, &meeting).await,
        ([true; 4], 200),
        "opened: anyone's"
    );
}
