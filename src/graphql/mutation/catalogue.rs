//! What the secretariat manages: stakeholders, consultations (and their forward-only
//! lifecycle), meetings, policy issues and mechanisms. The fields stay in one object so
//! that the schema lists them in the order clients know.

use crate::events::Published;
use crate::graphql::args::{id_of, ids_of, stakeholder_of};
use crate::graphql::context::request;
use crate::graphql::types::{
    Consultation, Mechanism, Meeting, PolicyIssue, Stakeholder, UserErrorObject, outcome,
};
use crate::ids::NodeType;
use crate::service::{consultations, mechanisms, meetings, policy_issues, stakeholders};
use async_graphql::{Context, ID, InputObject, Object, Result, SimpleObject};
use chrono::{DateTime, NaiveDate, Utc};
use entity::enums::*;

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
        let new = stakeholders::NewStakeholder {
            name: input.name,
            acronym: input.acronym,
            group: input.group,
            accreditation: input.accreditation,
            country_code: input.country_code,
            regional_group: input.regional_group,
            website: input.website,
        };
        let (row, user_errors) = outcome(stakeholders::create(&rd.db, &rd.viewer, new).await)?;
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
        let new = consultations::NewConsultation {
            slug: input.slug,
            title: input.title,
            mandate: input.mandate,
            convened_by: input.convened_by,
            guiding_questions: input.guiding_questions,
            opens_at: input.opens_at,
            closes_at: input.closes_at,
        };
        let (row, user_errors) = outcome(consultations::create(&rd.db, &rd.viewer, new).await)?;
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
        let new = meetings::NewMeeting {
            consultation_id: id_of(&input.consultation, NodeType::Consultation)?,
            title: input.title,
            venue: input.venue,
            held_on: input.held_on,
            agenda: input.agenda,
        };
        let (row, user_errors) = outcome(meetings::create(&rd.db, &rd.viewer, new).await)?;
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
        let new = policy_issues::NewPolicyIssue {
            slug: input.slug,
            title: input.title,
            description: input.description,
            area: input.area,
            on_wsis_list: input.on_wsis_list,
        };
        let (row, user_errors) = outcome(policy_issues::create(&rd.db, &rd.viewer, new).await)?;
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
        let new = mechanisms::NewMechanism {
            name: input.name,
            acronym: input.acronym,
            kind: input.kind,
            scope: input.scope,
            status: input.status,
            host_stakeholder_id: stakeholder_of(input.host.as_ref())?,
            established: input.established,
            description: input.description,
            functions: input.functions,
            issue_ids: ids_of(&input.issues, NodeType::PolicyIssue)?,
        };
        let (row, user_errors) = outcome(mechanisms::create(&rd.db, &rd.viewer, new).await)?;
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
        let changes = consultations::ConsultationChanges {
            title: input.title,
            mandate: input.mandate,
            convened_by: input.convened_by,
            guiding_questions: input.guiding_questions,
            opens_at: input.opens_at,
            closes_at: input.closes_at,
        };
        let (row, user_errors) =
            outcome(consultations::update(&rd.db, &rd.viewer, id, input.version, changes).await)?;
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
        let changes = stakeholders::StakeholderChanges {
            name: input.name,
            acronym: input.acronym,
            accreditation: input.accreditation,
            website: input.website,
        };
        let (row, user_errors) =
            outcome(stakeholders::update(&rd.db, &rd.viewer, id, input.version, changes).await)?;
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
        let changes = meetings::MeetingChanges {
            title: input.title,
            venue: input.venue,
            held_on: input.held_on,
            agenda: input.agenda,
        };
        let (row, user_errors) =
            outcome(meetings::update(&rd.db, &rd.viewer, id, input.version, changes).await)?;
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
        let changes = policy_issues::PolicyIssueChanges {
            title: input.title,
            description: input.description,
            area: input.area,
            on_wsis_list: input.on_wsis_list,
        };
        let (row, user_errors) =
            outcome(policy_issues::update(&rd.db, &rd.viewer, id, input.version, changes).await)?;
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
        let changes = mechanisms::MechanismChanges {
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
                .map(|ids| ids_of(&ids, NodeType::PolicyIssue))
                .transpose()?,
        };
        let (row, user_errors) =
            outcome(mechanisms::update(&rd.db, &rd.viewer, id, input.version, changes).await)?;
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
    let result = consultations::advance(&rd.db, &rd.viewer, id, input.version, to).await;
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
