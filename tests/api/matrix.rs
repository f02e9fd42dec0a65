//! The role table (written out in `src/policy.rs`), checked through HTTP for every principal: the read rows
//! and the write rows, each test printing the matrix it checked.

use crate::helpers::{TestApp, spawn_seeded_app};
use entity::enums::Role;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};
use serde_json::{Value, json};

const PRINCIPALS: [&str; 7] = [
    "anonymous",
    "observer",
    "member A",
    "member B",
    "secretariat",
    "read client",
    "submit client",
];

pub(crate) async fn stakeholder(app: &TestApp, name: &str) -> i64 {
    entity::stakeholder::Entity::find()
        .filter(entity::stakeholder::Column::Name.eq(name))
        .one(&app.db)
        .await
        .unwrap()
        .unwrap()
        .id
}

/// The first contribution of a stakeholder, set to `status` and `visibility`.
pub(crate) async fn contribution(
    app: &TestApp,
    stakeholder_id: i64,
    status: &str,
    visibility: &str,
) -> String {
    let row = entity::contribution::Entity::find()
        .filter(entity::contribution::Column::StakeholderId.eq(stakeholder_id))
        .order_by_asc(entity::contribution::Column::Id)
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    app.db
        .execute_unprepared(&format!("UPDATE contribution SET status = '{status}', visibility = '{visibility}' WHERE id = {}", row.id))
        .await
        .unwrap();
    concord::ids::GlobalId::new(concord::ids::NodeType::Contribution, row.id).encode()
}

pub(crate) async fn client_token(
    app: &TestApp,
    admin: &str,
    stakeholder_id: i64,
    role: &str,
    scopes: &[&str],
) -> String {
    let sid =
        concord::ids::GlobalId::new(concord::ids::NodeType::Stakeholder, stakeholder_id).encode();
    let (_, created) = app
        .graphql_as(
            admin,
            "mutation($i: ApiClientCreateInput!) { apiClientCreate(input: $i) { apiClient { clientId } clientSecret } }",
            json!({ "i": { "name": "client", "stakeholder": sid, "role": role, "scopes": scopes.iter().map(|s| s.to_uppercase()).collect::<Vec<_>>() } }),
        )
        .await;
    let p = &created["data"]["apiClientCreate"];
    let response = app
        .client
        .post(app.url("/oauth/token"))
        .basic_auth(
            p["apiClient"]["clientId"].as_str().unwrap(),
            p["clientSecret"].as_str(),
        )
        .header("content-type", "application/x-www-form-urlencoded")
        .body("grant_type=client_credentials")
        .send()
        .await
        .unwrap();
    let body: Value = response.json().await.unwrap();
    body["access_token"].as_str().unwrap().to_owned()
}

/// Runs a query as a principal (`None`: anonymous); returns the body.
async fn as_principal(app: &TestApp, token: Option<&str>, query: &str, vars: Value) -> Value {
    match token {
        Some(t) => app.graphql_as(t, query, vars).await.1,
        None => app.graphql(query, vars).await,
    }
}

fn allowed_read(body: &Value, field: &str) -> bool {
    body.get("errors").is_none() && !body["data"][field].is_null()
}

#[tokio::test]
async fn the_role_table_holds_for_every_principal() {
    let app = spawn_seeded_app().await;
    let gov_a = stakeholder(&app, "Government delegation 1").await;
    let gov_b = stakeholder(&app, "Government delegation 2").await;
    let civil = stakeholder(&app, "Civil society organization 1").await;

    let public = contribution(
        &app,
        stakeholder(&app, "Government delegation 5").await,
        "PUBLISHED",
        "PUBLIC",
    )
    .await;
    let member_states = contribution(
        &app,
        stakeholder(&app, "Government delegation 3").await,
        "PUBLISHED",
        "MEMBER_STATES",
    )
    .await;
    let draft_a = contribution(&app, gov_a, "DRAFT", "PUBLIC").await;
    let submitted_b = contribution(&app, gov_b, "SUBMITTED", "MEMBER_STATES").await;
    let draft_civil = contribution(&app, civil, "DRAFT", "PUBLIC").await;

    let admin = app
        .sign_in_as("sec@un.example", Role::Secretariat, None)
        .await;
    let tokens: Vec<Option<String>> = vec![
        None,
        Some(
            app.sign_in_as("obs@un.example", Role::Observer, Some(civil))
                .await,
        ),
        Some(
            app.sign_in_as("a@gov.example", Role::MemberState, Some(gov_a))
                .await,
        ),
        Some(
            app.sign_in_as("b@gov.example", Role::MemberState, Some(gov_b))
                .await,
        ),
        Some(admin.clone()),
        Some(client_token(&app, &admin, gov_a, "MEMBER_STATE", &["read"]).await),
        Some(client_token(&app, &admin, civil, "OBSERVER", &["read", "submit"]).await),
    ];

    const NODE: &str = "query($id: ID!) { node(id: $id) { id } }";
    // (action, expected per principal, how to check one principal)
    type Check = Box<
        dyn Fn(
            &TestApp,
            Option<String>,
        ) -> std::pin::Pin<Box<dyn std::future::Future<Output = bool> + '_>>,
    >;
    let node_check = |id: String| -> Check {
        Box::new(move |app, token| {
            let id = id.clone();
            Box::pin(async move {
                allowed_read(
                    &as_principal(app, token.as_deref(), NODE, json!({ "id": id })).await,
                    "node",
                )
            })
        })
    };
    let rows: Vec<(&str, [bool; 7], Check)> = vec![
        (
            "read stakeholders, issues, mechanisms, consultations, meetings",
            [true; 7],
            Box::new(|app, token| {
                Box::pin(async move {
                    let q = "{ stakeholders { totalCount } policyIssues { totalCount } mechanisms { totalCount } consultations { nodes { meetings { totalCount } } } }";
                    as_principal(app, token.as_deref(), q, json!({}))
                        .await
                        .get("errors")
                        .is_none()
                })
            }),
        ),
        (
            "read PUBLISHED + PUBLIC contributions",
            [true; 7],
            node_check(public.clone()),
        ),
        (
            "statistics over them",
            [true; 7],
            Box::new(|app, token| {
                Box::pin(async move {
                    let body = as_principal(
                        app,
                        token.as_deref(),
                        "{ consultations { nodes { statistics { total } } } }",
                        json!({}),
                    )
                    .await;
                    body.get("errors").is_none()
                        && body["data"]["consultations"]["nodes"][0]["statistics"]["total"]
                            .as_i64()
                            .unwrap_or(0)
                            > 0
                })
            }),
        ),
        (
            "read MEMBER_STATES contributions",
            [false, false, true, true, true, true, false],
            node_check(member_states.clone()),
        ),
        (
            "read own drafts (member A's draft)",
            [false, false, true, false, true, true, false],
            node_check(draft_a.clone()),
        ),
        (
            "read own submissions (member B's, unpublished)",
            [false, false, false, true, true, false, false],
            node_check(submitted_b.clone()),
        ),
        (
            "read own drafts (observer's stakeholder's draft)",
            [false, true, false, false, true, false, true],
            node_check(draft_civil.clone()),
        ),
        (
            "manage accounts and API clients",
            [false, false, false, false, true, false, false],
            Box::new(|app, token| {
                Box::pin(async move {
                    let email = format!("new-{}@un.example", rand_suffix());
                    let body = as_principal(
                        app,
                        token.as_deref(),
                        "mutation($i: AccountCreateInput!) { accountCreate(input: $i) { account { id } } }",
                        json!({ "i": { "email": email, "displayName": "New", "password": "a long enough password", "role": "SECRETARIAT" } }),
                    )
                    .await;
                    allowed_read(&body, "accountCreate")
                        && !body["data"]["accountCreate"]["account"].is_null()
                })
            }),
        ),
        (
            "read the audit log",
            [false, false, false, false, true, false, false],
            Box::new(|app, token| {
                Box::pin(async move {
                    allowed_read(
                        &as_principal(
                            app,
                            token.as_deref(),
                            "{ auditEvents { totalCount } }",
                            json!({}),
                        )
                        .await,
                        "auditEvents",
                    )
                })
            }),
        ),
    ];

    let mut table = format!("{:<62}", "action");
    for p in PRINCIPALS {
        table.push_str(&format!(" | {p:<13}"));
    }
    table.push('\n');
    let mut mismatches = Vec::new();
    for (action, expected, check) in &rows {
        table.push_str(&format!("{action:<62}"));
        for (i, token) in tokens.iter().enumerate() {
            let got = check(&app, token.clone()).await;
            let mark = match (got, expected[i]) {
                (true, true) => "allowed",
                (false, false) => "refused",
                (true, false) => "ALLOWED (!)",
                (false, true) => "REFUSED (!)",
            };
            if got != expected[i] {
                mismatches.push(format!("{action} / {}", PRINCIPALS[i]));
            }
            table.push_str(&format!(" | {mark:<13}"));
        }
        table.push('\n');
    }
    println!("{table}");
    assert!(mismatches.is_empty(), "mismatches: {mismatches:?}\n{table}");
}

fn rand_suffix() -> String {
    use std::sync::atomic::{AtomicUsize, Ordering};
    static N: AtomicUsize = AtomicUsize::new(0);
    N.fetch_add(1, Ordering::Relaxed).to_string()
}

/// The write rows of the table.
#[derive(Debug, Clone, Copy)]
enum Write {
    OwnComment,
    OtherMembersComment,
    MemberStatesVisibility,
    RecordAtMeeting,
    Moderate,
    TagOwn,
    ManageCatalogue,
}

impl Write {
    const ALL: [Write; 7] = [
        Write::OwnComment,
        Write::OtherMembersComment,
        Write::MemberStatesVisibility,
        Write::RecordAtMeeting,
        Write::Moderate,
        Write::TagOwn,
        Write::ManageCatalogue,
    ];

    fn label(self) -> &'static str {
        match self {
            Write::OwnComment => "create, submit, withdraw a WRITTEN_COMMENT for own stakeholder",
            Write::OtherMembersComment => "create a WRITTEN_COMMENT for member B's stakeholder",
            Write::MemberStatesVisibility => "give a contribution MEMBER_STATES visibility",
            Write::RecordAtMeeting => "record PRESENTATION / INFORMAL_INTERVENTION at a meeting",
            Write::Moderate => "publish, unpublish, withdraw any contribution",
            Write::TagOwn => "tag own contributions with issues and mechanisms",
            Write::ManageCatalogue => {
                "manage stakeholders, consultations, meetings, issues, mechanisms"
            }
        }
    }

    fn expected(self) -> [bool; 7] {
        match self {
            Write::OwnComment | Write::TagOwn => [false, true, true, true, true, false, true],
            Write::OtherMembersComment => [false, false, false, true, true, false, false],
            Write::MemberStatesVisibility => [false, false, true, true, true, false, false],
            Write::RecordAtMeeting | Write::Moderate | Write::ManageCatalogue => {
                [false, false, false, false, true, false, false]
            }
        }
    }
}

struct World {
    admin: String,
    consultation: Value,
    meeting: Value,
    issue: Value,
    mechanism: Value,
    gov_b: i64,
    /// Each principal's own stakeholder (the secretariat writes for member A's).
    own: [i64; 7],
}

fn sid(id: i64) -> String {
    concord::ids::GlobalId::new(concord::ids::NodeType::Stakeholder, id).encode()
}

/// A contribution the secretariat records for `stakeholder`: SUBMITTED, version 1.
async fn recorded(app: &TestApp, w: &World, stakeholder: i64) -> Value {
    let (_, body) = app
        .graphql_as(
            &w.admin,
            "mutation($i: ContributionRecordInput!) { contributionRecord(input: $i) { contribution { id } } }",
            json!({ "i": { "meeting": w.meeting, "stakeholder": sid(stakeholder), "kind": "INFORMAL_INTERVENTION", "title": "T", "body": "B", "language": "en" } }),
        )
        .await;
    body["data"]["contributionRecord"]["contribution"]["id"].clone()
}

fn ok(body: &Value, field: &str, result: &str) -> bool {
    body.get("errors").is_none()
        && body["data"][field]["userErrors"]
            .as_array()
            .is_some_and(|e| e.is_empty())
        && !body["data"][field][result].is_null()
}

async fn check(app: &TestApp, w: &World, row: Write, i: usize, token: Option<&str>) -> bool {
    const CREATE: &str = "mutation($i: ContributionCreateInput!) { contributionCreate(input: $i) { contribution { id version } userErrors { message } } }";
    let create = |stakeholder: Option<i64>, visibility: &str| {
        let mut input = json!({ "consultation": w.consultation, "title": "T", "body": "B", "language": "en", "visibility": visibility });
        if let Some(s) = stakeholder {
            input["stakeholder"] = json!(sid(s));
        }
        json!({ "i": input })
    };
    // The secretariat names the stakeholder it writes for; others write for their own.
    let own = if i == 4 { Some(w.own[i]) } else { None };
    match row {
        Write::OwnComment => {
            let body = as_principal(app, token, CREATE, create(own, "PUBLIC")).await;
            if !ok(&body, "contributionCreate", "contribution") {
                return false;
            }
            let id = body["data"]["contributionCreate"]["contribution"]["id"].clone();
            let submit = as_principal(app, token, "mutation($id: ID!) { contributionSubmit(input: { id: $id, version: 1 }) { contribution { id } userErrors { message } } }", json!({ "id": id })).await;
            let withdraw = as_principal(app, token, "mutation($id: ID!) { contributionWithdraw(input: { id: $id, version: 2, reason: \"r\" }) { contribution { id } userErrors { message } } }", json!({ "id": id })).await;
            ok(&submit, "contributionSubmit", "contribution")
                && ok(&withdraw, "contributionWithdraw", "contribution")
        }
        Write::OtherMembersComment => ok(
            &as_principal(app, token, CREATE, create(Some(w.gov_b), "PUBLIC")).await,
            "contributionCreate",
            "contribution",
        ),
        Write::MemberStatesVisibility => ok(
            &as_principal(app, token, CREATE, create(own, "MEMBER_STATES")).await,
            "contributionCreate",
            "contribution",
        ),
        Write::RecordAtMeeting => {
            let body = as_principal(
                app,
                token,
                "mutation($i: ContributionRecordInput!) { contributionRecord(input: $i) { contribution { id } userErrors { message } } }",
                json!({ "i": { "meeting": w.meeting, "stakeholder": sid(w.own[i]), "kind": "PRESENTATION", "title": "T", "body": "B", "language": "en" } }),
            )
            .await;
            ok(&body, "contributionRecord", "contribution")
        }
        Write::Moderate => {
            let id = recorded(app, w, w.own[i]).await;
            let body = as_principal(app, token, "mutation($id: ID!) { contributionPublish(input: { id: $id, version: 1 }) { contribution { id } userErrors { message } } }", json!({ "id": id })).await;
            ok(&body, "contributionPublish", "contribution")
        }
        Write::TagOwn => {
            let id = recorded(app, w, w.own[i]).await;
            let body = as_principal(
                app,
                token,
                "mutation($i: ContributionTagInput!) { contributionTag(input: $i) { contribution { id } userErrors { message } } }",
                json!({ "i": { "id": id, "version": 1, "issues": [w.issue], "mechanisms": [{ "mechanism": w.mechanism, "stance": "SUPPORTS" }] } }),
            )
            .await;
            ok(&body, "contributionTag", "contribution")
        }
        Write::ManageCatalogue => {
            let body = as_principal(
                app,
                token,
                "mutation($i: StakeholderCreateInput!) { stakeholderCreate(input: $i) { stakeholder { id } userErrors { message } } }",
                json!({ "i": { "name": format!("New organization {}", rand_suffix()), "group": "CIVIL_SOCIETY", "accreditation": "WSIS_ACCREDITED" } }),
            )
            .await;
            ok(&body, "stakeholderCreate", "stakeholder")
        }
    }
}

#[tokio::test]
async fn the_write_rows_hold_for_every_principal() {
    let app = spawn_seeded_app().await;
    let gov_a = stakeholder(&app, "Government delegation 1").await;
    let gov_b = stakeholder(&app, "Government delegation 2").await;
    let civil = stakeholder(&app, "Civil society organization 1").await;
    let admin = app
        .sign_in_as("sec@un.example", Role::Secretariat, None)
        .await;
    let tokens: Vec<Option<String>> = vec![
        None,
        Some(
            app.sign_in_as("obs@un.example", Role::Observer, Some(civil))
                .await,
        ),
        Some(
            app.sign_in_as("a@gov.example", Role::MemberState, Some(gov_a))
                .await,
        ),
        Some(
            app.sign_in_as("b@gov.example", Role::MemberState, Some(gov_b))
                .await,
        ),
        Some(admin.clone()),
        Some(client_token(&app, &admin, gov_a, "MEMBER_STATE", &["read"]).await),
        Some(client_token(&app, &admin, civil, "OBSERVER", &["read", "submit"]).await),
    ];
    let consultation = crate::workflow::open_consultation(&app, &admin, "matrix").await;
    let (_, meeting) = app
        .graphql_as(
            &admin,
            "mutation($c: ID!) { meetingCreate(input: { consultation: $c, title: \"Meeting\", venue: \"Geneva\", heldOn: \"2030-01-01\" }) { meeting { id } } }",
            json!({ "c": consultation }),
        )
        .await;
    let ids = app
        .data(
            "{ policyIssues(first: 1) { nodes { id } } mechanisms(first: 1) { nodes { id } } }",
            json!({}),
        )
        .await;
    let world = World {
        admin: admin.clone(),
        consultation,
        meeting: meeting["data"]["meetingCreate"]["meeting"]["id"].clone(),
        issue: ids["policyIssues"]["nodes"][0]["id"].clone(),
        mechanism: ids["mechanisms"]["nodes"][0]["id"].clone(),
        gov_b,
        own: [civil, civil, gov_a, gov_b, gov_a, gov_a, civil],
    };

    let mut table = format!("{:<66}", "action");
    for p in PRINCIPALS {
        table.push_str(&format!(" | {p:<13}"));
    }
    table.push('\n');
    let mut mismatches = Vec::new();
    for row in Write::ALL {
        table.push_str(&format!("{:<66}", row.label()));
        for (i, token) in tokens.iter().enumerate() {
            let got = check(&app, &world, row, i, token.as_deref()).await;
            let expected = row.expected()[i];
            table.push_str(&format!(
                " | {:<13}",
                match (got, expected) {
                    (true, true) => "allowed",
                    (false, false) => "refused",
                    (true, false) => "ALLOWED (!)",
                    (false, true) => "REFUSED (!)",
                }
            ));
            if got != expected {
                mismatches.push(format!("{} / {}", row.label(), PRINCIPALS[i]));
            }
        }
        table.push('\n');
    }
    println!("{table}");
    assert!(mismatches.is_empty(), "mismatches: {mismatches:?}\n{table}");
}
