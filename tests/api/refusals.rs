//! Refusals in the right order: every mutation that needs a principal checks access
//! before it looks anything up, so an anonymous caller hears `UNAUTHENTICATED` and a
//! principal without the right `FORBIDDEN`, whatever the input names (a taken name, a
//! record that does not exist).

use crate::helpers::{TestApp, spawn_seeded_app};
use concord::ids::{GlobalId, NodeType};
use entity::enums::Role;
use sea_orm::EntityTrait;
use serde_json::{Value, json};
use std::collections::BTreeSet;

/// Mutations anyone may call: signing in, refreshing, signing out, asking for and
/// completing a reset, accepting an invitation.
const PUBLIC: [&str; 8] = [
    "login",
    "sessionRefresh",
    "logout",
    "passwordResetComplete",
    "passwordResetRequest",
    "invitationAccept",
    // With an enrolment token, before signing in.
    "secondFactorEnrollBegin",
    "secondFactorEnrollConfirm",
];

fn missing(node_type: NodeType) -> String {
    GlobalId::new(node_type, 999_999).encode()
}

/// One mutation: its name, its input type, an input that would trip a lookup, and
/// whether only the secretariat may call it.
type Case = (&'static str, &'static str, Value, bool);

async fn cases(app: &TestApp) -> Vec<Case> {
    let stakeholders = entity::stakeholder::Entity::find()
        .all(&app.db)
        .await
        .unwrap();
    let consultation = entity::consultation::Entity::find()
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    let issue = entity::policy_issue::Entity::find()
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    let mechanisms = entity::mechanism::Entity::find()
        .all(&app.db)
        .await
        .unwrap();
    let own = GlobalId::new(NodeType::Stakeholder, stakeholders[0].id).encode();
    let (account, client, contribution) = (
        missing(NodeType::Account),
        missing(NodeType::ApiClient),
        missing(NodeType::Contribution),
    );
    let (consultation_id, meeting) = (missing(NodeType::Consultation), missing(NodeType::Meeting));
    let text = |extra: Value| {
        let mut v = json!({ "title": "T", "body": "B", "language": "en" });
        v.as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        v
    };
    vec![
        (
            "passwordChange",
            "PasswordChangeInput",
            json!({ "currentPassword": "not the password", "newPassword": "a long enough password" }),
            false,
        ),
        (
            "accountCreate",
            "AccountCreateInput",
            json!({ "email": "new@example.org", "displayName": "N", "password": "a long enough password", "role": "OBSERVER", "stakeholder": own }),
            true,
        ),
        (
            "accountUpdate",
            "AccountUpdateInput",
            json!({ "id": account, "version": 1, "displayName": "N" }),
            true,
        ),
        (
            "accountDisable",
            "AccountIdInput",
            json!({ "id": account }),
            true,
        ),
        (
            "accountEnable",
            "AccountIdInput",
            json!({ "id": account }),
            true,
        ),
        (
            "accountPasswordReset",
            "AccountIdInput",
            json!({ "id": account }),
            true,
        ),
        (
            "accountInvite",
            "AccountInviteInput",
            json!({ "email": "sec@un.example", "role": "OBSERVER", "stakeholder": own }),
            true,
        ),
        (
            "secondFactorDisable",
            "SecondFactorDisableInput",
            json!({ "code": "123456" }),
            false,
        ),
        (
            "accountSecondFactorReset",
            "AccountIdInput",
            json!({ "id": account }),
            true,
        ),
        (
            "secondFactorRequirementSet",
            "SecondFactorRequirementInput",
            json!({ "secretariat": true }),
            true,
        ),
        (
            "accountPreferencesUpdate",
            "AccountPreferencesInput",
            json!({ "language": "FR" }),
            false,
        ),
        (
            "apiClientCreate",
            "ApiClientCreateInput",
            json!({ "name": "P", "stakeholder": own, "role": "OBSERVER", "scopes": ["READ"] }),
            true,
        ),
        (
            "apiClientRotateSecret",
            "ApiClientIdInput",
            json!({ "id": client }),
            true,
        ),
        (
            "apiClientRevoke",
            "ApiClientIdInput",
            json!({ "id": client }),
            true,
        ),
        (
            "contributionCreate",
            "ContributionCreateInput",
            text(json!({ "consultation": consultation_id })),
            false,
        ),
        (
            "contributionEdit",
            "ContributionEditInput",
            json!({ "id": contribution, "version": 1, "title": "T" }),
            false,
        ),
        (
            "contributionSubmit",
            "ContributionVersionInput",
            json!({ "id": contribution, "version": 1 }),
            false,
        ),
        (
            "contributionDelete",
            "ContributionVersionInput",
            json!({ "id": contribution, "version": 1 }),
            false,
        ),
        (
            "attachmentUploadBegin",
            "AttachmentUploadBeginInput",
            json!({ "name": "annex.pdf", "size": 10 }),
            false,
        ),
        (
            "contributionWithdraw",
            "ContributionWithdrawInput",
            json!({ "id": contribution, "version": 1, "reason": "R" }),
            false,
        ),
        (
            "contributionPublish",
            "ContributionVersionInput",
            json!({ "id": contribution, "version": 1 }),
            true,
        ),
        (
            "contributionUnpublish",
            "ContributionVersionInput",
            json!({ "id": contribution, "version": 1 }),
            true,
        ),
        (
            "contributionRecord",
            "ContributionRecordInput",
            text(json!({ "meeting": meeting, "stakeholder": own, "kind": "PRESENTATION" })),
            true,
        ),
        (
            "contributionTag",
            "ContributionTagInput",
            json!({ "id": contribution, "version": 1, "issues": [], "mechanisms": [] }),
            false,
        ),
        (
            "stakeholderCreate",
            "StakeholderCreateInput",
            json!({ "name": stakeholders[1].name, "group": "CIVIL_SOCIETY", "accreditation": "WSIS_ACCREDITED" }),
            true,
        ),
        (
            "consultationCreate",
            "ConsultationCreateInput",
            json!({ "slug": consultation.slug, "title": "T", "mandate": "M", "guidingQuestions": [], "opensAt": "2030-01-01T00:00:00Z", "closesAt": "2030-02-01T00:00:00Z" }),
            true,
        ),
        (
            "consultationOpen",
            "ConsultationVersionInput",
            json!({ "id": consultation_id, "version": 1 }),
            true,
        ),
        (
            "consultationClose",
            "ConsultationVersionInput",
            json!({ "id": consultation_id, "version": 1 }),
            true,
        ),
        (
            "consultationMarkReported",
            "ConsultationVersionInput",
            json!({ "id": consultation_id, "version": 1 }),
            true,
        ),
        (
            "meetingCreate",
            "MeetingCreateInput",
            json!({ "consultation": consultation_id, "title": "T", "venue": "V", "heldOn": "2030-01-10" }),
            true,
        ),
        (
            "policyIssueCreate",
            "PolicyIssueCreateInput",
            json!({ "slug": issue.slug, "title": "T", "area": "SECURITY", "onWsisList": true }),
            true,
        ),
        (
            "mechanismCreate",
            "MechanismCreateInput",
            json!({ "name": mechanisms[0].name, "kind": "EXPERT_GROUP", "status": "PROPOSED" }),
            true,
        ),
        (
            "consultationUpdate",
            "ConsultationUpdateInput",
            json!({ "id": consultation_id, "version": 1, "title": "T" }),
            true,
        ),
        (
            "stakeholderUpdate",
            "StakeholderUpdateInput",
            json!({ "id": own, "version": 1, "name": stakeholders[1].name }),
            true,
        ),
        (
            "meetingUpdate",
            "MeetingUpdateInput",
            json!({ "id": meeting, "version": 1, "title": "T" }),
            true,
        ),
        (
            "policyIssueUpdate",
            "PolicyIssueUpdateInput",
            json!({ "id": missing(NodeType::PolicyIssue), "version": 1, "title": "T" }),
            true,
        ),
        (
            "mechanismUpdate",
            "MechanismUpdateInput",
            json!({ "id": missing(NodeType::Mechanism), "version": 1, "name": mechanisms[1].name }),
            true,
        ),
        (
            "reportCreate",
            "ReportCreateInput",
            json!({ "consultation": consultation_id, "title": "T" }),
            true,
        ),
        (
            "reportSectionAdd",
            "ReportSectionAddInput",
            json!({ "report": missing(NodeType::Report), "kind": "ISSUES" }),
            true,
        ),
        (
            "reportParagraphAdd",
            "ReportParagraphAddInput",
            json!({ "section": missing(NodeType::ReportSection), "text": { "body": "B" } }),
            true,
        ),
        (
            "reportParagraphEdit",
            "ReportParagraphEditInput",
            json!({ "id": missing(NodeType::ReportParagraph), "version": 1, "text": { "body": "B" } }),
            true,
        ),
        (
            "reportPublish",
            "ReportPublishInput",
            json!({ "id": missing(NodeType::Report), "version": 1 }),
            true,
        ),
        (
            "contributionTranslationAdd",
            "ContributionTranslationAddInput",
            json!({ "contribution": contribution, "language": "fr", "title": "T", "body": "B" }),
            false,
        ),
        (
            "webhookCreate",
            "WebhookCreateInput",
            json!({ "url": "https://partner.example.org/hooks", "events": ["REPORT_PUBLISHED"] }),
            true,
        ),
        (
            "webhookUpdate",
            "WebhookUpdateInput",
            json!({ "id": missing(NodeType::Webhook), "version": 1, "active": false }),
            true,
        ),
        (
            "webhookRotateSecret",
            "WebhookVersionInput",
            json!({ "id": missing(NodeType::Webhook), "version": 1 }),
            true,
        ),
        (
            "webhookDelete",
            "WebhookIdInput",
            json!({ "id": missing(NodeType::Webhook) }),
            true,
        ),
        (
            "webhookRedeliver",
            "WebhookDeliveryIdInput",
            json!({ "id": missing(NodeType::WebhookDelivery) }),
            true,
        ),
    ]
}

async fn call(app: &TestApp, token: Option<&str>, (name, input, value, _): &Case) -> Value {
    let query = format!("mutation($i: {input}!) {{ {name}(input: $i) {{ __typename }} }}");
    let variables = json!({ "i": value });
    match token {
        Some(token) => app.graphql_as(token, &query, variables).await.1,
        None => app.graphql(&query, variables).await,
    }
}

fn code(body: &Value) -> &str {
    body.pointer("/errors/0/extensions/code")
        .and_then(Value::as_str)
        .unwrap_or("(no error)")
}

#[tokio::test]
async fn every_mutation_checks_access_before_it_looks_anything_up() {
    let app = spawn_seeded_app().await;
    let stakeholder = entity::stakeholder::Entity::find()
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    let observer = app
        .sign_in_as("obs@example.org", Role::Observer, Some(stakeholder.id))
        .await;
    let cases = cases(&app).await;

    // The table covers every mutation of the schema.
    let schema = app
        .data(
            "{ __schema { mutationType { fields { name } } } }",
            json!({}),
        )
        .await;
    let all: BTreeSet<String> = schema["__schema"]["mutationType"]["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["name"].as_str().unwrap().to_owned())
        .collect();
    let covered: BTreeSet<String> = cases
        .iter()
        .map(|c| c.0.to_owned())
        .chain(PUBLIC.iter().map(|p| (*p).to_owned()))
        .chain(["attachmentUpload".to_owned()])
        .collect();
    // `attachmentUpload` takes a file: only a multipart request carries one, and an
    // anonymous one is refused before anything is read.
    let (status, anonymous) = crate::attachments::send_multipart(
        &app,
        None,
        "mutation($f: Upload!) { attachmentUpload(file: $f) { __typename } }",
        json!({ "f": null }),
        &[("f", "a.txt", b"words")],
    )
    .await;
    assert_eq!(
        (status, code(&anonymous)),
        (401, "UNAUTHENTICATED"),
        "{anonymous}"
    );
    assert_eq!(all, covered, "every mutation is in the table");

    let mut wrong = Vec::new();
    for case in &cases {
        let anonymous = call(&app, None, case).await;
        if code(&anonymous) != "UNAUTHENTICATED" || anonymous["data"] != Value::Null {
            wrong.push(format!("anonymous {}: {anonymous}", case.0));
        }
        if case.3 {
            let refused = call(&app, Some(&observer), case).await;
            if code(&refused) != "FORBIDDEN" || refused["data"] != Value::Null {
                wrong.push(format!("observer {}: {refused}", case.0));
            }
        }
    }
    assert!(wrong.is_empty(), "{wrong:#?}");
}
