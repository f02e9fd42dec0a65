//! Streamed exports of a consultation's contributions.

use crate::helpers::{first_error_code, spawn_seeded_app};
use entity::enums::Role;
use sea_orm::ConnectionTrait;
use serde_json::{Value, json};
use std::collections::BTreeMap;

#[tokio::test]
async fn the_seeded_consultation_exports_98_rows_that_agree_with_the_statistics() {
    let app = spawn_seeded_app().await;
    let data = app
        .data("{ consultations { nodes { id statistics { byGroup { group byKind { kind count } } } } } }", json!({}))
        .await;
    let consultation = data["consultations"]["nodes"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let mut expected: BTreeMap<(String, String), i64> = BTreeMap::new();
    for g in data["consultations"]["nodes"][0]["statistics"]["byGroup"]
        .as_array()
        .unwrap()
    {
        for k in g["byKind"].as_array().unwrap() {
            if k["count"].as_i64().unwrap() > 0 {
                expected.insert(
                    (
                        g["group"].as_str().unwrap().into(),
                        k["kind"].as_str().unwrap().into(),
                    ),
                    k["count"].as_i64().unwrap(),
                );
            }
        }
    }

    let response = app
        .client
        .get(app.url(&format!("/consultations/{consultation}/contributions.csv")))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert!(
        response.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/csv")
    );
    let text = response.text().await.unwrap();
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let headers: Vec<String> = reader
        .headers()
        .unwrap()
        .iter()
        .map(str::to_owned)
        .collect();
    assert_eq!(
        headers,
        concord::service::contributions::tabular::COLUMNS.to_vec()
    );
    let group = headers.iter().position(|h| h == "group").unwrap();
    let kind = headers.iter().position(|h| h == "kind").unwrap();
    let mut counted: BTreeMap<(String, String), i64> = BTreeMap::new();
    let mut rows = 0;
    for record in reader.records() {
        let record = record.unwrap();
        *counted
            .entry((record[group].to_owned(), record[kind].to_owned()))
            .or_default() += 1;
        rows += 1;
    }
    assert_eq!(rows, 98);
    assert_eq!(counted, expected, "the export agrees with the statistics");

    let ndjson = app
        .client
        .get(app.url(&format!(
            "/consultations/{consultation}/contributions.ndjson"
        )))
        .send()
        .await
        .unwrap();
    assert_eq!(ndjson.headers()["content-type"], "application/x-ndjson");
    let lines: Vec<Value> = ndjson
        .text()
        .await
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 98);
    assert!(
        lines
            .iter()
            .any(|l| l["on_behalf_of_group"] == "PRIVATE_SECTOR"
                && l["stakeholder"] == "International Chamber of Commerce")
    );
}

#[tokio::test]
async fn exports_show_only_what_the_caller_may_see_and_refuse_bad_requests() {
    let app = spawn_seeded_app().await;
    let consultation = app
        .data("{ consultations { nodes { id } } }", json!({}))
        .await["consultations"]["nodes"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    app.db
        .execute_unprepared("UPDATE contribution SET visibility = 'MEMBER_STATES' WHERE id = (SELECT MIN(id) FROM contribution)")
        .await
        .unwrap();
    let gov = crate::workflow::stakeholder_id(&app, "Government delegation 4").await;
    let member = app
        .sign_in_as("m@gov.example", Role::MemberState, Some(gov))
        .await;
    let url = app.url(&format!(
        "/consultations/{consultation}/contributions.ndjson"
    ));
    let count = |text: String| text.lines().count();
    let anonymous = app
        .client
        .get(&url)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(count(anonymous), 97);
    let as_member = app
        .client
        .get(&url)
        .bearer_auth(&member)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(count(as_member), 98);

    let bad_token = app
        .client
        .get(&url)
        .bearer_auth("nope")
        .send()
        .await
        .unwrap();
    assert_eq!(bad_token.status(), 401);
    let malformed = app
        .client
        .get(app.url("/consultations/xyz/contributions.csv"))
        .send()
        .await
        .unwrap();
    assert_eq!(malformed.status(), 400);
    let body: Value = malformed.json().await.unwrap();
    assert_eq!(first_error_code(&body), Some("BAD_USER_INPUT"));
    let missing_id =
        concord::ids::GlobalId::new(concord::ids::NodeType::Consultation, 999).encode();
    let missing = app
        .client
        .get(app.url(&format!("/consultations/{missing_id}/contributions.csv")))
        .send()
        .await
        .unwrap();
    assert_eq!(missing.status(), 404);
    let other = app
        .client
        .get(app.url(&format!("/consultations/{consultation}/contributions.xml")))
        .send()
        .await
        .unwrap();
    assert_eq!(other.status(), 404);
}

#[tokio::test]
async fn the_export_walks_page_by_page_without_gaps() {
    let app = spawn_seeded_app().await;
    let viewer = concord::viewer::Viewer::Anonymous;
    let mut after = None;
    let mut ids = Vec::new();
    let mut pages = 0;
    loop {
        let (rows, next) =
            concord::service::contributions::tabular::page(&app.db, &viewer, 1, None, after, 7)
                .await
                .map_err(|e| e.message())
                .unwrap();
        assert!(rows.len() <= 7);
        ids.extend(rows.into_iter().map(|r| r.id));
        pages += 1;
        match next {
            Some(id) => after = Some(id),
            None => break,
        }
    }
    assert_eq!(pages, 14, "98 rows in pages of 7");
    let unique: std::collections::HashSet<_> = ids.iter().collect();
    assert_eq!((ids.len(), unique.len()), (98, 98));
}

#[tokio::test]
async fn csv_cells_that_a_spreadsheet_would_run_are_written_as_text() {
    let app = spawn_seeded_app().await;
    let titles = [
        "=HYPERLINK(\"http://evil.example\")",
        "+1+2",
        "-3+4",
        "@SUM(A1)",
        "\tTabbed",
        "Plain = fine",
    ];
    for (n, title) in titles.iter().enumerate() {
        app.db
            .execute_raw(sea_orm::Statement::from_sql_and_values(
                app.db.get_database_backend(),
                match app.db.get_database_backend() {
                    sea_orm::DbBackend::Postgres => {
                        "UPDATE contribution SET title = $1 WHERE id = $2"
                    }
                    _ => "UPDATE contribution SET title = ? WHERE id = ?",
                },
                [(*title).into(), (n as i64 + 1).into()],
            ))
            .await
            .unwrap();
    }
    let consultation =
        concord::ids::GlobalId::new(concord::ids::NodeType::Consultation, 1).encode();
    let get = |query: &str| {
        let url = app.url(&format!(
            "/consultations/{consultation}/contributions.{query}"
        ));
        let client = app.client.clone();
        async move { client.get(url).send().await.unwrap() }
    };

    let csv_bytes = get("csv").await.bytes().await.unwrap();
    assert!(
        !csv_bytes.starts_with(b"\xEF\xBB\xBF"),
        "no byte order mark unless asked"
    );
    let mut reader = csv::Reader::from_reader(&csv_bytes[..]);
    let title_at = reader
        .headers()
        .unwrap()
        .iter()
        .position(|h| h == "title")
        .unwrap();
    let written: Vec<String> = reader
        .records()
        .map(|r| r.unwrap()[title_at].to_owned())
        .collect();
    for expected in [
        "'=HYPERLINK(\"http://evil.example\")",
        "'+1+2",
        "'-3+4",
        "'@SUM(A1)",
        "'\tTabbed",
        "Plain = fine",
    ] {
        assert!(
            written.iter().any(|t| t == expected),
            "{expected:?} in {written:?}"
        );
    }
    let ndjson = get("ndjson").await.text().await.unwrap();
    assert!(
        ndjson.contains("\"title\":\"+1+2\""),
        "NDJSON is no spreadsheet: text as is"
    );

    let with_bom = get("csv?bom=1").await.bytes().await.unwrap();
    assert!(
        with_bom.starts_with(b"\xEF\xBB\xBFid,"),
        "{:?}",
        &with_bom[..8]
    );
    let refused = get("csv?bom=perhaps").await;
    assert_eq!(refused.status(), 400);
    let body: Value = refused.json().await.unwrap();
    assert_eq!(first_error_code(&body), Some("BAD_USER_INPUT"));
}

#[tokio::test]
async fn the_export_takes_only_what_changed_since_a_moment() {
    let app = spawn_seeded_app().await;
    let backend = app.db.get_database_backend();
    let later = chrono::DateTime::parse_from_rfc3339("2030-01-01T12:00:00Z")
        .unwrap()
        .with_timezone(&chrono::Utc);
    for id in [3_i64, 5, 8] {
        app.db
            .execute_raw(sea_orm::Statement::from_sql_and_values(
                backend,
                match backend {
                    sea_orm::DbBackend::Postgres => {
                        "UPDATE contribution SET updated_at = $1 WHERE id = $2"
                    }
                    _ => "UPDATE contribution SET updated_at = ? WHERE id = ?",
                },
                [later.into(), id.into()],
            ))
            .await
            .unwrap();
    }
    let consultation =
        concord::ids::GlobalId::new(concord::ids::NodeType::Consultation, 1).encode();
    let export = |since: &str| {
        let url = app.url(&format!(
            "/consultations/{consultation}/contributions.ndjson?updatedSince={since}"
        ));
        let client = app.client.clone();
        async move { client.get(url).send().await.unwrap() }
    };
    for since in [
        "2029-12-31T00:00:00Z",
        "2030-01-01T13:00:00%2B01:00",
        "2030-01-01T12:00:00Z",
    ] {
        let response = export(since).await;
        assert_eq!(response.status(), 200, "{since}");
        let text = response.text().await.unwrap();
        let ids: Vec<String> = text
            .lines()
            .map(|l| {
                serde_json::from_str::<Value>(l).unwrap()["id"]
                    .as_str()
                    .unwrap()
                    .to_owned()
            })
            .collect();
        let expected: Vec<String> = [3, 5, 8]
            .iter()
            .map(|id| {
                concord::ids::GlobalId::new(concord::ids::NodeType::Contribution, *id).encode()
            })
            .collect();
        assert_eq!(ids, expected, "{since}");
    }
    assert_eq!(
        export("2030-01-01T12:00:01Z").await.text().await.unwrap(),
        ""
    );
    for bad in ["yesterday", "2030-01-01", "2030-01-01T12:00:00"] {
        let response = export(bad).await;
        assert_eq!(response.status(), 400, "{bad}");
        let body: Value = response.json().await.unwrap();
        assert_eq!(first_error_code(&body), Some("BAD_USER_INPUT"), "{bad}");
    }
}
