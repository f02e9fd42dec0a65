//! Signed receipts, verified from Node.js with a standard JOSE library (jose) against
//! the keys at `/.well-known/jwks.json`, across a key rotation, with the document
//! attached named by its hash.

use crate::helpers::spawn_seeded_app;
use serde_json::{Value, json};

const CREATE: &str = "mutation($c: ID!, $a: [ID!]) { contributionCreate(input: { consultation: $c, title: \"Access\", body: \"Affordable access matters.\", language: \"en\", attachments: $a }) { contribution { id } } }";
const SUBMIT: &str = "mutation($id: ID!) { contributionSubmit(input: { id: $id, version: 1 }) { contribution { version stakeholder { id } } receipt { contentHash signedReceipt revision { id number } } userErrors { message } } }";
const EDIT: &str = "mutation($id: ID!, $v: Int!) { contributionEdit(input: { id: $id, version: $v, body: \"Affordable access matters to everyone.\" }) { receipt { contentHash signedReceipt revision { id number } } userErrors { message } } }";

#[tokio::test]
async fn a_receipt_verifies_with_the_published_keys_before_and_after_a_rotation() {
    let app = spawn_seeded_app().await;
    let (_admin, member, consultation) =
        crate::workflow::secretariat_member_and_consultation(&app, "receipts").await;
    // With a document: the receipt names its hash, and proves it.
    let annex = crate::documents::pdf("Annex on affordable access");
    let sent = crate::attachments::upload(&app, &member, "annex.pdf", &annex).await;
    let (_, created) = app
        .graphql_as(
            &member,
            CREATE,
            json!({ "c": consultation, "a": [sent["upload"]["id"]] }),
        )
        .await;
    let id = created["data"]["contributionCreate"]["contribution"]["id"].clone();
    let (_, submitted) = app.graphql_as(&member, SUBMIT, json!({ "id": id })).await;
    let submitted = &submitted["data"]["contributionSubmit"];
    let first = submitted["receipt"].clone();
    let signed = first["signedReceipt"]
        .as_str()
        .expect("a signed receipt")
        .to_owned();
    assert_eq!(signed.split('.').count(), 3, "a compact JWS");

    // The keys: public only, in the JWK form JOSE libraries take.
    let jwks: Value = app
        .client
        .get(app.url("/.well-known/jwks.json"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let key = &jwks["keys"][0];
    assert_eq!(
        (
            key["kty"].as_str(),
            key["crv"].as_str(),
            key["alg"].as_str()
        ),
        (Some("OKP"), Some("Ed25519"), Some("EdDSA"))
    );
    assert!(
        key.get("d").is_none(),
        "no private part is published: {key}"
    );

    // The secretariat rotates its key; an edit gets a receipt signed with the new one.
    let kid = concord::service::receipts::rotate(&app.db).await.unwrap();
    let (_, edited) = app
        .graphql_as(
            &member,
            EDIT,
            json!({ "id": id, "v": submitted["contribution"]["version"] }),
        )
        .await;
    let second = edited["data"]["contributionEdit"]["receipt"].clone();
    let resigned = second["signedReceipt"]
        .as_str()
        .expect("a receipt")
        .to_owned();

    // A forged claim: the signature no longer holds.
    let parts: Vec<&str> = signed.split('.').collect();
    let forged_claims = {
        use base64::Engine;
        let engine = base64::engine::general_purpose::URL_SAFE_NO_PAD;
        let mut claims: Value = serde_json::from_slice(&engine.decode(parts[1]).unwrap()).unwrap();
        claims["contentHash"] = json!("0".repeat(64));
        engine.encode(claims.to_string())
    };
    let forged = format!("{}.{}.{}", parts[0], forged_claims, parts[2]);

    let Some(out) = crate::nodejs::run(
        "signed receipts",
        "receipt.mjs",
        &[&app.url(""), &signed, &resigned, &forged],
    )
    .await
    else {
        return;
    };
    assert_eq!(out["keys"], 2, "the old key stays published: {out}");
    let results = out["results"].as_array().unwrap();
    // The first receipt, signed before the rotation, still verifies.
    assert_eq!(results[0]["ok"], true, "{out}");
    let claims = &results[0]["payload"];
    assert_eq!(claims["v"], 2);
    assert_eq!(claims["contentHash"], first["contentHash"]);
    assert_eq!(claims["revision"], first["revision"]["id"]);
    assert_eq!(
        claims["sub"],
        submitted["contribution"]["stakeholder"]["id"]
    );
    assert_eq!(claims["contribution"], id);
    assert!(claims["serverTime"].is_string() && claims["iat"].is_number());
    assert_eq!(
        claims["attachments"][0]["sha256"],
        concord::auth::secret::digest_bytes(&annex)
    );
    assert_eq!(claims["attachments"][0]["name"], "annex.pdf");
    assert_eq!(claims["attachments"][0]["size"], annex.len());
    // The second, with the new key.
    assert_eq!(results[1]["ok"], true, "{out}");
    assert_eq!(results[1]["kid"], kid.as_str());
    assert_ne!(results[0]["kid"], results[1]["kid"]);
    assert_eq!(results[1]["payload"]["contentHash"], second["contentHash"]);
    assert_eq!(
        results[1]["payload"]["number"],
        second["revision"]["number"]
    );
    // The forged one does not.
    assert_eq!(results[2]["ok"], false, "{out}");
    assert_eq!(results[2]["error"], "ERR_JWS_SIGNATURE_VERIFICATION_FAILED");
}
