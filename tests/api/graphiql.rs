//! GraphiQL in a real browser (headless Chromium, no network beyond 127.0.0.1): the page
//! and everything it loads come from the server, the Docs panel is filled by the
//! standard introspection query, the first query of the README runs, subscriptions run
//! over `/graphql/ws`, and with introspection off the page says so.

use crate::browser::Browser;
use crate::helpers::{spawn_app_with, spawn_seeded_app, test_settings};
use crate::workflow::{open_consultation, stakeholder_id};
use concord::seed::{self, Dataset};
use entity::enums::Role;
use serde_json::json;

/// The text of GraphiQL's response pane.
const RESPONSE: &str = "const cm = document.querySelector('.graphiql-response .CodeMirror'); \
     return cm && cm.CodeMirror.getValue();";
/// Presses the run button.
const RUN: &str = "document.querySelector('.graphiql-execute-button').click(); return true;";

/// Opens GraphiQL and waits for its editor.
async fn open_graphiql(browser: &Browser, app: &crate::helpers::TestApp) {
    browser.goto(&app.url("/graphql")).await;
    browser
        .wait_for(
            "the editor",
            30,
            "return document.querySelector('.graphiql-execute-button') !== null;",
        )
        .await;
}

#[tokio::test]
async fn graphiql_loads_from_the_server_alone_and_runs_the_first_query() {
    let Some(browser) = Browser::start("graphiql").await else {
        return;
    };
    let app = spawn_seeded_app().await;
    open_graphiql(&browser, &app).await;
    let opened = browser
        .run(
            "return document.querySelector('.graphiql-query-editor .CodeMirror').CodeMirror.getValue();",
            json!([]),
        )
        .await;
    assert!(
        opened
            .as_str()
            .unwrap()
            .ends_with(concord::http::graphiql::FIRST_QUERY),
        "{opened}"
    );

    browser.run(RUN, json!([])).await;
    let response = browser
        .wait_for(
            "the first query's answer",
            30,
            &format!(
                "const text = (function() {{ {RESPONSE} }})(); \
                 return (text && text.includes('\"total\": 98')) ? text : null;"
            ),
        )
        .await;
    let response: serde_json::Value = serde_json::from_str(response.as_str().unwrap()).unwrap();
    assert_eq!(
        response["data"]["consultations"]["nodes"][0]["statistics"]["total"],
        98
    );

    // The Docs panel: filled from the standard introspection query.
    browser
        .run(
            "document.querySelector('[aria-label=\"Show Documentation Explorer\"]').click(); return true;",
            json!([]),
        )
        .await;
    let docs = browser
        .wait_for(
            "the Docs panel",
            20,
            "const d = document.querySelector('.graphiql-doc-explorer'); \
             return d && d.innerText.includes('Query') && d.innerText;",
        )
        .await;
    assert!(docs.as_str().unwrap().contains("Mutation"), "{docs}");
    let errors = browser
        .run(
            "return document.body.innerText.includes('Error fetching schema');",
            json!([]),
        )
        .await;
    assert_eq!(errors, false);

    // Everything came from the server: nothing else was even asked for.
    let urls = browser.loaded_urls().await;
    assert!(urls.len() >= 6, "{urls:?}");
    for url in &urls {
        assert!(url.starts_with(&app.address), "{url} is not the server's");
    }
}

#[tokio::test]
async fn graphiql_runs_subscriptions_over_the_websocket_with_its_headers() {
    let Some(browser) = Browser::start("graphiql subscriptions").await else {
        return;
    };
    let app = spawn_seeded_app().await;
    let admin = app
        .sign_in_as("sec@un.example", Role::Secretariat, None)
        .await;
    let gov = stakeholder_id(&app, "Government delegation 1").await;
    let member = app
        .sign_in_as("a@gov.example", Role::MemberState, Some(gov))
        .await;
    let consultation = open_consultation(&app, &admin, "live-graphiql").await;
    // Seen only by member states: the header from the Headers tab must reach the socket.
    let (_, created) = app
        .graphql_as(
            &member,
            "mutation($i: ContributionCreateInput!) { contributionCreate(input: $i) { contribution { id } } }",
            json!({ "i": { "consultation": consultation, "title": "Heard in GraphiQL", "body": "B", "language": "en", "visibility": "MEMBER_STATES" } }),
        )
        .await;
    let id = created["data"]["contributionCreate"]["contribution"]["id"].clone();
    app.graphql_as(
        &member,
        "mutation($id: ID!) { contributionSubmit(input: { id: $id, version: 1 }) { contribution { id } } }",
        json!({ "id": id }),
    )
    .await;

    open_graphiql(&browser, &app).await;
    let subscription = format!(
        "subscription {{ contributionPublished(consultationId: \"{}\") {{ title }} }}",
        consultation.as_str().unwrap()
    );
    let headers = json!({ "Authorization": format!("Bearer {member}") }).to_string();
    browser
        .run(
            "document.querySelector('.graphiql-query-editor .CodeMirror').CodeMirror.setValue(arguments[0]); \
             const tabs = [...document.querySelectorAll('.graphiql-editor-tools button')]; \
             tabs.find(b => b.innerText.trim() === 'Headers').click(); \
             return true;",
            json!([subscription]),
        )
        .await;
    browser
        .wait_for(
            "the headers editor",
            10,
            "const e = document.querySelector('.graphiql-editor-tool .graphiql-editor:not(.hidden) .CodeMirror'); \
             return e !== null;",
        )
        .await;
    browser
        .run(
            "document.querySelector('.graphiql-editor-tool .graphiql-editor:not(.hidden) .CodeMirror').CodeMirror.setValue(arguments[0]); return true;",
            json!([headers]),
        )
        .await;
    browser.run(RUN, json!([])).await;
    // The subscription is open when GraphiQL's button turns into a stop button; give
    // the socket a moment to subscribe, then publish.
    tokio::time::sleep(std::time::Duration::from_secs(1)).await;
    let (_, published) = app
        .graphql_as(
            &admin,
            "mutation($id: ID!) { contributionPublish(input: { id: $id, version: 2 }) { contribution { status } } }",
            json!({ "id": id }),
        )
        .await;
    assert_eq!(
        published["data"]["contributionPublish"]["contribution"]["status"], "PUBLISHED",
        "{published}"
    );
    browser
        .wait_for(
            "the published contribution in the response pane",
            20,
            &format!("return (function() {{ {RESPONSE} }})()?.includes('Heard in GraphiQL');"),
        )
        .await;
}

#[tokio::test]
async fn with_introspection_off_graphiql_says_so_and_queries_still_run() {
    let Some(browser) = Browser::start("graphiql without introspection").await else {
        return;
    };
    let mut settings = test_settings();
    settings.introspection = false;
    let app = spawn_app_with(settings).await;
    seed::run(&app.db, Dataset::Report2010).await.unwrap();

    let refused = app
        .graphql("{ __schema { queryType { name } } }", json!({}))
        .await;
    assert_eq!(
        refused["errors"][0]["extensions"]["code"], "INTROSPECTION_DISABLED",
        "{refused}"
    );
    let typename = app.graphql("{ __typename }", json!({})).await;
    assert_eq!(typename["data"]["__typename"], "Query");

    open_graphiql(&browser, &app).await;
    let notice = browser
        .run(
            "const n = document.getElementById('introspection-off'); return !n.hidden && n.innerText;",
            json!([]),
        )
        .await;
    assert!(
        notice
            .as_str()
            .unwrap()
            .contains("Introspection is switched off"),
        "{notice}"
    );
    browser.run(RUN, json!([])).await;
    browser
        .wait_for(
            "the first query's answer",
            30,
            &format!("return (function() {{ {RESPONSE} }})()?.includes('\"total\": 98');"),
        )
        .await;
}

#[test]
fn the_page_opens_on_the_readmes_first_query() {
    let readme = include_str!("../../README.md");
    let block = readme
        .split("## A first query")
        .nth(1)
        .and_then(|rest| rest.split("```graphql\n").nth(1))
        .and_then(|rest| rest.split("```").next())
        .expect("the README's first query");
    assert_eq!(block, concord::http::graphiql::FIRST_QUERY);
}
