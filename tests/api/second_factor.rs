//! A second factor at sign-in (RFC 6238 codes), tested with codes computed from the
//! shared secret as an authenticator app computes them.

use crate::helpers::{TestApp, first_error_code, spawn_seeded_app};
use entity::enums::Role;
use serde_json::{Value, json};
use std::time::Duration;
use totp_rs::{Algorithm, Secret, TOTP};

const PASSWORD: &str = "a long enough password";
const BEGIN: &str = "mutation($t: String) { secondFactorEnrollBegin(input: { enrollmentToken: $t }) { secret otpauthUrl qrCodeSvg userErrors { field code message } } }";
const CONFIRM: &str = "mutation($c: String!, $t: String) { secondFactorEnrollConfirm(input: { code: $c, enrollmentToken: $t }) { recoveryCodes userErrors { field code message } } }";
const LOGIN: &str = "mutation($e: String!, $p: String!, $c: String) { login(input: { email: $e, password: $p, code: $c }) { accessToken account { secondFactor } } }";

/// The app's codes for `secret`.
fn app(secret: &str, email: &str) -> TOTP {
    TOTP::new(
        Algorithm::SHA1,
        6,
        1,
        30,
        Secret::Encoded(secret.to_owned()).to_bytes().unwrap(),
        Some("Concord".to_owned()),
        email.to_owned(),
    )
    .unwrap()
}

/// Unix seconds now, at least 6 s before the step ends (so that a code computed now is
/// still of the same step when the server checks it).
async fn settled_now() -> u64 {
    loop {
        let now = chrono::Utc::now().timestamp() as u64;
        if now % 30 < 24 {
            return now;
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
}

async fn login(app: &TestApp, email: &str, code: Option<&str>) -> Value {
    app.graphql(LOGIN, json!({ "e": email, "p": PASSWORD, "c": code }))
        .await
}

async fn enrol(app: &TestApp, token: &str, email: &str) -> (String, Vec<String>) {
    let (_, begun) = app.graphql_as(token, BEGIN, json!({})).await;
    let begun = &begun["data"]["secondFactorEnrollBegin"];
    let secret = begun["secret"].as_str().expect("a secret").to_owned();
    let now = settled_now().await;
    let code = app_code(&secret, email, now);
    let (_, done) = app.graphql_as(token, CONFIRM, json!({ "c": code })).await;
    let codes: Vec<String> =
        serde_json::from_value(done["data"]["secondFactorEnrollConfirm"]["recoveryCodes"].clone())
            .unwrap_or_else(|_| panic!("{done}"));
    (secret, codes)
}

fn app_code(secret: &str, email: &str, t: u64) -> String {
    app(secret, email).generate(t)
}

#[tokio::test]
async fn sign_in_asks_for_a_code_refuses_a_replay_and_accepts_one_step_of_skew() {
    let app_ = spawn_seeded_app().await;
    let app = &app_;
    let token = app
        .sign_in_as("sec@un.example", Role::Secretariat, None)
        .await;
    let (_, begun) = app.graphql_as(&token, BEGIN, json!({})).await;
    let begun = &begun["data"]["secondFactorEnrollBegin"];
    let secret = begun["secret"].as_str().unwrap().to_owned();
    assert!(
        begun["otpauthUrl"]
            .as_str()
            .unwrap()
            .starts_with("otpauth://totp/Concord:sec%40un.example?secret="),
        "{begun}"
    );
    assert!(
        begun["qrCodeSvg"].as_str().unwrap().starts_with("<?xml")
            || begun["qrCodeSvg"].as_str().unwrap().contains("<svg")
    );
    // Not on until a code confirms it.
    assert!(login(app, "sec@un.example", None).await["data"]["login"]["accessToken"].is_string());
    let (_, wrong) = app
        .graphql_as(&token, CONFIRM, json!({ "c": "000000" }))
        .await;
    let wrong = &wrong["data"]["secondFactorEnrollConfirm"];
    assert_eq!(wrong["recoveryCodes"], Value::Null);
    assert_eq!(
        wrong["userErrors"][0]["field"],
        json!(["input", "code"]),
        "{wrong}"
    );

    // Confirmed with the code of the step before now: a clock one step behind.
    let now = settled_now().await;
    let (_, done) = app
        .graphql_as(
            &token,
            CONFIRM,
            json!({ "c": app_code(&secret, "sec@un.example", now - 30) }),
        )
        .await;
    let codes: Vec<String> =
        serde_json::from_value(done["data"]["secondFactorEnrollConfirm"]["recoveryCodes"].clone())
            .unwrap();
    assert_eq!(codes.len(), 10);
    assert_eq!(
        codes.iter().collect::<std::collections::HashSet<_>>().len(),
        10
    );

    // The password alone no longer signs in.
    let asked = login(app, "sec@un.example", None).await;
    assert_eq!(
        first_error_code(&asked),
        Some("SECOND_FACTOR_REQUIRED"),
        "{asked}"
    );
    assert_eq!(asked["data"], Value::Null);
    // A wrong password is still just wrong, code or not: nothing says 2FA is on.
    let wrong_password = app
        .graphql(
            LOGIN,
            json!({ "e": "sec@un.example", "p": "not the password", "c": "123456" }),
        )
        .await;
    assert_eq!(first_error_code(&wrong_password), Some("UNAUTHENTICATED"));
    assert_eq!(
        wrong_password["errors"][0]["message"],
        "Wrong email or password"
    );

    // The code of now signs in; the same code again is a replay.
    let code_now = app_code(&secret, "sec@un.example", now);
    let signed = login(app, "sec@un.example", Some(&code_now)).await;
    assert!(
        signed["data"]["login"]["accessToken"].is_string(),
        "{signed}"
    );
    assert_eq!(signed["data"]["login"]["account"]["secondFactor"], true);
    let replayed = login(app, "sec@un.example", Some(&code_now)).await;
    assert_eq!(first_error_code(&replayed), Some("UNAUTHENTICATED"));
    assert!(
        replayed["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("used already"),
        "{replayed}"
    );
    // The step after (a clock one step ahead) is accepted; two steps ahead is not.
    let ahead = login(
        app,
        "sec@un.example",
        Some(&app_code(&secret, "sec@un.example", now + 30)),
    )
    .await;
    assert!(ahead["data"]["login"]["accessToken"].is_string(), "{ahead}");
    let too_far = app_code(&secret, "sec@un.example", now + 60);
    if ![now - 30, now, now + 30]
        .iter()
        .any(|t| app_code(&secret, "sec@un.example", *t) == too_far)
    {
        let refused = login(app, "sec@un.example", Some(&too_far)).await;
        assert_eq!(
            first_error_code(&refused),
            Some("UNAUTHENTICATED"),
            "{refused}"
        );
    }

    // A recovery code signs in once.
    let recovered = login(app, "sec@un.example", Some(&codes[0].to_uppercase())).await;
    assert!(
        recovered["data"]["login"]["accessToken"].is_string(),
        "{recovered}"
    );
    let again = login(app, "sec@un.example", Some(&codes[0])).await;
    assert_eq!(first_error_code(&again), Some("UNAUTHENTICATED"));

    // Wrong codes count as failed sign-ins: five, and the address is throttled.
    for _ in 0..5 {
        login(app, "sec@un.example", Some("99999-99999")).await;
    }
    let throttled = login(app, "sec@un.example", Some(&codes[1])).await;
    assert_eq!(
        first_error_code(&throttled),
        Some("RATE_LIMITED"),
        "{throttled}"
    );
}

#[tokio::test]
async fn a_password_reset_does_not_bypass_the_second_factor() {
    let app = spawn_seeded_app().await;
    let admin = app
        .sign_in_as("sec@un.example", Role::Secretariat, None)
        .await;
    let icann = crate::clients::stakeholder_id(&app, "ICANN").await;
    let icann = concord::ids::GlobalId::decode_as(
        icann.as_str().unwrap(),
        concord::ids::NodeType::Stakeholder,
    )
    .unwrap();
    let observer = app
        .sign_in_as("obs@example.org", Role::Observer, Some(icann))
        .await;
    // Any account may opt in.
    enrol(&app, &observer, "obs@example.org").await;
    let (_, reset) = app
        .graphql_as(
            &admin,
            "{ accounts(filter: { search: \"obs@\" }) { nodes { id } } }",
            json!({}),
        )
        .await;
    let id = reset["data"]["accounts"]["nodes"][0]["id"].clone();
    let (_, issued) = app
        .graphql_as(
            &admin,
            "mutation($id: ID!) { accountPasswordReset(input: { id: $id }) { resetToken } }",
            json!({ "id": id }),
        )
        .await;
    let token = issued["data"]["accountPasswordReset"]["resetToken"]
        .as_str()
        .unwrap();
    let done = app
        .data("mutation($t: String!) { passwordResetComplete(input: { resetToken: $t, newPassword: \"a brand new password\" }) { changed } }", json!({ "t": token }))
        .await;
    assert_eq!(done["passwordResetComplete"]["changed"], true);
    let asked = app
        .graphql(
            LOGIN,
            json!({ "e": "obs@example.org", "p": "a brand new password" }),
        )
        .await;
    assert_eq!(
        first_error_code(&asked),
        Some("SECOND_FACTOR_REQUIRED"),
        "{asked}"
    );
}

#[tokio::test]
async fn the_secretariat_can_require_a_second_factor_of_its_accounts() {
    let app = spawn_seeded_app().await;
    let admin = app
        .sign_in_as("sec@un.example", Role::Secretariat, None)
        .await;
    let gov = crate::workflow::stakeholder_id(&app, "Government delegation 1").await;
    let member = app
        .sign_in_as("a@gov.example", Role::MemberState, Some(gov))
        .await;
    app.sign_in_as("other@un.example", Role::Secretariat, None)
        .await;
    const REQUIRE: &str = "mutation($s: Boolean!) { secondFactorRequirementSet(input: { secretariat: $s }) { secretariat userErrors { message } } }";
    let (_, refused) = app.graphql_as(&member, REQUIRE, json!({ "s": true })).await;
    assert_eq!(first_error_code(&refused), Some("FORBIDDEN"), "{refused}");
    let (_, set) = app.graphql_as(&admin, REQUIRE, json!({ "s": true })).await;
    assert_eq!(
        set["data"]["secondFactorRequirementSet"]["secretariat"], true,
        "{set}"
    );
    let (_, asked) = app
        .graphql_as(&member, "{ secondFactorRequiredForSecretariat }", json!({}))
        .await;
    assert_eq!(asked["data"]["secondFactorRequiredForSecretariat"], true);

    // A member state is not concerned.
    assert!(login(&app, "a@gov.example", None).await["data"]["login"]["accessToken"].is_string());
    // A secretariat account without one enrols first, with the token the refusal gives.
    let refused = login(&app, "other@un.example", None).await;
    assert_eq!(
        first_error_code(&refused),
        Some("SECOND_FACTOR_ENROLLMENT_REQUIRED"),
        "{refused}"
    );
    let enrolment = refused["errors"][0]["extensions"]["enrollmentToken"]
        .as_str()
        .unwrap()
        .to_owned();
    let tampered = format!("{}x", &enrolment);
    let bad = app.graphql(BEGIN, json!({ "t": tampered })).await;
    assert_eq!(
        bad["data"]["secondFactorEnrollBegin"]["userErrors"][0]["field"],
        json!(["input", "enrollmentToken"]),
        "{bad}"
    );
    let anonymous = app.graphql(BEGIN, json!({})).await;
    assert!(
        anonymous["errors"].is_array()
            || anonymous["data"]["secondFactorEnrollBegin"]["secret"].is_null(),
        "{anonymous}"
    );
    let begun = app.graphql(BEGIN, json!({ "t": enrolment })).await;
    let secret = begun["data"]["secondFactorEnrollBegin"]["secret"]
        .as_str()
        .unwrap()
        .to_owned();
    let now = settled_now().await;
    let confirmed = app
        .graphql(
            CONFIRM,
            json!({ "c": app_code(&secret, "other@un.example", now), "t": enrolment }),
        )
        .await;
    assert!(
        confirmed["data"]["secondFactorEnrollConfirm"]["recoveryCodes"].is_array(),
        "{confirmed}"
    );
    let signed = login(
        &app,
        "other@un.example",
        Some(&app_code(&secret, "other@un.example", now + 30)),
    )
    .await;
    assert!(
        signed["data"]["login"]["accessToken"].is_string(),
        "{signed}"
    );
    // Where it is required, it cannot be turned off.
    let token = signed["data"]["login"]["accessToken"].as_str().unwrap();
    let (_, off) = app
        .graphql_as(token, "mutation($c: String!) { secondFactorDisable(input: { code: $c }) { account { secondFactor } userErrors { message } } }", json!({ "c": app_code(&secret, "other@un.example", now + 30) }))
        .await;
    assert!(
        off["data"]["secondFactorDisable"]["userErrors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("requires"),
        "{off}"
    );
}
