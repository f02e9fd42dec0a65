//! The consultation workflow through the API.

use crate::helpers::{TestApp, first_error_code, spawn_seeded_app};
use entity::enums::Role;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{Value, json};

/// A consultation created and opened by the secretariat; returns its ID.
pub async fn open_consultation(app: &TestApp, admin: &str, slug: &str) -> Value {
    let now = chrono::Utc::now();
    let (_, created) = app
        .graphql_as(
            admin,
            "mutation($i: ConsultationCreateInput!) { consultationCreate(input: $i) { consultation { id version status } userErrors { field message } } }",
            json!({ "i": {
                "slug": slug, "title": "Consultation on data", "mandate": "Resolution 1",
                "guidingQuestions": ["What is missing?"],
                "opensAt": (now - chrono::Duration::hours(1)).to_rfc3339(),
                "closesAt": (now + chrono::Duration::days(30)).to_rfc3339(),
            } }),
        )
        .await;
    let c = created["data"]["consultationCreate"]["consultation"].clone();
    assert_eq!(c["status"], "DRAFT", "{created}");
    let (_, opened) = app
        .graphql_as(admin, "mutation($id: ID!, $v: Int!) { consultationOpen(input: { id: $id, version: $v }) { consultation { status } userErrors { message } } }", json!({ "id": c["id"], "v": c["version"] }))
        .await;
    assert_eq!(
        opened["data"]["consultationOpen"]["consultation"]["status"], "OPEN",
        "{opened}"
    );
    c["id"].clone()
}

/// The secretariat, a member state for "Government delegation 1", and a consultation
/// the secretariat opened: their tokens and its ID.
pub async fn secretariat_member_and_consultation(
    app: &TestApp,
    slug: &str,
) -> (String, String, Value) {
    let admin = app
        .sign_in_as("sec@un.example", Role::Secretariat, None)
        .await;
    let gov = stakeholder_id(app, "Government delegation 1").await;
    let member = app
        .sign_in_as("a@gov.example", Role::MemberState, Some(gov))
        .await;
    let consultation = open_consultation(app, &admin, slug).await;
    (admin, member, consultation)
}

pub async fn stakeholder_id(app: &TestApp, name: &str) -> i64 {
    entity::stakeholder::Entity::find()
        .filter(entity::stakeholder::Column::Name.eq(name))
        .one(&app.db)
        .await
        .unwrap()
        .unwrap()
        .id
}

const CREATE: &str = "mutation($i: ContributionCreateInput!) { contributionCreate(input: $i) { contribution { id version status visibility } userErrors { field message code } } }";
const EDIT: &str = "mutation($i: ContributionEditInput!) { contributionEdit(input: $i) { contribution { version status } receipt { contentHash serverTime revision { number } } userErrors { field message code } } }";
const SUBMIT: &str = "mutation($id: ID!, $v: Int!) { contributionSubmit(input: { id: $id, version: $v }) { contribution { version status } receipt { contentHash serverTime revision { number title } } userErrors { field message code } } }";
const PUBLISH: &str = "mutation($id: ID!, $v: Int!) { contributionPublish(input: { id: $id, version: $v }) { contribution { version status } userErrors { message code } } }";

#[tokio::test]
async fn a_written_comment_from_draft_to_publication_with_receipts_and_revisions() {
    let app = spawn_seeded_app().await;
    let admin = app
        .sign_in_as("sec@un.example", Role::Secretariat, None)
        .await;
    let civil = stakeholder_id(&app, "Civil society organization 1").await;
    let author = app
        .sign_in_as("obs@ngo.example", Role::Observer, Some(civil))
        .await;
    let consultation = open_consultation(&app, &admin, "data-2026").await;

    let (_, created) = app
        .graphql_as(&author, CREATE, json!({ "i": { "consultation": consultation, "title": "Our comment", "body": "First draft.", "language": "EN" } }))
        .await;
    let c = created["data"]["contributionCreate"]["contribution"].clone();
    assert_eq!(c["status"], "DRAFT", "{created}");
    let id = c["id"].clone();

    // A draft is edited in place.
    let (_, edited) = app
        .graphql_as(
            &author,
            EDIT,
            json!({ "i": { "id": id, "version": 1, "body": "Second draft, final." } }),
        )
        .await;
    assert_eq!(
        edited["data"]["contributionEdit"]["receipt"]["revision"]["number"], 1,
        "{edited}"
    );
    // Anonymous callers do not see drafts.
    let hidden = app
        .graphql(
            "query($id: ID!) { node(id: $id) { id } }",
            json!({ "id": id }),
        )
        .await;
    assert_eq!(first_error_code(&hidden), Some("NOT_FOUND"));

    let (_, submitted) = app
        .graphql_as(&author, SUBMIT, json!({ "id": id, "v": 2 }))
        .await;
    let receipt = submitted["data"]["contributionSubmit"]["receipt"].clone();
    assert_eq!(
        submitted["data"]["contributionSubmit"]["contribution"]["status"], "SUBMITTED",
        "{submitted}"
    );
    let expected = concord::domain::content_hash("Our comment", "en", "Second draft, final.");
    assert_eq!(
        receipt["contentHash"], expected,
        "the receipt is the documented canonical hash"
    );

    // A change after submission is a new revision; the first stays as it was.
    let (_, revised) = app
        .graphql_as(
            &author,
            EDIT,
            json!({ "i": { "id": id, "version": 3, "body": "Revised after submission." } }),
        )
        .await;
    assert_eq!(
        revised["data"]["contributionEdit"]["receipt"]["revision"]["number"], 2,
        "{revised}"
    );
    let (_, revisions) = app
        .graphql_as(&author, "query($id: ID!) { contribution(id: $id) { revisions { totalCount nodes { number contentHash body } } } }", json!({ "id": id }))
        .await;
    let nodes = &revisions["data"]["contribution"]["revisions"]["nodes"];
    assert_eq!(
        revisions["data"]["contribution"]["revisions"]["totalCount"],
        2
    );
    assert_eq!(nodes[0]["contentHash"], expected);
    assert_eq!(nodes[0]["body"], "Second draft, final.");

    // Anyone who may read it can check a receipt.
    let (_, checked) = app
        .graphql_as(&author, "query($c: ID!, $h: String!) { contributionReceiptCheck(contribution: $c, contentHash: $h) { number } }", json!({ "c": id, "h": expected }))
        .await;
    assert_eq!(checked["data"]["contributionReceiptCheck"]["number"], 1);

    // The secretariat publishes; now everyone reads it, and the statistics count it.
    let (_, published) = app
        .graphql_as(&admin, PUBLISH, json!({ "id": id, "v": 4 }))
        .await;
    assert_eq!(
        published["data"]["contributionPublish"]["contribution"]["status"], "PUBLISHED",
        "{published}"
    );
    let visible = app
        .data(
            "query($id: ID!) { contribution(id: $id) { title body stakeholder { name } } }",
            json!({ "id": id }),
        )
        .await;
    assert_eq!(visible["contribution"]["body"], "Revised after submission.");
    let stats = app
        .data(
            "query($id: ID!) { consultation(id: $id) { statistics { total } } }",
            json!({ "id": consultation }),
        )
        .await;
    assert_eq!(stats["consultation"]["statistics"]["total"], 1);

    // Withdrawn with a reason, by its author.
    let (_, withdrawn) = app
        .graphql_as(&author, "mutation($id: ID!) { contributionWithdraw(input: { id: $id, version: 5, reason: \"Superseded\" }) { contribution { status withdrawnReason } userErrors { message } } }", json!({ "id": id }))
        .await;
    assert_eq!(
        withdrawn["data"]["contributionWithdraw"]["contribution"],
        json!({ "status": "WITHDRAWN", "withdrawnReason": "Superseded" }),
        "{withdrawn}"
    );
    let gone = app
        .graphql(
            "query($id: ID!) { contribution(id: $id) { id } }",
            json!({ "id": id }),
        )
        .await;
    assert_eq!(first_error_code(&gone), Some("NOT_FOUND"));
}

#[tokio::test]
async fn a_stale_version_is_a_conflict_and_changes_nothing() {
    let app = spawn_seeded_app().await;
    let admin = app
        .sign_in_as("sec@un.example", Role::Secretariat, None)
        .await;
    let gov = stakeholder_id(&app, "Government delegation 1").await;
    let member = app
        .sign_in_as("a@gov.example", Role::MemberState, Some(gov))
        .await;
    let consultation = open_consultation(&app, &admin, "conflicts").await;
    let (_, created) = app
        .graphql_as(&member, CREATE, json!({ "i": { "consultation": consultation, "title": "T", "body": "B", "language": "fr" } }))
        .await;
    let id = created["data"]["contributionCreate"]["contribution"]["id"].clone();
    let (_, first) = app
        .graphql_as(
            &member,
            EDIT,
            json!({ "i": { "id": id, "version": 1, "title": "First edit" } }),
        )
        .await;
    assert!(first["data"]["contributionEdit"]["contribution"].is_object());
    let (_, stale) = app
        .graphql_as(
            &member,
            EDIT,
            json!({ "i": { "id": id, "version": 1, "title": "Lost update" } }),
        )
        .await;
    assert_eq!(first_error_code(&stale), Some("CONFLICT"), "{stale}");
    let (_, now) = app
        .graphql_as(
            &member,
            "query($id: ID!) { contribution(id: $id) { title version } }",
            json!({ "id": id }),
        )
        .await;
    assert_eq!(
        now["data"]["contribution"],
        json!({ "title": "First edit", "version": 2 })
    );
}

#[tokio::test]
async fn written_comments_only_while_open_and_consultations_only_move_forward() {
    let app = spawn_seeded_app().await;
    let admin = app
        .sign_in_as("sec@un.example", Role::Secretariat, None)
        .await;
    let gov = stakeholder_id(&app, "Government delegation 1").await;
    let member = app
        .sign_in_as("a@gov.example", Role::MemberState, Some(gov))
        .await;
    let consultation = open_consultation(&app, &admin, "closing-soon").await;
    let (_, created) = app
        .graphql_as(&member, CREATE, json!({ "i": { "consultation": consultation, "title": "T", "body": "B", "language": "ar" } }))
        .await;
    let id = created["data"]["contributionCreate"]["contribution"]["id"].clone();

    const ADVANCE: &str = "mutation($id: ID!, $v: Int!) { consultationClose(input: { id: $id, version: $v }) { consultation { status version } userErrors { field message code } } }";
    let (_, closed) = app
        .graphql_as(&admin, ADVANCE, json!({ "id": consultation, "v": 2 }))
        .await;
    assert_eq!(
        closed["data"]["consultationClose"]["consultation"]["status"], "CLOSED",
        "{closed}"
    );
    let (_, again) = app
        .graphql_as(&admin, ADVANCE, json!({ "id": consultation, "v": 3 }))
        .await;
    assert_eq!(
        again["data"]["consultationClose"]["userErrors"][0]["code"], "NOT_ALLOWED",
        "closing twice: {again}"
    );
    let (_, reopen) = app
        .graphql_as(&admin, "mutation($id: ID!) { consultationOpen(input: { id: $id, version: 3 }) { consultation { status } userErrors { code message } } }", json!({ "id": consultation }))
        .await;
    assert_eq!(
        reopen["data"]["consultationOpen"]["userErrors"][0]["code"], "NOT_ALLOWED",
        "never backwards: {reopen}"
    );

    let (_, late) = app
        .graphql_as(&member, SUBMIT, json!({ "id": id, "v": 1 }))
        .await;
    let errors = &late["data"]["contributionSubmit"]["userErrors"];
    assert_eq!(errors[0]["code"], "NOT_ALLOWED", "{late}");
    assert!(errors[0]["message"].as_str().unwrap().contains("CLOSED"));
    let (_, still) = app
        .graphql_as(
            &member,
            "query($id: ID!) { contribution(id: $id) { status } }",
            json!({ "id": id }),
        )
        .await;
    assert_eq!(
        still["data"]["contribution"]["status"], "DRAFT",
        "nothing changed"
    );
}

#[tokio::test]
async fn input_is_validated_at_the_edge() {
    let app = spawn_seeded_app().await;
    let admin = app
        .sign_in_as("sec@un.example", Role::Secretariat, None)
        .await;
    let civil = stakeholder_id(&app, "Civil society organization 1").await;
    let author = app
        .sign_in_as("obs@ngo.example", Role::Observer, Some(civil))
        .await;
    let consultation = open_consultation(&app, &admin, "validation").await;
    let before = entity::contribution::Entity::find()
        .all(&app.db)
        .await
        .unwrap()
        .len();
    let (_, bad) = app
        .graphql_as(&author, CREATE, json!({ "i": { "consultation": consultation, "title": "  ", "body": "", "language": "english!" } }))
        .await;
    let fields: Vec<Value> = bad["data"]["contributionCreate"]["userErrors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"][1].clone())
        .collect();
    assert_eq!(
        fields,
        vec![json!("title"), json!("body"), json!("language")],
        "{bad}"
    );
    // Observers may not restrict to member states.
    let (_, restricted) = app
        .graphql_as(&author, CREATE, json!({ "i": { "consultation": consultation, "title": "T", "body": "B", "language": "zh-Hans", "visibility": "MEMBER_STATES" } }))
        .await;
    assert_eq!(first_error_code(&restricted), Some("FORBIDDEN"));
    let after = entity::contribution::Entity::find()
        .all(&app.db)
        .await
        .unwrap()
        .len();
    assert_eq!(after, before, "nothing was written");
}

#[tokio::test]
async fn the_secretariat_records_meeting_contributions_and_authors_tag_their_own() {
    let app = spawn_seeded_app().await;
    let admin = app
        .sign_in_as("sec@un.example", Role::Secretariat, None)
        .await;
    let gov_a = stakeholder_id(&app, "Government delegation 1").await;
    let gov_b = stakeholder_id(&app, "Government delegation 2").await;
    let member_a = app
        .sign_in_as("a@gov.example", Role::MemberState, Some(gov_a))
        .await;
    let member_b = app
        .sign_in_as("b@gov.example", Role::MemberState, Some(gov_b))
        .await;
    let ids = app.data("{ consultations { nodes { meetings { nodes { id } } } } policyIssues(first: 1) { nodes { id } } mechanisms(first: 1) { nodes { id } } }", json!({})).await;
    let meeting = ids["consultations"]["nodes"][0]["meetings"]["nodes"][0]["id"].clone();
    let sid =
        |id: i64| concord::ids::GlobalId::new(concord::ids::NodeType::Stakeholder, id).encode();

    const RECORD: &str = "mutation($i: ContributionRecordInput!) { contributionRecord(input: $i) { contribution { id version status kind onBehalfOfGroup meeting { venue } } receipt { contentHash } userErrors { field code } } }";
    let input = json!({ "i": { "meeting": meeting, "stakeholder": sid(gov_a), "kind": "PRESENTATION", "onBehalfOfGroup": "GOVERNMENT", "title": "Statement", "body": "Text of the statement.", "language": "es" } });
    let (_, refused) = app.graphql_as(&member_a, RECORD, input.clone()).await;
    assert_eq!(
        first_error_code(&refused),
        Some("FORBIDDEN"),
        "only the secretariat records"
    );
    let (_, recorded) = app.graphql_as(&admin, RECORD, input).await;
    let c = recorded["data"]["contributionRecord"]["contribution"].clone();
    assert_eq!(c["kind"], "PRESENTATION", "{recorded}");
    assert_eq!(c["onBehalfOfGroup"], "GOVERNMENT");
    assert_eq!(c["meeting"]["venue"], "New York");

    let at_item = |item: i64| json!({ "i": { "meeting": meeting, "stakeholder": sid(gov_b), "kind": "INFORMAL_INTERVENTION", "title": "From the floor", "body": "B", "language": "en", "agendaItem": item } });
    let (_, discussion) = app
        .graphql_as(&admin, "mutation($i: ContributionRecordInput!) { contributionRecord(input: $i) { contribution { agendaItem } userErrors { field code } } }", at_item(1))
        .await;
    assert_eq!(
        discussion["data"]["contributionRecord"]["contribution"]["agendaItem"], "open discussion",
        "{discussion}"
    );
    let (_, nowhere) = app
        .graphql_as(&admin, "mutation($i: ContributionRecordInput!) { contributionRecord(input: $i) { contribution { id } userErrors { field code } } }", at_item(7))
        .await;
    assert_eq!(
        nowhere["data"]["contributionRecord"]["userErrors"][0],
        json!({ "field": ["input", "agendaItem"], "code": "INVALID" })
    );

    const TAG: &str = "mutation($i: ContributionTagInput!) { contributionTag(input: $i) { contribution { version issues { nodes { id } } mechanisms { nodes { stance } } } userErrors { code } } }";
    let tag = |v: i64| json!({ "i": { "id": c["id"], "version": v, "issues": [ids["policyIssues"]["nodes"][0]["id"]], "mechanisms": [{ "mechanism": ids["mechanisms"]["nodes"][0]["id"], "stance": "PROPOSES" }] } });
    let (_, other) = app.graphql_as(&member_b, TAG, tag(1)).await;
    assert!(
        matches!(
            first_error_code(&other),
            Some("FORBIDDEN") | Some("NOT_FOUND")
        ),
        "not B's to tag: {other}"
    );
    let (_, tagged) = app.graphql_as(&member_a, TAG, tag(1)).await;
    let t = &tagged["data"]["contributionTag"]["contribution"];
    assert_eq!(
        t["mechanisms"]["nodes"][0]["stance"], "PROPOSES",
        "{tagged}"
    );
    assert_eq!(t["issues"]["nodes"].as_array().unwrap().len(), 1);

    // Its stakeholder may tag it, but withdrawing a meeting record is the secretariat's.
    let version = t["version"].clone();
    let (_, withdraw) = app
        .graphql_as(
            &member_a,
            "mutation($id: ID!, $v: Int!) { contributionWithdraw(input: { id: $id, version: $v, reason: \"no\" }) { contribution { status } } }",
            json!({ "id": c["id"], "v": version }),
        )
        .await;
    assert_eq!(first_error_code(&withdraw), Some("FORBIDDEN"), "{withdraw}");
}

#[tokio::test]
async fn of_two_concurrent_edits_at_one_version_exactly_one_wins() {
    let app = spawn_seeded_app().await;
    let admin = app
        .sign_in_as("sec@un.example", Role::Secretariat, None)
        .await;
    let gov = stakeholder_id(&app, "Government delegation 1").await;
    let member = app
        .sign_in_as("a@gov.example", Role::MemberState, Some(gov))
        .await;
    let consultation = open_consultation(&app, &admin, "race").await;
    let (_, created) = app
        .graphql_as(&member, CREATE, json!({ "i": { "consultation": consultation, "title": "T", "body": "B", "language": "en" } }))
        .await;
    let id = created["data"]["contributionCreate"]["contribution"]["id"].clone();

    let edit = |title: &'static str| {
        app.graphql_as(
            &member,
            EDIT,
            json!({ "i": { "id": id, "version": 1, "title": title } }),
        )
    };
    let (left, right) = tokio::join!(edit("Left"), edit("Right"));
    let outcomes: Vec<Option<&str>> = [&left.1, &right.1]
        .iter()
        .map(|b| first_error_code(b))
        .collect();
    let wins = outcomes.iter().filter(|o| o.is_none()).count();
    let conflicts = outcomes.iter().filter(|o| **o == Some("CONFLICT")).count();
    assert_eq!((wins, conflicts), (1, 1), "{left:?} {right:?}");
    let (_, now) = app
        .graphql_as(
            &member,
            "query($id: ID!) { contribution(id: $id) { title version } }",
            json!({ "id": id }),
        )
        .await;
    let winner = if outcomes[0].is_none() {
        "Left"
    } else {
        "Right"
    };
    assert_eq!(
        now["data"]["contribution"],
        json!({ "title": winner, "version": 2 })
    );
}

#[tokio::test]
async fn twenty_concurrent_retries_with_one_idempotency_key_create_one_contribution() {
    let app = spawn_seeded_app().await;
    let admin = app
        .sign_in_as("sec@un.example", Role::Secretariat, None)
        .await;
    let gov = stakeholder_id(&app, "Government delegation 1").await;
    let member = app
        .sign_in_as("a@gov.example", Role::MemberState, Some(gov))
        .await;
    let consultation = open_consultation(&app, &admin, "retries").await;
    let before = entity::contribution::Entity::find()
        .all(&app.db)
        .await
        .unwrap()
        .len();
    let body = json!({ "query": CREATE, "variables": { "i": { "consultation": consultation, "title": "Once", "body": "Only once.", "language": "en" } } });
    let send = |key: &'static str, body: Value| {
        app.client
            .post(app.url("/graphql"))
            .bearer_auth(&member)
            .header("idempotency-key", key)
            .json(&body)
            .send()
    };

    let responses = async_graphql::futures_util::future::join_all(
        (0..20).map(|_| send("create-once-1", body.clone())),
    )
    .await;
    let mut ids = Vec::new();
    let mut replayed = 0;
    for response in responses {
        let response = response.unwrap();
        assert_eq!(response.status(), 200);
        replayed += usize::from(response.headers().get("idempotent-replayed").is_some());
        let b: Value = response.json().await.unwrap();
        ids.push(b["data"]["contributionCreate"]["contribution"]["id"].clone());
    }
    assert!(
        ids.iter().all(|id| id == &ids[0] && id.is_string()),
        "every retry answers the first result: {ids:?}"
    );
    assert_eq!(replayed, 19, "all but the first are replays");
    let after = entity::contribution::Entity::find()
        .all(&app.db)
        .await
        .unwrap()
        .len();
    assert_eq!(after, before + 1, "one contribution");

    let mut other = body.clone();
    other["variables"]["i"]["title"] = json!("Something else");
    let reused = send("create-once-1", other).await.unwrap();
    assert_eq!(reused.status(), 422);
    let b: Value = reused.json().await.unwrap();
    assert_eq!(first_error_code(&b), Some("IDEMPOTENCY_KEY_REUSED"));
    assert_eq!(
        entity::contribution::Entity::find()
            .all(&app.db)
            .await
            .unwrap()
            .len(),
        before + 1,
        "nothing new"
    );
}

#[tokio::test]
async fn a_mirror_keeps_in_sync_with_updated_since_and_tombstones() {
    let app = spawn_seeded_app().await;
    let admin = app
        .sign_in_as("sec@un.example", Role::Secretariat, None)
        .await;
    let gov = stakeholder_id(&app, "Government delegation 1").await;
    let member = app
        .sign_in_as("a@gov.example", Role::MemberState, Some(gov))
        .await;
    let consultation = open_consultation(&app, &admin, "mirror").await;
    let since = chrono::Utc::now() - chrono::Duration::seconds(1);
    const CHANGED: &str =
        "query($f: ContributionFilter) { contributions(filter: $f) { totalCount nodes { id } } }";
    const TOMBSTONES: &str = "query($c: ID, $s: DateTime) { contributionTombstones(consultation: $c, since: $s) { totalCount nodes { id contributionId reason } } }";
    let changed = app
        .data(
            CHANGED,
            json!({ "f": { "consultation": consultation, "updatedSince": since.to_rfc3339() } }),
        )
        .await;
    assert_eq!(changed["contributions"]["totalCount"], 0);

    let mut ids = Vec::new();
    for visibility in ["PUBLIC", "MEMBER_STATES"] {
        let (_, created) = app
            .graphql_as(&member, CREATE, json!({ "i": { "consultation": consultation, "title": "T", "body": "B", "language": "en", "visibility": visibility } }))
            .await;
        let id = created["data"]["contributionCreate"]["contribution"]["id"].clone();
        app.graphql_as(&member, SUBMIT, json!({ "id": id, "v": 1 }))
            .await;
        let (_, published) = app
            .graphql_as(&admin, PUBLISH, json!({ "id": id, "v": 2 }))
            .await;
        assert_eq!(
            published["data"]["contributionPublish"]["contribution"]["status"],
            "PUBLISHED"
        );
        ids.push(id);
    }
    let changed = app
        .data(
            CHANGED,
            json!({ "f": { "consultation": consultation, "updatedSince": since.to_rfc3339() } }),
        )
        .await;
    assert_eq!(
        changed["contributions"]["nodes"],
        json!([{ "id": ids[0] }]),
        "anonymous mirrors see the public one"
    );

    const UNPUBLISH: &str = "mutation($id: ID!, $v: Int!) { contributionUnpublish(input: { id: $id, version: $v }) { contribution { status } userErrors { message } } }";
    for id in &ids {
        app.graphql_as(&admin, UNPUBLISH, json!({ "id": id, "v": 3 }))
            .await;
    }
    let anonymous = app
        .data(
            TOMBSTONES,
            json!({ "c": consultation, "s": since.to_rfc3339() }),
        )
        .await;
    assert_eq!(
        anonymous["contributionTombstones"]["totalCount"], 1,
        "only the public one's departure is public"
    );
    assert_eq!(
        anonymous["contributionTombstones"]["nodes"][0]["contributionId"],
        ids[0]
    );
    assert_eq!(
        anonymous["contributionTombstones"]["nodes"][0]["reason"],
        "UNPUBLISHED"
    );
    let (_, as_member) = app
        .graphql_as(
            &member,
            TOMBSTONES,
            json!({ "c": consultation, "s": since.to_rfc3339() }),
        )
        .await;
    assert_eq!(as_member["data"]["contributionTombstones"]["totalCount"], 2);
    let tombstone_id = anonymous["contributionTombstones"]["nodes"][0]["id"].clone();
    let node = app
        .data(
            "query($id: ID!) { node(id: $id) { __typename } }",
            json!({ "id": tombstone_id }),
        )
        .await;
    assert_eq!(node["node"]["__typename"], "ContributionTombstone");
    // Drafts never published leave no tombstone when withdrawn.
    let (_, draft) = app
        .graphql_as(&member, CREATE, json!({ "i": { "consultation": consultation, "title": "T", "body": "B", "language": "en" } }))
        .await;
    let draft_id = draft["data"]["contributionCreate"]["contribution"]["id"].clone();
    app.graphql_as(&member, "mutation($id: ID!) { contributionWithdraw(input: { id: $id, version: 1, reason: \"x\" }) { contribution { status } } }", json!({ "id": draft_id })).await;
    let (_, after) = app
        .graphql_as(&member, TOMBSTONES, json!({ "c": consultation }))
        .await;
    assert_eq!(after["data"]["contributionTombstones"]["totalCount"], 2);
}

#[tokio::test]
async fn non_attributed_contributions_count_under_their_group_only() {
    let app = spawn_seeded_app().await;
    let admin = app
        .sign_in_as("sec@un.example", Role::Secretariat, None)
        .await;
    let gov = stakeholder_id(&app, "Government delegation 1").await;
    let member = app
        .sign_in_as("a@gov.example", Role::MemberState, Some(gov))
        .await;
    let consultation = open_consultation(&app, &admin, "unnamed").await;
    let (_, created) = app
        .graphql_as(&member, CREATE, json!({ "i": { "consultation": consultation, "title": "Unnamed", "body": "B", "language": "en", "attributed": false } }))
        .await;
    let id = created["data"]["contributionCreate"]["contribution"]["id"].clone();
    app.graphql_as(&member, SUBMIT, json!({ "id": id, "v": 1 }))
        .await;
    app.graphql_as(&admin, PUBLISH, json!({ "id": id, "v": 2 }))
        .await;

    const READ: &str =
        "query($id: ID!) { contribution(id: $id) { attributed group stakeholder { name } } }";
    let anonymous = app.data(READ, json!({ "id": id })).await;
    assert_eq!(
        anonymous["contribution"],
        json!({ "attributed": false, "group": "GOVERNMENT", "stakeholder": null })
    );
    let (_, own) = app.graphql_as(&member, READ, json!({ "id": id })).await;
    assert_eq!(
        own["data"]["contribution"]["stakeholder"]["name"],
        "Government delegation 1"
    );

    let sid = concord::ids::GlobalId::new(concord::ids::NodeType::Stakeholder, gov).encode();
    const BY_STAKEHOLDER: &str = "query($s: ID!, $c: ID!) { stakeholder(id: $s) { contributions(filter: { consultation: $c }) { totalCount } } contributions(filter: { stakeholder: $s, consultation: $c }) { totalCount } consultation(id: $c) { statistics { total } } }";
    let vars = json!({ "s": sid, "c": consultation });
    let anonymous = app.data(BY_STAKEHOLDER, vars.clone()).await;
    assert_eq!(
        anonymous["stakeholder"]["contributions"]["totalCount"], 0,
        "not listed under its stakeholder"
    );
    assert_eq!(anonymous["contributions"]["totalCount"], 0);
    assert_eq!(
        anonymous["consultation"]["statistics"]["total"], 1,
        "but counted"
    );
    let (_, own) = app.graphql_as(&member, BY_STAKEHOLDER, vars).await;
    assert_eq!(own["data"]["stakeholder"]["contributions"]["totalCount"], 1);

    let csv = app
        .client
        .get(app.url(&format!(
            "/consultations/{}/contributions.ndjson",
            consultation.as_str().unwrap()
        )))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let row: Value = serde_json::from_str(csv.lines().next().unwrap()).unwrap();
    assert_eq!(
        (row["stakeholder"].as_str(), row["group"].as_str()),
        (Some(""), Some("GOVERNMENT"))
    );
}

#[tokio::test]
async fn embargoed_contributions_are_published_when_the_consultation_closes() {
    let app = spawn_seeded_app().await;
    let admin = app
        .sign_in_as("sec@un.example", Role::Secretariat, None)
        .await;
    let civil = stakeholder_id(&app, "Civil society organization 1").await;
    let author = app
        .sign_in_as("obs@ngo.example", Role::Observer, Some(civil))
        .await;
    let consultation = open_consultation(&app, &admin, "embargo").await;
    let (_, created) = app
        .graphql_as(&author, CREATE, json!({ "i": { "consultation": consultation, "title": "Held", "body": "B", "language": "en", "embargoed": true } }))
        .await;
    let id = created["data"]["contributionCreate"]["contribution"]["id"].clone();
    app.graphql_as(&author, SUBMIT, json!({ "id": id, "v": 1 }))
        .await;
    let (_, early) = app
        .graphql_as(&admin, PUBLISH, json!({ "id": id, "v": 2 }))
        .await;
    assert_eq!(
        early["data"]["contributionPublish"]["userErrors"][0]["code"], "NOT_ALLOWED",
        "{early}"
    );
    let hidden = app
        .graphql(
            "query($id: ID!) { contribution(id: $id) { id } }",
            json!({ "id": id }),
        )
        .await;
    assert_eq!(first_error_code(&hidden), Some("NOT_FOUND"));

    let (_, closed) = app
        .graphql_as(&admin, "mutation($id: ID!) { consultationClose(input: { id: $id, version: 2 }) { consultation { status } userErrors { message } } }", json!({ "id": consultation }))
        .await;
    assert_eq!(
        closed["data"]["consultationClose"]["consultation"]["status"], "CLOSED",
        "{closed}"
    );
    let released = app
        .data(
            "query($id: ID!) { contribution(id: $id) { status publishedAt } }",
            json!({ "id": id }),
        )
        .await;
    assert_eq!(released["contribution"]["status"], "PUBLISHED");
    let (_, log) = app
        .graphql_as(
            &admin,
            "{ auditEvents(filter: { action: \"contribution.embargo_release\" }) { totalCount } }",
            json!({}),
        )
        .await;
    assert_eq!(log["data"]["auditEvents"]["totalCount"], 1);
}

#[tokio::test]
async fn a_mutation_failing_midway_leaves_no_partial_write() {
    use sea_orm::ConnectionTrait;
    let app = spawn_seeded_app().await;
    let admin = app
        .sign_in_as("sec@un.example", Role::Secretariat, None)
        .await;
    let gov = stakeholder_id(&app, "Government delegation 1").await;
    let member = app
        .sign_in_as("a@gov.example", Role::MemberState, Some(gov))
        .await;
    let consultation = open_consultation(&app, &admin, "midway").await;
    let (_, created) = app
        .graphql_as(&member, CREATE, json!({ "i": { "consultation": consultation, "title": "T", "body": "B", "language": "en" } }))
        .await;
    let id = created["data"]["contributionCreate"]["contribution"]["id"].clone();

    // Make the audit write (the last step of a submission) fail, after the status change.
    let sql: &[&str] = match app.db.get_database_backend() {
        sea_orm::DbBackend::Postgres => &[
            "CREATE FUNCTION concord_fail() RETURNS trigger AS $$ BEGIN RAISE EXCEPTION 'injected failure'; END $$ LANGUAGE plpgsql",
            "CREATE TRIGGER concord_fail BEFORE INSERT ON audit_event FOR EACH ROW WHEN (NEW.action = 'contribution.submit') EXECUTE FUNCTION concord_fail()",
        ],
        _ => &[
            "CREATE TRIGGER concord_fail BEFORE INSERT ON audit_event WHEN NEW.action = 'contribution.submit' BEGIN SELECT RAISE(ABORT, 'injected failure'); END",
        ],
    };
    for statement in sql {
        app.db.execute_unprepared(statement).await.unwrap();
    }
    let (_, failed) = app
        .graphql_as(&member, SUBMIT, json!({ "id": id, "v": 1 }))
        .await;
    assert_eq!(
        first_error_code(&failed),
        Some("INTERNAL_SERVER_ERROR"),
        "{failed}"
    );
    assert!(
        !failed.to_string().contains("injected failure"),
        "internal causes stay internal"
    );
    let (_, still) = app
        .graphql_as(
            &member,
            "query($id: ID!) { contribution(id: $id) { status version submittedAt } }",
            json!({ "id": id }),
        )
        .await;
    assert_eq!(
        still["data"]["contribution"],
        json!({ "status": "DRAFT", "version": 1, "submittedAt": null }),
        "nothing of the submission remains"
    );
}

#[tokio::test]
async fn the_secretariat_edits_the_catalogue_at_the_version_it_saw() {
    let app = spawn_seeded_app().await;
    let admin = app
        .sign_in_as("sec@un.example", Role::Secretariat, None)
        .await;
    let ids = app
        .data(
            r#"{ consultations { nodes { id version meetings { nodes { id version } } } }
                 stakeholders(first: 1) { nodes { id version } }
                 policyIssues(first: 1) { nodes { id version } }
                 mechanisms(filter: { statuses: [PROPOSED] }, first: 1) { nodes { id version } } }"#,
            json!({}),
        )
        .await;
    let c = &ids["consultations"]["nodes"][0];
    let cases = [
        (
            "consultationUpdate",
            "consultation",
            json!({ "id": c["id"], "version": c["version"], "title": "Renamed" }),
        ),
        (
            "meetingUpdate",
            "meeting",
            json!({ "id": c["meetings"]["nodes"][0]["id"], "version": 1, "venue": "United Nations Headquarters, New York" }),
        ),
        (
            "stakeholderUpdate",
            "stakeholder",
            json!({ "id": ids["stakeholders"]["nodes"][0]["id"], "version": 1, "website": "https://www.icann.org" }),
        ),
        (
            "policyIssueUpdate",
            "policyIssue",
            json!({ "id": ids["policyIssues"]["nodes"][0]["id"], "version": 1, "description": "Security of the Internet." }),
        ),
        (
            "mechanismUpdate",
            "mechanism",
            json!({ "id": ids["mechanisms"]["nodes"][0]["id"], "version": 1, "status": "EXISTING" }),
        ),
    ];
    let input_type = |m: &str| format!("{}{}Input", m[..1].to_uppercase(), &m[1..]);
    for (mutation, field, input) in cases {
        let q = format!(
            "mutation($i: {}!) {{ {mutation}(input: $i) {{ {field} {{ version }} userErrors {{ field message code }} }} }}",
            input_type(mutation)
        );
        let (_, first) = app.graphql_as(&admin, &q, json!({ "i": input })).await;
        assert_eq!(
            first["data"][mutation][field]["version"], 2,
            "{mutation}: {first}"
        );
        let (_, stale) = app.graphql_as(&admin, &q, json!({ "i": input })).await;
        assert_eq!(
            first_error_code(&stale),
            Some("CONFLICT"),
            "{mutation} again at version 1: {stale}"
        );
    }
    let mechanism = ids["mechanisms"]["nodes"][0]["id"].clone();
    let issue = ids["policyIssues"]["nodes"][0]["id"].clone();
    let (_, linked) = app
        .graphql_as(
            &admin,
            "mutation($i: MechanismUpdateInput!) { mechanismUpdate(input: $i) { mechanism { version functions issues { nodes { id } } } userErrors { message } } }",
            json!({ "i": { "id": mechanism, "version": 2, "functions": ["LEGAL", "CONSULTATIVE"], "issues": [issue] } }),
        )
        .await;
    assert_eq!(
        linked["data"]["mechanismUpdate"]["mechanism"],
        json!({ "version": 3, "functions": ["LEGAL", "CONSULTATIVE"], "issues": { "nodes": [{ "id": issue }] } }),
        "{linked}"
    );
    let bad = app
        .graphql_as(&admin, "mutation($i: ConsultationUpdateInput!) { consultationUpdate(input: $i) { userErrors { field code } } }", json!({ "i": { "id": c["id"], "version": 2, "closesAt": "2000-01-01T00:00:00Z" } }))
        .await
        .1;
    assert_eq!(
        bad["data"]["consultationUpdate"]["userErrors"][0],
        json!({ "field": ["input", "closesAt"], "code": "INVALID" })
    );
    let member = app
        .sign_in_as(
            "m@gov.example",
            Role::MemberState,
            Some(stakeholder_id(&app, "Government delegation 1").await),
        )
        .await;
    let (_, refused) = app
        .graphql_as(&member, "mutation($i: ConsultationUpdateInput!) { consultationUpdate(input: $i) { userErrors { code } } }", json!({ "i": { "id": c["id"], "version": 2, "title": "Mine" } }))
        .await;
    assert_eq!(first_error_code(&refused), Some("FORBIDDEN"));
}

#[tokio::test]
async fn of_twenty_concurrent_revisions_at_one_version_one_wins_and_the_rest_conflict() {
    let app = spawn_seeded_app().await;
    let (_, member, consultation) = secretariat_member_and_consultation(&app, "revisions").await;
    let (_, created) = app
        .graphql_as(&member, CREATE, json!({ "i": { "consultation": consultation, "title": "T", "body": "B", "language": "en" } }))
        .await;
    let id = created["data"]["contributionCreate"]["contribution"]["id"].clone();
    app.graphql_as(&member, SUBMIT, json!({ "id": id, "v": 1 }))
        .await;

    // Submitted: every edit would be revision 2.
    let edits = (0..20).map(|n| {
        app.graphql_as(
            &member,
            EDIT,
            json!({ "i": { "id": id, "version": 2, "body": format!("Revision by writer {n}") } }),
        )
    });
    let results = async_graphql::futures_util::future::join_all(edits).await;
    let codes: Vec<Option<String>> = results
        .iter()
        .map(|(_, body)| first_error_code(body).map(str::to_owned))
        .collect();
    let wins = codes.iter().filter(|c| c.is_none()).count();
    let conflicts = codes
        .iter()
        .filter(|c| c.as_deref() == Some("CONFLICT"))
        .count();
    assert_eq!((wins, conflicts), (1, 19), "{codes:?}");
    let (_, now) = app
        .graphql_as(
            &member,
            "query($id: ID!) { contribution(id: $id) { version revisions { totalCount } } }",
            json!({ "id": id }),
        )
        .await;
    assert_eq!(
        now["data"]["contribution"],
        json!({ "version": 3, "revisions": { "totalCount": 2 } })
    );
}

#[tokio::test]
async fn dates_outside_years_1_to_9999_are_refused_at_the_edge() {
    let app = spawn_seeded_app().await;
    let admin = app
        .sign_in_as("sec@un.example", Role::Secretariat, None)
        .await;
    let far = "-100000-01-01T00:00:00Z";
    let (_, created) = app
        .graphql_as(
            &admin,
            "mutation($i: ConsultationCreateInput!) { consultationCreate(input: $i) { consultation { id } userErrors { field code } } }",
            json!({ "i": { "slug": "far", "title": "Far", "mandate": "M", "guidingQuestions": [], "opensAt": far, "closesAt": "2030-01-01T00:00:00Z" } }),
        )
        .await;
    assert_eq!(
        created["data"]["consultationCreate"],
        json!({ "consultation": null, "userErrors": [{ "field": ["input", "opensAt"], "code": "INVALID" }] }),
        "{created}"
    );
    let consultation = open_consultation(&app, &admin, "near").await;
    let (_, meeting) = app
        .graphql_as(
            &admin,
            "mutation($c: ID!) { meetingCreate(input: { consultation: $c, title: \"T\", venue: \"V\", heldOn: \"0000-12-31\" }) { meeting { id } userErrors { field code } } }",
            json!({ "c": consultation }),
        )
        .await;
    assert_eq!(
        meeting["data"]["meetingCreate"],
        json!({ "meeting": null, "userErrors": [{ "field": ["input", "heldOn"], "code": "INVALID" }] }),
        "{meeting}"
    );
    for query in [
        "query($t: DateTime) { contributions(filter: { updatedSince: $t }) { totalCount } }",
        "query($t: DateTime) { contributionTombstones(since: $t) { totalCount } }",
    ] {
        let body = app.graphql(query, json!({ "t": far })).await;
        assert_eq!(
            first_error_code(&body),
            Some("BAD_USER_INPUT"),
            "{query}: {body}"
        );
    }
    let (_, audit) = app
        .graphql_as(
            &admin,
            "query($t: DateTime) { auditEvents(filter: { occurredBefore: $t }) { totalCount } }",
            json!({ "t": far }),
        )
        .await;
    assert_eq!(first_error_code(&audit), Some("BAD_USER_INPUT"), "{audit}");
}

#[tokio::test]
async fn a_closing_never_misses_an_embargoed_submission() {
    let app = spawn_seeded_app().await;
    let (admin, member, consultation) =
        secretariat_member_and_consultation(&app, "closing-race").await;
    let mut drafts = Vec::new();
    for n in 0..24 {
        let (_, created) = app
            .graphql_as(&member, CREATE, json!({ "i": { "consultation": consultation, "title": format!("Embargoed {n}"), "body": "B", "language": "en", "embargoed": true } }))
            .await;
        drafts.push(created["data"]["contributionCreate"]["contribution"]["id"].clone());
    }
    let close = async {
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
        app.graphql_as(&admin, "mutation($id: ID!) { consultationClose(input: { id: $id, version: 2 }) { consultation { status } } }", json!({ "id": consultation }))
            .await
    };
    let submits = drafts
        .iter()
        .map(|id| app.graphql_as(&member, SUBMIT, json!({ "id": id, "v": 1 })));
    let (closed, submitted) = tokio::join!(
        close,
        async_graphql::futures_util::future::join_all(submits)
    );
    assert_eq!(
        closed.1["data"]["consultationClose"]["consultation"]["status"], "CLOSED",
        "{}",
        closed.1
    );
    for (id, (_, answer)) in drafts.iter().zip(&submitted) {
        let accepted = answer["data"]["contributionSubmit"]["contribution"].is_object();
        let (_, now) = app
            .graphql_as(
                &admin,
                "query($id: ID!) { contribution(id: $id) { status } }",
                json!({ "id": id }),
            )
            .await;
        let status = now["data"]["contribution"]["status"].clone();
        if accepted {
            assert_eq!(
                status, "PUBLISHED",
                "submitted before the closing, released by it: {answer}"
            );
        } else {
            assert_eq!(
                answer["data"]["contributionSubmit"]["userErrors"][0]["code"], "NOT_ALLOWED",
                "{answer}"
            );
            assert_eq!(status, "DRAFT");
        }
    }
}

#[tokio::test]
async fn a_keyed_mutation_whose_answer_cannot_be_stored_leaves_nothing_and_its_retry_runs_once() {
    let app = spawn_seeded_app().await;
    let (_, member, consultation) = secretariat_member_and_consultation(&app, "keyed").await;
    let body = json!({ "query": CREATE, "variables": { "i": { "consultation": consultation, "title": "Kept once", "body": "B", "language": "en" } } })
        .to_string();
    let send = || {
        let request = app
            .client
            .post(app.url("/graphql"))
            .bearer_auth(&member)
            .header("content-type", "application/json")
            .header("idempotency-key", "once")
            .body(body.clone());
        async move {
            let response = request.send().await.unwrap();
            let replayed = response.headers().contains_key("idempotent-replayed");
            (
                response.status().as_u16(),
                replayed,
                response.json::<Value>().await.unwrap(),
            )
        }
    };
    let kept = || async {
        entity::contribution::Entity::find()
            .filter(entity::contribution::Column::Title.eq("Kept once"))
            .all(&app.db)
            .await
            .unwrap()
            .len()
    };

    // The answer cannot be stored (as when the process dies after the change): then
    // the change is not kept either, and the caller is told to retry.
    crate::sessions::break_table(&app, "idempotency_key", "UPDATE").await;
    let (status, _, failed) = send().await;
    assert_eq!(status, 500, "{failed}");
    assert_eq!(first_error_code(&failed), Some("INTERNAL_SERVER_ERROR"));
    assert_eq!(kept().await, 0, "the change went with the claim");
    crate::sessions::heal(&app, "idempotency_key").await;

    let (status, replayed, first) = send().await;
    assert_eq!((status, replayed), (200, false), "the retry runs: {first}");
    assert!(
        first["data"]["contributionCreate"]["contribution"]["id"].is_string(),
        "{first}"
    );
    let (status, replayed, again) = send().await;
    assert_eq!((status, replayed), (200, true));
    assert_eq!(again, first);
    assert_eq!(kept().await, 1, "applied once");

    // A failure inside the mutation: the answer says nothing was kept, and nothing was.
    crate::sessions::break_table(&app, "audit_event", "INSERT").await;
    let other = json!({ "query": CREATE, "variables": { "i": { "consultation": consultation, "title": "Never kept", "body": "B", "language": "en" } } })
        .to_string();
    let response = app
        .client
        .post(app.url("/graphql"))
        .bearer_auth(&member)
        .header("content-type", "application/json")
        .header("idempotency-key", "midway")
        .body(other)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 500);
    let failed: Value = response.json().await.unwrap();
    assert!(
        failed.get("data").is_none(),
        "no result to believe in: {failed}"
    );
    assert!(
        failed["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("nothing of it was kept")
    );
    crate::sessions::heal(&app, "audit_event").await;
}
