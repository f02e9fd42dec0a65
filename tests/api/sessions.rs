//! Ending a session ends its access tokens at once: logout, refresh-token reuse, a
//! rotated or revoked client secret. Access tokens carry the session (`sid`) they were
//! issued under.

use crate::clients::{client, token_request};
use crate::helpers::{TestApp, spawn_app, spawn_seeded_app};
use entity::enums::Role;
use sea_orm::EntityTrait;
use serde_json::{Value, json};

const VIEWER: &str = "{ viewer { role } }";

/// Whether `token` is accepted.
async fn accepted(app: &TestApp, token: &str) -> bool {
    let (status, body) = app.graphql_as(token, VIEWER, json!({})).await;
    match status {
        200 => {
            assert!(body["data"]["viewer"]["role"].is_string(), "{body}");
            true
        }
        401 => {
            assert_eq!(body["errors"][0]["extensions"]["code"], "UNAUTHENTICATED");
            false
        }
        other => panic!("unexpected status {other}: {body}"),
    }
}

pub async fn signed_in(app: &TestApp) -> (String, String) {
    app.sign_in_as("ana@gov.example", Role::Secretariat, None)
        .await;
    let body = app.login("ana@gov.example", "a long enough password").await;
    let login = &body["data"]["login"];
    (
        login["accessToken"].as_str().unwrap().to_owned(),
        login["refreshToken"].as_str().unwrap().to_owned(),
    )
}

async fn refresh(app: &TestApp, refresh_token: &str) -> Value {
    app.graphql(
        "mutation($r: String!) { sessionRefresh(input: { refreshToken: $r }) { accessToken refreshToken } }",
        json!({ "r": refresh_token }),
    )
    .await
}

#[tokio::test]
async fn logout_ends_the_sessions_access_tokens_and_no_other() {
    let app = spawn_app().await;
    let (access, refresh_token) = signed_in(&app).await;
    let other_session = app.login("ana@gov.example", "a long enough password").await["data"]
        ["login"]["accessToken"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(accepted(&app, &access).await);
    app.data(
        "mutation($r: String!) { logout(input: { refreshToken: $r }) { loggedOut } }",
        json!({ "r": refresh_token }),
    )
    .await;
    assert!(
        !accepted(&app, &access).await,
        "logged out: refused at once"
    );
    assert!(
        accepted(&app, &other_session).await,
        "another sign-in of the same account goes on"
    );
}

#[tokio::test]
async fn refresh_token_reuse_ends_every_access_token_of_the_session() {
    let app = spawn_app().await;
    let (first_access, first_refresh) = signed_in(&app).await;
    let rotated = refresh(&app, &first_refresh).await;
    let second_access = rotated["data"]["sessionRefresh"]["accessToken"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(
        accepted(&app, &first_access).await,
        "a refresh keeps the session"
    );
    assert!(accepted(&app, &second_access).await);

    let reused = refresh(&app, &first_refresh).await;
    assert_eq!(reused["errors"][0]["extensions"]["code"], "UNAUTHENTICATED");
    assert!(
        !accepted(&app, &first_access).await,
        "reuse revokes the family"
    );
    assert!(!accepted(&app, &second_access).await, "every token of it");
}

#[tokio::test]
async fn a_new_client_secret_or_a_revocation_ends_the_clients_tokens() {
    let app = spawn_seeded_app().await;
    let admin = app
        .sign_in_as("sec@un.example", Role::Secretariat, None)
        .await;
    let (client_id, secret, id) = client(&app, &admin, &["read"]).await;
    let token_of = |secret: String| {
        let (app, client_id) = (&app, client_id.clone());
        async move {
            let (status, body) = token_request(
                app,
                Some((&client_id, &secret)),
                &[("grant_type", "client_credentials")],
            )
            .await;
            assert_eq!(status, 200, "{body}");
            body["access_token"].as_str().unwrap().to_owned()
        }
    };
    let old = token_of(secret).await;
    assert!(accepted(&app, &old).await);

    let (_, rotated) = app
        .graphql_as(
            &admin,
            "mutation($id: ID!) { apiClientRotateSecret(input: { id: $id }) { clientSecret } }",
            json!({ "id": id }),
        )
        .await;
    let new_secret = rotated["data"]["apiClientRotateSecret"]["clientSecret"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(
        !accepted(&app, &old).await,
        "issued under the old secret: refused"
    );
    let new = token_of(new_secret).await;
    assert!(accepted(&app, &new).await);

    app.graphql_as(
        &admin,
        "mutation($id: ID!) { apiClientRevoke(input: { id: $id }) { apiClient { status } } }",
        json!({ "id": id }),
    )
    .await;
    assert!(!accepted(&app, &new).await, "revoked: refused");
}

/// Makes every `event` (INSERT, UPDATE) on `table` fail until [`heal`].
pub async fn break_table(app: &TestApp, table: &str, event: &str) {
    use sea_orm::ConnectionTrait;
    let sql = match app.db.get_database_backend() {
        sea_orm::DbBackend::Postgres => vec![
            "CREATE OR REPLACE FUNCTION concord_fail() RETURNS trigger AS $$ BEGIN RAISE EXCEPTION 'injected failure'; END $$ LANGUAGE plpgsql".to_owned(),
            format!("CREATE TRIGGER concord_fail_{table} BEFORE {event} ON {table} FOR EACH ROW EXECUTE FUNCTION concord_fail()"),
        ],
        _ => vec![format!(
            "CREATE TRIGGER concord_fail_{table} BEFORE {event} ON {table} BEGIN SELECT RAISE(ABORT, 'injected failure'); END"
        )],
    };
    for statement in sql {
        app.db.execute_unprepared(&statement).await.unwrap();
    }
}

/// Undoes [`break_table`].
pub async fn heal(app: &TestApp, table: &str) {
    use sea_orm::ConnectionTrait;
    let sql = match app.db.get_database_backend() {
        sea_orm::DbBackend::Postgres => format!("DROP TRIGGER concord_fail_{table} ON {table}"),
        _ => format!("DROP TRIGGER concord_fail_{table}"),
    };
    app.db.execute_unprepared(&sql).await.unwrap();
}

#[tokio::test]
async fn disabling_and_resetting_end_sessions_in_the_same_transaction() {
    let app = spawn_app().await;
    let (admin, _) = signed_in(&app).await;
    let member = app
        .sign_in_as("obs@example.org", Role::Secretariat, None)
        .await;
    let (_, me) = app
        .graphql_as(&member, "{ viewer { account { id } } }", json!({}))
        .await;
    let id = me["data"]["viewer"]["account"]["id"].clone();

    // Ending the sessions fails: the disabling must not happen either.
    break_table(&app, "refresh_token", "UPDATE").await;
    let (_, failed) = app
        .graphql_as(
            &admin,
            "mutation($id: ID!) { accountDisable(input: { id: $id }) { account { status } } }",
            json!({ "id": id }),
        )
        .await;
    assert_eq!(
        failed["errors"][0]["extensions"]["code"], "INTERNAL_SERVER_ERROR",
        "{failed}"
    );
    let (_, still) = app
        .graphql_as(
            &admin,
            "query($id: ID!) { node(id: $id) { ... on Account { status } } }",
            json!({ "id": id }),
        )
        .await;
    assert_eq!(
        still["data"]["node"]["status"], "ACTIVE",
        "nothing half-done: {still}"
    );

    // The same for completing a password reset.
    heal(&app, "refresh_token").await;
    let (_, issued) = app
        .graphql_as(
            &admin,
            "mutation($id: ID!) { accountPasswordReset(input: { id: $id }) { resetToken } }",
            json!({ "id": id }),
        )
        .await;
    let reset = issued["data"]["accountPasswordReset"]["resetToken"].clone();
    let complete = "mutation($t: String!) { passwordResetComplete(input: { resetToken: $t, newPassword: \"a brand new password\" }) { changed } }";
    break_table(&app, "refresh_token", "UPDATE").await;
    let failed = app.graphql(complete, json!({ "t": reset })).await;
    assert_eq!(
        failed["errors"][0]["extensions"]["code"], "INTERNAL_SERVER_ERROR",
        "{failed}"
    );
    assert!(
        app.login("obs@example.org", "a long enough password").await["data"]["login"]["accessToken"]
            .is_string(),
        "the old password still works: the reset did not happen"
    );
    heal(&app, "refresh_token").await;
    let done = app.graphql(complete, json!({ "t": reset })).await;
    assert_eq!(
        done["data"]["passwordResetComplete"]["changed"], true,
        "{done}"
    );
    assert!(
        !accepted(&app, &member).await,
        "the reset ended the sessions"
    );
}

#[tokio::test]
async fn of_concurrent_secret_rotations_none_is_lost() {
    let app = spawn_seeded_app().await;
    let admin = app
        .sign_in_as("sec@un.example", Role::Secretariat, None)
        .await;
    let (client_id, _, id) = client(&app, &admin, &["read"]).await;
    let rotate =
        "mutation($id: ID!) { apiClientRotateSecret(input: { id: $id }) { clientSecret } }";
    let attempts = (0..10).map(|_| app.graphql_as(&admin, rotate, json!({ "id": id })));
    let results = async_graphql::futures_util::future::join_all(attempts).await;
    let mut secrets = Vec::new();
    for (_, body) in results {
        match body["data"]["apiClientRotateSecret"]["clientSecret"].as_str() {
            Some(secret) => secrets.push(secret.to_owned()),
            None => assert_eq!(
                body["errors"][0]["extensions"]["code"], "CONFLICT",
                "a rotation that lost the race says so: {body}"
            ),
        }
    }
    let row = entity::api_client::Entity::find()
        .all(&app.db)
        .await
        .unwrap()
        .pop()
        .unwrap();
    assert_eq!(
        secrets.len() as i32,
        row.version - 1,
        "each rotation that answered with a secret was saved, one after another"
    );
    let mut working = 0;
    for secret in &secrets {
        let (status, _) = token_request(
            &app,
            Some((&client_id, secret)),
            &[("grant_type", "client_credentials")],
        )
        .await;
        working += usize::from(status == 200);
    }
    assert_eq!(working, 1, "the last saved secret, and only it, works");
}

/// POSTs a mutation with `Idempotency-Key`; returns status and body.
async fn keyed(
    app: &TestApp,
    token: Option<&str>,
    key: &str,
    query: &str,
    variables: Value,
) -> (u16, Value) {
    let mut request = app
        .client
        .post(app.url("/graphql"))
        .header("idempotency-key", key)
        .json(&json!({ "query": query, "variables": variables }));
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    let response = request.send().await.unwrap();
    (response.status().as_u16(), response.json().await.unwrap())
}

/// Every stored idempotent response, as text.
async fn stored(app: &TestApp) -> Vec<String> {
    entity::idempotency_key::Entity::find()
        .all(&app.db)
        .await
        .unwrap()
        .into_iter()
        .map(|row| format!("{:?}", row.response))
        .collect()
}

#[tokio::test]
async fn answers_that_carry_secrets_are_never_stored_for_replay() {
    let app = spawn_seeded_app().await;
    let (admin, refresh_token) = signed_in(&app).await;
    let (_, me) = app
        .graphql_as(&admin, "{ viewer { account { id } } }", json!({}))
        .await;
    let account = me["data"]["viewer"]["account"]["id"].clone();
    let (_, _, client) = client(&app, &admin, &["read"]).await;
    let congo = crate::clients::stakeholder_id(&app, "CONGO").await;
    let secret_bearing: Vec<(Option<&str>, &str, Value)> = vec![
        (
            None,
            "mutation($i: LoginInput!) { login(input: $i) { accessToken } }",
            json!({ "i": { "email": "ana@gov.example", "password": "a long enough password" } }),
        ),
        (
            None,
            "mutation($r: String!) { sessionRefresh(input: { refreshToken: $r }) { refreshToken } }",
            json!({ "r": refresh_token }),
        ),
        (
            Some(&admin),
            "mutation($id: ID!) { accountPasswordReset(input: { id: $id }) { resetToken } }",
            json!({ "id": account }),
        ),
        (
            Some(&admin),
            "mutation($s: ID!) { apiClientCreate(input: { name: \"Mirror\", stakeholder: $s, role: OBSERVER, scopes: [READ] }) { clientSecret } }",
            json!({ "s": congo }),
        ),
        (
            Some(&admin),
            "mutation($id: ID!) { x: apiClientRotateSecret(input: { id: $id }) { clientSecret } }",
            json!({ "id": client }),
        ),
    ];
    for (n, (token, query, variables)) in secret_bearing.into_iter().enumerate() {
        let (status, body) = keyed(&app, token, &format!("key-{n}"), query, variables).await;
        assert_eq!(status, 400, "{query}: {body}");
        assert_eq!(
            body["errors"][0]["extensions"]["code"],
            "IDEMPOTENCY_KEY_NOT_ALLOWED"
        );
        assert!(body.get("data").is_none(), "it did not run: {body}");
        assert_eq!(
            stored(&app).await,
            Vec::<String>::new(),
            "nothing stored after {query}"
        );
    }
    assert!(
        accepted(&app, &admin).await,
        "the refresh was not spent: the session goes on"
    );
    assert_eq!(
        entity::api_client::Entity::find()
            .all(&app.db)
            .await
            .unwrap()
            .len(),
        1,
        "no client was created"
    );

    // A mutation without a secret is kept for replay as before.
    let (status, _) = keyed(
        &app,
        Some(&admin),
        "key-plain",
        "mutation($id: ID!) { apiClientRevoke(input: { id: $id }) { apiClient { status } } }",
        json!({ "id": client }),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(stored(&app).await.len(), 1);
}
