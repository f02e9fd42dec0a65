//! The report drafted from data (issue 12, points 2 and 3): sections of paragraphs
//! citing contributions and analysis cells, refused citations, publication frozen with
//! its SHA-256, the rendering in the 2011 report's shape (its table reproduced from the
//! seeded consultation), broken citations, and the HTML in a real browser.

use crate::helpers::{TestApp, spawn_seeded_app};
use entity::enums::Role;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

pub async fn call(app: &TestApp, token: Option<&str>, query: &str, variables: Value) -> Value {
    let mut request = app.client.post(app.url("/graphql"));
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    request
        .json(&json!({ "query": query, "variables": variables }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

pub async fn ask(app: &TestApp, token: Option<&str>, query: &str, variables: Value) -> Value {
    let body = call(app, token, query, variables).await;
    assert!(body["errors"].is_null(), "{body}");
    body["data"].clone()
}

/// The code of each `userErrors` entry of mutation `field`.
fn codes(data: &Value, field: &str) -> Vec<String> {
    data[field]["userErrors"]
        .as_array()
        .unwrap_or_else(|| panic!("userErrors in {data}"))
        .iter()
        .map(|e| e["code"].as_str().unwrap().to_owned())
        .collect()
}

const PARAGRAPH_ADD: &str = "mutation($i: ReportParagraphAddInput!) { reportParagraphAdd(input: $i) { paragraph { id version body citations { contribution { id } issue { id } group } } userErrors { field code message } } }";
const SECTION_ADD: &str = "mutation($i: ReportSectionAddInput!) { reportSectionAdd(input: $i) { section { id kind heading } userErrors { field code message } } }";
const PUBLISH: &str = "mutation($i: ReportPublishInput!) { reportPublish(input: $i) { report { version } publication { number contentHash reportVersion } userErrors { field code message } } }";

/// The seeded consultation and its report (drafted and published once by the seed):
/// the sections' IDs by kind.
pub struct Drafted {
    pub app: TestApp,
    pub admin: String,
    pub consultation: String,
    pub report: String,
    pub issues_section: String,
    /// Two published, public contributions of the consultation.
    pub cited: Vec<String>,
}

impl Drafted {
    pub async fn new() -> Drafted {
        let app = spawn_seeded_app().await;
        let admin = app
            .sign_in_as("sec@un.example", Role::Secretariat, None)
            .await;
        let data = ask(
            &app,
            Some(&admin),
            "{ consultations(first: 1) { nodes { id report { id sections { id kind } } contributions(first: 2, filter: { kinds: [WRITTEN_COMMENT] }) { nodes { id } } } } }",
            json!({}),
        )
        .await;
        let node = &data["consultations"]["nodes"][0];
        let consultation = node["id"].as_str().unwrap().to_owned();
        let cited: Vec<String> = node["contributions"]["nodes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|n| n["id"].as_str().unwrap().to_owned())
            .collect();
        let report = node["report"]["id"].as_str().unwrap().to_owned();
        let issues_section = node["report"]["sections"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["kind"] == "ISSUES")
            .unwrap()["id"]
            .as_str()
            .unwrap()
            .to_owned();
        Drafted {
            app,
            admin,
            consultation,
            report,
            issues_section,
            cited,
        }
    }

    pub async fn version(&self) -> i64 {
        let data = ask(
            &self.app,
            Some(&self.admin),
            "query($id: ID!) { node(id: $id) { ... on Report { version } } }",
            json!({ "id": self.report }),
        )
        .await;
        data["node"]["version"].as_i64().unwrap()
    }

    pub async fn publish(&self) -> Value {
        let version = self.version().await;
        ask(
            &self.app,
            Some(&self.admin),
            PUBLISH,
            json!({ "i": { "id": self.report, "version": version } }),
        )
        .await
    }

    /// Adds the issues paragraph citing both contributions (one by marker, one listed)
    /// and the first policy issue's Governments cell.
    pub async fn cite(&self) -> Value {
        let issue = ask(
            &self.app,
            None,
            "{ policyIssues(first: 1) { nodes { id } } }",
            json!({}),
        )
        .await["policyIssues"]["nodes"][0]["id"]
            .clone();
        let body = format!(
            "Most of the contributions from Governments pointed in the direction of specificity [[c:{}]].",
            self.cited[0]
        );
        let added = ask(
            &self.app,
            Some(&self.admin),
            PARAGRAPH_ADD,
            json!({ "i": { "section": self.issues_section, "text": {
                "body": body,
                "contributions": [self.cited[1]],
                "cells": [{ "issue": issue, "group": "GOVERNMENT" }],
            } } }),
        )
        .await;
        assert!(codes(&added, "reportParagraphAdd").is_empty(), "{added}");
        added["reportParagraphAdd"]["paragraph"].clone()
    }
}

async fn get(app: &TestApp, path: &str, token: Option<&str>) -> reqwest::Response {
    let mut request = app.client.get(app.url(path));
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    request.send().await.unwrap()
}

/// The footnote numbers a Markdown paragraph starting with `opening` carries, and the
/// text of each footnote.
fn footnotes_of(markdown: &str, opening: &str) -> Vec<String> {
    let line = markdown
        .lines()
        .find(|l| l.contains(opening))
        .unwrap_or_else(|| panic!("no paragraph with {opening:?} in\n{markdown}"));
    line.split("[^")
        .skip(1)
        .map(|rest| {
            let n = &rest[..rest.find(']').unwrap()];
            let label = format!("[^{n}]: ");
            markdown
                .lines()
                .find_map(|l| l.strip_prefix(&label))
                .unwrap_or_else(|| panic!("no footnote {n}"))
                .to_owned()
        })
        .collect()
}

#[tokio::test]
async fn a_report_is_published_frozen_with_its_hash_in_the_shape_of_the_2011_report() {
    let d = Drafted::new().await;
    let app = &d.app;
    // A new consultation's report is public only once published.
    let fresh = crate::workflow::open_consultation(app, &d.admin, "reported-later").await;
    ask(
        app,
        Some(&d.admin),
        "mutation($c: ID!) { reportCreate(input: { consultation: $c, title: \"Later\" }) { report { id } } }",
        json!({ "c": fresh }),
    )
    .await;
    let before = ask(
        app,
        None,
        "query($c: ID!) { node(id: $c) { ... on Consultation { report { id } } } }",
        json!({ "c": fresh }),
    )
    .await;
    assert!(before["node"]["report"].is_null(), "{before}");
    let unpublished = format!("/consultations/{}/report.md", fresh.as_str().unwrap());
    assert_eq!(get(app, &unpublished, None).await.status(), 404);

    // The seeded report is published from the start, citing the representatives'
    // presentations where paragraph 10 names them.
    let path = format!("/consultations/{}/report.md", d.consultation);
    let seeded = get(app, &path, None).await;
    assert_eq!(seeded.status(), 200);
    assert_eq!(seeded.headers()["concord-report-version"], "1");
    let seeded = seeded.text().await.unwrap();
    let notes = footnotes_of(&seeded, "The International Chamber of Commerce spoke");
    assert_eq!(notes.len(), 2, "{notes:?}");
    assert!(notes[0].starts_with("International Chamber of Commerce, “Presentation 1 of the private sector group (placeholder)” (presentation, 2010-12-14)."), "{notes:?}");

    let paragraph = d.cite().await;
    let citations = paragraph["citations"].as_array().unwrap();
    assert_eq!(citations.len(), 3, "{paragraph}");
    assert_eq!(citations[0]["contribution"]["id"], json!(d.cited[0]));
    assert_eq!(citations[1]["contribution"]["id"], json!(d.cited[1]));
    assert_eq!(citations[2]["group"], "GOVERNMENT");

    let published = d.publish().await;
    assert!(codes(&published, "reportPublish").is_empty(), "{published}");
    let publication = &published["reportPublish"]["publication"];
    assert_eq!(publication["number"], 2);
    let hash = publication["contentHash"].as_str().unwrap().to_owned();

    // The Markdown served is exactly what the hash covers, for anyone, by ID or slug.
    for id in [d.consultation.as_str(), "enhanced-cooperation-2010"] {
        let response = get(app, &format!("/consultations/{id}/report.md"), None).await;
        assert_eq!(response.status(), 200);
        assert_eq!(
            response.headers()["content-type"],
            "text/markdown; charset=utf-8"
        );
        assert_eq!(response.headers()["concord-report-version"], "2");
        let body = response.text().await.unwrap();
        assert_eq!(hex::encode(Sha256::digest(body.as_bytes())), hash);
    }
    let markdown = get(app, &path, None).await.text().await.unwrap();
    // The table of the report's paragraph 10, computed live from the seeded data.
    for row in [
        "| Stakeholder group | Written comments | Presentations | Informal interventions | Total |",
        "| Governments | 11 | 13 | 8 | 32 |",
        "| International organizations | 7 | 1 | 0 | 8 |",
        "| Civil society | 32 | 7 | 3 | 42 |",
        "| Private sector | 9 | 5 | 2 | 16 |",
        "| **Total** | **59** | **26** | **13** | **98** |",
    ] {
        assert!(markdown.contains(row), "{row} missing from\n{markdown}");
    }
    // The chapters in the report's order, paragraphs numbered across them (the
    // summary is not numbered): those quoted from the 2011 report keep its numbers, one
    // added after its paragraph 17 is 18.
    let at = |s: &str| {
        markdown
            .find(s)
            .unwrap_or_else(|| panic!("{s} missing from\n{markdown}"))
    };
    assert!(at("## Summary") < at("## I. Background"));
    assert!(at("## I. Background") < at("## II. Organization of the open consultations"));
    assert!(at("## II. Organization") < at("## III. Public policy issues of concern"));
    assert!(at("## III. Public") < at("## IV. International cooperation mechanisms"));
    assert!(at("## IV. International") < at("## Annex"));
    assert!(markdown.contains("\n1\\. The call for enhanced cooperation"));
    assert!(markdown.contains("\n10\\. Eighty-five written and oral contributions"));
    assert!(markdown.contains("\n18\\. Most of the contributions from Governments pointed in the direction of specificity [^3].[^4][^5]"), "{markdown}");
    // Footnotes name the stakeholder (or its group), the title and the date.
    let cited = ask(
        app,
        None,
        "query($a: ID!, $b: ID!) { a: node(id: $a) { ... on Contribution { title publishedAt stakeholder { name } } } b: node(id: $b) { ... on Contribution { title } } }",
        json!({ "a": d.cited[0], "b": d.cited[1] }),
    )
    .await;
    let name = cited["a"]["stakeholder"]["name"].as_str().unwrap();
    let title = cited["a"]["title"].as_str().unwrap();
    let day = &cited["a"]["publishedAt"].as_str().unwrap()[..10];
    let notes = footnotes_of(
        &markdown,
        "from Governments pointed in the direction of specificity [",
    );
    assert_eq!(
        notes[0],
        format!("{name}, “{title}” (written comment, {day}).")
    );
    assert!(notes[1].contains(&format!("“{}”", cited["b"]["title"].as_str().unwrap())));
    assert!(
        notes[2].starts_with("0 published contributions from governments raised “"),
        "the analysis cell, counted as the public sees it: {notes:?}"
    );
    // The annex lists the contributors by group.
    assert!(markdown.contains("#### Governments\n\n- "), "{markdown}");

    // The HTML edition: the same table, the chart as inline SVG, no script.
    let response = get(
        app,
        &format!("/consultations/{}/report.html", d.consultation),
        None,
    )
    .await;
    assert_eq!(response.status(), 200);
    assert!(
        response.headers()["content-security-policy"]
            .to_str()
            .unwrap()
            .starts_with("default-src 'none'")
    );
    let html = response.text().await.unwrap();
    assert!(html.contains("<th scope=\"row\">Governments</th><td class=\"n\">11</td><td class=\"n\">13</td><td class=\"n\">8</td><td class=\"n\">32</td>"));
    assert!(html.contains("<svg") && html.contains("role=\"img\""));
    assert!(!html.contains("<script"));

    // GraphQL serves the same, to anyone.
    let data = ask(
        app,
        None,
        "query($c: ID!) { node(id: $c) { ... on Consultation { report { title symbol publications { number } published { number contentHash markdown } markdown html brokenCitations { contributionId } } } } }",
        json!({ "c": d.consultation }),
    )
    .await;
    let report = &data["node"]["report"];
    assert_eq!(
        report["publications"],
        json!([{ "number": 1 }, { "number": 2 }])
    );
    assert_eq!(report["published"]["contentHash"], json!(hash));
    assert_eq!(report["markdown"], json!(markdown));
    assert_eq!(report["html"], json!(html));
    assert_eq!(report["symbol"], "A/66/77-E/2011/103");
    assert_eq!(report["brokenCitations"], json!([]));
    // The draft is the secretariat's.
    let refused = call(
        app,
        None,
        "query($c: ID!) { node(id: $c) { ... on Consultation { report { sections { heading } } } } }",
        json!({ "c": d.consultation }),
    )
    .await;
    assert_eq!(
        refused["errors"][0]["extensions"]["code"],
        "UNAUTHENTICATED"
    );
    assert_eq!(
        get(app, &format!("{path}?preview=true"), None)
            .await
            .status(),
        401
    );

    // Unpublishing a cited contribution breaks the citation; the publication stays as
    // it was.
    let version = ask(
        app,
        Some(&d.admin),
        "query($id: ID!) { node(id: $id) { ... on Contribution { version } } }",
        json!({ "id": d.cited[0] }),
    )
    .await["node"]["version"]
        .clone();
    let unpublished = ask(
        app,
        Some(&d.admin),
        "mutation($id: ID!, $v: Int!) { contributionUnpublish(input: { id: $id, version: $v }) { userErrors { code } } }",
        json!({ "id": d.cited[0], "v": version }),
    )
    .await;
    assert_eq!(
        unpublished["contributionUnpublish"]["userErrors"],
        json!([])
    );
    let data = ask(
        app,
        None,
        "query($c: ID!) { node(id: $c) { ... on Consultation { report { brokenCitations { contributionId reason } } } } }",
        json!({ "c": d.consultation }),
    )
    .await;
    assert_eq!(
        data["node"]["report"]["brokenCitations"],
        json!([{ "contributionId": d.cited[0], "reason": "UNPUBLISHED" }])
    );
    let again = get(app, &path, None).await.text().await.unwrap();
    assert_eq!(hex::encode(Sha256::digest(again.as_bytes())), hash);
    // Publishing again is refused while the citation is broken.
    let refused = d.publish().await;
    assert_eq!(
        codes(&refused, "reportPublish"),
        vec!["NOT_ALLOWED"],
        "{refused}"
    );
    // The preview flags it for the secretariat.
    let preview = get(app, &format!("{path}?preview=true"), Some(&d.admin)).await;
    assert_eq!(preview.status(), 200);
    assert_eq!(preview.headers()["cache-control"], "no-store");
    let preview = preview.text().await.unwrap();
    assert!(preview.contains("Preview of the draft"));
    assert!(preview.contains("Not published and public"));
}

#[tokio::test]
async fn bad_drafts_and_citations_are_refused_and_change_nothing() {
    let d = Drafted::new().await;
    let app = &d.app;
    let start = d.version().await;
    let unknown = {
        use base64::Engine;
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode("Contribution:999999")
    };
    let too_long = "x".repeat(5_001);
    for (text, code) in [
        (json!({ "body": "   " }), "INVALID"),
        (json!({ "body": too_long }), "INVALID"),
        (json!({ "body": "Open [[c:abc" }), "INVALID"),
        (
            json!({ "body": "Not a contribution [[c:U3Rha2Vob2xkZXI6MQ]]" }),
            "INVALID",
        ),
        (
            json!({ "body": format!("Unknown [[c:{unknown}]]") }),
            "NOT_FOUND",
        ),
        (
            json!({ "body": "Listed", "contributions": [unknown] }),
            "NOT_FOUND",
        ),
    ] {
        let data = ask(
            app,
            Some(&d.admin),
            PARAGRAPH_ADD,
            json!({ "i": { "section": d.issues_section, "text": text } }),
        )
        .await;
        assert_eq!(
            codes(&data, "reportParagraphAdd"),
            vec![code],
            "{text}: {data}"
        );
        assert!(data["reportParagraphAdd"]["paragraph"].is_null());
    }
    // A blank heading; a second report for the consultation.
    let data = ask(
        app,
        Some(&d.admin),
        SECTION_ADD,
        json!({ "i": { "report": d.report, "kind": "OTHER", "heading": " " } }),
    )
    .await;
    assert_eq!(codes(&data, "reportSectionAdd"), vec!["INVALID"]);
    assert_eq!(d.version().await, start, "nothing changed");
    // A section without paragraphs keeps the report from being published.
    let added = ask(
        app,
        Some(&d.admin),
        SECTION_ADD,
        json!({ "i": { "report": d.report, "kind": "OTHER", "heading": "Role of the Secretary-General" } }),
    )
    .await;
    let other = added["reportSectionAdd"]["section"]["id"].clone();
    assert_eq!(
        added["reportSectionAdd"]["section"]["heading"],
        "Role of the Secretary-General"
    );
    let start = d.version().await;
    let data = ask(
        app,
        Some(&d.admin),
        "mutation($c: ID!) { reportCreate(input: { consultation: $c, title: \"Again\" }) { report { id } userErrors { code } } }",
        json!({ "c": d.consultation }),
    )
    .await;
    assert_eq!(codes(&data, "reportCreate"), vec!["TAKEN"]);
    assert_eq!(d.version().await, start, "nothing changed");

    // An empty section cannot be published.
    let data = d.publish().await;
    assert_eq!(codes(&data, "reportPublish"), vec!["NOT_ALLOWED"], "{data}");
    assert!(
        data["reportPublish"]["userErrors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("Role of the Secretary-General")
    );
    let filled = ask(
        app,
        Some(&d.admin),
        PARAGRAPH_ADD,
        json!({ "i": { "section": other, "text": { "body": "The Tunis Agenda attributes an important role to the Secretary-General." } } }),
    )
    .await;
    assert!(codes(&filled, "reportParagraphAdd").is_empty(), "{filled}");
    // A citation of a contribution that is not published (a meeting record awaiting
    // publication) is accepted in the draft and refused at publication.
    let meeting = ask(
        app,
        None,
        "query($c: ID!) { node(id: $c) { ... on Consultation { meetings(first: 1) { nodes { id } } } } }",
        json!({ "c": d.consultation }),
    )
    .await["node"]["meetings"]["nodes"][0]["id"]
        .clone();
    let speaker = ask(
        app,
        None,
        "{ stakeholders(first: 1) { nodes { id } } }",
        json!({}),
    )
    .await["stakeholders"]["nodes"][0]["id"]
        .clone();
    let recorded = ask(
        app,
        Some(&d.admin),
        "mutation($m: ID!, $s: ID!) { contributionRecord(input: { meeting: $m, stakeholder: $s, kind: INFORMAL_INTERVENTION, title: \"Late remark\", body: \"B\", language: \"en\" }) { contribution { id status } userErrors { code } } }",
        json!({ "m": meeting, "s": speaker }),
    )
    .await;
    let submitted = recorded["contributionRecord"]["contribution"]["id"].clone();
    assert_eq!(
        recorded["contributionRecord"]["contribution"]["status"],
        "SUBMITTED"
    );
    let added = ask(
        app,
        Some(&d.admin),
        PARAGRAPH_ADD,
        json!({ "i": { "section": d.issues_section, "text": { "body": format!("Said late [[c:{}]].", submitted.as_str().unwrap()) } } }),
    )
    .await;
    assert!(codes(&added, "reportParagraphAdd").is_empty(), "{added}");
    let paragraph = added["reportParagraphAdd"]["paragraph"].clone();
    let refused = d.publish().await;
    let errors = &refused["reportPublish"]["userErrors"];
    assert_eq!(
        codes(&refused, "reportPublish"),
        vec!["NOT_ALLOWED"],
        "{refused}"
    );
    assert!(
        errors[0]["message"]
            .as_str()
            .unwrap()
            .contains(submitted.as_str().unwrap())
    );
    assert!(refused["reportPublish"]["publication"].is_null());
    // A stale version of the paragraph is a conflict; the current one edits it.
    let stale = call(
        app,
        Some(&d.admin),
        "mutation($i: ReportParagraphEditInput!) { reportParagraphEdit(input: $i) { paragraph { version } } }",
        json!({ "i": { "id": paragraph["id"], "version": 7, "text": { "body": "x" } } }),
    )
    .await;
    assert_eq!(stale["errors"][0]["extensions"]["code"], "CONFLICT");
    let edited = ask(
        app,
        Some(&d.admin),
        "mutation($i: ReportParagraphEditInput!) { reportParagraphEdit(input: $i) { paragraph { version body } userErrors { code } } }",
        json!({ "i": { "id": paragraph["id"], "version": 1, "text": { "body": "Said late, in the record." } } }),
    )
    .await;
    assert_eq!(edited["reportParagraphEdit"]["paragraph"]["version"], 2);
    // A stale report version cannot be published; the current one can.
    let stale = call(
        app,
        Some(&d.admin),
        PUBLISH,
        json!({ "i": { "id": d.report, "version": start } }),
    )
    .await;
    assert_eq!(stale["errors"][0]["extensions"]["code"], "CONFLICT");
    let published = d.publish().await;
    assert!(codes(&published, "reportPublish").is_empty(), "{published}");
    assert_eq!(published["reportPublish"]["publication"]["number"], 2);

    // Only the secretariat drafts.
    let gov = crate::workflow::stakeholder_id(app, "Government delegation 1").await;
    let member = app
        .sign_in_as("a@gov.example", Role::MemberState, Some(gov))
        .await;
    let refused = call(
        app,
        Some(&member),
        SECTION_ADD,
        json!({ "i": { "report": d.report, "kind": "OTHER" } }),
    )
    .await;
    assert_eq!(refused["errors"][0]["extensions"]["code"], "FORBIDDEN");
}

#[tokio::test]
async fn the_report_renders_in_chromium_and_a_screenshot_is_kept() {
    let Some(browser) = crate::browser::Browser::start("report").await else {
        return;
    };
    let d = Drafted::new().await;
    d.cite().await;
    let published = d.publish().await;
    assert!(codes(&published, "reportPublish").is_empty(), "{published}");
    browser
        .goto(
            &d.app
                .url("/consultations/enhanced-cooperation-2010/report.html"),
        )
        .await;
    let table = browser
        .wait_for(
            "the table",
            20,
            "const rows = [...document.querySelectorAll('table.contributions tr')]; \
             return rows.length ? rows.map(r => [...r.children].map(c => c.textContent.trim()).join('|')) : null;",
        )
        .await;
    assert_eq!(
        table,
        json!([
            "Stakeholder group|Written comments|Presentations|Informal interventions|Total",
            "Governments|11|13|8|32",
            "International organizations|7|1|0|8",
            "Civil society|32|7|3|42",
            "Private sector|9|5|2|16",
            "Total|59|26|13|98",
        ])
    );
    // The chart is drawn: three kinds of segment in four bars, laid out with a size.
    let chart = browser
        .run(
            "const svg = document.querySelector('figure svg'); const box = svg.getBoundingClientRect(); \
             return { width: box.width, height: box.height, bars: svg.querySelectorAll('rect').length, \
                      scripts: document.scripts.length, footnotes: document.querySelectorAll('.footnotes li').length };",
            json!([]),
        )
        .await;
    assert!(chart["width"].as_f64().unwrap() > 300.0, "{chart}");
    assert!(chart["height"].as_f64().unwrap() > 100.0, "{chart}");
    assert_eq!(
        chart["bars"],
        4 * 3 - 1 + 3,
        "eleven non-empty cells and three legend keys"
    );
    assert_eq!(chart["scripts"], 0);
    assert_eq!(
        chart["footnotes"],
        2 + 3,
        "the seeded report's two and the test's three"
    );
    // The paragraphs quoted from the 2011 report keep its numbers (its paragraph 10 is
    // 10 here, not 5); the test's own paragraphs follow the one before them.
    let numbers = browser
        .run(
            "return [...document.querySelectorAll('p.para')].map(p => [p.id, p.querySelector('.num').textContent, p.textContent.slice(p.querySelector('.num').textContent.length, 40)]);",
            json!([]),
        )
        .await;
    let numbers = numbers.as_array().unwrap();
    let of = |start: &str| {
        numbers
            .iter()
            .find(|n| n[2].as_str().unwrap().starts_with(start))
            .unwrap_or_else(|| panic!("{start}: {numbers:?}"))[1]
            .clone()
    };
    assert_eq!(of("The call for enhanced"), "1.");
    assert_eq!(of("Within the framework"), "3.");
    assert_eq!(of("Eighty-five written"), "10.");
    assert_eq!(of("Others held the view"), "33.");
    assert!(
        numbers.iter().any(|n| n[0] == "para-10"),
        "anchored by its own number: {numbers:?}"
    );
    // Every URL the page loaded is the page itself.
    assert_eq!(browser.loaded_urls().await.len(), 1);
    // Nothing axe-core finds wrong.
    if let Some(violations) = browser.axe_violations().await {
        assert_eq!(violations, json!([]), "axe-core on report.html");
    }
    // Printed with page margins.
    let margins = browser
        .run(
            "return [...document.styleSheets].flatMap(s => [...s.cssRules]) \
               .filter(r => r instanceof CSSPageRule).map(r => r.style.margin).join(' ');",
            json!([]),
        )
        .await;
    assert!(margins.as_str().unwrap().contains("cm"), "{margins}");
    // On a phone nothing runs off the side: the chart shrinks, the table scrolls in its box.
    browser.set_window(390, 844).await;
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    let narrow = browser
        .run(
            "return { page: document.documentElement.scrollWidth - window.innerWidth, \
                      chart: document.querySelector('figure svg').getBoundingClientRect().right - window.innerWidth };",
            json!([]),
        )
        .await;
    assert!(narrow["page"].as_f64().unwrap() <= 1.0, "{narrow}");
    assert!(narrow["chart"].as_f64().unwrap() <= 1.0, "{narrow}");
    // The whole page, for the picture kept in docs/.
    let height = browser
        .run("return document.documentElement.scrollHeight;", json!([]))
        .await
        .as_u64()
        .unwrap();
    browser.set_window(1000, height.min(2600) as u32).await;
    let png = browser.screenshot().await;
    assert!(png.starts_with(b"\x89PNG"), "a PNG");
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("target");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("report-2010.png"), &png).unwrap();
    if std::env::var_os("CONCORD_UPDATE_SCREENSHOTS").is_some() {
        let docs = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/report");
        std::fs::create_dir_all(&docs).unwrap();
        std::fs::write(docs.join("report-2010.png"), &png).unwrap();
    }
}
