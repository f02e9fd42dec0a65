//! The surfaces' leaks and edges (issue 20): the operation decided as the spec's
//! GetOperation wherever a rule depends on it (idempotent retries, mutations over GET,
//! WebSocket), answers judged by their errors, translations that do not unmask an author,
//! webhooks judged at delivery by what their owners may read then, and the secretariat's
//! official translation always possible.

use crate::helpers::{TestApp, spawn_app_with, spawn_seeded_app, test_settings};
use crate::reports::{ask, call};
use crate::webhooks::{Receiver, register};
use entity::enums::Role;
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use serde_json::{Value, json};
use std::time::{Duration, Instant};

/// POSTs `body` (a whole GraphQL request) with an optional `Idempotency-Key`.
async fn post(app: &TestApp, token: &str, key: Option<&str>, body: Value) -> (u16, Value, bool) {
    let mut request = app
        .client
        .post(app.url("/graphql"))
        .bearer_auth(token)
        .json(&body);
    if let Some(key) = key {
        request = request.header("idempotency-key", key);
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    let replayed = response.headers().get("idempotent-replayed").is_some();
    (status, response.json().await.unwrap(), replayed)
}

async fn stakeholders_named(app: &TestApp, name: &str) -> u64 {
    entity::stakeholder::Entity::find()
        .filter(entity::stakeholder::Column::Name.eq(name))
        .count(&app.db)
        .await
        .unwrap()
}

#[tokio::test]
async fn a_keyed_mutation_runs_once_whichever_way_its_operation_is_named() {
    let app = spawn_seeded_app().await;
    let admin = app
        .sign_in_as("sec@un.example", Role::Secretariat, None)
        .await;
    let create = |op: &str, name: &str| {
        format!(
            "{op} {{ stakeholderCreate(input: {{ name: \"{name}\", group: CIVIL_SOCIETY, accreditation: WSIS_ACCREDITED }}) {{ stakeholder {{ name }} userErrors {{ code }} }} }}"
        )
    };
    // (the document, its operationName): named or not, with and without the name, among
    // other operations.
    let cases = [
        (create("mutation", "Unnamed"), None),
        (create("mutation M", "Named"), None),
        (create("mutation M", "Named and said"), Some("M")),
        (
            format!(
                "query Q {{ viewer {{ role }} }} {}",
                create("mutation M", "One of two")
            ),
            Some("M"),
        ),
    ];
    for (n, (query, name)) in cases.iter().enumerate() {
        let stakeholder = query.split('"').nth(1).unwrap();
        let body = json!({ "query": query, "operationName": name });
        let key = format!("key-{n}");
        let (status, first, replayed) = post(&app, &admin, Some(&key), body.clone()).await;
        assert_eq!(status, 200, "{query}: {first}");
        assert!(!replayed);
        assert_eq!(
            first["data"]["stakeholderCreate"]["userErrors"],
            json!([]),
            "{query}: {first}"
        );
        let (status, again, replayed) = post(&app, &admin, Some(&key), body).await;
        assert_eq!(status, 200, "{query}");
        assert!(replayed, "{query} is replayed, not run again: {again}");
        assert_eq!(again, first, "{query}: the same answer");
        assert_eq!(stakeholders_named(&app, stakeholder).await, 1, "{query}");
    }
    // Without a name to choose between two operations nothing runs and nothing is kept;
    // the refusal is the caller's, so its retry is refused alike.
    let two = format!(
        "query Q {{ viewer {{ role }} }} {}",
        create("mutation M", "Ambiguous")
    );
    for _ in 0..2 {
        let (status, body, _) =
            post(&app, &admin, Some("ambiguous"), json!({ "query": two })).await;
        assert_eq!(status, 200, "{body}");
        assert_eq!(
            body["errors"][0]["extensions"]["code"], "GRAPHQL_VALIDATION_FAILED",
            "{body}"
        );
        assert!(body.get("data").is_none(), "{body}");
    }
    assert_eq!(stakeholders_named(&app, "Ambiguous").await, 0);
    // Not keyed: a named mutation runs each time it is sent (the second is TAKEN).
    let plain = json!({ "query": create("mutation M", "Not keyed") });
    let (_, _, _) = post(&app, &admin, None, plain.clone()).await;
    let (_, second, replayed) = post(&app, &admin, None, plain).await;
    assert!(!replayed);
    assert_eq!(
        second["data"]["stakeholderCreate"]["userErrors"][0]["code"],
        "TAKEN"
    );
}

#[tokio::test]
async fn an_answer_is_judged_by_its_errors_not_by_a_value_that_spells_a_code() {
    let app = spawn_seeded_app().await;
    let admin = app
        .sign_in_as("sec@un.example", Role::Secretariat, None)
        .await;
    // Every value of the schema's `enum ErrorCode`.
    let sdl = concord::graphql::sdl();
    let block = &sdl[sdl.find("enum ErrorCode {").unwrap()..];
    let block = &block[..block.find("\n}").unwrap()];
    let codes: Vec<String> = block
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && l.chars().all(|c| c.is_ascii_uppercase() || c == '_'))
        .map(str::to_owned)
        .collect();
    assert!(codes.len() > 15 && codes.contains(&"INTERNAL_SERVER_ERROR".to_owned()));
    for code in &codes {
        let body = json!({
            "query": "mutation Create($name: String!) { stakeholderCreate(input: { name: $name, acronym: $name, group: PRIVATE_SECTOR, accreditation: WSIS_ACCREDITED }) { stakeholder { name acronym } userErrors { code } } }",
            "variables": { "name": code },
        });
        let key = format!("named-{code}");
        let (status, first, _) = post(&app, &admin, Some(&key), body.clone()).await;
        assert_eq!(status, 200, "{code}: {first}");
        assert_eq!(
            first["data"]["stakeholderCreate"]["stakeholder"]["name"],
            *code
        );
        let (status, again, replayed) = post(&app, &admin, Some(&key), body).await;
        assert_eq!((status, replayed), (200, true), "{code}: {again}");
        assert_eq!(again, first);
        assert_eq!(stakeholders_named(&app, code).await, 1, "{code} kept once");
    }
}

#[tokio::test]
async fn a_mutation_over_get_is_refused_whatever_its_name() {
    let app = spawn_seeded_app().await;
    let (_, refresh) = crate::sessions::signed_in(&app).await;
    let logout = format!(
        "mutation M {{ logout(input: {{ refreshToken: \"{refresh}\" }}) {{ loggedOut }} }}"
    );
    let two = format!("query Q {{ viewer {{ role }} }} {logout}");
    for (query, name) in [
        (logout.as_str(), None),
        (logout.as_str(), Some("M")),
        (two.as_str(), Some("M")),
        (
            "mutation { logout(input: { refreshToken: \"x\" }) { loggedOut } }",
            None,
        ),
        ("subscription S { contributionPublished { id } }", None),
    ] {
        let mut params = vec![("query", query)];
        if let Some(name) = name {
            params.push(("operationName", name));
        }
        let response = app
            .client
            .get(crate::persisted::query_url(&app, &params))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 405, "{query} ({name:?})");
        assert_eq!(response.headers()["allow"], "POST");
        let body: Value = response.json().await.unwrap();
        assert_eq!(
            body["errors"][0]["extensions"]["code"],
            "METHOD_NOT_ALLOWED"
        );
    }
    // The session was not ended: its refresh token still works.
    let refreshed = call(
        &app,
        None,
        "mutation($t: String!) { sessionRefresh(input: { refreshToken: $t }) { accessToken } }",
        json!({ "t": refresh }),
    )
    .await;
    assert!(
        refreshed["data"]["sessionRefresh"]["accessToken"].is_string(),
        "{refreshed}"
    );
    // The query of a document with a mutation in it runs over GET when it is named.
    let response = app
        .client
        .get(crate::persisted::query_url(
            &app,
            &[("query", two.as_str()), ("operationName", "Q")],
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["data"]["viewer"]["role"], Value::Null, "{body}");
    assert!(body.get("errors").is_none(), "{body}");
    // The same parameter twice is a malformed request.
    let response = app
        .client
        .get(crate::persisted::query_url(
            &app,
            &[
                ("query", "{ viewer { role } }"),
                ("query", "{ __typename }"),
            ],
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 400);
}

#[tokio::test]
async fn over_a_websocket_the_operation_is_the_named_or_the_only_one() {
    use async_graphql::futures_util::SinkExt;
    use tokio_tungstenite::tungstenite::Message;
    let app = spawn_seeded_app().await;
    let admin = app
        .sign_in_as("sec@un.example", Role::Secretariat, None)
        .await;
    let mut socket = crate::sockets::connect_as(&app, Some(&admin)).await;
    let create = "mutation M { stakeholderCreate(input: { name: \"Over a socket\", group: CIVIL_SOCIETY, accreditation: WSIS_ACCREDITED }) { stakeholder { name } } }";
    let two = format!("query Q {{ viewer {{ role }} }} {create}");
    let subscribe = |id: &str, query: &str, name: Option<&str>| {
        json!({ "id": id, "type": "subscribe", "payload": { "query": query, "operationName": name } })
            .to_string()
    };
    for (id, query, name) in [
        ("ambiguous", two.as_str(), None),
        ("named", create, None),
        ("chosen", two.as_str(), Some("Q")),
    ] {
        socket
            .send(Message::Text(subscribe(id, query, name).into()))
            .await
            .unwrap();
        let payload = crate::sockets::next_for(&mut socket, id).await;
        match id {
            "ambiguous" => {
                let errors = payload
                    .as_array()
                    .cloned()
                    .unwrap_or_else(|| payload["errors"].as_array().cloned().unwrap_or_default());
                assert!(!errors.is_empty(), "{payload}");
                assert_eq!(stakeholders_named(&app, "Over a socket").await, 0);
            }
            "named" => {
                assert_eq!(
                    payload["data"]["stakeholderCreate"]["stakeholder"]["name"], "Over a socket",
                    "{payload}"
                );
                // Charged as a mutation: one write (100) and what it selects.
                let cost = payload["extensions"]["cost"]["requested"].as_u64().unwrap();
                assert!(cost >= 100, "{payload}");
            }
            _ => {
                assert_eq!(
                    payload["data"]["viewer"]["role"], "SECRETARIAT",
                    "{payload}"
                );
                assert_eq!(stakeholders_named(&app, "Over a socket").await, 1);
            }
        }
    }
}

const ADD: &str = "mutation($i: ContributionTranslationAddInput!) { contributionTranslationAdd(input: $i) { translation { id official suppliedBy } userErrors { field code message } } }";

/// A member state's written comment in `consultation`, submitted and published,
/// attributed or not (`webhooks::published_comment`).
async fn published(
    app: &TestApp,
    member: &str,
    admin: &str,
    consultation: &Value,
    attributed: bool,
) -> Value {
    crate::webhooks::published_comment(
        app,
        member,
        admin,
        consultation,
        json!({ "attributed": attributed }),
    )
    .await
}

#[tokio::test]
async fn a_translation_does_not_unmask_the_author_of_a_contribution_that_is_not_attributed() {
    let app = spawn_seeded_app().await;
    let (admin, member, consultation) =
        crate::workflow::secretariat_member_and_consultation(&app, "masked").await;
    let hidden = published(&app, &member, &admin, &consultation, false).await;
    let named = published(&app, &member, &admin, &consultation, true).await;
    for id in [&hidden, &named] {
        let added = ask(&app, Some(&member), ADD, json!({ "i": { "contribution": id, "language": "fr", "title": "Sur l'accès", "body": "L'accès compte." } })).await;
        assert_eq!(
            added["contributionTranslationAdd"]["userErrors"],
            json!([]),
            "{added}"
        );
    }
    // The secretariat's official Spanish translation of the hidden one.
    let es = ask(&app, Some(&admin), ADD, json!({ "i": { "contribution": hidden, "language": "es", "title": "Sobre el acceso", "body": "El acceso importa.", "official": true } })).await;
    let es_id = es["contributionTranslationAdd"]["translation"]["id"].clone();
    let fr_of_hidden = ask(
        &app,
        Some(&admin),
        "query($id: ID!) { contribution(id: $id) { translations { id language } } }",
        json!({ "id": hidden }),
    )
    .await;
    let fr_id = fr_of_hidden["contribution"]["translations"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["language"] == "fr")
        .unwrap()["id"]
        .clone();

    let query = "query($a: ID!, $b: ID!, $fr: ID!, $es: ID!) {
        a: contribution(id: $a) { stakeholder { id } translations { language suppliedBy }
           fr: text(language: \"fr\") { suppliedBy } es: text(language: \"es\") { suppliedBy }
           revisions(first: 5) { nodes { translations { suppliedBy } } } }
        b: contribution(id: $b) { stakeholder { name } translations { suppliedBy } }
        fr: node(id: $fr) { ... on ContributionTranslation { suppliedBy } }
        es: node(id: $es) { ... on ContributionTranslation { suppliedBy } } }";
    let variables = json!({ "a": hidden, "b": named, "fr": fr_id, "es": es_id });
    let observer_stakeholder =
        crate::workflow::stakeholder_id(&app, "Civil society organization 1").await;
    let observer = app
        .sign_in_as(
            "obs@ngo.example",
            Role::Observer,
            Some(observer_stakeholder),
        )
        .await;
    let other_gov = crate::workflow::stakeholder_id(&app, "Government delegation 2").await;
    let other_member = app
        .sign_in_as("b@gov.example", Role::MemberState, Some(other_gov))
        .await;
    for (who, token) in [
        ("anonymous", None),
        ("an observer", Some(observer.as_str())),
        ("another member state", Some(other_member.as_str())),
    ] {
        let data = ask(&app, token, query, variables.clone()).await;
        let a = &data["a"];
        assert!(a["stakeholder"].is_null(), "{who}: {data}");
        for part in [&data["a"], &data["fr"], &data["es"]] {
            assert!(
                !part.to_string().contains("account:"),
                "{who} learns no principal: {data}"
            );
        }
        assert_eq!(a["fr"]["suppliedBy"], "the contributor", "{who}: {data}");
        assert_eq!(a["es"]["suppliedBy"], "the secretariat", "{who}: {data}");
        assert_eq!(data["fr"]["suppliedBy"], "the contributor");
        assert_eq!(data["es"]["suppliedBy"], "the secretariat");
        let listed: Vec<&Value> = a["translations"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| &t["suppliedBy"])
            .collect();
        assert_eq!(
            listed,
            [&json!("the secretariat"), &json!("the contributor")],
            "{who}"
        );
        assert_eq!(
            a["revisions"]["nodes"][0]["translations"][1]["suppliedBy"],
            "the contributor"
        );
        // The attributed one names its supplier, as it names its stakeholder.
        assert!(
            data["b"]["translations"][0]["suppliedBy"]
                .as_str()
                .unwrap()
                .starts_with("account:"),
            "{who}: {data}"
        );
    }
    // Those who may see the attribution see the principal.
    for token in [&admin, &member] {
        let data = ask(&app, Some(token), query, variables.clone()).await;
        assert!(!data["a"]["stakeholder"].is_null());
        assert!(
            data["fr"]["suppliedBy"]
                .as_str()
                .unwrap()
                .starts_with("account:"),
            "{data}"
        );
    }
    // No other surface names the author: the export, the search's snippets.
    for path in ["contributions.csv", "contributions.ndjson"] {
        let url = format!("/consultations/{}/{path}", consultation.as_str().unwrap());
        let response = app.client.get(app.url(&url)).send().await.unwrap();
        assert_eq!(response.status(), 200, "{path}");
        let text = response.text().await.unwrap();
        assert!(!text.contains("account:"), "{path}: {text}");
        assert_eq!(
            text.matches("Government delegation 1").count(),
            1,
            "{path}: only the attributed one is named: {text}"
        );
    }
}

#[tokio::test]
async fn the_secretariats_official_translation_is_always_possible_and_wins() {
    let app = spawn_seeded_app().await;
    let (admin, member, consultation) =
        crate::workflow::secretariat_member_and_consultation(&app, "official").await;
    let id = published(&app, &member, &admin, &consultation, true).await;
    let unofficial = ask(&app, Some(&member), ADD, json!({ "i": { "contribution": id, "language": "fr", "title": "Brouillon", "body": "Une traduction de l'auteur." } })).await;
    assert_eq!(
        unofficial["contributionTranslationAdd"]["userErrors"],
        json!([])
    );
    let official = ask(&app, Some(&admin), ADD, json!({ "i": { "contribution": id, "language": "fr", "title": "Officiel", "body": "La traduction officielle." , "official": true } })).await;
    assert_eq!(
        official["contributionTranslationAdd"]["userErrors"],
        json!([]),
        "{official}"
    );
    assert_eq!(
        official["contributionTranslationAdd"]["translation"]["official"],
        true
    );
    // It replaced the author's: one French translation, the official one, which `text`
    // gives; the audit log records the replacement.
    let data = ask(&app, None, "query($id: ID!) { contribution(id: $id) { translations { language official title } text(language: \"fr\") { title official fallback } } }", json!({ "id": id })).await;
    let c = &data["contribution"];
    assert_eq!(
        c["translations"],
        json!([{ "language": "fr", "official": true, "title": "Officiel" }]),
        "{data}"
    );
    assert_eq!(c["text"]["title"], "Officiel");
    assert_eq!(c["text"]["official"], true);
    let audit = entity::audit_event::Entity::find()
        .filter(entity::audit_event::Column::Action.eq("contribution.translate"))
        .all(&app.db)
        .await
        .unwrap();
    assert_eq!(audit.len(), 2);
    assert!(audit[0].before_hash.is_none() && audit[1].before_hash.is_some());
    assert_eq!(audit[0].target_id, audit[1].target_id);
    // A second official one, or another unofficial one, is TAKEN; nothing changes.
    for (token, official) in [(&admin, true), (&member, false)] {
        let again = ask(&app, Some(token), ADD, json!({ "i": { "contribution": id, "language": "fr", "title": "Encore", "body": "Encore.", "official": official } })).await;
        assert_eq!(
            again["contributionTranslationAdd"]["userErrors"][0]["code"], "TAKEN",
            "{again}"
        );
    }
    let rows = entity::contribution_translation::Entity::find()
        .all(&app.db)
        .await
        .unwrap();
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].title, "Officiel");
}

/// What an endpoint received, as (event, subject id) pairs, sorted.
fn heard(receiver: &Receiver) -> Vec<(String, String)> {
    let mut got: Vec<(String, String)> = receiver
        .got
        .lock()
        .unwrap()
        .iter()
        .map(|r| {
            let body: Value = serde_json::from_str(&r.body).unwrap();
            let data = &body["data"];
            let subject = ["contribution", "consultation", "report"]
                .iter()
                .find_map(|k| data[k]["id"].as_str())
                .unwrap_or("")
                .to_owned();
            (body["event"].as_str().unwrap().to_owned(), subject)
        })
        .collect();
    got.sort();
    got
}

#[tokio::test]
async fn every_event_is_judged_at_delivery_by_what_its_owner_may_read_then() {
    // This instance writes deliveries; another, started later, sends them.
    let mut settings = test_settings();
    settings.webhooks.deliver = false;
    let app = spawn_app_with(settings.clone()).await;
    concord::seed::run(&app.db, concord::seed::Dataset::Report2010)
        .await
        .unwrap();
    let (admin, member, consultation) =
        crate::workflow::secretariat_member_and_consultation(&app, "judged").await;
    // Three kinds of owner: the secretariat's account, a member state's API client and
    // an observer's.
    let gov = concord::ids::GlobalId::new(
        concord::ids::NodeType::Stakeholder,
        crate::workflow::stakeholder_id(&app, "Government delegation 3").await,
    )
    .encode();
    let icann = crate::clients::stakeholder_id(&app, "ICANN").await;
    let mut owners = vec![("secretariat", admin.clone())];
    for (who, stakeholder, role) in [
        ("member", json!(gov), "MEMBER_STATE"),
        ("observer", icann, "OBSERVER"),
    ] {
        let (_, body) = app
            .graphql_as(&admin, "mutation($i: ApiClientCreateInput!) { apiClientCreate(input: $i) { apiClient { clientId } clientSecret userErrors { message } } }", json!({ "i": { "name": who, "stakeholder": stakeholder, "role": role, "scopes": ["READ"] } }))
            .await;
        let p = &body["data"]["apiClientCreate"];
        let (status, token) = crate::clients::token_request(
            &app,
            Some((
                p["apiClient"]["clientId"].as_str().unwrap(),
                p["clientSecret"].as_str().unwrap(),
            )),
            &[("grant_type", "client_credentials")],
        )
        .await;
        assert_eq!(status, 200, "{body} {token}");
        owners.push((who, token["access_token"].as_str().unwrap().to_owned()));
    }
    let all = json!([
        "CONTRIBUTION_PUBLISHED",
        "CONTRIBUTION_WITHDRAWN",
        "CONTRIBUTION_UNPUBLISHED",
        "CONSULTATION_CLOSED",
        "REPORT_PUBLISHED"
    ]);
    let mut receivers = Vec::new();
    for (who, token) in &owners {
        let receiver = Receiver::start(vec![]).await;
        register(&app, token, &receiver.url, all.clone()).await;
        receivers.push((*who, receiver));
    }

    // A report published in a DRAFT consultation: its report.md is the secretariat's.
    let now = chrono::Utc::now();
    let draft = ask(&app, Some(&admin), "mutation($i: ConsultationCreateInput!) { consultationCreate(input: $i) { consultation { id } } }", json!({ "i": { "slug": "still-draft", "title": "Draft", "mandate": "M", "guidingQuestions": [], "opensAt": (now + chrono::Duration::days(1)).to_rfc3339(), "closesAt": (now + chrono::Duration::days(30)).to_rfc3339() } })).await["consultationCreate"]["consultation"]["id"].clone();
    let draft_report = publish_report(&app, &admin, &draft).await;

    // In the open consultation: a public contribution; one for member states, then
    // unpublished before anything is sent; a public one withdrawn before anything is
    // sent; the report; the consultation closed.
    let public = published(&app, &member, &admin, &consultation, true).await;
    let restricted = crate::webhooks::published_comment(
        &app,
        &member,
        &admin,
        &consultation,
        json!({ "visibility": "MEMBER_STATES", "title": "For member states" }),
    )
    .await;
    let un = ask(&app, Some(&admin), "mutation($id: ID!) { contributionUnpublish(input: { id: $id, version: 3 }) { contribution { status } userErrors { message } } }", json!({ "id": restricted })).await;
    assert_eq!(
        un["contributionUnpublish"]["contribution"]["status"], "SUBMITTED",
        "{un}"
    );
    let withdrawn = published(&app, &member, &admin, &consultation, true).await;
    let w = ask(&app, Some(&member), "mutation($id: ID!) { contributionWithdraw(input: { id: $id, version: 3, reason: \"Sent twice\" }) { contribution { status } userErrors { message } } }", json!({ "id": withdrawn })).await;
    assert_eq!(
        w["contributionWithdraw"]["contribution"]["status"], "WITHDRAWN",
        "{w}"
    );
    let open_report = publish_report(&app, &admin, &consultation).await;
    let closed = ask(&app, Some(&admin), "mutation($id: ID!) { consultationClose(input: { id: $id, version: 2 }) { consultation { status } userErrors { message } } }", json!({ "id": consultation })).await;
    assert_eq!(
        closed["consultationClose"]["consultation"]["status"], "CLOSED",
        "{closed}"
    );
    // ...and marked reported before anything is sent: the closing is still announced as
    // a closing.
    let reported = ask(&app, Some(&admin), "mutation($id: ID!) { consultationMarkReported(input: { id: $id, version: 3 }) { consultation { status } userErrors { message } } }", json!({ "id": consultation })).await;
    assert_eq!(
        reported["consultationMarkReported"]["consultation"]["status"], "REPORTED",
        "{reported}"
    );

    // Nothing was written for a partner about the draft consultation's report.
    let written: Vec<String> = entity::webhook_delivery::Entity::find()
        .all(&app.db)
        .await
        .unwrap()
        .into_iter()
        .filter(|d| d.payload.contains(draft_report.as_str().unwrap()))
        .map(|d| d.webhook_id.to_string())
        .collect();
    assert_eq!(
        written.len(),
        1,
        "only the secretariat's endpoint: {written:?}"
    );

    // Now the deliveries go out, judged as things are now.
    let mut sending = test_settings();
    sending.webhooks.deliver = true;
    app.another_instance(&sending);
    let s = |e: &str, id: &Value| (e.to_owned(), id.as_str().unwrap().to_owned());
    let expected = |who: &str| -> Vec<(String, String)> {
        let mut e = vec![
            s("contribution.published", &public),
            s("contribution.withdrawn", &withdrawn),
            s("consultation.closed", &consultation),
            s("report.published", &open_report),
        ];
        if who != "observer" {
            e.push(s("contribution.unpublished", &restricted));
        }
        if who == "secretariat" {
            e.push(s("report.published", &draft_report));
        }
        e.sort();
        e
    };
    for (who, receiver) in &receivers {
        let want = expected(who);
        receiver.wait_for(want.len(), 30).await;
        // Give a delivery that should not be sent time to arrive, were it (wrongly) sent.
        tokio::time::sleep(Duration::from_millis(600)).await;
        assert_eq!(heard(receiver), want, "{who}");
        let closing = receiver
            .got
            .lock()
            .unwrap()
            .iter()
            .map(|r| serde_json::from_str::<Value>(&r.body).unwrap())
            .find(|b| b["event"] == "consultation.closed")
            .unwrap();
        assert_eq!(closing["data"]["consultation"]["status"], "CLOSED", "{who}");
    }
    // What was not sent is withheld in the log, its body stripped of what it was about.
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let rows = entity::webhook_delivery::Entity::find()
            .all(&app.db)
            .await
            .unwrap();
        let withheld: Vec<_> = rows
            .iter()
            .filter(|d| {
                d.last_error
                    .as_deref()
                    .is_some_and(|e| e.starts_with("withheld"))
            })
            .collect();
        // The published events of the unpublished and the withdrawn contributions.
        if withheld.len() == 2 + 3 {
            for d in withheld {
                assert!(!d.payload.contains("data"), "{}", d.payload);
                assert!(d.payload.contains("\"withheld\":true"));
            }
            break;
        }
        assert!(Instant::now() < deadline, "withheld: {withheld:?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Creates, fills and publishes the report of `consultation`; returns its ID.
async fn publish_report(app: &TestApp, admin: &str, consultation: &Value) -> Value {
    let report = ask(app, Some(admin), "mutation($c: ID!) { reportCreate(input: { consultation: $c, title: \"The report\" }) { report { id version } userErrors { message } } }", json!({ "c": consultation })).await;
    let id = report["reportCreate"]["report"]["id"].clone();
    assert!(id.is_string(), "{report}");
    let section = ask(app, Some(admin), "mutation($r: ID!) { reportSectionAdd(input: { report: $r, kind: SUMMARY }) { section { id } userErrors { message } } }", json!({ "r": id })).await;
    let section = section["reportSectionAdd"]["section"]["id"].clone();
    ask(app, Some(admin), "mutation($s: ID!) { reportParagraphAdd(input: { section: $s, text: { body: \"Summary.\" } }) { paragraph { id } } }", json!({ "s": section })).await;
    let version = ask(
        app,
        Some(admin),
        "query($id: ID!) { node(id: $id) { ... on Report { version } } }",
        json!({ "id": id }),
    )
    .await["node"]["version"]
        .clone();
    let published = ask(app, Some(admin), "mutation($id: ID!, $v: Int!) { reportPublish(input: { id: $id, version: $v }) { publication { number } userErrors { message } } }", json!({ "id": id, "v": version })).await;
    assert_eq!(
        published["reportPublish"]["publication"]["number"], 1,
        "{published}"
    );
    id
}

#[tokio::test]
async fn ipv6_forms_of_inner_addresses_are_refused_and_every_target_is_checked_when_sent() {
    // This instance allows loopback (as the tests' receivers need) but sends nothing.
    let mut settings = test_settings();
    settings.webhooks.deliver = false;
    let app = spawn_app_with(settings).await;
    concord::seed::run(&app.db, concord::seed::Dataset::Report2010)
        .await
        .unwrap();
    let (admin, member, consultation) =
        crate::workflow::secretariat_member_and_consultation(&app, "targets").await;
    // (Loopback in these forms is refused where loopback is: the unit tests of
    // `webhooks::target`.)
    for url in [
        "https://[::10.0.0.1]/",
        "https://[64:ff9b::a00:1]/",
        "https://[64:ff9b:1::a00:1]/",
        "https://[2002:a00:1::]/",
        "https://[2001:0:4136:e378:8000:63bf:f5ff:fffe]/",
        "https://[::ffff:10.0.0.1]/",
    ] {
        let data = ask(&app, Some(&admin), "mutation($i: WebhookCreateInput!) { webhookCreate(input: $i) { webhook { id } userErrors { code message } } }", json!({ "i": { "url": url, "events": ["REPORT_PUBLISHED"] } })).await;
        assert_eq!(
            data["webhookCreate"]["userErrors"][0]["code"], "INVALID",
            "{url}: {data}"
        );
    }
    // Registered here, where loopback is allowed...
    let receiver = Receiver::start(vec![]).await;
    let (hook, _, _) = register(
        &app,
        &admin,
        &receiver.url,
        json!(["CONTRIBUTION_PUBLISHED"]),
    )
    .await;
    published(&app, &member, &admin, &consultation, true).await;
    // ...and sent by an instance that does not allow it: refused, and said so in the log.
    let mut strict = test_settings();
    strict.webhooks.targets.allow_loopback = false;
    app.another_instance(&strict);
    let deadline = Instant::now() + Duration::from_secs(20);
    let attempt = loop {
        let log = ask(&app, Some(&admin), "query($id: ID!) { node(id: $id) { ... on Webhook { deliveries(first: 1) { nodes { status attempts { statusCode error } } } } } }", json!({ "id": hook })).await;
        let attempts = log["node"]["deliveries"]["nodes"][0]["attempts"].clone();
        if attempts.as_array().is_some_and(|a| !a.is_empty()) {
            break attempts[0].clone();
        }
        assert!(Instant::now() < deadline, "{log}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert!(attempt["statusCode"].is_null(), "{attempt}");
    let error = attempt["error"].as_str().unwrap();
    assert!(
        error.starts_with("refused target:") && error.contains("127.0.0.1"),
        "{error}"
    );
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(
        receiver.got.lock().unwrap().is_empty(),
        "nothing reached the loopback receiver"
    );
}

#[tokio::test]
async fn a_planted_csrf_cookie_cannot_be_matched_and_pages_send_no_referrer() {
    use crate::console::{cookie_value, refresh, set_cookies};
    let app = spawn_seeded_app().await;
    app.sign_in_as("sec@un.example", Role::Secretariat, None)
        .await;
    let signed_in = app
        .client
        .post(app.url("/console/session"))
        .json(&json!({ "email": "sec@un.example", "password": "a long enough password" }))
        .send()
        .await
        .unwrap();
    assert_eq!(signed_in.status(), 200);
    let cookies = set_cookies(&signed_in);
    let session = cookie_value(&cookies, "concord_console");
    let csrf = cookie_value(&cookies, "concord_csrf");
    // An attacker plants its own CSRF cookie and sends the same value in the header:
    // refused, and the session is untouched.
    for planted in ["X", "csrf_0000", csrf.as_str()] {
        let mut altered = planted.to_owned();
        if planted == csrf {
            // The real token with one character changed.
            let last = altered.pop().unwrap();
            altered.push(if last == '0' { '1' } else { '0' });
        }
        let answer = refresh(&app, &session, &altered, Some(&altered)).await;
        assert_eq!(answer.status(), 403, "{altered}");
    }
    // A token is its session's: another session's token does not pass for this one.
    let other = app
        .client
        .post(app.url("/console/session"))
        .json(&json!({ "email": "sec@un.example", "password": "a long enough password" }))
        .send()
        .await
        .unwrap();
    let other_csrf = cookie_value(&set_cookies(&other), "concord_csrf");
    assert_ne!(other_csrf, csrf);
    let answer = refresh(&app, &session, &other_csrf, Some(&other_csrf)).await;
    assert_eq!(answer.status(), 403);
    // The session's own token works, whatever the CSRF cookie says.
    let answer = refresh(&app, &session, "planted", Some(&csrf)).await;
    assert_eq!(answer.status(), 200);

    // Every HTML page says not to send a referrer.
    let report = "/consultations/enhanced-cooperation-2010/report.html";
    for (path, accept) in [
        ("/console", "text/html"),
        ("/graphql", "text/html"),
        (report, "text/html"),
    ] {
        let response = app
            .client
            .get(app.url(path))
            .header("accept", accept)
            .send()
            .await
            .unwrap();
        assert!(
            response.status().is_success(),
            "{path}: {}",
            response.status()
        );
        assert!(
            response.headers()["content-type"]
                .to_str()
                .unwrap()
                .starts_with("text/html"),
            "{path}"
        );
        assert_eq!(
            response.headers()["referrer-policy"],
            "no-referrer",
            "{path}"
        );
    }
}

#[tokio::test]
async fn once_its_budget_is_spent_a_caller_is_refused_everything_until_it_refills() {
    let app = spawn_app_with(crate::helpers::small_anonymous_budget()).await;
    let send = |query: String| {
        let request = app
            .client
            .post(app.url("/graphql"))
            .json(&json!({ "query": query }));
        async move {
            let response = request.send().await.unwrap();
            let status = response.status().as_u16();
            let body: Value = response.json().await.unwrap();
            (status, body)
        }
    };
    // Refused before it runs while there is budget: answered with its refusal.
    let too_many_aliases = crate::helpers::aliased(101, "__typename");
    let (status, body) = send(too_many_aliases.clone()).await;
    assert_eq!(status, 200);
    assert_eq!(body["errors"][0]["extensions"]["code"], "QUERY_TOO_COMPLEX");
    // Spend the budget.
    let costly = "{ contributions(first: 100) { totalCount nodes { body } } }".to_owned();
    let mut spent = false;
    for _ in 0..40 {
        if send(costly.clone()).await.0 == 429 {
            spent = true;
            break;
        }
    }
    assert!(spent, "the budget ran out");
    // Now everything is 429: the costly query, a cheap one that no longer fits... and
    // what would have been refused before it ran, a parse error, an unknown operation.
    for query in [
        costly.clone(),
        too_many_aliases,
        "{ contributions(".to_owned(),
        "query A { __typename } query B { __typename }".to_owned(),
    ] {
        let mut last = (0, Value::Null);
        // Whatever is left (less than one costly query) is spent by cheap ones first.
        for _ in 0..3000 {
            last = send(query.clone()).await;
            if last.0 == 429 {
                break;
            }
            let _ = send("{ rateLimit { remaining } }".to_owned()).await;
        }
        assert_eq!(last.0, 429, "{query}: {}", last.1);
        assert_eq!(
            last.1["errors"][0]["extensions"]["code"], "RATE_LIMITED",
            "{query}"
        );
    }
}

/// Sends `path`'s headers declaring a body of 100 bytes, then trickles it a byte every
/// 200 ms; returns what the server answered and whether it closed the connection, and
/// when (measured from the headers).
async fn trickle(app: &TestApp, path: &str, content_type: &str) -> (String, bool, Duration) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let address = app.address.trim_start_matches("http://").to_owned();
    let mut socket = tokio::net::TcpStream::connect(&address).await.unwrap();
    let head = format!(
        "POST {path} HTTP/1.1\r\nHost: {address}\r\nContent-Type: {content_type}\r\nContent-Length: 100\r\n\r\n"
    );
    socket.write_all(head.as_bytes()).await.unwrap();
    let started = Instant::now();
    let mut answer = Vec::new();
    let mut buffer = [0u8; 4096];
    let closed = loop {
        if started.elapsed() > Duration::from_secs(8) {
            break false;
        }
        // A byte of the body (refused once the server has closed: then read what it said).
        let _ = socket.write_all(b"{").await;
        match tokio::time::timeout(Duration::from_millis(200), socket.read(&mut buffer)).await {
            Ok(Ok(0)) => break true,
            Ok(Ok(n)) => answer.extend_from_slice(&buffer[..n]),
            Ok(Err(_)) => break true,
            Err(_) => {}
        }
    };
    (
        String::from_utf8_lossy(&answer).into_owned(),
        closed,
        started.elapsed(),
    )
}

#[tokio::test]
async fn a_body_trickled_past_the_deadline_gets_408_and_its_connection_closed() {
    let mut settings = test_settings();
    settings.body_timeout = Duration::from_secs(2);
    let app = spawn_app_with(settings).await;
    for (path, content_type) in [
        ("/graphql", "application/json"),
        ("/oauth/token", "application/x-www-form-urlencoded"),
        ("/console/session", "application/json"),
    ] {
        let (answer, closed, took) = trickle(&app, path, content_type).await;
        assert!(answer.starts_with("HTTP/1.1 408"), "{path}: {answer}");
        // (The token endpoint answers as OAuth does: `invalid_request`, saying why.)
        assert!(
            answer.contains("REQUEST_TIMEOUT")
                || answer.contains("did not arrive within 2 seconds"),
            "{path}: {answer}"
        );
        assert!(closed, "{path}: the connection is closed: {answer}");
        assert!(
            took < Duration::from_secs(5),
            "{path}: closed after {took:?}"
        );
    }
}

#[tokio::test]
async fn the_longest_body_fits_as_json_escapes_it_and_one_character_more_is_invalid() {
    let app = spawn_seeded_app().await;
    let admin = app
        .sign_in_as("sec@un.example", Role::Secretariat, None)
        .await;
    let consultation = crate::workflow::open_consultation(&app, &admin, "escaped").await;
    let gov = concord::ids::GlobalId::new(
        concord::ids::NodeType::Stakeholder,
        crate::workflow::stakeholder_id(&app, "Government delegation 1").await,
    )
    .encode();
    let contributions = || async {
        entity::contribution::Entity::find()
            .filter(
                entity::contribution::Column::ConsultationId.eq(concord::ids::GlobalId::decode_as(
                    consultation.as_str().unwrap(),
                    concord::ids::NodeType::Consultation,
                )
                .unwrap()),
            )
            .count(&app.db)
            .await
            .unwrap()
    };
    // Each character as Python's json.dumps writes it: six bytes, or twelve for one
    // outside the Basic Multilingual Plane.
    for (character, escaped) in [
        ('é', "\\u00e9"),
        ('中', "\\u4e2d"),
        ('😀', "\\ud83d\\ude00"),
    ] {
        for (n, fits) in [(1_000_000usize, true), (1_000_001, false)] {
            let before = contributions().await;
            let body = format!(
                r#"{{"query":"mutation($i: ContributionCreateInput!) {{ contributionCreate(input: $i) {{ contribution {{ id body }} userErrors {{ field code }} }} }}","variables":{{"i":{{"consultation":"{}","stakeholder":"{gov}","title":"Long","language":"fr","body":"{}"}}}}}}"#,
                consultation.as_str().unwrap(),
                escaped.repeat(n)
            );
            assert!(body.len() > n * escaped.len());
            let response = app
                .client
                .post(app.url("/graphql"))
                .bearer_auth(&admin)
                .header("content-type", "application/json")
                .body(body)
                .send()
                .await
                .unwrap();
            assert_eq!(response.status(), 200, "{character} × {n}");
            let answer: Value = response.json().await.unwrap();
            let payload = &answer["data"]["contributionCreate"];
            if fits {
                let kept = payload["contribution"]["body"]
                    .as_str()
                    .unwrap_or_else(|| panic!("{character}: {:.300}", answer.to_string()));
                assert_eq!(kept.chars().count(), n);
                assert!(kept.chars().all(|c| c == character));
                assert_eq!(contributions().await, before + 1);
            } else {
                assert_eq!(
                    payload["userErrors"][0]["code"],
                    "INVALID",
                    "{character} × {n}: {:.300}",
                    answer.to_string()
                );
                assert!(payload["contribution"].is_null());
                assert_eq!(contributions().await, before, "nothing written");
            }
        }
    }
}
