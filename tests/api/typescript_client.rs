//! `clients/typescript/`: the committed generated code is what graphql-codegen makes from
//! `schema.graphql` now, it compiles under `tsc --strict`, and it runs against a live
//! server: statistics, a paged list, sign-in, an upload, create then submit, a typed
//! refusal.

use crate::helpers::spawn_seeded_app;
use crate::nodejs::{available, command, dir, json_of};
use crate::workflow::{open_consultation, stakeholder_id};
use entity::enums::Role;

#[tokio::test]
async fn the_generated_client_runs_against_a_live_server() {
    if !available("typescript client") {
        return;
    }
    let client = dir("clients/typescript");
    let generated = client.join("src/generated/graphql.ts");
    let committed = std::fs::read_to_string(&generated).unwrap();
    let codegen = command(
        client.clone(),
        "npx",
        &["graphql-codegen", "--config", "codegen.ts"],
    )
    .await;
    assert!(
        codegen.status.success(),
        "codegen failed:\n{}{}",
        String::from_utf8_lossy(&codegen.stdout),
        String::from_utf8_lossy(&codegen.stderr)
    );
    let fresh = std::fs::read_to_string(&generated).unwrap();
    assert!(
        fresh == committed,
        "clients/typescript/src/generated/graphql.ts is stale: run `npm run codegen` there and commit it"
    );
    let build = command(client.clone(), "npx", &["tsc", "-p", "tsconfig.json"]).await;
    assert!(
        build.status.success(),
        "tsc --strict failed:\n{}",
        String::from_utf8_lossy(&build.stdout)
    );

    let app = spawn_seeded_app().await;
    let admin = app
        .sign_in_as("sec@un.example", Role::Secretariat, None)
        .await;
    let consultation = open_consultation(&app, &admin, "typescript").await;
    let gov = stakeholder_id(&app, "Government delegation 1").await;
    // An account to sign in with (sign_in_as's password).
    app.sign_in_as("ts@gov.example", Role::MemberState, Some(gov))
        .await;
    let url = app.url("/graphql");
    let out = command(
        client,
        "node",
        &[
            "dist/smoke.js",
            &url,
            "ts@gov.example",
            "a long enough password",
            consultation.as_str().unwrap(),
        ],
    )
    .await;
    let seen = json_of(&out);
    assert_eq!(seen["total"], 98, "{seen}");
    assert_eq!(seen["byGroup"]["GOVERNMENT"], 32);
    assert_eq!(seen["listed"], 98);
    assert_eq!(seen["pages"], 4);
    assert_eq!(seen["role"], "MEMBER_STATE");
    assert_eq!(seen["draftStatus"], "DRAFT");
    assert_eq!(seen["submittedStatus"], "SUBMITTED");
    assert_eq!(seen["receipt"].as_str().unwrap().len(), 64, "{seen}");
    assert_eq!(seen["refusal"], "UNAUTHENTICATED");
    // The document the client uploaded (a multipart request) and attached.
    assert_eq!(
        seen["attached"],
        serde_json::json!([{
            "name": "annex.txt",
            "type": "text/plain; charset=utf-8",
            "sha256": concord::auth::secret::digest_bytes(b"An annex sent by the typed client.\n"),
        }]),
        "{seen}"
    );
}
