//! Sign-in, tokens, partner clients and the audit log.

use crate::helpers::{
    TEST_SECRET, TestApp, first_error_code, spawn_app, spawn_app_with, test_settings,
};
use concord::auth::jwt::Claims;
use entity::enums::Role;
use serde_json::{Value, json};

const VIEWER: &str = "{ viewer { role scopes account { email } } }";

/// Valid claims for `sub` in the session of a token it really holds.
fn claims(app: &TestApp, sub: &str, held: &str) -> Claims {
    let now = chrono::Utc::now().timestamp();
    Claims {
        iss: app.auth.keys.issuer.clone(),
        aud: app.auth.keys.audience.clone(),
        sub: sub.to_owned(),
        exp: now + 600,
        nbf: now - 10,
        iat: now - 10,
        role: Role::Secretariat,
        stakeholder: None,
        scopes: vec!["read".into(), "submit".into()],
        sid: app.auth.keys.verify(held).expect("a held token").sid,
    }
}

fn b64(value: &Value) -> String {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(value.to_string())
}

/// An HS-family token signed with `secret` and the given header.
fn hs_token(header: Value, claims: &Claims, alg: jsonwebtoken::Algorithm, secret: &[u8]) -> String {
    let mut h = jsonwebtoken::Header::new(alg);
    h.kid = header["kid"].as_str().map(str::to_owned);
    jsonwebtoken::encode(
        &h,
        claims,
        &jsonwebtoken::EncodingKey::from_secret(secret).unwrap(),
    )
    .unwrap()
}

async fn secretariat(app: &TestApp) -> String {
    app.sign_in_as("sec@un.example", Role::Secretariat, None)
        .await
}

#[tokio::test]
async fn sign_in_and_ask_who_i_am() {
    let app = spawn_app().await;
    let token = secretariat(&app).await;
    let (status, body) = app.graphql_as(&token, VIEWER, json!({})).await;
    assert_eq!(status, 200);
    assert_eq!(
        body["data"]["viewer"],
        json!({ "role": "SECRETARIAT", "scopes": ["READ", "SUBMIT"], "account": { "email": "sec@un.example" } })
    );
    let anonymous = app.data(VIEWER, json!({})).await;
    assert_eq!(anonymous["viewer"], Value::Null);
    // Email is case-insensitive at sign-in.
    let again = app.login("SEC@UN.example", "a long enough password").await;
    assert!(again["data"]["login"]["accessToken"].is_string(), "{again}");
}

#[tokio::test]
async fn wrong_email_and_wrong_password_get_the_same_error() {
    let app = spawn_app().await;
    secretariat(&app).await;
    let wrong_password = app.login("sec@un.example", "not the password at all").await;
    let wrong_email = app
        .login("nobody@un.example", "a long enough password")
        .await;
    assert_eq!(first_error_code(&wrong_password), Some("UNAUTHENTICATED"));
    assert_eq!(
        wrong_password["errors"][0]["message"],
        wrong_email["errors"][0]["message"]
    );
    assert_eq!(wrong_password["data"], wrong_email["data"]);
}

#[tokio::test]
async fn repeated_failures_are_throttled_per_email() {
    let app = spawn_app().await;
    secretariat(&app).await;
    for _ in 0..concord::service::sessions::EMAIL_LIMIT {
        let body = app.login("sec@un.example", "not the password at all").await;
        assert_eq!(first_error_code(&body), Some("UNAUTHENTICATED"));
    }
    let throttled = app.login("sec@un.example", "a long enough password").await;
    assert_eq!(
        first_error_code(&throttled),
        Some("RATE_LIMITED"),
        "even the right password waits: {throttled}"
    );
    // Another email from the same address is not held back by this one.
    app.sign_in_as("other@un.example", Role::Secretariat, None)
        .await;
}

const REFRESH: &str = "mutation($t: String!) { sessionRefresh(input: { refreshToken: $t }) { accessToken refreshToken } }";

#[tokio::test]
async fn refresh_tokens_rotate_and_reuse_revokes_the_family() {
    let app = spawn_app().await;
    secretariat(&app).await;
    let first = app.login("sec@un.example", "a long enough password").await["data"]["login"]["refreshToken"].clone();

    let second = app.data(REFRESH, json!({ "t": first })).await["sessionRefresh"].clone();
    let second_refresh = second["refreshToken"].clone();
    assert_ne!(second_refresh, first);
    let (status, _) = app
        .graphql_as(second["accessToken"].as_str().unwrap(), VIEWER, json!({}))
        .await;
    assert_eq!(status, 200);

    // The first token again: it leaked. It fails, and so does its successor.
    let reuse = app.graphql(REFRESH, json!({ "t": first })).await;
    assert_eq!(first_error_code(&reuse), Some("UNAUTHENTICATED"));
    let successor = app.graphql(REFRESH, json!({ "t": second_refresh })).await;
    assert_eq!(
        first_error_code(&successor),
        Some("UNAUTHENTICATED"),
        "the whole family is revoked"
    );
    let admin =
        app.login("sec@un.example", "a long enough password").await["data"]["login"]["accessToken"]
            .as_str()
            .unwrap()
            .to_owned();
    let (_, log) = app
        .graphql_as(
            &admin,
            "{ auditEvents(filter: { action: \"session.reuse_revoked\" }) { totalCount } }",
            json!({}),
        )
        .await;
    assert_eq!(
        log["data"]["auditEvents"]["totalCount"], 1,
        "the revocation is on the record: {log}"
    );

    // Logout ends a fresh session the same way.
    let fresh = app.login("sec@un.example", "a long enough password").await["data"]["login"]["refreshToken"].clone();
    app.data(
        "mutation($t: String!) { logout(input: { refreshToken: $t }) { loggedOut } }",
        json!({ "t": fresh }),
    )
    .await;
    let after_logout = app.graphql(REFRESH, json!({ "t": fresh })).await;
    assert_eq!(first_error_code(&after_logout), Some("UNAUTHENTICATED"));
}

#[tokio::test]
async fn every_bad_token_is_refused_alike() {
    let app = spawn_app().await;
    let good = secretariat(&app).await;
    let account_id = {
        let (_, body) = app
            .graphql_as(&good, "{ viewer { account { id } } }", json!({}))
            .await;
        concord::ids::GlobalId::decode(body["data"]["viewer"]["account"]["id"].as_str().unwrap())
            .unwrap()
            .id
    };
    let sub = format!("account:{account_id}");
    let kid = concord::auth::jwt::derive_kid(TEST_SECRET.as_bytes());
    let header = json!({ "kid": kid });
    let valid = claims(&app, &sub, &good);
    assert_eq!(
        app.graphql_as(
            &hs_token(
                header.clone(),
                &valid,
                jsonwebtoken::Algorithm::HS256,
                TEST_SECRET.as_bytes()
            ),
            VIEWER,
            json!({})
        )
        .await
        .0,
        200,
        "the forging itself is right"
    );

    let now = chrono::Utc::now().timestamp();
    let with = |f: &dyn Fn(&mut Claims)| {
        let mut c = valid.clone();
        f(&mut c);
        hs_token(
            header.clone(),
            &c,
            jsonwebtoken::Algorithm::HS256,
            TEST_SECRET.as_bytes(),
        )
    };
    let none = format!(
        "{}.{}.",
        b64(&json!({ "alg": "none", "typ": "JWT", "kid": kid })),
        b64(&serde_json::to_value(&valid).unwrap())
    );
    let cases: Vec<(&str, String)> = vec![
        ("alg none", none),
        (
            "another algorithm",
            hs_token(
                header.clone(),
                &valid,
                jsonwebtoken::Algorithm::HS512,
                TEST_SECRET.as_bytes(),
            ),
        ),
        (
            "wrong key",
            hs_token(
                header.clone(),
                &valid,
                jsonwebtoken::Algorithm::HS256,
                b"another-secret-another-secret-0123456",
            ),
        ),
        (
            "unknown kid",
            hs_token(
                json!({ "kid": "nope" }),
                &valid,
                jsonwebtoken::Algorithm::HS256,
                TEST_SECRET.as_bytes(),
            ),
        ),
        (
            "no kid",
            hs_token(
                json!({}),
                &valid,
                jsonwebtoken::Algorithm::HS256,
                TEST_SECRET.as_bytes(),
            ),
        ),
        ("expired", with(&|c| c.exp = now - 120)),
        ("not yet valid", with(&|c| c.nbf = now + 600)),
        ("wrong iss", with(&|c| c.iss = "someone-else".into())),
        ("wrong aud", with(&|c| c.aud = "another-api".into())),
        (
            "unknown subject",
            with(&|c| c.sub = "account:999999".into()),
        ),
        ("malformed", "not.a.jwt".to_owned()),
        ("garbage", "%%%".to_owned()),
    ];
    let mut bodies = Vec::new();
    for (name, token) in &cases {
        let (status, body) = app.graphql_as(token, VIEWER, json!({})).await;
        assert_eq!(status, 401, "{name}");
        assert_eq!(first_error_code(&body), Some("UNAUTHENTICATED"), "{name}");
        bodies.push(body);
    }
    assert!(
        bodies.windows(2).all(|w| w[0] == w[1]),
        "every refusal reads the same"
    );

    // A disabled account's token is refused from the next request on.
    let other = app
        .sign_in_as("ms@un.example", Role::Secretariat, None)
        .await;
    let (_, me) = app
        .graphql_as(&other, "{ viewer { account { id } } }", json!({}))
        .await;
    let other_id = me["data"]["viewer"]["account"]["id"].clone();
    let (_, disabled) = app
        .graphql_as(&good, "mutation($id: ID!) { accountDisable(input: { id: $id }) { account { status } userErrors { message } } }", json!({ "id": other_id }))
        .await;
    assert_eq!(
        disabled["data"]["accountDisable"]["account"]["status"], "DISABLED",
        "{disabled}"
    );
    let (status, body) = app.graphql_as(&other, VIEWER, json!({})).await;
    assert_eq!(status, 401);
    assert_eq!(body, bodies[0]);
}

#[tokio::test]
async fn old_keys_keep_verifying_during_rotation() {
    let dir = std::env::temp_dir().join(format!("concord-keys-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let old_secret = "the-old-secret-the-old-secret-0123456789";
    std::fs::write(dir.join("old.key"), old_secret).unwrap();
    let old_kid = "old-key";

    let app = spawn_app().await;
    let token = secretariat(&app).await;
    let sub = {
        let (_, body) = app
            .graphql_as(&token, "{ viewer { account { id } } }", json!({}))
            .await;
        format!(
            "account:{}",
            concord::ids::GlobalId::decode(
                body["data"]["viewer"]["account"]["id"].as_str().unwrap()
            )
            .unwrap()
            .id
        )
    };
    let signed_with_old = hs_token(
        json!({ "kid": old_kid }),
        &claims(&app, &sub, &token),
        jsonwebtoken::Algorithm::HS256,
        old_secret.as_bytes(),
    );
    assert_eq!(
        app.graphql_as(&signed_with_old, VIEWER, json!({})).await.0,
        401,
        "unknown key before rotation"
    );

    // The same database, a new instance that also trusts the old key.
    let settings = concord::config::AuthSettings {
        jwt_secret: Some(TEST_SECRET.into()),
        jwt_verify_keys: vec![format!("{old_kid}=HS256:{}", dir.join("old.key").display())],
        ..Default::default()
    };
    let auth = crate::helpers::test_auth(&app.db, settings).await;
    let url = format!(
        "{}/graphql",
        crate::helpers::start_instance(
            &test_settings(),
            concord::startup::Databases::one(app.db.clone()),
            auth,
        )
    );
    for t in [&signed_with_old, &token] {
        let r = app
            .client
            .post(&url)
            .bearer_auth(t)
            .json(&json!({ "query": VIEWER }))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200, "old and current keys both verify");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn with_anonymous_access_off_only_sign_in_is_open() {
    let app = spawn_app_with(test_settings()).await;
    secretariat(&app).await;
    let settings = concord::config::AuthSettings {
        jwt_secret: Some(TEST_SECRET.into()),
        anonymous_access: false,
        ..Default::default()
    };
    let auth = crate::helpers::test_auth(&app.db, settings).await;
    let url = format!(
        "{}/graphql",
        crate::helpers::start_instance(
            &test_settings(),
            concord::startup::Databases::one(app.db.clone()),
            auth,
        )
    );
    let post = |body: Value| app.client.post(&url).json(&body).send();

    let read: Value = post(json!({ "query": "{ stakeholders { totalCount } }" }))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(first_error_code(&read), Some("UNAUTHENTICATED"));
    let login: Value = post(json!({
        "query": "mutation { login(input: { email: \"sec@un.example\", password: \"a long enough password\" }) { accessToken } }"
    }))
    .await
    .unwrap()
    .json()
    .await
    .unwrap();
    assert!(login["data"]["login"]["accessToken"].is_string(), "{login}");
}

#[tokio::test]
async fn failures_are_throttled_per_client_address_too() {
    let app = spawn_app().await;
    secretariat(&app).await;
    // Many emails, one address: the address runs out before any one email does.
    for n in 0..concord::service::sessions::IP_LIMIT {
        let body = app
            .login(&format!("guess{n}@un.example"), "not the password at all")
            .await;
        assert_eq!(
            first_error_code(&body),
            Some("UNAUTHENTICATED"),
            "attempt {n}"
        );
    }
    let throttled = app.login("sec@un.example", "a long enough password").await;
    assert_eq!(
        first_error_code(&throttled),
        Some("RATE_LIMITED"),
        "{throttled}"
    );
}

#[tokio::test]
async fn without_a_configured_secret_one_is_generated_once_and_shared() {
    let app = spawn_app().await;
    let token = secretariat(&app).await;
    let first = crate::helpers::test_auth(&app.db, concord::config::AuthSettings::default()).await;
    let second = crate::helpers::test_auth(&app.db, concord::config::AuthSettings::default()).await;
    let (signed, _) = first
        .keys
        .issue(
            "account:1".into(),
            "session".into(),
            Role::Secretariat,
            None,
            vec!["read".into()],
        )
        .unwrap();
    assert!(
        second.keys.verify(&signed).is_ok(),
        "a second instance (or a restart) reuses the stored secret"
    );
    assert!(
        first.keys.verify(&token).is_err(),
        "and it is not the test's configured secret"
    );
    use sea_orm::EntityTrait;
    assert_eq!(
        entity::signing_key::Entity::find()
            .all(&app.db)
            .await
            .unwrap()
            .len(),
        1
    );
}

async fn signs_with_key_pair(kind: &str, algorithm: &str, expected: jsonwebtoken::Algorithm) {
    let app = spawn_app().await;
    secretariat(&app).await;
    let fixtures = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/api/fixtures");
    let settings = concord::config::AuthSettings {
        jwt_private_key: Some(format!("{fixtures}/{kind}-private.pem").into()),
        jwt_public_key: Some(format!("{fixtures}/{kind}-public.pem").into()),
        jwt_algorithm: Some(algorithm.into()),
        ..Default::default()
    };
    let auth = crate::helpers::test_auth(&app.db, settings).await;
    let url = format!(
        "{}/graphql",
        crate::helpers::start_instance(
            &test_settings(),
            concord::startup::Databases::one(app.db.clone()),
            auth,
        )
    );
    let login: Value = app
        .client
        .post(&url)
        .json(&json!({ "query": "mutation { login(input: { email: \"sec@un.example\", password: \"a long enough password\" }) { accessToken } }" }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let token = login["data"]["login"]["accessToken"].as_str().unwrap();
    let header = jsonwebtoken::decode_header(token).unwrap();
    assert_eq!(header.alg, expected);
    let r = app
        .client
        .post(&url)
        .bearer_auth(token)
        .json(&json!({ "query": VIEWER }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    // An HS256 token with the test secret is refused by this instance: wrong algorithm and key.
    let (status, _) = app.graphql_as(token, VIEWER, json!({})).await;
    assert_eq!(status, 401, "the HS256 instance refuses an EdDSA token");
}

#[tokio::test]
async fn tokens_can_be_signed_with_an_ed25519_key_pair() {
    signs_with_key_pair("ed25519", "EdDSA", jsonwebtoken::Algorithm::EdDSA).await;
}

#[tokio::test]
async fn tokens_can_be_signed_with_an_rsa_key_pair() {
    signs_with_key_pair("rsa", "RS256", jsonwebtoken::Algorithm::RS256).await;
}

/// Fails `IP_LIMIT` sign-ins with distinct emails from `address` (as a proxy forwards
/// it); returns the code of one more attempt from `then`.
async fn exhaust_then(app: &TestApp, address: &str, then: &str) -> String {
    let attempt = |email: String, from: String| async move {
        let body: Value = app
            .client
            .post(app.url("/graphql"))
            .header("x-forwarded-for", from)
            .json(&json!({
                "query": "mutation($i: LoginInput!) { login(input: $i) { accessToken } }",
                "variables": { "i": { "email": email, "password": "not the password at all" } },
            }))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        first_error_code(&body).unwrap_or("").to_owned()
    };
    for n in 0..concord::service::sessions::IP_LIMIT {
        let code = attempt(format!("guess{n}@un.example"), address.to_owned()).await;
        assert_eq!(code, "UNAUTHENTICATED", "attempt {n}");
    }
    attempt("someone@else.example".to_owned(), then.to_owned()).await
}

#[tokio::test]
async fn behind_a_trusted_proxy_each_client_address_is_throttled_on_its_own() {
    let app = crate::helpers::spawn_app_with(concord::config::Settings {
        trusted_proxies: vec![concord::config::parse_proxy("127.0.0.1").unwrap()],
        ..test_settings()
    })
    .await;
    assert_eq!(
        exhaust_then(&app, "203.0.113.1", "203.0.113.2").await,
        "UNAUTHENTICATED",
        "another client behind the same proxy is not locked out"
    );
    assert_eq!(
        exhaust_then(&app, "203.0.113.3", "203.0.113.3").await,
        "RATE_LIMITED",
        "the client that failed is"
    );
}

#[tokio::test]
async fn forwarding_headers_from_anyone_else_are_ignored() {
    let app = spawn_app().await;
    assert_eq!(
        exhaust_then(&app, "203.0.113.1", "203.0.113.2").await,
        "RATE_LIMITED",
        "a client cannot pick a fresh address by writing the header itself"
    );
}
