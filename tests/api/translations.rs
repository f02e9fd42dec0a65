//! Translations of contributions into the UN's official languages (issue 12, point 4):
//! who may add them, official or not, the fallback to the original with a flag, the
//! receipt's hash over the original, and the search and the export covering them.

use crate::helpers::spawn_seeded_app;
use crate::reports::{ask, call};
use entity::enums::Role;
use serde_json::{Value, json};

const ADD: &str = "mutation($i: ContributionTranslationAddInput!) { contributionTranslationAdd(input: $i) { translation { id language title official suppliedBy } userErrors { field code message } } }";

fn code(data: &Value) -> Value {
    data["contributionTranslationAdd"]["userErrors"][0]["code"].clone()
}

#[tokio::test]
async fn translations_fall_back_to_the_original_and_are_searched_and_exported() {
    let app = spawn_seeded_app().await;
    let (admin, member, consultation) =
        crate::workflow::secretariat_member_and_consultation(&app, "translated").await;
    let created = ask(
        &app,
        Some(&member),
        "mutation($c: ID!) { contributionCreate(input: { consultation: $c, title: \"Access for all\", body: \"Affordable access to the network matters.\", language: \"en\" }) { contribution { id } } }",
        json!({ "c": consultation }),
    )
    .await;
    let id = created["contributionCreate"]["contribution"]["id"].clone();
    let submitted = ask(&app, Some(&member), "mutation($id: ID!) { contributionSubmit(input: { id: $id, version: 1 }) { receipt { contentHash } } }", json!({ "id": id })).await;
    let receipt = submitted["contributionSubmit"]["receipt"]["contentHash"].clone();
    ask(&app, Some(&admin), "mutation($id: ID!) { contributionPublish(input: { id: $id, version: 2 }) { contribution { status } } }", json!({ "id": id })).await;

    // The author adds an unofficial French translation; the secretariat an official
    // Spanish one.
    let fr = ask(&app, Some(&member), ADD, json!({ "i": { "contribution": id, "language": "fr", "title": "L'accès pour tous", "body": "Un accès abordable au réseau compte." } })).await;
    assert_eq!(
        fr["contributionTranslationAdd"]["userErrors"],
        json!([]),
        "{fr}"
    );
    let t = &fr["contributionTranslationAdd"]["translation"];
    assert_eq!(t["official"], false);
    assert!(t["suppliedBy"].as_str().unwrap().starts_with("account:"));
    let es = ask(&app, Some(&admin), ADD, json!({ "i": { "contribution": id, "language": "es", "title": "Acceso para todos", "body": "El acceso asequible importa.", "official": true } })).await;
    assert_eq!(
        es["contributionTranslationAdd"]["translation"]["official"], true,
        "{es}"
    );

    // Bad input: each refused with a code, nothing added.
    for (token, input, expected) in [
        (
            &member,
            json!({ "language": "es-ES", "title": "Otro", "body": "Otro" }),
            "TAKEN",
        ),
        (
            &member,
            json!({ "language": "de", "title": "Zugang", "body": "Zugang" }),
            "INVALID",
        ),
        (
            &member,
            json!({ "language": "en", "title": "Access", "body": "Access" }),
            "INVALID",
        ),
        (
            &member,
            json!({ "language": "ru", "title": "Доступ", "body": "Доступ", "official": true }),
            "NOT_ALLOWED",
        ),
        (
            &member,
            json!({ "language": "ru", "title": " ", "body": "Доступ" }),
            "INVALID",
        ),
        (
            &member,
            json!({ "language": "ru", "title": "Доступ", "body": "Доступ", "revision": 9 }),
            "NOT_FOUND",
        ),
    ] {
        let mut i = input.clone();
        i["contribution"] = id.clone();
        let data = ask(&app, Some(token), ADD, json!({ "i": i })).await;
        assert_eq!(code(&data), json!(expected), "{input}: {data}");
        assert!(data["contributionTranslationAdd"]["translation"].is_null());
    }
    // Another stakeholder's principal may not translate it.
    let other = crate::workflow::stakeholder_id(&app, "Government delegation 2").await;
    let stranger = app
        .sign_in_as("b@gov.example", Role::MemberState, Some(other))
        .await;
    let refused = call(&app, Some(&stranger), ADD, json!({ "i": { "contribution": id, "language": "ru", "title": "Доступ", "body": "Доступ" } })).await;
    assert_eq!(refused["errors"][0]["extensions"]["code"], "FORBIDDEN");

    // Anyone reads them; a language without one falls back to the original, flagged.
    let read = ask(
        &app,
        None,
        r#"query($id: ID!) { node(id: $id) { ... on Contribution {
            title body frTitle: title(language: "fr") frBody: body(language: "fr")
            fr: text(language: "fr") { language requested isOriginal fallback official suppliedBy }
            es: text(language: "es") { title official isOriginal fallback }
            ru: text(language: "ru") { language title isOriginal fallback official suppliedBy }
            en: text(language: "en") { isOriginal fallback }
            translations { language official }
            currentRevision { contentHash translations { language } }
        } } }"#,
        json!({ "id": id }),
    )
    .await;
    let c = &read["node"];
    assert_eq!(c["title"], "Access for all");
    assert_eq!(c["frTitle"], "L'accès pour tous");
    assert_eq!(c["frBody"], "Un accès abordable au réseau compte.");
    assert_eq!(c["fr"]["language"], "fr");
    assert_eq!(c["fr"]["isOriginal"], false);
    assert_eq!(c["fr"]["fallback"], false);
    assert_eq!(c["fr"]["official"], false);
    assert_eq!(
        c["es"],
        json!({ "title": "Acceso para todos", "official": true, "isOriginal": false, "fallback": false })
    );
    assert_eq!(
        c["ru"],
        json!({ "language": "en", "title": "Access for all", "isOriginal": true, "fallback": true, "official": true, "suppliedBy": null })
    );
    assert_eq!(c["en"], json!({ "isOriginal": true, "fallback": false }));
    assert_eq!(
        c["translations"],
        json!([{ "language": "es", "official": true }, { "language": "fr", "official": false }])
    );
    // The receipt's hash stays over the original.
    assert_eq!(c["currentRevision"]["contentHash"], receipt);
    let unknown = call(
        &app,
        None,
        "query($id: ID!) { node(id: $id) { ... on Contribution { title(language: \"xx\") } } }",
        json!({ "id": id }),
    )
    .await;
    assert_eq!(unknown["errors"][0]["extensions"]["code"], "BAD_USER_INPUT");

    // The search finds it by a word only its translations hold, and ranks it.
    let found = ask(
        &app,
        None,
        "query($c: ID!) { searchContributions(query: \"abordable\", first: 5) { totalCount edges { snippet node { id } } } node(id: $c) { ... on Consultation { contributions(first: 5, filter: { search: \"asequible\" }) { totalCount nodes { id } } } } }",
        json!({ "c": consultation }),
    )
    .await;
    let hits = &found["searchContributions"];
    assert_eq!(hits["totalCount"], 1, "{found}");
    assert_eq!(hits["edges"][0]["node"]["id"], id);
    assert!(
        hits["edges"][0]["snippet"]
            .as_str()
            .unwrap()
            .contains("<mark>abordable</mark>"),
        "{found}"
    );
    assert_eq!(
        found["node"]["contributions"]["nodes"],
        json!([{ "id": id }])
    );

    // The export lists them.
    let ndjson = app
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
    let row: Value = serde_json::from_str(ndjson.lines().next().unwrap()).unwrap();
    assert_eq!(
        row["translations"],
        json!([
            { "language": "es", "official": true, "title": "Acceso para todos" },
            { "language": "fr", "official": false, "title": "L'accès pour tous" },
        ])
    );
    let csv = app
        .client
        .get(app.url(&format!(
            "/consultations/{}/contributions.csv",
            consultation.as_str().unwrap()
        )))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        csv.lines()
            .next()
            .unwrap()
            .ends_with(",stances,translations,attachments")
    );
    assert!(
        csv.contains("es*=Acceso para todos;fr=L'accès pour tous"),
        "{csv}"
    );

    // A new revision starts without translations; the old one keeps its own.
    let edited = ask(&app, Some(&admin), "mutation($id: ID!) { contributionUnpublish(input: { id: $id, version: 3 }) { contribution { version } } }", json!({ "id": id })).await;
    assert_eq!(
        edited["contributionUnpublish"]["contribution"]["version"],
        4
    );
    let revised = ask(&app, Some(&member), "mutation($id: ID!) { contributionEdit(input: { id: $id, version: 4, body: \"Affordable access matters, and so does skill.\" }) { contribution { translations { language } revisions(first: 5) { nodes { number translations { language } } } } userErrors { message } } }", json!({ "id": id })).await;
    let c = &revised["contributionEdit"]["contribution"];
    assert_eq!(c["translations"], json!([]), "{revised}");
    assert_eq!(
        c["revisions"]["nodes"][0]["translations"],
        json!([{ "language": "es" }, { "language": "fr" }])
    );
    let gone = ask(
        &app,
        Some(&admin),
        "{ searchContributions(query: \"abordable\", first: 5) { totalCount } }",
        json!({}),
    )
    .await;
    assert_eq!(
        gone["searchContributions"]["totalCount"], 0,
        "only the current revision's translations are searched"
    );
}
