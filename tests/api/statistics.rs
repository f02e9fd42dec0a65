use crate::helpers::{TestApp, spawn_app, spawn_seeded_app};
use crate::workflow::{secretariat_member_and_consultation, stakeholder_id};
use entity::enums::{ContributionStatus, Role, Visibility};
use sea_orm::EntityTrait;
use serde_json::{Value, json};
use std::collections::BTreeMap;

const STATISTICS: &str = r#"
query {
  consultations(first: 10) {
    nodes {
      slug
      statistics {
        total
        byKind { kind count }
        byGroup { group total byKind { kind count } }
      }
    }
  }
}"#;

/// The report's table (paragraph 10), row by row: written, presentations, interventions, total.
const TABLE: [(&str, [i64; 3], i64); 4] = [
    ("GOVERNMENT", [11, 13, 8], 32),
    ("INTERNATIONAL_ORGANIZATION", [7, 1, 0], 8),
    ("CIVIL_SOCIETY", [32, 7, 3], 42),
    ("PRIVATE_SECTOR", [9, 5, 2], 16),
];
const KINDS: [&str; 3] = ["WRITTEN_COMMENT", "PRESENTATION", "INFORMAL_INTERVENTION"];

fn kind_counts(counts: [i64; 3]) -> Value {
    Value::Array(
        KINDS
            .iter()
            .zip(counts)
            .map(|(kind, count)| json!({ "kind": kind, "count": count }))
            .collect(),
    )
}

#[tokio::test]
async fn the_report_table_comes_back_exactly_after_the_seed() {
    let app = spawn_seeded_app().await;

    let data = app.data(STATISTICS, json!({})).await;

    let by_group: Vec<Value> = TABLE
        .iter()
        .map(|(group, counts, total)| json!({ "group": group, "total": total, "byKind": kind_counts(*counts) }))
        .collect();
    let expected = json!({
        "slug": "enhanced-cooperation-2010",
        "statistics": { "total": 98, "byKind": kind_counts([59, 26, 13]), "byGroup": by_group }
    });
    assert_eq!(data["consultations"]["nodes"], json!([expected]));
}

#[tokio::test]
async fn statistics_count_only_what_the_caller_may_see() {
    let app = spawn_seeded_app().await;
    // Hide one government written comment from anonymous callers, as a draft would be.
    use sea_orm::ConnectionTrait;
    app.db
        .execute_unprepared(
            "UPDATE contribution SET status = 'DRAFT' \
             WHERE id = (SELECT MIN(id) FROM contribution WHERE kind = 'WRITTEN_COMMENT')",
        )
        .await
        .unwrap();
    // Edited around the API: the kept counts are recounted, as an operator would.
    concord::service::tally::rebuild(&app.db).await.unwrap();

    let data = app.data(STATISTICS, json!({})).await;
    let stats = &data["consultations"]["nodes"][0]["statistics"];
    assert_eq!(stats["total"], 97);
    assert_eq!(
        stats["byKind"][0],
        json!({ "kind": "WRITTEN_COMMENT", "count": 58 })
    );
    let total = app
        .data("{ contributions { totalCount } }", json!({}))
        .await;
    assert_eq!(total["contributions"]["totalCount"], 97);
}

#[tokio::test]
async fn every_group_and_kind_is_present_with_zeros_on_an_empty_consultation() {
    let app = spawn_app().await;
    use sea_orm::ConnectionTrait;
    app.db
        .execute_unprepared(
            "INSERT INTO consultation (slug, title, mandate, guiding_questions, opens_at, closes_at, status, created_at, updated_at, version) \
             VALUES ('empty', 'Empty', 'None', '[]', '2030-01-01 00:00:00+00:00', '2030-02-01 00:00:00+00:00', 'OPEN', '2030-01-01 00:00:00+00:00', '2030-01-01 00:00:00+00:00', 1)",
        )
        .await
        .unwrap();

    let data = app.data(STATISTICS, json!({})).await;

    let zeros: Vec<Value> = TABLE
        .iter()
        .map(
            |(group, _, _)| json!({ "group": group, "total": 0, "byKind": kind_counts([0, 0, 0]) }),
        )
        .collect();
    assert_eq!(
        data["consultations"]["nodes"][0]["statistics"],
        json!({ "total": 0, "byKind": kind_counts([0, 0, 0]), "byGroup": zeros })
    );
}

/// A deterministic pseudo-random sequence (xorshift), so that a failure replays.
struct Dice(u64);

impl Dice {
    fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 % n as u64) as usize
    }
}

/// Statistics of a consultation as `token` (None: anonymous) sees them, by (group, kind).
async fn seen(app: &TestApp, token: Option<&str>, id: &Value) -> BTreeMap<(String, String), i64> {
    let query = "query($id: ID!) { consultation(id: $id) { statistics { total byGroup { group byKind { kind count } } } } }";
    let body = match token {
        Some(t) => app.graphql_as(t, query, json!({ "id": id })).await.1,
        None => app.graphql(query, json!({ "id": id })).await,
    };
    let stats = &body["data"]["consultation"]["statistics"];
    let mut out = BTreeMap::new();
    for g in stats["byGroup"]
        .as_array()
        .unwrap_or_else(|| panic!("{body}"))
    {
        for k in g["byKind"].as_array().unwrap() {
            let n = k["count"].as_i64().unwrap();
            if n != 0 {
                let key = (
                    g["group"].as_str().unwrap().to_owned(),
                    k["kind"].as_str().unwrap().to_owned(),
                );
                out.insert(key, n);
            }
        }
    }
    out
}

/// The role table's statistics rule, counted here from every row (the oracle): what
/// was conveyed (submitted or published) that the caller may read.
async fn counted(
    app: &TestApp,
    consultation: i64,
    reads: impl Fn(&entity::contribution::Model) -> bool,
) -> BTreeMap<(String, String), i64> {
    let groups: BTreeMap<i64, String> = entity::stakeholder::Entity::find()
        .all(&app.db)
        .await
        .unwrap()
        .into_iter()
        .map(|s| (s.id, s.stakeholder_group.as_str().to_owned()))
        .collect();
    let mut out = BTreeMap::new();
    for c in entity::contribution::Entity::find()
        .all(&app.db)
        .await
        .unwrap()
    {
        let conveyed = matches!(
            c.status,
            ContributionStatus::Submitted | ContributionStatus::Published
        );
        if c.consultation_id == consultation && conveyed && reads(&c) {
            *out.entry((
                groups[&c.stakeholder_id].clone(),
                c.kind.as_str().to_owned(),
            ))
            .or_default() += 1;
        }
    }
    out
}

/// The kept counts move with every workflow change: after a random sequence of
/// creations, submissions, visibility edits, publications, unpublications,
/// withdrawals and the closing that lifts embargoes, what each role sees agrees with a
/// full count of the rows, and the tallies agree with a GROUP BY.
#[tokio::test]
async fn kept_counts_agree_with_a_full_count_after_random_workflows() {
    let app = spawn_seeded_app().await;
    let (admin, member, consultation) = secretariat_member_and_consultation(&app, "tally").await;
    let gov = stakeholder_id(&app, "Government delegation 1").await;
    let civil = stakeholder_id(&app, "Civil society organization 1").await;
    let observer = app
        .sign_in_as("obs@ngo.example", Role::Observer, Some(civil))
        .await;
    let authors = [member.as_str(), observer.as_str()];
    let mut dice = Dice(0x2010_0504);
    let mut ids: Vec<(Value, &str)> = Vec::new();
    let mut moves: BTreeMap<&str, usize> = BTreeMap::new();
    let version = |body: &Value| body["data"]["contribution"]["version"].clone();

    for step in 0..120 {
        let roll = if ids.len() < 4 { 0 } else { dice.below(10) };
        if roll == 0 {
            let author = authors[dice.below(2)];
            let visibility = ["PUBLIC", "MEMBER_STATES"][dice.below(2)];
            let embargoed = dice.below(4) == 0;
            let (_, created) = app
                .graphql_as(author, "mutation($i: ContributionCreateInput!) { contributionCreate(input: $i) { contribution { id } userErrors { message } } }",
                    json!({ "i": { "consultation": consultation, "title": format!("Comment {step}"), "body": "Text.", "language": "en", "visibility": visibility, "embargoed": embargoed } }))
                .await;
            if let Some(id) = created["data"]["contributionCreate"]["contribution"]["id"].as_str() {
                ids.push((json!(id), author));
            }
            continue;
        }
        let (id, author) = ids[dice.below(ids.len())].clone();
        let (_, current) = app
            .graphql_as(
                &admin,
                "query($id: ID!) { contribution(id: $id) { version } }",
                json!({ "id": id }),
            )
            .await;
        let v = version(&current);
        let (token, mutation, input) = match roll {
            1..=3 => (
                author,
                "contributionSubmit",
                json!({ "id": id, "version": v }),
            ),
            4 | 5 => (
                admin.as_str(),
                "contributionPublish",
                json!({ "id": id, "version": v }),
            ),
            6 => (
                admin.as_str(),
                "contributionUnpublish",
                json!({ "id": id, "version": v }),
            ),
            7 => (
                admin.as_str(),
                "contributionWithdraw",
                json!({ "id": id, "version": v, "reason": "Random walk" }),
            ),
            _ => {
                let visibility = ["PUBLIC", "MEMBER_STATES", "SECRETARIAT"][dice.below(3)];
                (
                    admin.as_str(),
                    "contributionEdit",
                    json!({ "id": id, "version": v, "visibility": visibility }),
                )
            }
        };
        let input_type = match mutation {
            "contributionWithdraw" => "ContributionWithdrawInput",
            "contributionEdit" => "ContributionEditInput",
            _ => "ContributionVersionInput",
        };
        // Refusals (a step the workflow does not allow from here) change nothing; the
        // counts must agree either way.
        let (_, done) = app
            .graphql_as(
                token,
                &format!("mutation($i: {input_type}!) {{ {mutation}(input: $i) {{ userErrors {{ message }} }} }}"),
                json!({ "i": input }),
            )
            .await;
        if done["data"][mutation]["userErrors"] == json!([]) {
            *moves.entry(mutation).or_default() += 1;
        }
    }

    let check = |app: &TestApp| {
        let db = app.db.clone();
        async move { concord::service::tally::check(&db).await.unwrap() }
    };
    let compare = |phase: &'static str| {
        let (app, admin, member, observer, consultation) =
            (&app, &admin, &member, &observer, &consultation);
        async move {
            let raw = concord::ids::GlobalId::decode(consultation.as_str().unwrap())
                .unwrap()
                .id;
            let public = |c: &entity::contribution::Model| {
                c.status == ContributionStatus::Published && c.visibility == Visibility::Public
            };
            assert_eq!(
                seen(app, None, consultation).await,
                counted(app, raw, public).await,
                "anonymous, {phase}"
            );
            assert_eq!(
                seen(app, Some(admin), consultation).await,
                counted(app, raw, |_| true).await,
                "secretariat, {phase}"
            );
            assert_eq!(
                seen(app, Some(member), consultation).await,
                counted(app, raw, |c| c.stakeholder_id == gov
                    || (c.status == ContributionStatus::Published
                        && c.visibility != Visibility::Secretariat))
                .await,
                "member state, {phase}"
            );
            assert_eq!(
                seen(app, Some(observer), consultation).await,
                counted(app, raw, |c| c.stakeholder_id == civil || public(c)).await,
                "observer, {phase}"
            );
        }
    };
    // The walk went through every kind of move.
    for mutation in [
        "contributionSubmit",
        "contributionPublish",
        "contributionUnpublish",
        "contributionWithdraw",
        "contributionEdit",
    ] {
        assert!(moves.get(mutation).is_some_and(|&n| n >= 2), "{moves:?}");
    }
    compare("after the walk").await;
    assert_eq!(check(&app).await, Vec::<String>::new());

    // Closing lifts the embargoes: held submissions are published in the same transaction.
    let (_, current) = app
        .graphql_as(
            &admin,
            "query($id: ID!) { consultation(id: $id) { version } }",
            json!({ "id": consultation }),
        )
        .await;
    let (_, closed) = app
        .graphql_as(&admin, "mutation($id: ID!, $v: Int!) { consultationClose(input: { id: $id, version: $v }) { consultation { status } userErrors { message } } }",
            json!({ "id": consultation, "v": current["data"]["consultation"]["version"] }))
        .await;
    assert_eq!(
        closed["data"]["consultationClose"]["consultation"]["status"], "CLOSED",
        "{closed}"
    );
    compare("after closing").await;
    assert_eq!(check(&app).await, Vec::<String>::new());
}
