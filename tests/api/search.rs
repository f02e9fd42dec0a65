//! Full-text search: ranked, highlighted, in the UN languages, inside the read policy,
//! kept current with every revision, and refusing searches that say nothing.

use crate::helpers::{TestApp, first_error_code, spawn_seeded_app};
use entity::enums::Role;
use sea_orm::{ConnectionTrait, DbBackend};
use serde_json::{Value, json};
use std::collections::HashSet;

const SEARCH: &str = r#"
query($q: String!, $f: ContributionFilter, $first: Int, $after: String) {
  searchContributions(query: $q, filter: $f, first: $first, after: $after) {
    totalCount
    edges { cursor relevance snippet node { id title language } }
    pageInfo { hasNextPage hasPreviousPage endCursor }
  }
}"#;

/// Searches as `token` (anonymous if `None`); returns the connection.
async fn search(app: &TestApp, token: Option<&str>, q: &str, filter: Value) -> Value {
    let vars = json!({ "q": q, "f": filter, "first": 100 });
    let body = match token {
        Some(t) => app.graphql_as(t, SEARCH, vars).await.1,
        None => app.graphql(SEARCH, vars).await,
    };
    let found = body["data"]["searchContributions"].clone();
    assert!(found.is_object(), "{q}: {body}");
    found
}

fn titles(found: &Value) -> Vec<String> {
    found["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["node"]["title"].as_str().unwrap().to_owned())
        .collect()
}

/// Creates a contribution as `member` in `consultation`, submits it and, if `admin`
/// is given, publishes it; returns its ID and version.
async fn contribute(
    app: &TestApp,
    member: &str,
    admin: Option<&str>,
    consultation: &Value,
    (title, body, language, visibility): (&str, &str, &str, &str),
) -> (Value, Value) {
    let (_, created) = app
        .graphql_as(
            member,
            "mutation($i: ContributionCreateInput!) { contributionCreate(input: $i) { contribution { id version } userErrors { message } } }",
            json!({ "i": { "consultation": consultation, "title": title, "body": body, "language": language, "visibility": visibility } }),
        )
        .await;
    let c = created["data"]["contributionCreate"]["contribution"].clone();
    assert!(c.is_object(), "{created}");
    let Some(admin) = admin else {
        return (c["id"].clone(), c["version"].clone());
    };
    let (_, submitted) = app
        .graphql_as(
            member,
            "mutation($id: ID!, $v: Int!) { contributionSubmit(input: { id: $id, version: $v }) { contribution { version } userErrors { message } } }",
            json!({ "id": c["id"], "v": c["version"] }),
        )
        .await;
    let v = submitted["data"]["contributionSubmit"]["contribution"]["version"].clone();
    let (_, published) = app
        .graphql_as(
            admin,
            "mutation($id: ID!, $v: Int!) { contributionPublish(input: { id: $id, version: $v }) { contribution { version } userErrors { message } } }",
            json!({ "id": c["id"], "v": v }),
        )
        .await;
    let v = published["data"]["contributionPublish"]["contribution"]["version"].clone();
    assert!(v.is_number(), "{published}");
    (c["id"].clone(), v)
}

#[tokio::test]
async fn search_finds_ranks_and_highlights_in_the_un_languages() {
    let app = spawn_seeded_app().await;
    let (admin, member, consultation) =
        crate::workflow::secretariat_member_and_consultation(&app, "search").await;
    for text in [
        (
            "Human rights online",
            "The rights of people offline & <elsewhere> must also be protected online, privacy included.",
            "en",
            "PUBLIC",
        ),
        (
            "A note in passing",
            "A long comment on many things, of which human rights are one, and privacy is mentioned once at the end.",
            "en",
            "PUBLIC",
        ),
        (
            "Renforcement des capacités",
            "Les pays en développement demandent le renforcement des capacités institutionnelles.",
            "fr",
            "PUBLIC",
        ),
        (
            "互联网治理",
            "我们支持加强合作，关于互联网治理的公共政策问题。",
            "zh",
            "PUBLIC",
        ),
        (
            "Управление интернетом",
            "Мы поддерживаем расширенное сотрудничество по вопросам управления интернетом.",
            "ru",
            "PUBLIC",
        ),
        (
            "حوكمة الإنترنت",
            "ندعم التعاون المعزز في قضايا السياسة العامة المتعلقة بالإنترنت.",
            "ar",
            "PUBLIC",
        ),
        (
            "Fortalecimiento de capacidades",
            "Los países en desarrollo necesitan fortalecimiento de capacidades.",
            "es",
            "PUBLIC",
        ),
    ] {
        contribute(&app, &member, Some(&admin), &consultation, text).await;
    }

    // English words are stemmed on both databases: "right" finds "rights"; the
    // snippet is escaped HTML with the matches marked.
    let found = search(&app, None, "right privacy", Value::Null).await;
    let mut both = titles(&found);
    both.sort();
    assert_eq!(
        both,
        ["A note in passing", "Human rights online"],
        "{found}"
    );
    assert_eq!(found["totalCount"], 2);
    let snippet = found["edges"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["node"]["title"] == "Human rights online")
        .unwrap()["snippet"]
        .as_str()
        .unwrap();
    assert!(snippet.contains("<mark>rights</mark>"), "{snippet}");
    assert!(snippet.contains("<mark>privacy</mark>"), "{snippet}");
    assert!(
        snippet.contains("offline &amp;"),
        "the text is escaped: {snippet}"
    );
    assert!(
        !snippet.contains("<elsewhere>"),
        "no markup of the text: {snippet}"
    );
    // A match in the title outranks one in the body.
    let ranked = search(&app, None, "rights", Value::Null).await;
    assert_eq!(
        titles(&ranked),
        ["Human rights online", "A note in passing"],
        "{ranked}"
    );
    let relevance: Vec<f64> = ranked["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["relevance"].as_f64().unwrap())
        .collect();
    assert!(relevance[0] > relevance[1], "{relevance:?}");

    // Phrases, alternatives and exclusions.
    assert_eq!(
        titles(&search(&app, None, "\"human rights\" -online", Value::Null).await),
        ["A note in passing"]
    );
    assert_eq!(
        search(&app, None, "institutionnelles or necesitan", Value::Null).await["totalCount"],
        2
    );

    // Chinese by its characters, found inside a run of text and marked in place.
    let chinese = search(&app, None, "互联网", Value::Null).await;
    assert_eq!(titles(&chinese), ["互联网治理"], "{chinese}");
    let snippet = chinese["edges"][0]["snippet"].as_str().unwrap();
    assert!(
        snippet.contains("关于<mark>互</mark><mark>联</mark><mark>网</mark>治理")
            || snippet.contains("关于<mark>互联网</mark>治理"),
        "{snippet}"
    );
    assert!(
        !snippet.contains("互 "),
        "no spaces between CJK characters: {snippet}"
    );
    assert_eq!(
        titles(&search(&app, None, "公共政策", Value::Null).await),
        ["互联网治理"]
    );
    // Russian, Arabic and Spanish words as written.
    assert_eq!(
        titles(&search(&app, None, "интернетом", Value::Null).await),
        ["Управление интернетом"]
    );
    assert_eq!(
        titles(&search(&app, None, "حوكمة", Value::Null).await),
        ["حوكمة الإنترنت"]
    );
    assert_eq!(
        titles(&search(&app, None, "capacidades", Value::Null).await),
        ["Fortalecimiento de capacidades"]
    );
    if app.db.get_database_backend() == DbBackend::Postgres {
        // PostgreSQL stems French, Spanish and Russian in their own language.
        assert_eq!(
            titles(&search(&app, None, "capacité institutionnelle", Value::Null).await),
            ["Renforcement des capacités"]
        );
        assert_eq!(
            titles(&search(&app, None, "интернет управление", Value::Null).await),
            ["Управление интернетом"]
        );
        assert_eq!(
            titles(&search(&app, None, "capacidad", Value::Null).await),
            ["Fortalecimiento de capacidades"]
        );
    }

    // The filter narrows a search; a search narrows any list, nested ones too.
    let french = search(
        &app,
        None,
        "capacités or capacidades",
        json!({ "languages": ["fr"] }),
    )
    .await;
    assert_eq!(titles(&french), ["Renforcement des capacités"]);
    let listed = app
        .data(
            "query($c: ID!) { consultation(id: $c) { contributions(filter: { search: \"privacy\" }, orderBy: { field: TITLE, direction: DESC }) { totalCount nodes { title } } } }",
            json!({ "c": consultation }),
        )
        .await;
    assert_eq!(
        listed["consultation"]["contributions"],
        json!({ "totalCount": 2, "nodes": [{ "title": "Human rights online" }, { "title": "A note in passing" }] })
    );
}

#[tokio::test]
async fn search_pages_through_every_match_best_first() {
    let app = spawn_seeded_app().await;
    // Every contribution of the report has the same placeholder body.
    let mut seen = Vec::new();
    let mut after = Value::Null;
    let mut last_relevance = f64::INFINITY;
    loop {
        let body = app
            .data(
                SEARCH,
                json!({ "q": "placeholder", "first": 7, "after": after }),
            )
            .await;
        let found = &body["searchContributions"];
        assert_eq!(found["totalCount"], 98);
        assert_eq!(found["pageInfo"]["hasPreviousPage"], !seen.is_empty());
        for edge in found["edges"].as_array().unwrap() {
            let r = edge["relevance"].as_f64().unwrap();
            assert!(r <= last_relevance, "best first");
            last_relevance = r;
            seen.push(edge["node"]["id"].as_str().unwrap().to_owned());
        }
        if found["pageInfo"]["hasNextPage"] == false {
            break;
        }
        after = found["pageInfo"]["endCursor"].clone();
    }
    assert_eq!(seen.len(), 98);
    assert_eq!(seen.iter().collect::<HashSet<_>>().len(), 98, "no repeats");
}

#[tokio::test]
async fn search_never_finds_or_counts_what_the_caller_may_not_read() {
    let app = spawn_seeded_app().await;
    let (admin, member, consultation) =
        crate::workflow::secretariat_member_and_consultation(&app, "search-policy").await;
    let word = "quetzalcoatlus";
    contribute(
        &app,
        &member,
        None,
        &consultation,
        ("A draft", &format!("My {word} draft."), "en", "PUBLIC"),
    )
    .await;
    contribute(
        &app,
        &member,
        Some(&admin),
        &consultation,
        (
            "For states",
            &format!("The {word} note."),
            "en",
            "MEMBER_STATES",
        ),
    )
    .await;
    let count = |token: Option<String>| {
        let app = &app;
        async move {
            let found = search(app, token.as_deref(), word, Value::Null).await;
            let list = "query($q: String) { contributions(filter: { search: $q }) { totalCount } }";
            let listed = match token.as_deref() {
                Some(t) => app.graphql_as(t, list, json!({ "q": word })).await.1,
                None => app.graphql(list, json!({ "q": word })).await,
            };
            let listed = listed["data"]["contributions"]["totalCount"].clone();
            assert_eq!(found["totalCount"], listed, "both ways count alike");
            (
                found["edges"].as_array().unwrap().len(),
                found["totalCount"].clone(),
            )
        }
    };
    assert_eq!(count(None).await, (0, json!(0)), "anonymous");
    assert_eq!(
        count(Some(member.clone())).await,
        (2, json!(2)),
        "the author"
    );
    let other_government = crate::workflow::stakeholder_id(&app, "Government delegation 2").await;
    let other = app
        .sign_in_as("b@gov.example", Role::MemberState, Some(other_government))
        .await;
    assert_eq!(
        count(Some(other)).await,
        (1, json!(1)),
        "another member state: the MEMBER_STATES one, not the draft"
    );
    assert_eq!(
        count(Some(admin.clone())).await,
        (2, json!(2)),
        "the secretariat"
    );
}

#[tokio::test]
async fn a_new_revision_is_what_search_finds() {
    let app = spawn_seeded_app().await;
    let (_admin, member, consultation) =
        crate::workflow::secretariat_member_and_consultation(&app, "search-edit").await;
    let (id, version) = contribute(
        &app,
        &member,
        None,
        &consultation,
        ("Before", "An archaeopteryx in the text.", "en", "PUBLIC"),
    )
    .await;
    let (_, edited) = app
        .graphql_as(
            &member,
            "mutation($i: ContributionEditInput!) { contributionEdit(input: $i) { contribution { version } userErrors { message } } }",
            json!({ "i": { "id": id, "version": version, "title": "After", "body": "A pterodactyl in the text." } }),
        )
        .await;
    assert_eq!(
        edited["data"]["contributionEdit"]["userErrors"],
        json!([]),
        "{edited}"
    );
    assert_eq!(
        search(&app, Some(&member), "archaeopteryx", Value::Null).await["totalCount"],
        0
    );
    assert_eq!(
        titles(&search(&app, Some(&member), "pterodactyl", Value::Null).await),
        ["After"]
    );

    // Rows written around the API (or before the search migration) are indexed when
    // the server starts.
    app.db
        .execute_unprepared("DELETE FROM contribution_search")
        .await
        .unwrap();
    assert_eq!(
        search(&app, Some(&member), "pterodactyl", Value::Null).await["totalCount"],
        0
    );
    concord::service::setup::migrate(&app.db).await.unwrap();
    assert_eq!(
        search(&app, Some(&member), "pterodactyl", Value::Null).await["totalCount"],
        1
    );
    assert_eq!(
        search(&app, None, "placeholder", Value::Null).await["totalCount"],
        98
    );
}

#[tokio::test]
async fn searches_that_say_nothing_are_refused() {
    let app = spawn_seeded_app().await;
    let long = "a".repeat(201);
    for (what, vars) in [
        ("empty", json!({ "q": "" })),
        ("blank", json!({ "q": "   " })),
        ("punctuation only", json!({ "q": "!!! ???" })),
        ("only exclusions", json!({ "q": "-spam" })),
        ("over 200 characters", json!({ "q": long })),
        ("a page too large", json!({ "q": "internet", "first": 101 })),
        (
            "not a search cursor",
            json!({ "q": "internet", "after": "Y3Vyc29yOjE" }),
        ),
        (
            "an over-long filter search",
            json!({ "q": "internet", "f": { "search": long } }),
        ),
    ] {
        let body = app.graphql(SEARCH, vars).await;
        assert_eq!(
            first_error_code(&body),
            Some("BAD_USER_INPUT"),
            "{what}: {body}"
        );
        assert!(body["data"].is_null(), "{what}");
    }
    let body = app.graphql(SEARCH, json!({ "q": long })).await;
    let message = body["errors"][0]["message"].as_str().unwrap();
    assert!(
        message.contains("200"),
        "the message names the limit: {message}"
    );
    let listed = app
        .graphql(
            "{ contributions(filter: { search: \"\" }) { totalCount } }",
            json!({}),
        )
        .await;
    assert_eq!(
        first_error_code(&listed),
        Some("BAD_USER_INPUT"),
        "{listed}"
    );
}

/// A broad search ranks *every* match, not the first found: 1,598 contributions (the
/// report's and 1,500 synthetic ones in the six languages, each titled "Synthetic
/// contribution N"), searched for words in their titles and in their bodies, paged
/// through to the end. Each search's pages hold exactly the matches the same filter
/// lists, none twice, best first; on PostgreSQL in the order of the full ranking computed
/// from every match's stored keys (title match, then fewest words, then id), on SQLite in
/// bm25's. (Before: PostgreSQL ranked the first 1,000 matches it found and paged no
/// further.)
#[tokio::test]
async fn a_broad_search_ranks_every_match() {
    let app = spawn_seeded_app().await;
    let size = concord::seed::synthetic::Size {
        stakeholders: 12,
        contributions: 1_500,
        seed: 7,
    };
    concord::seed::run_synthetic(&app.db, size).await.unwrap();
    let (admin, _, _) =
        crate::workflow::secretariat_member_and_consultation(&app, "search-broad").await;
    let backend = app.db.get_database_backend();
    // Unfiltered, the matches are walked for; filtered, the few contributions the filter
    // keeps (under 2,000 here) are ranked at once: both orders must be the full ranking.
    let cases = [
        ("anonymous", None, json!({})),
        ("secretariat", Some(admin.as_str()), json!({})),
        (
            "anonymous",
            None,
            json!({ "languages": ["en", "fr", "zh"] }),
        ),
    ];
    for (who, token, narrowed) in cases {
        for q in [
            "synthetic",
            "contribution or cooperation",
            "coopération",
            "\"public policy\" -roles",
            "互联网",
        ] {
            let mut filter = narrowed.clone();
            filter["search"] = json!(q);
            // Every match, from the filtered list (the read policy's other path).
            let mut listed = HashSet::new();
            let mut after = Value::Null;
            loop {
                let vars = json!({ "f": filter, "after": after });
                let query = "query($f: ContributionFilter, $after: String) { contributions(filter: $f, first: 100, after: $after) { nodes { id } pageInfo { hasNextPage endCursor } } }";
                let body = match token {
                    Some(t) => app.graphql_as(t, query, vars).await.1,
                    None => app.graphql(query, vars).await,
                };
                let page = &body["data"]["contributions"];
                for node in page["nodes"].as_array().expect("a page") {
                    listed.insert(node["id"].as_str().unwrap().to_owned());
                }
                if page["pageInfo"]["hasNextPage"] == false {
                    break;
                }
                after = page["pageInfo"]["endCursor"].clone();
            }
            // The search, paged through.
            let mut ranked: Vec<(f64, String)> = Vec::new();
            let mut after = Value::Null;
            let total = loop {
                let vars = json!({ "q": q, "f": narrowed, "first": 97, "after": after });
                let body = match token {
                    Some(t) => app.graphql_as(t, SEARCH, vars).await.1,
                    None => app.graphql(SEARCH, vars).await,
                };
                let found = &body["data"]["searchContributions"];
                assert!(found.is_object(), "{who} {q}: {body}");
                for edge in found["edges"].as_array().unwrap() {
                    ranked.push((
                        edge["relevance"].as_f64().unwrap(),
                        edge["node"]["id"].as_str().unwrap().to_owned(),
                    ));
                }
                if found["pageInfo"]["hasNextPage"] == false {
                    break found["totalCount"].as_u64();
                }
                after = found["pageInfo"]["endCursor"].clone();
            };
            let ids: Vec<String> = ranked.iter().map(|(_, id)| id.clone()).collect();
            assert_eq!(
                ids.iter().collect::<HashSet<_>>().len(),
                ids.len(),
                "{who} {q}: a match twice"
            );
            assert_eq!(
                ids.iter().cloned().collect::<HashSet<_>>(),
                listed,
                "{who} {q}: the search and the list disagree"
            );
            assert_eq!(total, Some(ids.len() as u64), "{who} {q}");
            if q == "synthetic" && narrowed == json!({}) {
                assert!(ids.len() > 1_000, "{who} {q}: {}", ids.len());
            }
            for pair in ranked.windows(2) {
                assert!(pair[0].0 >= pair[1].0, "{who} {q}: not best first");
            }
            if backend == DbBackend::Postgres && !ids.is_empty() {
                let keys: Vec<i64> = ids
                    .iter()
                    .map(|id| {
                        concord::ids::GlobalId::decode_as(id, concord::ids::NodeType::Contribution)
                            .unwrap()
                    })
                    .collect();
                let list: Vec<String> = keys.iter().map(i64::to_string).collect();
                // SQL safe: integers written by Rust; the search is bound.
                let sql = format!(
                    "SELECT contribution_id FROM contribution_search WHERE contribution_id IN ({}) \
                     ORDER BY (title_document @@ websearch_to_tsquery(config, $1)) DESC, words, contribution_id",
                    list.join(", ")
                );
                let query = concord::service::search::SearchQuery::parse("query", q).unwrap();
                let rows = app
                    .db
                    .query_all_raw(sea_orm::Statement::from_sql_and_values(
                        backend,
                        sql,
                        [query.websearch().to_owned().into()],
                    ))
                    .await
                    .unwrap();
                let full: Vec<i64> = rows
                    .iter()
                    .map(|r| r.try_get_by_index::<i64>(0).unwrap())
                    .collect();
                assert_eq!(keys, full, "{who} {q}: not the full ranking's order");
            }
        }
    }
}

/// A search's `totalCount` counts every match: on PostgreSQL it is priced by the matches
/// the planner estimates before the request runs (a point a match), on SQLite as any
/// large count (FTS5 keeps no statistics).
#[tokio::test]
async fn a_search_total_count_is_priced_by_the_matches_estimated() {
    use concord::graphql::cost::{LARGE_COUNT, MATCH, VALUE};
    let app = spawn_seeded_app().await;
    let postgres = app.db.get_database_backend() == DbBackend::Postgres;
    // Every synthetic contribution is titled "Synthetic …": enough matches on
    // PostgreSQL for the estimate to pass a large count.
    let size = concord::seed::synthetic::Size {
        stakeholders: 40,
        contributions: if postgres { 8_000 } else { 300 },
        seed: 5,
    };
    concord::seed::run_synthetic(&app.db, size).await.unwrap();
    let requested = |query: &'static str, q: &'static str| {
        let app = &app;
        async move {
            let body = app.graphql(query, json!({ "q": q })).await;
            assert!(body["errors"].is_null(), "{body}");
            (
                body["extensions"]["cost"]["requested"].as_u64().unwrap(),
                body["data"].clone(),
            )
        }
    };
    for (counted, uncounted) in [
        (
            "query($q: String!) { searchContributions(query: $q, first: 5) { totalCount edges { node { id } } } }",
            "query($q: String!) { searchContributions(query: $q, first: 5) { edges { node { id } } } }",
        ),
        (
            "query($q: String!) { contributions(first: 5, filter: { search: $q }) { totalCount nodes { id } } }",
            "query($q: String!) { contributions(first: 5, filter: { search: $q }) { nodes { id } } }",
        ),
    ] {
        let (with, data) = requested(counted, "synthetic").await;
        let (without, _) = requested(uncounted, "synthetic").await;
        let priced = with - without - VALUE;
        let root = data.as_object().unwrap().values().next().unwrap().clone();
        let count = root["totalCount"].as_u64().unwrap();
        if postgres {
            let query = concord::service::search::SearchQuery::parse("q", "synthetic").unwrap();
            let estimate = concord::service::search::estimate(&app.db, &query)
                .await
                .unwrap()
                .unwrap();
            assert!(estimate > LARGE_COUNT, "{estimate}");
            assert_eq!(priced, estimate * MATCH, "{counted}");
            // The estimate is of the matches (every caller's, so at least the count).
            assert!(
                estimate >= count / 2 && estimate <= 2 * 8_000,
                "estimated {estimate}, counted {count}"
            );
        } else {
            assert_eq!(priced, LARGE_COUNT, "{counted}");
        }
        // A search that matches nothing costs a large count, as before.
        let (none, _) = requested(counted, "xyzzyquux").await;
        let (none_without, _) = requested(uncounted, "xyzzyquux").await;
        assert_eq!(none - none_without - VALUE, LARGE_COUNT);
    }
    // Two searches in one operation: each priced by its own matches.
    let two = |total: &str| {
        format!(
            "query($q: String!, $r: String!) {{ a: contributions(first: 1, filter: {{ search: $q }}) {{ {total} nodes {{ id }} }} b: contributions(first: 1, filter: {{ search: $r }}) {{ {total} nodes {{ id }} }} }}"
        )
    };
    let cost_of = |query: String| {
        let app = &app;
        async move {
            let body = app
                .graphql(&query, json!({ "q": "synthetic", "r": "xyzzyquux" }))
                .await;
            assert!(body["errors"].is_null(), "{body}");
            body["extensions"]["cost"]["requested"].as_u64().unwrap()
        }
    };
    let priced = cost_of(two("totalCount")).await - cost_of(two("")).await - 2 * VALUE;
    let synthetic = if postgres {
        let query = concord::service::search::SearchQuery::parse("q", "synthetic").unwrap();
        concord::service::search::estimate(&app.db, &query)
            .await
            .unwrap()
            .unwrap()
            * MATCH
    } else {
        LARGE_COUNT
    };
    assert_eq!(priced, synthetic + LARGE_COUNT);
}
