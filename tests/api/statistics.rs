use crate::helpers::{spawn_app, spawn_seeded_app};
use serde_json::{Value, json};

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
