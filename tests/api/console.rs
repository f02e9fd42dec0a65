//! The secretariat's console (issue 13): its page and session over HTTP (the refresh
//! token in an HttpOnly, SameSite=Strict cookie; a CSRF token every use of it must
//! echo), and the whole console in headless Chromium: signing in, accounts, clients,
//! moderation, the audit log, a member state's narrower view, a phone's width.

use crate::browser::Browser;
use crate::helpers::{TestApp, spawn_seeded_app};
use entity::enums::Role;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{Value, json};
use std::time::Duration;

const PASSWORD: &str = "a long enough password";
const ICANN: &str = "Internet Corporation for Assigned Names and Numbers";

/// The `name=value` of each `Set-Cookie`, and the whole header by name.
pub fn set_cookies(response: &reqwest::Response) -> Vec<(String, String, String)> {
    response
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| {
            let whole = v.to_str().unwrap().to_owned();
            let pair = whole.split(';').next().unwrap().to_owned();
            let (name, value) = pair.split_once('=').unwrap();
            (name.to_owned(), value.to_owned(), whole)
        })
        .collect()
}

pub fn cookie_value(cookies: &[(String, String, String)], name: &str) -> String {
    cookies
        .iter()
        .find(|c| c.0 == name)
        .unwrap_or_else(|| panic!("no {name} cookie in {cookies:?}"))
        .1
        .clone()
}

pub async fn refresh(
    app: &TestApp,
    session: &str,
    csrf_cookie: &str,
    header: Option<&str>,
) -> reqwest::Response {
    let mut request = app.client.post(app.url("/console/session/refresh")).header(
        "cookie",
        format!("concord_console={session}; concord_csrf={csrf_cookie}"),
    );
    if let Some(h) = header {
        request = request.header("x-csrf-token", h);
    }
    request.send().await.unwrap()
}

#[tokio::test]
async fn the_console_session_lives_in_a_strict_cookie_guarded_by_a_csrf_token() {
    let app = spawn_seeded_app().await;
    app.sign_in_as("sec@un.example", Role::Secretariat, None)
        .await;

    // The page and its files, from the binary, with a strict policy.
    let page = app.client.get(app.url("/console")).send().await.unwrap();
    assert_eq!(page.status(), 200);
    assert!(
        page.headers()["content-security-policy"]
            .to_str()
            .unwrap()
            .contains("script-src 'self'")
    );
    assert!(
        page.text()
            .await
            .unwrap()
            .contains("/console/assets/console.js")
    );
    for (file, media) in [
        ("console.js", "text/javascript"),
        ("console.css", "text/css"),
    ] {
        let r = app
            .client
            .get(app.url(&format!("/console/assets/{file}")))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200, "{file}");
        assert!(
            r.headers()["content-type"]
                .to_str()
                .unwrap()
                .starts_with(media)
        );
    }
    let missing = app
        .client
        .get(app.url("/console/assets/other.js"))
        .send()
        .await
        .unwrap();
    assert_eq!(missing.status(), 404);

    // A wrong password is refused without a cookie.
    let wrong = app
        .client
        .post(app.url("/console/session"))
        .json(&json!({ "email": "sec@un.example", "password": "not it" }))
        .send()
        .await
        .unwrap();
    assert_eq!(wrong.status(), 401);
    assert!(set_cookies(&wrong).is_empty());

    let signed_in = app
        .client
        .post(app.url("/console/session"))
        .json(&json!({ "email": "sec@un.example", "password": PASSWORD }))
        .send()
        .await
        .unwrap();
    assert_eq!(signed_in.status(), 200);
    let cookies = set_cookies(&signed_in);
    let session_header = &cookies.iter().find(|c| c.0 == "concord_console").unwrap().2;
    for attribute in ["HttpOnly", "SameSite=Strict", "Path=/console"] {
        assert!(session_header.contains(attribute), "{session_header}");
    }
    assert!(
        !session_header.contains("Secure"),
        "plain http here: {session_header}"
    );
    let csrf_header = &cookies.iter().find(|c| c.0 == "concord_csrf").unwrap().2;
    assert!(
        !csrf_header.contains("HttpOnly"),
        "the page reads it: {csrf_header}"
    );
    let session = cookie_value(&cookies, "concord_console");
    let csrf = cookie_value(&cookies, "concord_csrf");
    let body: Value = signed_in.json().await.unwrap();
    assert_eq!(body["csrfToken"], json!(csrf));
    assert_eq!(body["account"]["role"], "SECRETARIAT");
    let (status, me) = app
        .graphql_as(
            body["accessToken"].as_str().unwrap(),
            "{ viewer { role } }",
            json!({}),
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(me["data"]["viewer"]["role"], "SECRETARIAT");

    // The cookie alone is refused: a missing or forged CSRF token is 403, and the
    // session stays as it was.
    let missing = refresh(&app, &session, &csrf, None).await;
    assert_eq!(missing.status(), 403);
    let forged = refresh(&app, &session, &csrf, Some("csrf_forged")).await;
    assert_eq!(forged.status(), 403);
    let body: Value = forged.json().await.unwrap();
    assert_eq!(body["errors"][0]["extensions"]["code"], "FORBIDDEN");
    // A cross-site form could not set the header; with it, the session goes on (the
    // refresh token rotates).
    let refreshed = refresh(&app, &session, &csrf, Some(&csrf)).await;
    assert_eq!(refreshed.status(), 200);
    let cookies = set_cookies(&refreshed);
    let rotated = cookie_value(&cookies, "concord_console");
    let new_csrf = cookie_value(&cookies, "concord_csrf");
    assert_ne!(rotated, session);
    // The old refresh token again: the whole session ends (reuse detection).
    let reused = refresh(&app, &session, &csrf, Some(&csrf)).await;
    assert_eq!(reused.status(), 401);
    let after = refresh(&app, &rotated, &new_csrf, Some(&new_csrf)).await;
    assert_eq!(after.status(), 401, "the family was revoked");

    // Signing out needs the CSRF token too, and ends the session.
    let signed_in: Value = app
        .client
        .post(app.url("/console/session"))
        .json(&json!({ "email": "sec@un.example", "password": PASSWORD }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let csrf = signed_in["csrfToken"].as_str().unwrap().to_owned();
    let session = {
        let r = app
            .client
            .post(app.url("/console/session"))
            .json(&json!({ "email": "sec@un.example", "password": PASSWORD }))
            .send()
            .await
            .unwrap();
        let cookies = set_cookies(&r);
        (
            cookie_value(&cookies, "concord_console"),
            cookie_value(&cookies, "concord_csrf"),
        )
    };
    let _ = csrf;
    let refused = app
        .client
        .delete(app.url("/console/session"))
        .header(
            "cookie",
            format!("concord_console={}; concord_csrf={}", session.0, session.1),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 403);
    let out = app
        .client
        .delete(app.url("/console/session"))
        .header(
            "cookie",
            format!("concord_console={}; concord_csrf={}", session.0, session.1),
        )
        .header("x-csrf-token", &session.1)
        .send()
        .await
        .unwrap();
    assert_eq!(out.status(), 204);
    assert!(
        set_cookies(&out).iter().all(|c| c.1.is_empty()),
        "both cookies removed"
    );
    let ended = refresh(&app, &session.0, &session.1, Some(&session.1)).await;
    assert_eq!(ended.status(), 401);
}

/// Fills the form `form` (a CSS selector) with `values` (field name → value) and
/// submits it, as a person would (the form's own submit handling runs).
async fn fill_and_submit(browser: &Browser, form: &str, values: Value) {
    let done = browser
        .run(
            "const [form, values] = arguments; const f = document.querySelector(form); \
             if (!f) return 'no form ' + form; \
             for (const [name, value] of Object.entries(values)) { \
               const input = f.querySelector(`[name=\"${name}\"]`); \
               if (!input) return 'no field ' + name; \
               input.value = value; input.dispatchEvent(new Event('input', { bubbles: true })); } \
             f.requestSubmit(); return 'ok';",
            json!([form, values]),
        )
        .await;
    assert_eq!(done, "ok", "{form}");
}

/// Types `search` into the stakeholder combobox of `form` and chooses the stakeholder
/// named `name` from its list, as a person clicking it would.
async fn pick(browser: &Browser, form: &str, search: &str, name: &str) {
    browser
        .run(
            "const q = document.querySelector(arguments[0] + ' [name=stakeholder]'); q.focus(); \
             q.value = arguments[1]; q.dispatchEvent(new Event('input', { bubbles: true }));",
            json!([form, search]),
        )
        .await;
    let script = format!(
        "const o = [...document.querySelectorAll({} + ' [role=option]')].find(o => o.textContent === {}); \
         if (!o) return null; o.click(); return document.querySelector({} + ' [name=stakeholder]').value;",
        serde_json::to_string(form).unwrap(),
        serde_json::to_string(name).unwrap(),
        serde_json::to_string(form).unwrap(),
    );
    let chosen = browser
        .wait_for(&format!("{name} in the list of {form}"), 20, &script)
        .await;
    assert_eq!(chosen, json!(name));
}

/// Clicks the button or link whose text or accessible name (`aria-label`) is `text`.
async fn click(browser: &Browser, text: &str) {
    // Waits for it to be there (screens load after their links are followed).
    let script = format!(
        "const t = {}; const b = [...document.querySelectorAll('button, a')].find(e => e.textContent.trim() === t || e.getAttribute('aria-label') === t); \
         if (!b) return null; b.click(); return true;",
        serde_json::to_string(text).unwrap()
    );
    browser
        .wait_for(&format!("a button or link {text:?}"), 20, &script)
        .await;
}

/// Waits for a button whose accessible name (`aria-label`) is `name`.
async fn wait_button(browser: &Browser, name: &str) {
    browser
        .wait_for(
            &format!("the button {name:?}"),
            20,
            &format!(
                "return [...document.querySelectorAll('button')].some(b => b.getAttribute('aria-label') === {}) || null;",
                serde_json::to_string(name).unwrap()
            ),
        )
        .await;
}

/// Waits for the confirmation dialog, checks that it states `consequence`, and
/// confirms (or cancels) it.
async fn answer(browser: &Browser, consequence: &str, confirm: bool) {
    let shown = browser
        .wait_for(
            "a confirmation",
            20,
            "const d = document.querySelector('dialog[open]'); return d && d.innerText || null;",
        )
        .await;
    assert!(
        shown.as_str().unwrap().contains(consequence),
        "the confirmation says {shown}"
    );
    let button = if confirm {
        "#confirm-ok"
    } else {
        "button.secondary"
    };
    browser
        .run(
            "document.querySelector('dialog[open] ' + arguments[0]).click();",
            json!([button]),
        )
        .await;
    browser
        .wait_for(
            "the confirmation to close",
            20,
            "return !document.querySelector('dialog[open]') || null;",
        )
        .await;
}

/// How far the page runs off the side of the window, in pixels.
async fn sideways(browser: &Browser) -> i64 {
    browser
        .run(
            "return document.documentElement.scrollWidth - window.innerWidth;",
            json!([]),
        )
        .await
        .as_i64()
        .unwrap()
}

async fn wait_text(browser: &Browser, what: &str, text: &str) {
    browser
        .wait_for(
            what,
            20,
            &format!(
                "return document.body.innerText.includes({}) || null;",
                serde_json::to_string(text).unwrap()
            ),
        )
        .await;
}

/// Keeps a screenshot of the screen (in `docs/console/` when asked to), once axe-core
/// finds nothing wrong with it.
async fn keep(browser: &Browser, name: &str) {
    if let Some(violations) = browser.axe_violations().await {
        assert_eq!(violations, json!([]), "axe-core on the screen {name}");
    }
    let png = browser.screenshot().await;
    assert!(png.starts_with(b"\x89PNG"));
    if std::env::var_os("CONCORD_UPDATE_SCREENSHOTS").is_some() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/console");
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join(format!("{name}.png")), &png).unwrap();
    }
}

async fn sign_in(browser: &Browser, app: &TestApp, email: &str) {
    browser.goto(&app.url("/console")).await;
    browser
        .wait_for(
            "the sign-in form",
            20,
            "return document.querySelector('#signin') || null;",
        )
        .await;
    fill_and_submit(
        browser,
        "#signin",
        json!({ "email": email, "password": PASSWORD }),
    )
    .await;
    browser
        .wait_for(
            "the screens",
            20,
            "return document.querySelector('#nav a') || null;",
        )
        .await;
}

#[tokio::test]
async fn the_secretariat_runs_the_consultation_from_the_console() {
    let Some(browser) = Browser::start("console").await else {
        return;
    };
    let app = spawn_seeded_app().await;
    let (admin, member, consultation) =
        crate::workflow::secretariat_member_and_consultation(&app, "console").await;
    let admin = admin.as_str();
    // A member state's written comment waits for publication.
    let created = app
        .graphql_as(&member, "mutation($c: ID!) { contributionCreate(input: { consultation: $c, title: \"Access for all\", body: \"Affordable access matters.\", language: \"en\" }) { contribution { id } } }", json!({ "c": consultation }))
        .await
        .1;
    let waiting = created["data"]["contributionCreate"]["contribution"]["id"].clone();
    app.graphql_as(&member, "mutation($id: ID!) { contributionSubmit(input: { id: $id, version: 1 }) { contribution { status } } }", json!({ "id": waiting }))
        .await;
    // And one sent twice by mistake, for the secretariat to withdraw.
    let twice = app
        .graphql_as(&member, "mutation($c: ID!) { contributionCreate(input: { consultation: $c, title: \"Sent twice\", body: \"Affordable access matters.\", language: \"en\" }) { contribution { id } } }", json!({ "c": consultation }))
        .await
        .1["data"]["contributionCreate"]["contribution"]["id"]
        .clone();
    app.graphql_as(&member, "mutation($id: ID!) { contributionSubmit(input: { id: $id, version: 1 }) { contribution { status } } }", json!({ "id": twice }))
        .await;

    // Signing in with a wrong password says so next to the field.
    browser.goto(&app.url("/console")).await;
    browser
        .wait_for(
            "the sign-in form",
            20,
            "return document.querySelector('#signin') || null;",
        )
        .await;
    keep(&browser, "sign-in").await;
    // Nothing typed: each empty field says so; nothing is sent.
    fill_and_submit(&browser, "#signin", json!({})).await;
    wait_text(&browser, "the empty fields", "Enter your email address.").await;
    let said = browser
        .run("return document.body.innerText;", json!([]))
        .await;
    let said = said.as_str().unwrap();
    assert!(said.contains("Enter your password."), "{said}");
    assert!(!said.contains("Wrong email or password"), "{said}");
    fill_and_submit(
        &browser,
        "#signin",
        json!({ "email": "sec@un.example", "password": "wrong" }),
    )
    .await;
    wait_text(&browser, "the refusal", "Wrong email or password").await;
    let labelled = browser
        .run(
            "return [...document.querySelectorAll('input, select, textarea')].every(i => i.labels && i.labels.length > 0);",
            json!([]),
        )
        .await;
    assert_eq!(labelled, true, "every field has a label");
    sign_in(&browser, &app, "sec@un.example").await;
    let screens = browser
        .run(
            "return [...document.querySelectorAll('#nav a')].map(a => a.textContent);",
            json!([]),
        )
        .await;
    assert_eq!(
        screens,
        json!([
            "Accounts",
            "Partner clients",
            "Consultations",
            "Moderation",
            "Audit log",
            "My settings"
        ])
    );

    // Accounts: a member state's account for a Government, with the stakeholder picker
    // (once the screen has loaded its list: the header names the account before).
    browser
        .wait_for(
            "the accounts screen loaded",
            20,
            "return (document.querySelector('#account-create [name=stakeholder]') && /\\d+ accounts?\\b/.test(document.getElementById('main').innerText)) || null;",
        )
        .await;
    let create = json!({
        "email": "new.member@gov.example", "displayName": "New member",
        "password": PASSWORD, "role": "MEMBER_STATE",
    });
    // The stakeholder combobox: the matches grouped by stakeholder group, numbers in
    // natural order, chosen with the arrow keys and Enter.
    browser
        .run(
            "const q = document.querySelector('#account-create [name=stakeholder]'); q.focus(); \
             q.value = 'delegation'; q.dispatchEvent(new Event('input', { bubbles: true }));",
            json!([]),
        )
        .await;
    let listed = browser
        .wait_for(
            "the delegations listed",
            20,
            "const l = document.querySelector('#account-create [role=listbox]'); \
             const o = l && [...l.querySelectorAll('[role=option]')].map(o => o.textContent); \
             if (!o || o.length !== 13 || l.hidden) return null; \
             return { groups: [...l.querySelectorAll('[role=group]')].map(g => document.getElementById(g.getAttribute('aria-labelledby')).textContent), \
                      first: o.slice(0, 12), expanded: document.querySelector('#account-create [name=stakeholder]').getAttribute('aria-expanded') };",
        )
        .await;
    assert_eq!(listed["groups"][0], "Governments", "{listed}");
    assert_eq!(listed["expanded"], "true", "{listed}");
    let numbers: Vec<u32> = listed["first"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| {
            o.as_str()
                .unwrap()
                .rsplit(' ')
                .next()
                .unwrap()
                .parse()
                .unwrap()
        })
        .collect();
    assert_eq!(numbers, (1..=12).collect::<Vec<_>>(), "{listed}");
    let chosen = browser
        .run(
            "const q = document.querySelector('#account-create [name=stakeholder]'); \
             const key = (k) => q.dispatchEvent(new KeyboardEvent('keydown', { key: k, bubbles: true })); \
             key('ArrowDown'); key('ArrowDown'); key('Enter'); \
             return { value: q.value, expanded: q.getAttribute('aria-expanded') };",
            json!([]),
        )
        .await;
    assert_eq!(
        chosen,
        json!({ "value": "Government delegation 3", "expanded": "false" })
    );
    // No role is chosen for you: without one the form says so and nothing is made.
    let mut roleless = create.clone();
    roleless["role"] = json!("");
    fill_and_submit(&browser, "#account-create", roleless).await;
    wait_text(&browser, "the role's error", "Choose a role.").await;
    let none = app
        .graphql_as(
            admin,
            "{ accounts(filter: { search: \"new.member\" }) { totalCount } }",
            json!({}),
        )
        .await
        .1;
    assert_eq!(none["data"]["accounts"]["totalCount"], 0, "{none}");
    fill_and_submit(&browser, "#account-create", create.clone()).await;
    wait_text(&browser, "the new account", "new.member@gov.example").await;
    // One account found is "1 account".
    fill_and_submit(
        &browser,
        "#account-filter",
        json!({ "search": "new.member" }),
    )
    .await;
    wait_text(&browser, "one account", "1 account").await;
    let said = browser
        .run("return document.body.innerText;", json!([]))
        .await;
    assert!(!said.as_str().unwrap().contains("1 accounts"));
    fill_and_submit(&browser, "#account-filter", json!({ "search": "" })).await;
    keep(&browser, "accounts").await;
    // Someone else changes the account while it is being edited: the edit is refused
    // with a message above the form, and changes nothing.
    browser
        .run(
            "const row = [...document.querySelectorAll('tr')].find(r => r.textContent.includes('new.member@gov.example')); \
             [...row.querySelectorAll('button')].find(b => b.textContent === 'Edit').click();",
            json!([]),
        )
        .await;
    browser
        .wait_for(
            "the edit form",
            20,
            "return document.querySelector('#account-edit') || null;",
        )
        .await;
    let id = app
        .graphql_as(
            admin,
            "{ accounts(filter: { search: \"new.member\" }) { nodes { id version } } }",
            json!({}),
        )
        .await
        .1["data"]["accounts"]["nodes"][0]
        .clone();
    let (_, meanwhile) = app
        .graphql_as(
            admin,
            "mutation($i: AccountUpdateInput!) { accountUpdate(input: $i) { account { version } } }",
            json!({ "i": { "id": id["id"], "version": id["version"], "displayName": "Changed meanwhile" } }),
        )
        .await;
    assert_eq!(
        meanwhile["data"]["accountUpdate"]["account"]["version"], 2,
        "{meanwhile}"
    );
    fill_and_submit(&browser, "#account-edit", json!({ "displayName": "Mine" })).await;
    wait_text(
        &browser,
        "the conflict",
        "has changed since the version you edited",
    )
    .await;
    let name = app
        .graphql_as(
            admin,
            "{ accounts(filter: { search: \"new.member\" }) { nodes { displayName } } }",
            json!({}),
        )
        .await
        .1["data"]["accounts"]["nodes"][0]["displayName"]
        .clone();
    assert_eq!(name, "Changed meanwhile");
    // The same email again: the form says so next to the email field, nothing is added.
    pick(
        &browser,
        "#account-create",
        "Government delegation 3",
        "Government delegation 3",
    )
    .await;
    fill_and_submit(&browser, "#account-create", create).await;
    let error = browser
        .wait_for(
            "the email's error",
            20,
            "const i = document.querySelector('#account-create [name=email]'); const e = document.getElementById(i.id + '-error'); return (i.getAttribute('aria-invalid') === 'true' && e.textContent) || null;",
        )
        .await;
    assert!(
        error.as_str().unwrap().contains("already exists"),
        "{error}"
    );
    // A member state's account for a stakeholder that is not a Government is refused
    // next to the stakeholder field.
    pick(&browser, "#account-create", "ICANN", ICANN).await;
    fill_and_submit(
        &browser,
        "#account-create",
        json!({ "email": "icann.member@example.org", "displayName": "N", "password": PASSWORD, "role": "MEMBER_STATE" }),
    )
    .await;
    let error = browser
        .wait_for(
            "the stakeholder's error",
            20,
            "const i = document.querySelector('#account-create [name=stakeholder]'); const e = document.getElementById(i.id + '-error'); return (i.getAttribute('aria-invalid') === 'true' && e.textContent) || null;",
        )
        .await;
    assert!(error.as_str().unwrap().contains("Government"), "{error}");
    let none = app
        .graphql_as(
            admin,
            "{ accounts(filter: { search: \"icann.member\" }) { totalCount } }",
            json!({}),
        )
        .await
        .1;
    assert_eq!(
        none["data"]["accounts"]["totalCount"], 0,
        "nothing was created"
    );

    // The new member state can sign in and work, until it is disabled.
    let new_member =
        app.login("new.member@gov.example", PASSWORD).await["data"]["login"]["accessToken"]
            .as_str()
            .unwrap()
            .to_owned();
    let (status, _) = app
        .graphql_as(&new_member, "{ viewer { role } }", json!({}))
        .await;
    assert_eq!(status, 200);

    // Partner clients: the secret is shown once.
    click(&browser, "Partner clients").await;
    browser
        .wait_for(
            "the client form",
            20,
            "return document.querySelector('#client-create') || null;",
        )
        .await;
    // Without a stakeholder the form says so beside the picker, in words, not the
    // parser's; nothing is registered.
    fill_and_submit(
        &browser,
        "#client-create",
        json!({ "name": "Nobody's mirror", "role": "OBSERVER" }),
    )
    .await;
    wait_text(
        &browser,
        "the stakeholder's error",
        "Choose the stakeholder this client speaks for.",
    )
    .await;
    let said = browser
        .run("return document.body.innerText;", json!([]))
        .await;
    assert!(!said.as_str().unwrap().contains("Invalid value"), "{said}");
    // Should the API still not read a value, the field is named in words; the API's own
    // refusals are shown as written.
    let mapped = browser
        .run(
            "const e = inputError({ message: 'Invalid value for argument \"input.stakeholder\", expected type \"ID\"', \
                                     extensions: { code: 'BAD_USER_INPUT' } }); \
             const d = inputError({ message: 'Failed to parse \"DateTime\": premature end of input' }); \
             return [e.field, e.message, d.message, inputError({ message: 'This title is taken', extensions: { code: 'BAD_USER_INPUT' } })];",
            json!([]),
        )
        .await;
    assert_eq!(
        mapped,
        json!([
            "stakeholder",
            "Choose a stakeholder from the list.",
            "A value in this form is not in the expected form; check each field.",
            null
        ])
    );
    // Dates are picked, in UTC, with the browser's own control.
    browser
        .run("location.hash = '#/consultations';", json!([]))
        .await;
    let pickers = browser
        .wait_for(
            "the new consultation's dates",
            20,
            "const f = document.querySelector('#consultation-create'); if (!f) return null; \
             return [...f.querySelectorAll('input[name$=At]')].map(i => [i.type, i.labels[0].textContent]);",
        )
        .await;
    assert_eq!(
        pickers,
        json!([
            ["datetime-local", "Opens at (UTC)"],
            ["datetime-local", "Closes at (UTC)"]
        ])
    );
    click(&browser, "Partner clients").await;
    browser
        .wait_for(
            "the client form",
            20,
            "return document.querySelector('#client-create') || null;",
        )
        .await;
    pick(&browser, "#client-create", "ICANN", ICANN).await;
    fill_and_submit(
        &browser,
        "#client-create",
        json!({ "name": "Registry mirror", "role": "OBSERVER" }),
    )
    .await;
    let secret = browser
        .wait_for("the client's secret", 20, "const s = document.getElementById('client-secret'); return s && s.textContent || null;")
        .await;
    assert!(secret.as_str().unwrap().len() > 20, "{secret}");
    keep(&browser, "clients").await;
    // Rotating shows a new secret, once.
    click(&browser, "Rotate secret of Registry mirror").await;
    answer(&browser, "The old secret stops working at once", true).await;
    let rotated = browser
        .wait_for(
            "the new secret",
            20,
            &format!(
                "const s = document.getElementById('client-secret'); return (s && s.textContent !== {} && s.textContent) || null;",
                secret
            ),
        )
        .await;
    assert_ne!(rotated, secret);
    // Revoking asks first; cancelled, the client still works; confirmed, it is revoked.
    click(&browser, "Revoke Registry mirror").await;
    answer(&browser, "This cannot be undone", false).await;
    click(&browser, "Revoke Registry mirror").await;
    answer(&browser, "every token it holds stop working at once", true).await;
    wait_text(&browser, "the revocation", "Registry mirror revoked").await;
    let revoked = app
        .graphql_as(
            admin,
            "{ apiClients(first: 10) { nodes { name status } } }",
            json!({}),
        )
        .await
        .1;
    assert!(
        revoked["data"]["apiClients"]["nodes"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["name"] == "Registry mirror" && c["status"] == "DISABLED"),
        "{revoked}"
    );

    // Moderation: the waiting comment is published, and the public API shows it.
    click(&browser, "Moderation").await;
    wait_text(&browser, "the queue", "Access for all").await;
    keep(&browser, "moderation").await;
    // An empty reason is refused next to its field.
    let withdraw_form = format!("#withdraw-{}", waiting.as_str().unwrap());
    browser
        .run(
            "const f = document.querySelector(arguments[0]); f.requestSubmit();",
            json!([withdraw_form]),
        )
        .await;
    let reason_error = browser
        .wait_for(
            "the reason's error",
            20,
            "const f = document.querySelector(arguments[0] || 'form[id^=withdraw-]'); const i = f.querySelector('[name=reason]'); return (i.getAttribute('aria-invalid') === 'true' && document.getElementById(i.id + '-error').textContent) || null;",
        )
        .await;
    assert!(!reason_error.as_str().unwrap().is_empty());
    click(&browser, "Publish “Access for all”").await;
    answer(
        &browser,
        "Everyone who may read the consultation sees it",
        true,
    )
    .await;
    wait_button(&browser, "Unpublish “Access for all”").await;
    let public = app
        .data(
            "query($id: ID!) { node(id: $id) { ... on Contribution { status title } } }",
            json!({ "id": waiting }),
        )
        .await;
    assert_eq!(public["node"]["status"], "PUBLISHED", "{public}");
    // Unpublished, with a note to its authors, after the dialog says what happens (and
    // axe-core finds nothing wrong with the open dialog); then published again.
    click(&browser, "Unpublish “Access for all”").await;
    browser
        .wait_for(
            "the dialog",
            20,
            "return document.querySelector('dialog[open] textarea') || null;",
        )
        .await;
    if let Some(violations) = browser.axe_violations().await {
        assert_eq!(violations, json!([]), "axe-core on the open confirmation");
    }
    browser
        .run(
            "document.querySelector('dialog[open] textarea').value = 'A name to remove first.';",
            json!([]),
        )
        .await;
    answer(&browser, "It leaves the public record at once", true).await;
    let status = |id: Value| {
        let app = &app;
        async move {
            app.graphql_as(
                admin,
                "query($id: ID!) { node(id: $id) { ... on Contribution { status } } }",
                json!({ "id": id }),
            )
            .await
            .1["data"]["node"]["status"]
                .clone()
        }
    };
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    while status(waiting.clone()).await != "SUBMITTED" && std::time::Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(status(waiting.clone()).await, "SUBMITTED");
    let public = app
        .graphql(
            "query($id: ID!) { node(id: $id) { id } }",
            json!({ "id": waiting }),
        )
        .await;
    assert_eq!(
        public["data"]["node"],
        Value::Null,
        "the public no longer reads it: {public}"
    );
    let audit = app
        .graphql_as(admin, "{ auditEvents(first: 1, filter: { action: \"contribution.unpublish\" }) { nodes { action } } }", json!({}))
        .await
        .1;
    assert_eq!(
        audit["data"]["auditEvents"]["nodes"][0]["action"], "contribution.unpublish",
        "{audit}"
    );
    click(&browser, "Publish “Access for all”").await;
    answer(
        &browser,
        "Everyone who may read the consultation sees it",
        true,
    )
    .await;
    wait_button(&browser, "Unpublish “Access for all”").await;
    // Withdrawn with its reason, once the red button's dialog is confirmed.
    let twice_form = format!("#withdraw-{}", twice.as_str().unwrap());
    fill_and_submit(
        &browser,
        &twice_form,
        json!({ "reason": "Sent twice by mistake." }),
    )
    .await;
    answer(&browser, "never published", true).await;
    wait_text(&browser, "the withdrawal", "Withdrew “Sent twice”").await;
    let (_, withdrawn) = app
        .graphql_as(
            admin,
            "query($id: ID!) { node(id: $id) { ... on Contribution { status withdrawnReason } } }",
            json!({ "id": twice }),
        )
        .await;
    assert_eq!(
        withdrawn["data"]["node"]["status"], "WITHDRAWN",
        "{withdrawn}"
    );

    // Consultations: the table and its chart.
    browser
        .goto(&app.url(&format!(
            "/console#/consultations/{}",
            consultation.as_str().unwrap()
        )))
        .await;
    browser
        .wait_for("the consultation's table", 20, "return document.querySelector('table.contributions svg, table.contributions') || null;")
        .await;
    let table = browser
        .run("return [...document.querySelectorAll('table.contributions tbody tr')].map(r => r.innerText.replace(/\\s+/g, ' ').trim());", json!([]))
        .await;
    assert_eq!(table[0], "Governments 1 0 0 1", "{table}");
    keep(&browser, "consultations").await;
    // Edited, then closed, from its screen.
    fill_and_submit(
        &browser,
        "#consultation-edit",
        json!({ "title": "Consultation on data, renamed" }),
    )
    .await;
    wait_text(
        &browser,
        "the new title",
        "Consultation on data, renamed (open)",
    )
    .await;
    click(&browser, "Close").await;
    wait_text(
        &browser,
        "the closed status",
        "Consultation on data, renamed (closed)",
    )
    .await;
    let closed = app
        .data(
            "query($c: ID!) { node(id: $c) { ... on Consultation { status title } } }",
            json!({ "c": consultation }),
        )
        .await;
    assert_eq!(
        closed["node"],
        json!({ "status": "CLOSED", "title": "Consultation on data, renamed" })
    );
    // A new one: a missing date is refused on the form, nothing created.
    fill_and_submit(
        &browser,
        "#consultation-create",
        json!({ "slug": "next-one", "title": "Next", "mandate": "Resolution 2", "opensAt": "2031-01-01T00:00" }),
    )
    .await;
    let error = browser
        .wait_for(
            "the closing date's error",
            20,
            "const f = document.querySelector('#consultation-create'); return (f.querySelector('.form-error').textContent || [...f.querySelectorAll('.error')].map(e => e.textContent).join('')) || null;",
        )
        .await;
    assert!(!error.as_str().unwrap().is_empty());
    fill_and_submit(
        &browser,
        "#consultation-create",
        json!({ "slug": "next-one", "title": "Next", "mandate": "Resolution 2", "opensAt": "2031-01-01T00:00", "closesAt": "2031-02-01T00:00" }),
    )
    .await;
    wait_text(&browser, "the new consultation", "Next (draft)").await;

    // Accounts: disabling the new member state ends its next request.
    click(&browser, "Accounts").await;
    wait_text(&browser, "the accounts", "new.member@gov.example").await;
    // Cancelled, nothing changes; confirmed, the account is disabled.
    click(&browser, "Disable new.member@gov.example").await;
    answer(&browser, "is signed out everywhere at once", false).await;
    let still = app
        .graphql_as(
            admin,
            "{ accounts(filter: { search: \"new.member\" }) { nodes { status } } }",
            json!({}),
        )
        .await
        .1;
    assert_eq!(
        still["data"]["accounts"]["nodes"][0]["status"], "ACTIVE",
        "{still}"
    );
    click(&browser, "Disable new.member@gov.example").await;
    answer(&browser, "is signed out everywhere at once", true).await;
    wait_button(&browser, "Enable new.member@gov.example").await;
    // One message at a time, not a pile.
    let toasts = browser
        .run(
            "return document.querySelectorAll('#toast p').length;",
            json!([]),
        )
        .await;
    assert!(toasts.as_i64().unwrap() <= 1, "{toasts} messages");
    // A password reset shows its one-time token.
    click(&browser, "Reset password for new.member@gov.example").await;
    answer(&browser, "every session of the account ends", true).await;
    let token = browser
        .wait_for(
            "the reset token",
            20,
            "const t = document.getElementById('reset-token'); return t && t.textContent || null;",
        )
        .await;
    assert!(token.as_str().unwrap().starts_with("crs_"), "{token}");
    // This server sends no email: the link to hand over is shown, whole.
    let link = browser
        .run(
            "return document.getElementById('reset-link').textContent;",
            json!([]),
        )
        .await;
    assert_eq!(
        link.as_str().unwrap(),
        format!("{}#/reset/{}", app.url("/console"), token.as_str().unwrap())
    );
    let (_, refused) = app
        .graphql_as(&new_member, "{ viewer { role } }", json!({}))
        .await;
    assert_eq!(
        refused["errors"][0]["extensions"]["code"], "UNAUTHENTICATED",
        "{refused}"
    );

    // The audit log: who by name, records by title linked to their screens, a page at a
    // time, filtered by the actions it records.
    click(&browser, "Audit log").await;
    let in_log = |action: &str| {
        format!(
            "return [...document.querySelectorAll('tbody td')].some(c => c.innerText === {}) || null;",
            serde_json::to_string(action).unwrap()
        )
    };
    browser
        .wait_for("the log", 20, &in_log("account.disable"))
        .await;
    let rows = browser
        .run(
            "return [...document.querySelectorAll('tbody tr')].map(r => { const c = r.querySelectorAll('td'); \
               const a = c[3].querySelector('a'); \
               return { who: c[1].innerText, action: c[2].innerText, record: c[3].innerText, link: a && a.getAttribute('href') }; });",
            json!([]),
        )
        .await;
    let rows = rows.as_array().unwrap();
    assert!(
        rows.iter()
            .all(|r| !r["who"].as_str().unwrap().contains("account:")),
        "{rows:?}"
    );
    let created = rows
        .iter()
        .find(|r| {
            r["action"] == "account.create"
                && r["record"]
                    .as_str()
                    .unwrap()
                    .contains("new.member@gov.example")
        })
        .unwrap_or_else(|| panic!("no account.create of new.member in {rows:?}"));
    assert_eq!(created["link"], "#/accounts", "{created}");
    assert!(
        created["who"].as_str().unwrap().contains("sec@un.example"),
        "{created}"
    );
    // Every action the log holds is one of the filter's choices.
    use sea_orm::ConnectionTrait;
    let held = app
        .db
        .query_all_raw(sea_orm::Statement::from_string(
            app.db.get_database_backend(),
            "SELECT DISTINCT action FROM audit_event",
        ))
        .await
        .unwrap();
    let choices = browser
        .run(
            "return [...document.querySelectorAll('#audit-filter [name=action] option')].map(o => o.value);",
            json!([]),
        )
        .await;
    for row in held {
        let action: String = row.try_get("", "action").unwrap();
        assert!(
            choices.as_array().unwrap().contains(&json!(action)),
            "{action} is not among {choices}"
        );
    }
    // Sign-ins enough to fill more than a page.
    for _ in 0..26 {
        app.login("sec@un.example", PASSWORD).await;
    }
    browser
        .run(
            "const s = document.querySelector('#audit-filter [name=action]'); s.value = 'session.login'; \
             document.querySelector('#audit-filter').requestSubmit();",
            json!([]),
        )
        .await;
    wait_text(&browser, "the first page", "Events 1–25 of").await;
    click(&browser, "Older events").await;
    wait_text(&browser, "the second page", "Events 26–").await;
    click(&browser, "Newer events").await;
    wait_text(&browser, "the first page again", "Events 1–25 of").await;
    click(&browser, "Verify chain").await;
    wait_text(&browser, "the verdict", "The chain holds").await;
    keep(&browser, "audit").await;
    // An event edited behind the API's back: the console names it.
    app.db
        .execute_unprepared(
            "UPDATE audit_event SET action = 'account.tampered' WHERE id = (SELECT MIN(id) FROM audit_event WHERE action = 'account.disable')",
        )
        .await
        .unwrap();
    let tampered = app
        .graphql_as(
            admin,
            "{ auditEvents(filter: { action: \"account.tampered\" }, first: 1) { nodes { id } } }",
            json!({}),
        )
        .await
        .1["data"]["auditEvents"]["nodes"][0]["id"]
        .clone();
    click(&browser, "Verify chain").await;
    wait_text(
        &browser,
        "the broken link",
        &format!(
            "The chain is broken at event {}",
            tampered.as_str().unwrap()
        ),
    )
    .await;

    // A phone's width: nothing runs off the side.
    browser.set_window(390, 844).await;
    click(&browser, "Accounts").await;
    wait_button(&browser, "Enable new.member@gov.example").await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    let overflow = sideways(&browser).await;
    assert!(overflow <= 1, "runs off by {overflow}px");
    keep(&browser, "phone-accounts").await;
    // Every other screen too, the consultation with its table and chart.
    let consultation_screen = format!("#/consultations/{}", consultation.as_str().unwrap());
    for (screen, ready, picture) in [
        ("#/clients", "#client-create", Some("phone-clients")),
        ("#/moderation", "main h2", Some("phone-moderation")),
        ("#/audit", "#audit-filter", Some("phone-audit")),
        (consultation_screen.as_str(), "table.contributions", None),
    ] {
        browser
            .run("location.hash = arguments[0];", json!([screen]))
            .await;
        browser
            .wait_for(
                &format!("{screen} at 390 px"),
                20,
                &format!(
                    "return document.querySelector({}) || null;",
                    serde_json::to_string(ready).unwrap()
                ),
            )
            .await;
        tokio::time::sleep(Duration::from_millis(200)).await;
        let overflow = sideways(&browser).await;
        assert!(overflow <= 1, "{screen} runs off by {overflow}px");
        if let Some(picture) = picture {
            keep(&browser, picture).await;
        }
    }
    // The chart keeps the page's text size, and its legend is whole.
    let chart = browser
        .run(
            "const svg = document.querySelector('svg.chart'); const fig = svg.closest('figure'); \
             const right = fig.getBoundingClientRect().right; \
             return { width: svg.getBoundingClientRect().width, \
                      legend: [...fig.querySelectorAll('.legend li')].map(li => li.innerText.trim()), \
                      inside: [...fig.querySelectorAll('.legend li')].every(li => li.getBoundingClientRect().right <= right + 1) };",
            json!([]),
        )
        .await;
    assert!(chart["width"].as_f64().unwrap() <= 560.0, "{chart}");
    assert_eq!(
        chart["legend"],
        json!([
            "Written comments",
            "Presentations",
            "Informal interventions"
        ]),
        "{chart}"
    );
    assert_eq!(chart["inside"], true, "{chart}");
    keep(&browser, "phone-consultation").await;
    browser.set_window(1280, 800).await;
    let wide = browser
        .run(
            "return document.querySelector('svg.chart').getBoundingClientRect().width;",
            json!([]),
        )
        .await;
    assert!(
        wide.as_f64().unwrap() <= 560.0,
        "the chart is {wide} px wide"
    );

    // Signing out, then in as a member state: only what its role allows.
    click(&browser, "Sign out").await;
    browser
        .wait_for(
            "the sign-in form",
            20,
            "return document.querySelector('#signin') || null;",
        )
        .await;
    // The screens' links go with the session, and "Signed out." is a notice, not an
    // error.
    let after = browser
        .run(
            "return { nav: getComputedStyle(document.getElementById('nav')).display, \
                      signout: getComputedStyle(document.getElementById('signout')).display, \
                      notice: (document.querySelector('.notice[role=status]') || {}).textContent || null, \
                      error: [...document.querySelectorAll('.form-error')].map(e => e.textContent).join('') };",
            json!([]),
        )
        .await;
    assert_eq!(
        after,
        json!({ "nav": "none", "signout": "none", "notice": "Signed out.", "error": "" })
    );
    // On a phone the sign-in fields fill their card.
    browser.set_window(390, 844).await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    let layout = browser
        .run(
            "const card = document.querySelector('.signin').getBoundingClientRect(); \
             const input = document.querySelector('#signin [name=email]').getBoundingClientRect(); \
             return { left: input.left - card.left, width: input.width / card.width, \
                      overflow: document.documentElement.scrollWidth - window.innerWidth };",
            json!([]),
        )
        .await;
    assert!(layout["left"].as_f64().unwrap() < 40.0, "{layout}");
    assert!(layout["width"].as_f64().unwrap() > 0.8, "{layout}");
    assert!(layout["overflow"].as_i64().unwrap() <= 1, "{layout}");
    keep(&browser, "phone-sign-in").await;
    browser.set_window(1280, 800).await;
    sign_in(&browser, &app, "a@gov.example").await;
    let screens = browser
        .run(
            "return [...document.querySelectorAll('#nav a')].map(a => a.textContent);",
            json!([]),
        )
        .await;
    assert_eq!(screens, json!(["Consultations", "My settings"]));
    browser.goto(&app.url("/console#/accounts")).await;
    browser
        .wait_for(
            "the consultations instead",
            20,
            "return location.hash === '#/consultations' || null;",
        )
        .await;
    let forms = browser
        .run(
            "return document.querySelectorAll('#account-create, #consultation-create').length;",
            json!([]),
        )
        .await;
    assert_eq!(forms, 0);
    // Its session ends elsewhere (here: signed out with its refresh token): the next
    // action says so on the sign-in form.
    let refresh_token = browser.cookie("concord_console").await;
    let out = app
        .data(
            "mutation($t: String!) { logout(input: { refreshToken: $t }) { loggedOut } }",
            json!({ "t": refresh_token }),
        )
        .await;
    assert_eq!(out["logout"]["loggedOut"], true);
    click(&browser, "Consultations").await;
    browser
        .run(
            "window.dispatchEvent(new HashChangeEvent('hashchange'));",
            json!([]),
        )
        .await;
    wait_text(
        &browser,
        "the expiry notice",
        "Your console session has expired; sign in again.",
    )
    .await;
    assert_eq!(
        browser
            .run("return !!document.querySelector('#signin');", json!([]))
            .await,
        true
    );
}

/// The console's address of a link from an email (which names the public URL).
fn local(app: &TestApp, link: &str) -> String {
    let (_, fragment) = link.split_once("/console").unwrap();
    app.url(&format!("/console{fragment}"))
}

#[tokio::test]
async fn an_invitation_is_accepted_and_a_forgotten_password_reset_in_the_console() {
    let Some(browser) = Browser::start("console-invitations").await else {
        return;
    };
    let sink = crate::smtp::Sink::start().await;
    let app = crate::helpers::spawn_seeded_app_with(concord::config::Settings {
        mail: crate::smtp::mail_to(sink.port),
        ..crate::helpers::test_settings()
    })
    .await;
    app.sign_in_as("sec@un.example", Role::Secretariat, None)
        .await;

    // The secretariat invites an observer: no password to choose or hand over.
    sign_in(&browser, &app, "sec@un.example").await;
    browser
        .wait_for(
            "the invitation form",
            20,
            "return document.querySelector('#account-invite') || null;",
        )
        .await;
    pick(&browser, "#account-invite", "Internet", ICANN).await;
    fill_and_submit(
        &browser,
        "#account-invite",
        json!({ "email": "new.person@example.org", "role": "OBSERVER", "language": "FR" }),
    )
    .await;
    wait_text(
        &browser,
        "the invitation sent",
        "Invitation on its way to new.person@example.org",
    )
    .await;
    let mail = sink.wait_for(1).await.remove(0);
    assert_eq!(mail.subject(), "Invitation à Concord");
    // An email that already has an account: said beside the field, nothing made.
    fill_and_submit(
        &browser,
        "#account-invite",
        json!({ "email": "SEC@un.example", "role": "SECRETARIAT" }),
    )
    .await;
    let taken = browser
        .wait_for(
            "the email's error",
            20,
            "const i = document.querySelector('#account-invite [name=email]'); const e = document.getElementById(i.id + '-error'); return (i.getAttribute('aria-invalid') === 'true' && e.textContent) || null;",
        )
        .await;
    assert_eq!(taken, "An account with this email already exists");
    // An address the SMTP server refuses: the invitation says so, in its words.
    sink.refuse("gone@example.org");
    fill_and_submit(
        &browser,
        "#account-invite",
        json!({ "email": "gone@example.org", "role": "SECRETARIAT" }),
    )
    .await;
    wait_text(
        &browser,
        "the second invitation",
        "Invitation on its way to gone@example.org",
    )
    .await;
    // The waiting invitations say how their email fared (the page loaded again).
    browser.goto(&app.url("/console")).await;
    wait_text(&browser, "the invitation's email", "email sent").await;
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    loop {
        browser.goto(&app.url("/console#/clients")).await;
        browser.goto(&app.url("/console#/accounts")).await;
        let shown = browser
            .wait_for("the invitations", 20, "const t = document.getElementById('invitations'); return (t && t.innerText.includes('gone@example.org') && t.innerText) || null;")
            .await;
        if shown.as_str().unwrap().contains("email failed") {
            assert!(shown.as_str().unwrap().contains("User unknown"), "{shown}");
            break;
        }
        assert!(std::time::Instant::now() < deadline, "{shown}");
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
    keep(&browser, "invitations").await;
    click(&browser, "Sign out").await;
    wait_text(&browser, "the sign-out", "Signed out.").await;

    // The invitee follows the link, chooses a password, and is signed in.
    browser
        .goto(&local(&app, &mail.link("/console#/accept/").unwrap()))
        .await;
    browser
        .wait_for(
            "the acceptance form",
            20,
            "return document.querySelector('#accept') || null;",
        )
        .await;
    keep(&browser, "accept-invitation").await;
    browser.set_window(390, 844).await;
    assert!(sideways(&browser).await <= 1);
    keep(&browser, "phone-accept-invitation").await;
    browser.set_window(1280, 800).await;
    fill_and_submit(
        &browser,
        "#accept",
        json!({ "password": PASSWORD, "passwordAgain": "something else" }),
    )
    .await;
    wait_text(&browser, "the mismatch", "The two passwords differ").await;
    fill_and_submit(
        &browser,
        "#accept",
        json!({ "password": "short", "passwordAgain": "short" }),
    )
    .await;
    let refused = browser
        .wait_for(
            "the password's error",
            20,
            "const i = document.querySelector('#accept [name=password]'); const e = document.getElementById(i.id + '-error'); return (i.getAttribute('aria-invalid') === 'true' && e.textContent) || null;",
        )
        .await;
    assert!(refused.as_str().unwrap().contains("12"), "{refused}");
    fill_and_submit(
        &browser,
        "#accept",
        json!({ "password": PASSWORD, "passwordAgain": PASSWORD }),
    )
    .await;
    let screens = browser
        .wait_for(
            "the invitee's screens",
            20,
            "if (document.getElementById('nav').hidden) return null; \
             const n = [...document.querySelectorAll('#nav a')].map(a => a.textContent); return n.length ? n : null;",
        )
        .await;
    assert_eq!(screens, json!(["Consultations", "My settings"]));

    // Their settings: moderation emails off, emails in English.
    click(&browser, "My settings").await;
    browser
        .wait_for(
            "the settings",
            20,
            "return document.querySelector('#settings') || null;",
        )
        .await;
    keep(&browser, "settings").await;
    browser.set_window(390, 844).await;
    assert!(sideways(&browser).await <= 1);
    keep(&browser, "phone-settings").await;
    browser.set_window(1280, 800).await;
    browser
        .run(
            "const f = document.querySelector('#settings'); f.querySelector('[name=moderationEmails]').checked = false; \
             f.querySelector('[name=language]').value = 'EN'; f.requestSubmit();",
            json!([]),
        )
        .await;
    wait_text(&browser, "the settings saved", "Settings saved").await;
    let holder = entity::account::Entity::find()
        .filter(entity::account::Column::EmailNormalized.eq("new.person@example.org"))
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    assert!(!holder.moderation_emails);
    assert_eq!(holder.language, entity::enums::EmailLanguage::En);
    click(&browser, "Sign out").await;
    wait_text(&browser, "the sign-out", "Signed out.").await;

    // "Forgot password?": a link by email, whichever address is typed.
    click(&browser, "Forgot password?").await;
    browser
        .wait_for(
            "the forgot form",
            20,
            "return document.querySelector('#forgot') || null;",
        )
        .await;
    // The screen, once drawn, leaves the focus in its first field (it used to take it
    // back to the page, and a list being typed in closed under the typing).
    let focused = browser
        .run(
            "return document.activeElement && document.activeElement.name;",
            json!([]),
        )
        .await;
    assert_eq!(focused, "email");
    keep(&browser, "forgot-password").await;
    browser.set_window(390, 844).await;
    assert!(sideways(&browser).await <= 1);
    keep(&browser, "phone-forgot-password").await;
    browser.set_window(1280, 800).await;
    fill_and_submit(&browser, "#forgot", json!({})).await;
    wait_text(&browser, "the empty field", "Enter your email address.").await;
    fill_and_submit(
        &browser,
        "#forgot",
        json!({ "email": "New.Person@example.org" }),
    )
    .await;
    wait_text(
        &browser,
        "the answer",
        "If an account holds New.Person@example.org",
    )
    .await;
    let mail = sink.wait_for(2).await.remove(1);
    assert_eq!(
        mail.subject(),
        "Choose a new Concord password",
        "in the language chosen"
    );
    let reset = local(&app, &mail.link("/console#/reset/").unwrap());
    browser.set_window(390, 844).await;
    browser.goto(&reset).await;
    browser
        .wait_for(
            "the reset form",
            20,
            "return document.querySelector('#reset') || null;",
        )
        .await;
    assert!(sideways(&browser).await <= 1);
    keep(&browser, "phone-reset-password").await;
    browser.set_window(1280, 800).await;
    fill_and_submit(
        &browser,
        "#reset",
        json!({ "password": "a brand new password", "passwordAgain": "a brand new password" }),
    )
    .await;
    wait_text(&browser, "the password set", "Your new password is set").await;
    assert!(
        app.login("new.person@example.org", "a brand new password")
            .await["data"]["login"]
            .is_object()
    );
    // The link works once.
    browser.goto(&reset).await;
    browser
        .wait_for(
            "the reset form",
            20,
            "return document.querySelector('#reset') || null;",
        )
        .await;
    fill_and_submit(
        &browser,
        "#reset",
        json!({ "password": "yet another password", "passwordAgain": "yet another password" }),
    )
    .await;
    wait_text(
        &browser,
        "the used link refused",
        "This reset token is not valid",
    )
    .await;
}

/// The code an authenticator app shows for `secret` (as the console shows it, grouped)
/// at `t`, and `t`: at least 6 s before its step ends.
async fn app_code(secret: &str, email: &str, ahead: u64) -> String {
    let t = loop {
        let now = chrono::Utc::now().timestamp() as u64;
        if now % 30 < 24 {
            break now;
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    };
    let secret: String = secret.chars().filter(|c| !c.is_whitespace()).collect();
    totp_rs::TOTP::new(
        totp_rs::Algorithm::SHA1,
        6,
        1,
        30,
        totp_rs::Secret::Encoded(secret).to_bytes().unwrap(),
        Some("Concord".to_owned()),
        email.to_owned(),
    )
    .unwrap()
    .generate(t + ahead)
}

/// Sets up two-step sign-in from the screen the console shows (its QR code and key):
/// returns the key.
async fn set_up_two_step(browser: &Browser, email: &str, screenshot: Option<&str>) -> String {
    let secret = browser
        .wait_for(
            "the key",
            20,
            "const s = document.getElementById('totp-secret'); return s && s.textContent || null;",
        )
        .await;
    let secret = secret.as_str().unwrap().to_owned();
    let qr = browser
        .run(
            "const i = document.querySelector('img.qr'); return i.complete && i.naturalWidth > 0 && i.alt;",
            json!([]),
        )
        .await;
    assert_eq!(qr, "QR code to scan with your authenticator app");
    if let Some(name) = screenshot {
        keep(browser, name).await;
    }
    fill_and_submit(browser, "#enrol", json!({ "code": "000000" })).await;
    wait_text(
        browser,
        "the wrong code refused",
        "This code does not match",
    )
    .await;
    let code = app_code(&secret, email, 0).await;
    fill_and_submit(browser, "#enrol", json!({ "code": code })).await;
    let codes = browser
        .wait_for(
            "the recovery codes",
            20,
            "const l = document.querySelectorAll('#recovery-codes li'); return l.length ? l.length : null;",
        )
        .await;
    assert_eq!(codes, 10);
    if let Some(name) = screenshot {
        keep(browser, &format!("{name}-recovery-codes")).await;
    }
    click(browser, "I have kept these codes").await;
    secret
}

#[tokio::test]
async fn two_step_sign_in_is_set_up_asked_for_and_required_in_the_console() {
    let Some(browser) = Browser::start("console-two-step").await else {
        return;
    };
    let app = spawn_seeded_app().await;
    app.sign_in_as("sec@un.example", Role::Secretariat, None)
        .await;
    app.sign_in_as("other@un.example", Role::Secretariat, None)
        .await;

    // Set up from "My settings".
    sign_in(&browser, &app, "sec@un.example").await;
    click(&browser, "My settings").await;
    click(&browser, "Set up two-step sign-in").await;
    browser.set_window(390, 844).await;
    let secret = set_up_two_step(&browser, "sec@un.example", Some("phone-two-step")).await;
    assert!(sideways(&browser).await <= 1);
    browser.set_window(1280, 800).await;
    wait_text(&browser, "two-step on", "On: sign-in asks for a code").await;

    // Sign-in now asks for a code, once the password is right.
    click(&browser, "Sign out").await;
    wait_text(&browser, "the sign-out", "Signed out.").await;
    fill_and_submit(
        &browser,
        "#signin",
        json!({ "email": "sec@un.example", "password": PASSWORD }),
    )
    .await;
    browser
        .wait_for(
            "the code field",
            20,
            "const i = document.querySelector('#signin [name=code]'); return (i && !i.closest('.field').hidden) || null;",
        )
        .await;
    keep(&browser, "sign-in-code").await;
    browser.set_window(390, 844).await;
    assert!(sideways(&browser).await <= 1);
    keep(&browser, "phone-sign-in-code").await;
    browser.set_window(1280, 800).await;
    fill_and_submit(&browser, "#signin", json!({ "code": "123456" })).await;
    wait_text(&browser, "the wrong code", "Wrong code").await;
    let code = app_code(&secret, "sec@un.example", 30).await;
    fill_and_submit(&browser, "#signin", json!({ "code": code })).await;
    browser
        .wait_for(
            "the screens",
            20,
            "return (!document.getElementById('nav').hidden && document.querySelector('#nav a')) || null;",
        )
        .await;

    // The secretariat requires it: another secretariat account sets it up at sign-in.
    click(&browser, "Accounts").await;
    browser
        .wait_for(
            "the requirement's form",
            20,
            "return document.querySelector('#second-factor-requirement') || null;",
        )
        .await;
    browser
        .run(
            "const f = document.querySelector('#second-factor-requirement'); f.querySelector('[name=requireSecondFactor]').checked = true; f.requestSubmit();",
            json!([]),
        )
        .await;
    wait_text(
        &browser,
        "the requirement",
        "Two-step sign-in is required of secretariat accounts",
    )
    .await;
    click(&browser, "Sign out").await;
    wait_text(&browser, "the sign-out", "Signed out.").await;
    fill_and_submit(
        &browser,
        "#signin",
        json!({ "email": "other@un.example", "password": PASSWORD }),
    )
    .await;
    wait_text(
        &browser,
        "the requirement said",
        "Two-step sign-in is required",
    )
    .await;
    let other = set_up_two_step(&browser, "other@un.example", Some("two-step")).await;
    wait_text(
        &browser,
        "back to sign-in",
        "Two-step sign-in is on. Sign in with the code",
    )
    .await;
    let code = app_code(&other, "other@un.example", 30).await;
    fill_and_submit(
        &browser,
        "#signin",
        json!({ "email": "other@un.example", "password": PASSWORD }),
    )
    .await;
    browser
        .wait_for(
            "the code field",
            20,
            "const i = document.querySelector('#signin [name=code]'); return (i && !i.closest('.field').hidden) || null;",
        )
        .await;
    fill_and_submit(&browser, "#signin", json!({ "code": code })).await;
    browser
        .wait_for(
            "the screens",
            20,
            "return (!document.getElementById('nav').hidden && document.querySelector('#nav a')) || null;",
        )
        .await;
    // Phone and recovery codes lost: another of the secretariat takes it away, after
    // saying what happens; where it is required, the holder sets it up again.
    click(&browser, "Accounts").await;
    click(&browser, "Reset two-step sign-in of sec@un.example").await;
    answer(&browser, "lost both the app and the recovery codes", true).await;
    wait_text(
        &browser,
        "the reset",
        "Two-step sign-in of sec@un.example reset",
    )
    .await;
    let again = app
        .graphql(
            "mutation { login(input: { email: \"sec@un.example\", password: \"a long enough password\" }) { accessToken } }",
            json!({}),
        )
        .await;
    assert_eq!(
        again["errors"][0]["extensions"]["code"], "SECOND_FACTOR_ENROLLMENT_REQUIRED",
        "{again}"
    );
}

#[tokio::test]
async fn the_secretariat_opens_and_downloads_a_contributions_documents_in_moderation() {
    let Some(browser) = Browser::start("console-documents").await else {
        return;
    };
    let app = spawn_seeded_app().await;
    let (_admin, member, consultation) =
        crate::workflow::secretariat_member_and_consultation(&app, "console-documents").await;
    let text = "Annex: broadband in landlocked developing countries.\n";
    let sent = crate::attachments::upload(&app, &member, "annex.txt", text.as_bytes()).await;
    let pdf = crate::documents::pdf("Position paper");
    let paper = crate::attachments::upload(&app, &member, "position paper.pdf", &pdf).await;
    let created = app
        .graphql_as(
            &member,
            "mutation($i: ContributionCreateInput!) { contributionCreate(input: $i) { contribution { id } } }",
            json!({ "i": { "consultation": consultation, "title": "With an annex", "body": "See the annex.",
                           "language": "en", "attachments": [sent["upload"]["id"], paper["upload"]["id"]] } }),
        )
        .await
        .1;
    let id = created["data"]["contributionCreate"]["contribution"]["id"].clone();
    app.graphql_as(&member, "mutation($id: ID!) { contributionSubmit(input: { id: $id, version: 1 }) { contribution { status } } }", json!({ "id": id }))
        .await;

    sign_in(&browser, &app, "sec@un.example").await;
    click(&browser, "Moderation").await;
    wait_text(&browser, "the documents", "annex.txt (53 bytes)").await;
    wait_text(&browser, "the documents", "position paper.pdf").await;
    keep(&browser, "moderation-documents").await;
    // What the browser is handed: the bytes, fetched with the session's token.
    browser
        .run(
            "window.__opened = []; window.open = (u) => { window.__opened.push(u); return null; }; \
             window.__blobs = []; const make = URL.createObjectURL; URL.createObjectURL = (b) => { window.__blobs.push(b); return make(b); }; \
             window.__downloads = []; const click = HTMLAnchorElement.prototype.click; \
             HTMLAnchorElement.prototype.click = function () { if (this.download) window.__downloads.push([this.href, this.download]); else click.call(this); };",
            json!([]),
        )
        .await;
    click(&browser, "Open annex.txt").await;
    let opened = browser
        .wait_for(
            "the document opened",
            20,
            "if (!window.__opened.length) return null; const b = window.__blobs[0]; return (async () => [window.__opened[0].startsWith('blob:'), b.type, await b.text()])();",
        )
        .await;
    assert_eq!(opened, json!([true, "text/plain; charset=utf-8", text]));
    click(&browser, "Download position paper.pdf").await;
    let downloaded = browser
        .wait_for(
            "the download",
            20,
            "if (!window.__downloads.length) return null; const [u, name] = window.__downloads[0]; const blob = window.__blobs[1]; return (async () => { const b = new Uint8Array(await blob.arrayBuffer()); return [u.startsWith('blob:'), name, blob.type, b.length, String.fromCharCode(...b.slice(0, 8))]; })();",
        )
        .await;
    assert_eq!(
        downloaded,
        json!([
            true,
            "position paper.pdf",
            "application/pdf",
            pdf.len(),
            "%PDF-1.4"
        ])
    );
}
