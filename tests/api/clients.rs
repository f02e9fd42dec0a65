//! Partner API clients and `POST /oauth/token` (RFC 6749 §4.4, errors as §5.2).

use crate::helpers::{TestApp, first_error_code, spawn_seeded_app};
use entity::enums::Role;
use serde_json::{Value, json};

pub const CREATE: &str = r#"mutation($i: ApiClientCreateInput!) {
  apiClientCreate(input: $i) { apiClient { id clientId scopes role status } clientSecret userErrors { field message code } }
}"#;

pub async fn stakeholder_id(app: &TestApp, acronym: &str) -> Value {
    let data = app
        .data(
            "{ stakeholders(first: 100) { nodes { id acronym } } }",
            json!({}),
        )
        .await;
    data["stakeholders"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["acronym"] == acronym)
        .unwrap()["id"]
        .clone()
}

/// Creates a client as the secretariat; returns (client id, secret, global id).
pub async fn client(app: &TestApp, admin: &str, scopes: &[&str]) -> (String, String, Value) {
    let icann = stakeholder_id(app, "ICANN").await;
    let (_, body) = app
        .graphql_as(admin, CREATE, json!({ "i": { "name": "Registry mirror", "stakeholder": icann, "role": "OBSERVER", "scopes": scopes.iter().map(|s| s.to_uppercase()).collect::<Vec<_>>() } }))
        .await;
    let p = &body["data"]["apiClientCreate"];
    assert_eq!(p["userErrors"], json!([]), "{body}");
    (
        p["apiClient"]["clientId"].as_str().unwrap().to_owned(),
        p["clientSecret"].as_str().unwrap().to_owned(),
        p["apiClient"]["id"].clone(),
    )
}

pub async fn token_request(
    app: &TestApp,
    basic: Option<(&str, &str)>,
    form: &[(&str, &str)],
) -> (u16, Value) {
    let body: String = url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(form)
        .finish();
    let mut request = app
        .client
        .post(app.url("/oauth/token"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(body);
    if let Some((id, secret)) = basic {
        request = request.basic_auth(id, Some(secret));
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    assert_eq!(response.headers()["cache-control"], "no-store");
    (status, response.json().await.unwrap())
}

#[tokio::test]
async fn client_credentials_grant_issues_scoped_tokens() {
    let app = spawn_seeded_app().await;
    let admin = app
        .sign_in_as("sec@un.example", Role::Secretariat, None)
        .await;
    let (id, secret, _) = client(&app, &admin, &["read"]).await;

    let (status, basic) = token_request(
        &app,
        Some((&id, &secret)),
        &[("grant_type", "client_credentials")],
    )
    .await;
    assert_eq!(status, 200, "{basic}");
    assert_eq!(basic["token_type"], "Bearer");
    assert_eq!(basic["scope"], "read");
    assert!(basic["expires_in"].as_i64().unwrap() > 0);
    let (status, in_body) = token_request(
        &app,
        None,
        &[
            ("grant_type", "client_credentials"),
            ("client_id", &id),
            ("client_secret", &secret),
        ],
    )
    .await;
    assert_eq!(status, 200, "{in_body}");

    let token = basic["access_token"].as_str().unwrap();
    let (status, me) = app
        .graphql_as(
            token,
            "{ viewer { role scopes apiClient { clientId } stakeholder { acronym } } }",
            json!({}),
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(
        me["data"]["viewer"],
        json!({ "role": "OBSERVER", "scopes": ["READ"], "apiClient": { "clientId": id }, "stakeholder": { "acronym": "ICANN" } })
    );

    // A read-only client can change nothing.
    let (_, attempt) = app
        .graphql_as(token, "mutation { passwordChange(input: { currentPassword: \"x\", newPassword: \"yyyyyyyyyyyyyy\" }) { changed } }", json!({}))
        .await;
    assert_eq!(first_error_code(&attempt), Some("FORBIDDEN"));
}

#[tokio::test]
async fn token_endpoint_errors_follow_rfc_6749() {
    let app = spawn_seeded_app().await;
    let admin = app
        .sign_in_as("sec@un.example", Role::Secretariat, None)
        .await;
    let (id, secret, gid) = client(&app, &admin, &["read"]).await;
    let grant = ("grant_type", "client_credentials");

    type Case<'a> = (
        &'a str,
        Option<(&'a str, &'a str)>,
        Vec<(&'a str, &'a str)>,
        u16,
        &'a str,
    );
    let cases: Vec<Case> = vec![
        (
            "no grant type",
            Some((&id, &secret)),
            vec![],
            400,
            "invalid_request",
        ),
        (
            "other grant",
            Some((&id, &secret)),
            vec![("grant_type", "password")],
            400,
            "unsupported_grant_type",
        ),
        (
            "wrong secret",
            Some((&id, "ccs_wrong")),
            vec![grant],
            401,
            "invalid_client",
        ),
        (
            "unknown client",
            Some(("cc_nobody", &secret)),
            vec![grant],
            401,
            "invalid_client",
        ),
        ("no credentials", None, vec![grant], 401, "invalid_client"),
        (
            "two methods",
            Some((&id, &secret)),
            vec![grant, ("client_id", &id), ("client_secret", &secret)],
            400,
            "invalid_request",
        ),
        (
            "half in body",
            None,
            vec![grant, ("client_id", &id)],
            400,
            "invalid_request",
        ),
        (
            "scope not held",
            Some((&id, &secret)),
            vec![grant, ("scope", "read submit")],
            400,
            "invalid_scope",
        ),
        (
            "unknown scope",
            Some((&id, &secret)),
            vec![grant, ("scope", "admin")],
            400,
            "invalid_scope",
        ),
        (
            "repeated parameter",
            Some((&id, &secret)),
            vec![grant, grant],
            400,
            "invalid_request",
        ),
    ];
    for (name, basic, form, status, error) in cases {
        let (got, body) = token_request(&app, basic, &form).await;
        assert_eq!(
            (got, body["error"].as_str()),
            (status, Some(error)),
            "{name}: {body}"
        );
        assert!(body["error_description"].is_string(), "{name}");
    }
    let json_body = app
        .client
        .post(app.url("/oauth/token"))
        .json(&json!({ "grant_type": "client_credentials" }))
        .send()
        .await
        .unwrap();
    assert_eq!(json_body.status(), 400);

    // Rotation: the old secret stops working, the new one works.
    let (_, rotated) = app
        .graphql_as(
            &admin,
            "mutation($id: ID!) { apiClientRotateSecret(input: { id: $id }) { clientSecret } }",
            json!({ "id": gid }),
        )
        .await;
    let new_secret = rotated["data"]["apiClientRotateSecret"]["clientSecret"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(
        token_request(&app, Some((&id, &secret)), &[grant]).await.0,
        401
    );
    let (status, issued) = token_request(&app, Some((&id, &new_secret)), &[grant]).await;
    assert_eq!(status, 200);

    // Revocation: the secret and the tokens already issued stop working.
    app.graphql_as(
        &admin,
        "mutation($id: ID!) { apiClientRevoke(input: { id: $id }) { apiClient { status } } }",
        json!({ "id": gid }),
    )
    .await;
    assert_eq!(
        token_request(&app, Some((&id, &new_secret)), &[grant])
            .await
            .0,
        401
    );
    let (status, _) = app
        .graphql_as(
            issued["access_token"].as_str().unwrap(),
            "{ viewer { role } }",
            json!({}),
        )
        .await;
    assert_eq!(status, 401);
}
