//! Contributions: drafting, submitting, revising, withdrawing, moderating, recording
//! at meetings, tagging.

use crate::error::MutationResult;
use crate::events::Published;
use crate::graphql::args::{id_of, ids_of, stakeholder_of};
use crate::graphql::context::request;
use crate::graphql::types::{Contribution, ContributionRevision, UserErrorObject, outcome};
use crate::ids::NodeType;
use crate::service::contributions::{
    self, Disclosure, Edit, NewComment, NewMeetingContribution, Receipt, Tell, Text,
};
use async_graphql::{Context, ID, InputObject, Object, Result, SimpleObject};
use chrono::{DateTime, Utc};
use entity::enums::*;

/// The result of a contribution mutation.
#[derive(SimpleObject)]
pub struct ContributionPayload {
    /// The contribution as it now is; null when nothing changed.
    pub contribution: Option<Contribution>,
    /// Problems with the input; empty on success.
    pub user_errors: Vec<UserErrorObject>,
}

/// The result of deleting a draft.
#[derive(SimpleObject)]
pub struct ContributionDeletePayload {
    /// The ID of the draft deleted; null when nothing changed.
    pub deleted_contribution_id: Option<ID>,
    /// Problems with the input; empty on success.
    pub user_errors: Vec<UserErrorObject>,
}

/// Proof of what was submitted: the revision and its SHA-256 content hash.
#[derive(SimpleObject)]
pub struct ContributionReceipt {
    /// The revision the receipt is for.
    pub revision: ContributionRevision,
    /// Lowercase hex SHA-256 of the revision's canonical form (see the README).
    pub content_hash: String,
    /// The server's time when the revision was stored.
    pub server_time: DateTime<Utc>,
    /// The receipt signed by the server: a compact JWS (a JWT, `EdDSA`) whose claims
    /// name the stakeholder, the contribution, the revision, its `contentHash` and the
    /// server's time, verifiable with any JOSE library against the keys at
    /// `/.well-known/jwks.json` (see the README). Keep it: it is not shown again.
    pub signed_receipt: String,
}

/// The result of a mutation that stores a revision.
#[derive(SimpleObject)]
pub struct ContributionReceiptPayload {
    /// The contribution as it now is; null when nothing changed.
    pub contribution: Option<Contribution>,
    /// The receipt; null when nothing changed.
    pub receipt: Option<ContributionReceipt>,
    /// Problems with the input; empty on success.
    pub user_errors: Vec<UserErrorObject>,
}

/// The documents an input names, with the server's limit.
fn documents(
    rd: &crate::graphql::context::RequestData,
    raw: Option<&[ID]>,
) -> Result<contributions::Documents> {
    Ok(contributions::Documents {
        picks: super::attachments::picks_of(raw)?,
        max: rd.attachments()?.settings.max_per_revision,
    })
}

fn contribution_payload(
    result: MutationResult<entity::contribution::Model>,
) -> Result<ContributionPayload> {
    let (row, user_errors) = outcome(result)?;
    Ok(ContributionPayload {
        contribution: row.map(Contribution),
        user_errors,
    })
}

fn receipt_payload(result: MutationResult<Receipt>) -> Result<ContributionReceiptPayload> {
    let (receipt, user_errors) = outcome(result)?;
    Ok(match receipt {
        Some(r) => ContributionReceiptPayload {
            contribution: Some(Contribution(r.contribution)),
            receipt: Some(ContributionReceipt {
                content_hash: r.revision.content_hash.clone(),
                signed_receipt: r.signed,
                revision: ContributionRevision(r.revision),
                server_time: r.server_time,
            }),
            user_errors,
        },
        None => ContributionReceiptPayload {
            contribution: None,
            receipt: None,
            user_errors,
        },
    })
}

/// A new written comment (a draft until submitted).
#[derive(InputObject)]
pub struct ContributionCreateInput {
    /// The consultation; it must be OPEN.
    pub consultation: ID,
    /// The stakeholder it is from; the secretariat must say, others write for their own.
    pub stakeholder: Option<ID>,
    /// Title (1 to 500 characters).
    pub title: String,
    /// Full text (1 to 1 000 000 characters), kept exactly as sent.
    pub body: String,
    /// Original language, a BCP 47 tag: ar, en, es, fr, ru, zh, or any other.
    pub language: String,
    /// Who may read it once published (MEMBER_STATES: member states and the secretariat only).
    #[graphql(default_with = "Visibility::Public")]
    pub visibility: Visibility,
    /// False: publish it without naming the stakeholder (counted under its group only).
    #[graphql(default = true)]
    pub attributed: bool,
    /// True: hold it back until the consultation closes, then publish it automatically.
    #[graphql(default = false)]
    pub embargoed: bool,
    /// Its documents, in order: uploads of yours (`AttachmentUpload` IDs), at most 10
    /// (`CONCORD_ATTACHMENT_MAX_PER_REVISION`).
    pub attachments: Option<Vec<ID>>,
}

/// Changes to a written comment; fields left out stay as they are.
#[derive(InputObject)]
pub struct ContributionEditInput {
    /// The contribution.
    pub id: ID,
    /// The version you edited (`CONFLICT` when stale).
    pub version: i32,
    /// New title.
    pub title: Option<String>,
    /// New full text.
    pub body: Option<String>,
    /// New language.
    pub language: Option<String>,
    /// New visibility.
    pub visibility: Option<Visibility>,
    /// The documents of the new revision, in order, replacing the current ones:
    /// uploads of yours (`AttachmentUpload` IDs) and documents of this contribution to
    /// keep (`Attachment` IDs); `[]` removes them all. Left out: the current ones are
    /// carried forward.
    pub attachments: Option<Vec<ID>>,
}

/// One contribution at the version the caller saw.
#[derive(InputObject)]
pub struct ContributionVersionInput {
    /// The contribution.
    pub id: ID,
    /// The version you saw (`CONFLICT` when stale).
    pub version: i32,
    /// Publishing or unpublishing: a note to the contribution's authors (1 to 2000
    /// characters), sent with the email that tells them, when email is on.
    pub reason: Option<String>,
}

/// Withdrawing a contribution.
#[derive(InputObject)]
pub struct ContributionWithdrawInput {
    /// The contribution.
    pub id: ID,
    /// The version you saw (`CONFLICT` when stale).
    pub version: i32,
    /// Why it is withdrawn (1 to 2000 characters); shown with it.
    pub reason: String,
}

/// A presentation or intervention made at a meeting.
#[derive(InputObject)]
pub struct ContributionRecordInput {
    /// The meeting it was made at.
    pub meeting: ID,
    /// The stakeholder that spoke.
    pub stakeholder: ID,
    /// PRESENTATION or INFORMAL_INTERVENTION.
    pub kind: ContributionKind,
    /// The group it spoke for, when it spoke on behalf of one.
    pub on_behalf_of_group: Option<StakeholderGroup>,
    /// Title (1 to 500 characters).
    pub title: String,
    /// Full text or summary.
    pub body: String,
    /// Original language (BCP 47).
    pub language: String,
    /// Who may read it once published.
    #[graphql(default_with = "Visibility::Public")]
    pub visibility: Visibility,
    /// False: publish it without naming the stakeholder.
    #[graphql(default = true)]
    pub attributed: bool,
    /// True: hold it back until the consultation closes.
    #[graphql(default = false)]
    pub embargoed: bool,
    /// The agenda item it was made at: 0-based index into the meeting's `agenda`.
    pub agenda_item: Option<i32>,
}

/// A mechanism and the contribution's stance on it.
#[derive(InputObject)]
pub struct MechanismStanceInput {
    /// The mechanism.
    pub mechanism: ID,
    /// The stance.
    pub stance: Stance,
}

/// The policy issues and mechanisms a contribution is linked to (replacing earlier links).
#[derive(InputObject)]
pub struct ContributionTagInput {
    /// The contribution.
    pub id: ID,
    /// The version you saw (`CONFLICT` when stale).
    pub version: i32,
    /// The policy issues it raises.
    pub issues: Vec<ID>,
    /// The mechanisms it discusses, each with a stance.
    pub mechanisms: Vec<MechanismStanceInput>,
}

/// Contributions: drafting, submitting, revising, withdrawing, moderating, recording, tagging.
#[derive(Default)]
pub struct ContributionMutation;

/// Contributions: drafting, submitting, revising, withdrawing, moderating, recording, tagging.
#[Object]
impl ContributionMutation {
    /// Creates a draft written comment for the caller's stakeholder (the secretariat: any).
    async fn contribution_create(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The draft.")] input: ContributionCreateInput,
    ) -> Result<ContributionPayload> {
        let rd = request(ctx)?;
        let new = NewComment {
            consultation_id: id_of(&input.consultation, NodeType::Consultation)?,
            stakeholder_id: stakeholder_of(input.stakeholder.as_ref())?,
            text: Text {
                title: input.title,
                body: input.body,
                language: input.language,
            },
            visibility: input.visibility,
            disclosure: Disclosure {
                attributed: input.attributed,
                embargoed: input.embargoed,
            },
            documents: documents(rd, input.attachments.as_deref())?,
        };
        contribution_payload(contributions::create(&rd.db, &rd.viewer, new).await)
    }

    /// Edits a written comment: a draft in place; a submitted one as a new revision.
    async fn contribution_edit(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The changes.")] input: ContributionEditInput,
    ) -> Result<ContributionReceiptPayload> {
        let rd = request(ctx)?;
        let id = id_of(&input.id, NodeType::Contribution)?;
        let edit = Edit {
            title: input.title,
            body: input.body,
            language: input.language,
            visibility: input.visibility,
            documents: documents(rd, input.attachments.as_deref())?,
        };
        receipt_payload(contributions::edit(&rd.db, &rd.viewer, id, input.version, edit).await)
    }

    /// Submits a draft written comment while its consultation is open; returns the receipt.
    async fn contribution_submit(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The draft.")] input: ContributionVersionInput,
    ) -> Result<ContributionReceiptPayload> {
        let rd = request(ctx)?;
        let id = id_of(&input.id, NodeType::Contribution)?;
        receipt_payload(contributions::submit(&rd.db, &rd.viewer, id, input.version).await)
    }

    /// Deletes a DRAFT (never submitted) with its documents: its author, or the
    /// secretariat. A submitted contribution is withdrawn instead.
    async fn contribution_delete(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The draft, at the version you saw.")] input: ContributionVersionInput,
    ) -> Result<ContributionDeletePayload> {
        let rd = request(ctx)?;
        let id = id_of(&input.id, NodeType::Contribution)?;
        let result =
            contributions::discard(&rd.db, rd.attachments()?, &rd.viewer, id, input.version).await;
        let (gone, user_errors) = outcome(result)?;
        Ok(ContributionDeletePayload {
            deleted_contribution_id: gone.map(|id| {
                crate::ids::GlobalId::new(NodeType::Contribution, id)
                    .encode()
                    .into()
            }),
            user_errors,
        })
    }

    /// Withdraws a contribution with a reason (its author while the consultation is
    /// open; the secretariat at any time).
    async fn contribution_withdraw(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The contribution and reason.")] input: ContributionWithdrawInput,
    ) -> Result<ContributionPayload> {
        let rd = request(ctx)?;
        let id = id_of(&input.id, NodeType::Contribution)?;
        contribution_payload(
            contributions::withdraw(
                &rd.db,
                &rd.viewer,
                id,
                input.version,
                &input.reason,
                rd.links_by_email,
            )
            .await,
        )
    }

    /// Publishes a submitted contribution (secretariat).
    async fn contribution_publish(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The contribution.")] input: ContributionVersionInput,
    ) -> Result<ContributionPayload> {
        let rd = request(ctx)?;
        let id = id_of(&input.id, NodeType::Contribution)?;
        let tell = Tell {
            by_email: rd.links_by_email,
            note: input.reason.as_deref(),
        };
        let result =
            contributions::set_published(&rd.db, &rd.viewer, id, input.version, true, tell).await;
        if let Ok(row) = &result {
            rd.events
                .published(Published {
                    contribution_id: row.id,
                    consultation_id: row.consultation_id,
                })
                .await;
        }
        contribution_payload(result)
    }

    /// Takes a published contribution back to SUBMITTED (secretariat).
    async fn contribution_unpublish(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The contribution.")] input: ContributionVersionInput,
    ) -> Result<ContributionPayload> {
        let rd = request(ctx)?;
        let id = id_of(&input.id, NodeType::Contribution)?;
        contribution_payload(
            contributions::set_published(
                &rd.db,
                &rd.viewer,
                id,
                input.version,
                false,
                Tell {
                    by_email: rd.links_by_email,
                    note: input.reason.as_deref(),
                },
            )
            .await,
        )
    }

    /// Records a presentation or informal intervention made at a meeting (secretariat).
    async fn contribution_record(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "What was said, by whom, where.")] input: ContributionRecordInput,
    ) -> Result<ContributionReceiptPayload> {
        let rd = request(ctx)?;
        let spoken = NewMeetingContribution {
            meeting_id: id_of(&input.meeting, NodeType::Meeting)?,
            stakeholder_id: id_of(&input.stakeholder, NodeType::Stakeholder)?,
            kind: input.kind,
            on_behalf_of_group: input.on_behalf_of_group,
            text: Text {
                title: input.title,
                body: input.body,
                language: input.language,
            },
            visibility: input.visibility,
            disclosure: Disclosure {
                attributed: input.attributed,
                embargoed: input.embargoed,
            },
            agenda_item: input.agenda_item,
        };
        receipt_payload(contributions::record_at_meeting(&rd.db, &rd.viewer, spoken).await)
    }

    /// Links a contribution to policy issues and mechanisms (with stances), replacing
    /// its earlier links (its own stakeholder's principals, or the secretariat).
    async fn contribution_tag(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The links.")] input: ContributionTagInput,
    ) -> Result<ContributionPayload> {
        let rd = request(ctx)?;
        let id = id_of(&input.id, NodeType::Contribution)?;
        let issues = ids_of(&input.issues, NodeType::PolicyIssue)?;
        let mechanisms = input
            .mechanisms
            .iter()
            .map(|m| Ok((id_of(&m.mechanism, NodeType::Mechanism)?, m.stance)))
            .collect::<Result<Vec<_>>>()?;
        contribution_payload(
            contributions::tag(&rd.db, &rd.viewer, id, input.version, &issues, &mechanisms).await,
        )
    }
}
