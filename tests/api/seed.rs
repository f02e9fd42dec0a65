use crate::helpers::spawn_app;
use concord::seed::{self, Dataset};
use sea_orm::{ConnectionTrait, Statement};

async fn row_counts(db: &sea_orm::DatabaseConnection) -> Vec<(String, i64)> {
    let mut counts = Vec::new();
    for table in [
        "stakeholder",
        "consultation",
        "meeting",
        "document",
        "consultation_document",
        "policy_issue",
        "mechanism",
        "mechanism_function",
        "mechanism_issue",
        "contribution",
        "contribution_revision",
    ] {
        let row = db
            .query_one_raw(Statement::from_string(
                db.get_database_backend(),
                format!("SELECT COUNT(*) AS n FROM {table}"),
            ))
            .await
            .unwrap()
            .unwrap();
        counts.push((table.to_owned(), row.try_get::<i64>("", "n").unwrap()));
    }
    counts
}

#[tokio::test]
async fn running_the_seed_twice_changes_nothing() {
    let app = spawn_app().await;
    let first = seed::run(&app.db, Dataset::Report2010).await.unwrap();
    assert!(first.created > 98);
    let after_first = row_counts(&app.db).await;

    let second = seed::run(&app.db, Dataset::Report2010).await.unwrap();

    assert_eq!(second.created, 0);
    assert_eq!(row_counts(&app.db).await, after_first);
    let get = |t: &str| after_first.iter().find(|(n, _)| n == t).unwrap().1;
    assert_eq!(get("contribution"), 98);
    assert_eq!(get("contribution_revision"), 98);
    assert_eq!(get("consultation"), 1);
    assert_eq!(get("meeting"), 1);
    assert_eq!(get("policy_issue"), 20);
    assert_eq!(get("mechanism"), 20);
    assert_eq!(get("document"), 10);
}

#[tokio::test]
async fn the_seed_names_the_two_group_representatives_and_the_invited_organizations() {
    let app = spawn_app().await;
    seed::run(&app.db, Dataset::Report2010).await.unwrap();
    let data = app
        .data(
            r#"{ stakeholders(first: 100) { totalCount nodes { name acronym group } } }"#,
            serde_json::json!({}),
        )
        .await;
    let nodes = data["stakeholders"]["nodes"].as_array().unwrap();
    for acronym in [
        "ICANN", "ITU", "W3C", "CoE", "ISOC", "OECD", "UNESCO", "WIPO", "NRO", "IETF", "ICC",
        "CONGO",
    ] {
        assert!(
            nodes.iter().any(|n| n["acronym"] == acronym),
            "{acronym} is a stakeholder"
        );
    }
    assert!(
        nodes
            .iter()
            .any(|n| n["name"] == "Government delegation 7" && n["group"] == "GOVERNMENT")
    );
}

#[tokio::test]
async fn instances_seeding_together_load_the_report_once() {
    let app = spawn_app().await;
    let mut pools = Vec::new();
    for _ in 0..3 {
        pools.push(concord::db::connect(&app.db_url).await.unwrap());
    }
    let runs = pools.iter().map(|db| seed::run(db, Dataset::Report2010));
    let reports = async_graphql::futures_util::future::join_all(runs).await;
    let created: Vec<usize> = reports
        .into_iter()
        .map(|r| r.expect("every run succeeds").created)
        .collect();
    assert_eq!(created.iter().filter(|&&n| n > 0).count(), 1, "{created:?}");
    let counts = row_counts(&app.db).await;
    assert!(
        counts.contains(&("contribution".to_owned(), 98)),
        "{counts:?}"
    );
}
