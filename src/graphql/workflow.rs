//! Mutations of the consultation workflow and of what the secretariat manages.

use super::mutation::{id_of, stakeholder_of};
use super::request;
use super::types::{
    Consultation, Contribution, ContributionRevision, Mechanism, Meeting, PolicyIssue, Stakeholder,
    UserErrorObject, outcome,
};
use crate::error::MutationResult;
use crate::events::Published;
use crate::ids::NodeType;
use crate::service::catalogue::{
    self, NewConsultation, NewMechanism, NewMeeting, NewPolicyIssue, NewStakeholder,
};
use crate::service::workflow::{self, Disclosure, Edit, MeetingRecord, NewComment, Receipt, Text};
use async_graphql::{Context, ID, InputObject, Object, Result, SimpleObject};
use chrono::{DateTime, NaiveDate, Utc};
use entity::enums::*;

/// The result of a contribution mutation.
#[derive(SimpleObject)]
pub struct ContributionPayload {
    /// The contribution as it now is; null when nothing changed.
    pub contribution: Option<Contribution>,
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
}

/// One contribution at the version the caller saw.
#[derive(InputObject)]
pub struct ContributionVersionInput {
    /// The contribution.
    pub id: ID,
    /// The version you saw (`CONFLICT` when stale).
    pub version: i32,
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
pub struct WorkflowMutation;

/// Contributions: drafting, submitting, revising, withdrawing, moderating, recording, tagging.
#[Object]
impl WorkflowMutation {
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
        };
        contribution_payload(workflow::create(&rd.db, &rd.viewer, new).await)
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
        };
        receipt_payload(workflow::edit(&rd.db, &rd.viewer, id, input.version, edit).await)
    }

    /// Submits a draft written comment while its consultation is open; returns the receipt.
    async fn contribution_submit(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The draft.")] input: ContributionVersionInput,
    ) -> Result<ContributionReceiptPayload> {
        let rd = request(ctx)?;
        let id = id_of(&input.id, NodeType::Contribution)?;
        receipt_payload(workflow::submit(&rd.db, &rd.viewer, id, input.version).await)
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
            workflow::withdraw(&rd.db, &rd.viewer, id, input.version, &input.reason).await,
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
        let result = workflow::set_published(&rd.db, &rd.viewer, id, input.version, true).await;
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
            workflow::set_published(&rd.db, &rd.viewer, id, input.version, false).await,
        )
    }

    /// Records a presentation or informal intervention made at a meeting (secretariat).
    async fn contribution_record(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "What was said, by whom, where.")] input: ContributionRecordInput,
    ) -> Result<ContributionReceiptPayload> {
        let rd = request(ctx)?;
        let record = MeetingRecord {
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
        receipt_payload(workflow::record(&rd.db, &rd.viewer, record).await)
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
        let issues = input
            .issues
            .iter()
            .map(|i| id_of(i, NodeType::PolicyIssue))
            .collect::<Result<Vec<_>>>()?;
        let mechanisms = input
            .mechanisms
            .iter()
            .map(|m| Ok((id_of(&m.mechanism, NodeType::Mechanism)?, m.stance)))
            .collect::<Result<Vec<_>>>()?;
        contribution_payload(
            workflow::tag(&rd.db, &rd.viewer, id, input.version, &issues, &mechanisms).await,
        )
    }
}

/// A new stakeholder.
#[derive(InputObject)]
pub struct StakeholderCreateInput {
    /// Full name (unique).
    pub name: String,
    /// Acronym.
    pub acronym: Option<String>,
    /// Stakeholder group.
    pub group: StakeholderGroup,
    /// Why it is eligible.
    pub accreditation: Accreditation,
    /// ISO 3166-1 alpha-3 code (Governments).
    pub country_code: Option<String>,
    /// UN regional group (Governments).
    pub regional_group: Option<RegionalGroup>,
    /// Website (http or https).
    pub website: Option<String>,
}

/// A new consultation; it starts as DRAFT.
#[derive(InputObject)]
pub struct ConsultationCreateInput {
    /// Short unique key, e.g. "enhanced-cooperation-2010".
    pub slug: String,
    /// Title.
    pub title: String,
    /// The decision that mandates it.
    pub mandate: String,
    /// Who convenes it.
    pub convened_by: Option<String>,
    /// The questions contributors are asked to reflect on.
    pub guiding_questions: Vec<String>,
    /// When it starts accepting written comments.
    pub opens_at: DateTime<Utc>,
    /// When it stops accepting them (after `opensAt`).
    pub closes_at: DateTime<Utc>,
}

/// One consultation at the version the caller saw.
#[derive(InputObject)]
pub struct ConsultationVersionInput {
    /// The consultation.
    pub id: ID,
    /// The version you saw (`CONFLICT` when stale).
    pub version: i32,
}

/// A new meeting of a consultation.
#[derive(InputObject)]
pub struct MeetingCreateInput {
    /// The consultation.
    pub consultation: ID,
    /// Title.
    pub title: String,
    /// Where it is held.
    pub venue: String,
    /// The day it is held.
    pub held_on: NaiveDate,
    /// Its parts, in order.
    #[graphql(default)]
    pub agenda: Vec<String>,
}

/// A new public policy issue.
#[derive(InputObject)]
pub struct PolicyIssueCreateInput {
    /// Short unique key, e.g. "cybersecurity".
    pub slug: String,
    /// Title.
    pub title: String,
    /// What it covers.
    #[graphql(default)]
    pub description: String,
    /// Its broad area.
    pub area: PolicyArea,
    /// Whether it is on the WSIS/WGIG list.
    pub on_wsis_list: bool,
}

/// A new cooperation mechanism.
#[derive(InputObject)]
pub struct MechanismCreateInput {
    /// Full name (unique).
    pub name: String,
    /// Acronym.
    pub acronym: Option<String>,
    /// Its kind.
    pub kind: MechanismKind,
    /// Its reach, where known.
    pub scope: Option<MechanismScope>,
    /// EXISTING or PROPOSED.
    pub status: MechanismStatus,
    /// The stakeholder that hosts it.
    pub host: Option<ID>,
    /// When it was established: YYYY, YYYY-MM or YYYY-MM-DD.
    pub established: Option<String>,
    /// Notes.
    pub description: Option<String>,
    /// What it does.
    #[graphql(default)]
    pub functions: Vec<MechanismFunction>,
    /// The policy issues it addresses.
    #[graphql(default)]
    pub issues: Vec<ID>,
}

/// Changes to a consultation's description; fields left out stay as they are.
#[derive(InputObject)]
pub struct ConsultationUpdateInput {
    /// The consultation.
    pub id: ID,
    /// The version you edited (`CONFLICT` when stale).
    pub version: i32,
    /// New title.
    pub title: Option<String>,
    /// New mandate.
    pub mandate: Option<String>,
    /// New convener.
    pub convened_by: Option<String>,
    /// New guiding questions (replacing the old ones).
    pub guiding_questions: Option<Vec<String>>,
    /// New opening time.
    pub opens_at: Option<DateTime<Utc>>,
    /// New closing time (after the opening time).
    pub closes_at: Option<DateTime<Utc>>,
}

/// Changes to a stakeholder; fields left out stay as they are.
#[derive(InputObject)]
pub struct StakeholderUpdateInput {
    /// The stakeholder.
    pub id: ID,
    /// The version you edited (`CONFLICT` when stale).
    pub version: i32,
    /// New name (unique).
    pub name: Option<String>,
    /// New acronym.
    pub acronym: Option<String>,
    /// New accreditation.
    pub accreditation: Option<Accreditation>,
    /// New website.
    pub website: Option<String>,
}

/// Changes to a meeting; fields left out stay as they are.
#[derive(InputObject)]
pub struct MeetingUpdateInput {
    /// The meeting.
    pub id: ID,
    /// The version you edited (`CONFLICT` when stale).
    pub version: i32,
    /// New title.
    pub title: Option<String>,
    /// New venue.
    pub venue: Option<String>,
    /// New day.
    pub held_on: Option<NaiveDate>,
    /// New agenda (replacing the old one).
    pub agenda: Option<Vec<String>>,
}

/// Changes to a policy issue; fields left out stay as they are.
#[derive(InputObject)]
pub struct PolicyIssueUpdateInput {
    /// The issue.
    pub id: ID,
    /// The version you edited (`CONFLICT` when stale).
    pub version: i32,
    /// New title.
    pub title: Option<String>,
    /// New description.
    pub description: Option<String>,
    /// New area.
    pub area: Option<PolicyArea>,
    /// Whether it is on the WSIS/WGIG list.
    pub on_wsis_list: Option<bool>,
}

/// Changes to a mechanism; fields left out stay as they are.
#[derive(InputObject)]
pub struct MechanismUpdateInput {
    /// The mechanism.
    pub id: ID,
    /// The version you edited (`CONFLICT` when stale).
    pub version: i32,
    /// New name (unique).
    pub name: Option<String>,
    /// New acronym.
    pub acronym: Option<String>,
    /// New status (e.g. a proposed mechanism that now exists).
    pub status: Option<MechanismStatus>,
    /// New scope.
    pub scope: Option<MechanismScope>,
    /// New notes.
    pub description: Option<String>,
    /// New host.
    pub host: Option<ID>,
    /// New functions (replacing the old ones).
    pub functions: Option<Vec<MechanismFunction>>,
    /// The policy issues it addresses (replacing the old ones).
    pub issues: Option<Vec<ID>>,
}

macro_rules! payload {
    ($name:ident, $field:ident, $ty:ident, $doc:literal) => {
        #[doc = $doc]
        #[derive(SimpleObject)]
        pub struct $name {
            /// The record as it now is; null when nothing changed.
            pub $field: Option<$ty>,
            /// Problems with the input; empty on success.
            pub user_errors: Vec<UserErrorObject>,
        }
    };
}

payload!(
    StakeholderPayload,
    stakeholder,
    Stakeholder,
    "The result of a stakeholder mutation."
);
payload!(
    ConsultationPayload,
    consultation,
    Consultation,
    "The result of a consultation mutation."
);
payload!(
    MeetingPayload,
    meeting,
    Meeting,
    "The result of a meeting mutation."
);
payload!(
    PolicyIssuePayload,
    policy_issue,
    PolicyIssue,
    "The result of a policy issue mutation."
);
payload!(
    MechanismPayload,
    mechanism,
    Mechanism,
    "The result of a mechanism mutation."
);

/// What the secretariat manages: stakeholders, consultations, meetings, issues, mechanisms.
#[derive(Default)]
pub struct CatalogueMutation;

/// What the secretariat manages: stakeholders, consultations, meetings, issues, mechanisms.
#[Object]
impl CatalogueMutation {
    /// Adds a stakeholder (secretariat).
    async fn stakeholder_create(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The stakeholder.")] input: StakeholderCreateInput,
    ) -> Result<StakeholderPayload> {
        let rd = request(ctx)?;
        let new = NewStakeholder {
            name: input.name,
            acronym: input.acronym,
            group: input.group,
            accreditation: input.accreditation,
            country_code: input.country_code,
            regional_group: input.regional_group,
            website: input.website,
        };
        let (row, user_errors) =
            outcome(catalogue::stakeholder_create(&rd.db, &rd.viewer, new).await)?;
        Ok(StakeholderPayload {
            stakeholder: row.map(Stakeholder),
            user_errors,
        })
    }

    /// Creates a consultation as DRAFT (secretariat).
    async fn consultation_create(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The consultation.")] input: ConsultationCreateInput,
    ) -> Result<ConsultationPayload> {
        let rd = request(ctx)?;
        let new = NewConsultation {
            slug: input.slug,
            title: input.title,
            mandate: input.mandate,
            convened_by: input.convened_by,
            guiding_questions: input.guiding_questions,
            opens_at: input.opens_at,
            closes_at: input.closes_at,
        };
        let (row, user_errors) =
            outcome(catalogue::consultation_create(&rd.db, &rd.viewer, new).await)?;
        Ok(ConsultationPayload {
            consultation: row.map(Consultation),
            user_errors,
        })
    }

    /// Opens a DRAFT consultation for contributions (secretariat).
    async fn consultation_open(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The consultation.")] input: ConsultationVersionInput,
    ) -> Result<ConsultationPayload> {
        advance(ctx, input, ConsultationStatus::Open).await
    }

    /// Closes an OPEN consultation (secretariat).
    async fn consultation_close(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The consultation.")] input: ConsultationVersionInput,
    ) -> Result<ConsultationPayload> {
        advance(ctx, input, ConsultationStatus::Closed).await
    }

    /// Marks a CLOSED consultation as REPORTED (secretariat).
    async fn consultation_mark_reported(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The consultation.")] input: ConsultationVersionInput,
    ) -> Result<ConsultationPayload> {
        advance(ctx, input, ConsultationStatus::Reported).await
    }

    /// Adds a meeting to a consultation (secretariat).
    async fn meeting_create(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The meeting.")] input: MeetingCreateInput,
    ) -> Result<MeetingPayload> {
        let rd = request(ctx)?;
        let new = NewMeeting {
            consultation_id: id_of(&input.consultation, NodeType::Consultation)?,
            title: input.title,
            venue: input.venue,
            held_on: input.held_on,
            agenda: input.agenda,
        };
        let (row, user_errors) = outcome(catalogue::meeting_create(&rd.db, &rd.viewer, new).await)?;
        Ok(MeetingPayload {
            meeting: row.map(Meeting),
            user_errors,
        })
    }

    /// Adds a public policy issue (secretariat).
    async fn policy_issue_create(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The issue.")] input: PolicyIssueCreateInput,
    ) -> Result<PolicyIssuePayload> {
        let rd = request(ctx)?;
        let new = NewPolicyIssue {
            slug: input.slug,
            title: input.title,
            description: input.description,
            area: input.area,
            on_wsis_list: input.on_wsis_list,
        };
        let (row, user_errors) =
            outcome(catalogue::policy_issue_create(&rd.db, &rd.viewer, new).await)?;
        Ok(PolicyIssuePayload {
            policy_issue: row.map(PolicyIssue),
            user_errors,
        })
    }

    /// Adds a cooperation mechanism, existing or proposed (secretariat).
    async fn mechanism_create(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The mechanism.")] input: MechanismCreateInput,
    ) -> Result<MechanismPayload> {
        let rd = request(ctx)?;
        let new = NewMechanism {
            name: input.name,
            acronym: input.acronym,
            kind: input.kind,
            scope: input.scope,
            status: input.status,
            host_stakeholder_id: stakeholder_of(input.host.as_ref())?,
            established: input.established,
            description: input.description,
            functions: input.functions,
            issue_ids: input
                .issues
                .iter()
                .map(|i| id_of(i, NodeType::PolicyIssue))
                .collect::<Result<Vec<_>>>()?,
        };
        let (row, user_errors) =
            outcome(catalogue::mechanism_create(&rd.db, &rd.viewer, new).await)?;
        Ok(MechanismPayload {
            mechanism: row.map(Mechanism),
            user_errors,
        })
    }
    /// Changes a consultation's title, mandate, questions or dates (secretariat).
    async fn consultation_update(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The changes.")] input: ConsultationUpdateInput,
    ) -> Result<ConsultationPayload> {
        let rd = request(ctx)?;
        let id = id_of(&input.id, NodeType::Consultation)?;
        let changes = catalogue::ConsultationChanges {
            title: input.title,
            mandate: input.mandate,
            convened_by: input.convened_by,
            guiding_questions: input.guiding_questions,
            opens_at: input.opens_at,
            closes_at: input.closes_at,
        };
        let (row, user_errors) = outcome(
            catalogue::consultation_update(&rd.db, &rd.viewer, id, input.version, changes).await,
        )?;
        Ok(ConsultationPayload {
            consultation: row.map(Consultation),
            user_errors,
        })
    }

    /// Changes a stakeholder (secretariat).
    async fn stakeholder_update(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The changes.")] input: StakeholderUpdateInput,
    ) -> Result<StakeholderPayload> {
        let rd = request(ctx)?;
        let id = id_of(&input.id, NodeType::Stakeholder)?;
        let changes = catalogue::StakeholderChanges {
            name: input.name,
            acronym: input.acronym,
            accreditation: input.accreditation,
            website: input.website,
        };
        let (row, user_errors) = outcome(
            catalogue::stakeholder_update(&rd.db, &rd.viewer, id, input.version, changes).await,
        )?;
        Ok(StakeholderPayload {
            stakeholder: row.map(Stakeholder),
            user_errors,
        })
    }

    /// Changes a meeting (secretariat).
    async fn meeting_update(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The changes.")] input: MeetingUpdateInput,
    ) -> Result<MeetingPayload> {
        let rd = request(ctx)?;
        let id = id_of(&input.id, NodeType::Meeting)?;
        let changes = catalogue::MeetingChanges {
            title: input.title,
            venue: input.venue,
            held_on: input.held_on,
            agenda: input.agenda,
        };
        let (row, user_errors) = outcome(
            catalogue::meeting_update(&rd.db, &rd.viewer, id, input.version, changes).await,
        )?;
        Ok(MeetingPayload {
            meeting: row.map(Meeting),
            user_errors,
        })
    }

    /// Changes a policy issue (secretariat).
    async fn policy_issue_update(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The changes.")] input: PolicyIssueUpdateInput,
    ) -> Result<PolicyIssuePayload> {
        let rd = request(ctx)?;
        let id = id_of(&input.id, NodeType::PolicyIssue)?;
        let changes = catalogue::PolicyIssueChanges {
            title: input.title,
            description: input.description,
            area: input.area,
            on_wsis_list: input.on_wsis_list,
        };
        let (row, user_errors) = outcome(
            catalogue::policy_issue_update(&rd.db, &rd.viewer, id, input.version, changes).await,
        )?;
        Ok(PolicyIssuePayload {
            policy_issue: row.map(PolicyIssue),
            user_errors,
        })
    }

    /// Changes a mechanism (secretariat).
    async fn mechanism_update(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The changes.")] input: MechanismUpdateInput,
    ) -> Result<MechanismPayload> {
        let rd = request(ctx)?;
        let id = id_of(&input.id, NodeType::Mechanism)?;
        let changes = catalogue::MechanismChanges {
            name: input.name,
            acronym: input.acronym,
            status: input.status,
            scope: input.scope,
            description: input.description,
            host_stakeholder_id: input
                .host
                .as_ref()
                .map(|h| stakeholder_of(Some(h)))
                .transpose()?,
            functions: input.functions,
            issue_ids: input
                .issues
                .map(|ids| {
                    ids.iter()
                        .map(|i| id_of(i, NodeType::PolicyIssue))
                        .collect::<Result<Vec<_>>>()
                })
                .transpose()?,
        };
        let (row, user_errors) = outcome(
            catalogue::mechanism_update(&rd.db, &rd.viewer, id, input.version, changes).await,
        )?;
        Ok(MechanismPayload {
            mechanism: row.map(Mechanism),
            user_errors,
        })
    }
}

async fn advance(
    ctx: &Context<'_>,
    input: ConsultationVersionInput,
    to: ConsultationStatus,
) -> Result<ConsultationPayload> {
    let rd = request(ctx)?;
    let id = id_of(&input.id, NodeType::Consultation)?;
    let result = catalogue::consultation_advance(&rd.db, &rd.viewer, id, input.version, to).await;
    let (row, user_errors) = outcome(result)?;
    let row = row.map(|(consultation, released)| (Consultation(consultation), released));
    if let Some((_, released)) = &row {
        for contribution_id in released {
            rd.events
                .published(Published {
                    contribution_id: *contribution_id,
                    consultation_id: id,
                })
                .await;
        }
    }
    Ok(ConsultationPayload {
        consultation: row.map(|(c, _)| c),
        user_errors,
    })
}
