//! The 2010 consultation, built from the facts of the Secretary-General's report
//! (`report-2010.json`, a copy of the project's data file, compiled in).
//!
//! The report counts contributions but names no individual contributor, so each group
//! gets clearly labelled placeholder stakeholders ("Government delegation 7") and each
//! contribution a placeholder text. The exceptions are the two the report names
//! (§10): the International Chamber of Commerce presented on behalf of the private
//! sector and CONGO on behalf of civil society.

use crate::domain::content_hash;
use anyhow::{Context, bail};
use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use entity::enums::*;
use entity::{
    consultation, consultation_document, contribution, contribution_revision, document, mechanism,
    mechanism_function, mechanism_issue, meeting, policy_issue, stakeholder,
};
use sea_orm::{
    ActiveModelBehavior, ActiveModelTrait, ColumnTrait, DatabaseTransaction, EntityTrait,
    IntoActiveModel, QueryFilter, Select, Set,
};
use serde::Deserialize;
use std::collections::{BTreeMap, HashMap};

const DATA: &str = include_str!("report-2010.json");

/// The consultation's stable key.
pub const CONSULTATION_SLUG: &str = "enhanced-cooperation-2010";

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Report {
    consultation: ConsultationData,
    meetings: Vec<MeetingData>,
    contribution_table: TableData,
    group_representatives: Vec<RepresentativeData>,
    relevant_organizations: OrganizationsData,
    policy_issues: Vec<IssueData>,
    mechanisms: Vec<MechanismData>,
    documents: Vec<DocumentData>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ConsultationData {
    title: String,
    mandate: String,
    convened_by: String,
    opens_at: NaiveDate,
    closes_at: NaiveDate,
    guiding_questions: Vec<String>,
}

#[derive(Deserialize)]
struct MeetingData {
    title: String,
    venue: String,
    date: NaiveDate,
    segments: Vec<String>,
}

#[derive(Deserialize)]
struct TableData {
    rows: BTreeMap<StakeholderGroup, BTreeMap<String, u32>>,
    totals: BTreeMap<String, u32>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RepresentativeData {
    organization: String,
    acronym: Option<String>,
    spoke_for_group: StakeholderGroup,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct OrganizationsData {
    invited_to_report: Vec<OrganizationData>,
    self_initiated: Vec<OrganizationData>,
}

#[derive(Deserialize)]
struct OrganizationData {
    name: String,
    acronym: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct IssueData {
    slug: String,
    title: String,
    area: PolicyArea,
    wsis_list: bool,
    paragraphs: Vec<u32>,
}

#[derive(Deserialize)]
struct MechanismData {
    name: String,
    acronym: Option<String>,
    host: Option<String>,
    kind: MechanismKind,
    scope: Option<MechanismScope>,
    status: MechanismStatus,
    established: Option<String>,
    functions: Vec<MechanismFunction>,
    #[serde(default)]
    issues: Vec<String>,
    paragraphs: Vec<u32>,
    note: Option<String>,
}

#[derive(Deserialize)]
struct DocumentData {
    symbol: String,
    title: String,
    date: Option<String>,
}

/// Group and accreditation of the organizations the report names. The report does not
/// classify them; these follow their standing at the United Nations.
fn classify(acronym: &str) -> (StakeholderGroup, Accreditation) {
    use Accreditation::*;
    use StakeholderGroup::*;
    match acronym {
        "ITU" | "UNESCO" | "WIPO" => (InternationalOrganization, UnSystemAgency),
        "OECD" | "CoE" => (InternationalOrganization, IntergovernmentalOrganization),
        "ISOC" | "CONGO" => (CivilSociety, EcosocConsultativeStatus),
        "ICC" => (PrivateSector, EcosocConsultativeStatus),
        // ICANN, W3C, NRO, IETF: the technical community, counted with civil society.
        _ => (CivilSociety, WsisAccredited),
    }
}

/// Placeholder stakeholders of a group: label and accreditation.
fn placeholder(group: StakeholderGroup) -> (&'static str, Accreditation) {
    match group {
        StakeholderGroup::Government => ("Government delegation", Accreditation::MemberState),
        StakeholderGroup::InternationalOrganization => (
            "International organization",
            Accreditation::IntergovernmentalOrganization,
        ),
        StakeholderGroup::CivilSociety => (
            "Civil society organization",
            Accreditation::EcosocConsultativeStatus,
        ),
        StakeholderGroup::PrivateSector => ("Private sector entity", Accreditation::WsisAccredited),
    }
}

fn midnight(date: NaiveDate) -> DateTime<Utc> {
    Utc.from_utc_datetime(&date.and_hms_opt(0, 0, 0).unwrap_or_default())
}

/// Counts records created, for the report.
struct Loader<'a> {
    txn: &'a DatabaseTransaction,
    now: DateTime<Utc>,
    created: usize,
}

/// Loads the dataset; returns how many records it created and the report it drafted
/// (if the consultation had none), for [`super::run`] to publish.
pub async fn load(txn: &DatabaseTransaction) -> anyhow::Result<(usize, Option<i64>)> {
    let report: Report =
        serde_json::from_str(DATA).context("the compiled-in report data is malformed")?;
    check_table(&report.contribution_table)?;
    let mut l = Loader {
        txn,
        now: Utc::now(),
        created: 0,
    };

    let consultation = l.consultation(&report.consultation).await?;
    let meeting_data = report
        .meetings
        .first()
        .context("the report data has no meeting")?;
    let meeting = l.meeting(consultation.id, meeting_data).await?;

    let mut orgs: HashMap<String, i64> = HashMap::new();
    let named = report
        .relevant_organizations
        .invited_to_report
        .iter()
        .chain(&report.relevant_organizations.self_initiated)
        .map(|o| (o.name.clone(), Some(o.acronym.clone())));
    let representatives = report.group_representatives.iter().map(|r| {
        let acronym = r.acronym.clone().or_else(|| {
            (r.organization == "International Chamber of Commerce").then(|| "ICC".to_owned())
        });
        (r.organization.clone(), acronym)
    });
    for (name, acronym) in named.chain(representatives) {
        let (group, accreditation) = classify(acronym.as_deref().unwrap_or(""));
        let row = l
            .stakeholder(&name, acronym.as_deref(), group, accreditation)
            .await?;
        if let Some(acronym) = acronym {
            orgs.insert(acronym, row.id);
        }
    }

    let mut issues: HashMap<String, i64> = HashMap::new();
    for issue in &report.policy_issues {
        let row = l.issue(issue).await?;
        issues.insert(issue.slug.clone(), row.id);
    }
    for m in &report.mechanisms {
        let host = match &m.host {
            Some(acronym) => Some(
                *orgs
                    .get(acronym)
                    .with_context(|| format!("unknown host {acronym}"))?,
            ),
            None => None,
        };
        let row = l.mechanism(m, host).await?;
        for function in &m.functions {
            l.mechanism_function(row.id, *function).await?;
        }
        for slug in &m.issues {
            let issue = *issues
                .get(slug)
                .with_context(|| format!("unknown issue {slug}"))?;
            l.mechanism_issue(row.id, issue).await?;
        }
    }
    for d in &report.documents {
        let row = l.document(d).await?;
        l.consultation_document(consultation.id, row.id).await?;
    }

    // The representatives the report names make the first presentation of their group.
    let mut speakers: HashMap<StakeholderGroup, i64> = HashMap::new();
    for r in &report.group_representatives {
        let row = stakeholder::Entity::find()
            .filter(stakeholder::Column::Name.eq(&r.organization))
            .one(txn)
            .await?
            .context("representative missing")?;
        speakers.insert(r.spoke_for_group, row.id);
    }
    l.contributions(&report, &consultation, &meeting, &speakers)
        .await?;
    let report = l.report(&consultation).await?;
    Ok((l.created, report))
}

/// The table must add up before anything is written.
fn check_table(table: &TableData) -> anyhow::Result<()> {
    let mut sum = 0;
    for (group, row) in &table.rows {
        let kinds: u32 = ContributionKind::ALL
            .iter()
            .map(|k| row.get(k.as_str()).copied().unwrap_or(0))
            .sum();
        if Some(&kinds) != row.get("total") {
            bail!("row {group:?} of the table does not add up");
        }
        sum += kinds;
    }
    if Some(&sum) != table.totals.get("total") {
        bail!("the table's total does not add up");
    }
    Ok(())
}

impl Loader<'_> {
    /// Finds the row `existing` selects (by the dataset's natural key), or inserts
    /// `row`; a second run of the seed finds everything and inserts nothing.
    async fn find_or_insert<A>(
        &mut self,
        existing: Select<A::Entity>,
        row: impl FnOnce() -> A,
    ) -> anyhow::Result<<A::Entity as EntityTrait>::Model>
    where
        A: ActiveModelTrait + ActiveModelBehavior + Send,
        <A::Entity as EntityTrait>::Model: IntoActiveModel<A>,
    {
        if let Some(found) = existing.one(self.txn).await? {
            return Ok(found);
        }
        self.created += 1;
        Ok(row().insert(self.txn).await?)
    }

    async fn consultation(&mut self, c: &ConsultationData) -> anyhow::Result<consultation::Model> {
        let existing =
            consultation::Entity::find().filter(consultation::Column::Slug.eq(CONSULTATION_SLUG));
        let now = self.now;
        self.find_or_insert(existing, move || consultation::ActiveModel {
            slug: Set(CONSULTATION_SLUG.to_owned()),
            title: Set(c.title.clone()),
            mandate: Set(c.mandate.clone()),
            convened_by: Set(Some(c.convened_by.clone())),
            guiding_questions: Set(serde_json::json!(c.guiding_questions)),
            opens_at: Set(midnight(c.opens_at)),
            // Open through the whole of the last day.
            closes_at: Set(midnight(c.closes_at) + Duration::days(1) - Duration::seconds(1)),
            status: Set(ConsultationStatus::Reported),
            created_at: Set(now),
            updated_at: Set(now),
            version: Set(1),
            ..Default::default()
        })
        .await
    }

    async fn meeting(
        &mut self,
        consultation_id: i64,
        m: &MeetingData,
    ) -> anyhow::Result<meeting::Model> {
        let existing = meeting::Entity::find()
            .filter(meeting::Column::ConsultationId.eq(consultation_id))
            .filter(meeting::Column::Title.eq(&m.title));
        let now = self.now;
        self.find_or_insert(existing, move || meeting::ActiveModel {
            consultation_id: Set(consultation_id),
            title: Set(m.title.clone()),
            venue: Set(m.venue.clone()),
            held_on: Set(m.date),
            agenda: Set(serde_json::json!(m.segments)),
            created_at: Set(now),
            updated_at: Set(now),
            version: Set(1),
            ..Default::default()
        })
        .await
    }

    async fn stakeholder(
        &mut self,
        name: &str,
        acronym: Option<&str>,
        group: StakeholderGroup,
        accreditation: Accreditation,
    ) -> anyhow::Result<stakeholder::Model> {
        let existing = stakeholder::Entity::find().filter(stakeholder::Column::Name.eq(name));
        let now = self.now;
        self.find_or_insert(existing, move || stakeholder::ActiveModel {
            name: Set(name.to_owned()),
            acronym: Set(acronym.map(str::to_owned)),
            stakeholder_group: Set(group),
            accreditation: Set(accreditation),
            country_code: Set(None),
            regional_group: Set(None),
            website: Set(None),
            created_at: Set(now),
            updated_at: Set(now),
            version: Set(1),
            ..Default::default()
        })
        .await
    }

    async fn issue(&mut self, i: &IssueData) -> anyhow::Result<policy_issue::Model> {
        let existing = policy_issue::Entity::find().filter(policy_issue::Column::Slug.eq(&i.slug));
        let origin = if i.wsis_list {
            "On the list of the WSIS and the Working Group on Internet Governance"
        } else {
            "Newly raised by contributors to the 2010 consultation"
        };
        let now = self.now;
        self.find_or_insert(existing, move || policy_issue::ActiveModel {
            slug: Set(i.slug.clone()),
            title: Set(i.title.clone()),
            description: Set(format!(
                "{origin}; report paragraphs {}.",
                paragraphs(&i.paragraphs)
            )),
            area: Set(i.area),
            on_wsis_list: Set(i.wsis_list),
            created_at: Set(now),
            updated_at: Set(now),
            version: Set(1),
            ..Default::default()
        })
        .await
    }

    async fn mechanism(
        &mut self,
        m: &MechanismData,
        host: Option<i64>,
    ) -> anyhow::Result<mechanism::Model> {
        let existing = mechanism::Entity::find().filter(mechanism::Column::Name.eq(&m.name));
        let mut description = format!("Named in report paragraphs {}.", paragraphs(&m.paragraphs));
        if let Some(note) = &m.note {
            description = format!("{description} {note}");
        }
        let now = self.now;
        self.find_or_insert(existing, move || mechanism::ActiveModel {
            name: Set(m.name.clone()),
            acronym: Set(m.acronym.clone()),
            kind: Set(m.kind),
            scope: Set(m.scope),
            status: Set(m.status),
            host_stakeholder_id: Set(host),
            established: Set(m.established.clone()),
            description: Set(Some(description)),
            created_at: Set(now),
            updated_at: Set(now),
            version: Set(1),
            ..Default::default()
        })
        .await
    }

    async fn mechanism_function(
        &mut self,
        mechanism_id: i64,
        function: MechanismFunction,
    ) -> anyhow::Result<()> {
        let existing = mechanism_function::Entity::find_by_id((mechanism_id, function));
        self.find_or_insert(existing, || mechanism_function::ActiveModel {
            mechanism_id: Set(mechanism_id),
            function: Set(function),
        })
        .await?;
        Ok(())
    }

    async fn mechanism_issue(
        &mut self,
        mechanism_id: i64,
        policy_issue_id: i64,
    ) -> anyhow::Result<()> {
        let existing = mechanism_issue::Entity::find_by_id((mechanism_id, policy_issue_id));
        self.find_or_insert(existing, || mechanism_issue::ActiveModel {
            mechanism_id: Set(mechanism_id),
            policy_issue_id: Set(policy_issue_id),
        })
        .await?;
        Ok(())
    }

    async fn document(&mut self, d: &DocumentData) -> anyhow::Result<document::Model> {
        let existing = document::Entity::find().filter(document::Column::Symbol.eq(&d.symbol));
        let now = self.now;
        self.find_or_insert(existing, move || document::ActiveModel {
            symbol: Set(d.symbol.clone()),
            title: Set(d.title.clone()),
            issued: Set(d.date.clone()),
            created_at: Set(now),
            ..Default::default()
        })
        .await
    }

    async fn consultation_document(
        &mut self,
        consultation_id: i64,
        document_id: i64,
    ) -> anyhow::Result<()> {
        let existing = consultation_document::Entity::find_by_id((consultation_id, document_id));
        self.find_or_insert(existing, || consultation_document::ActiveModel {
            consultation_id: Set(consultation_id),
            document_id: Set(document_id),
        })
        .await?;
        Ok(())
    }

    /// The 98 contributions of the table, group by group and kind by kind. The k-th
    /// contribution of each kind in a group comes from placeholder k of that group, so
    /// a delegation that wrote may also have presented and intervened.
    async fn contributions(
        &mut self,
        report: &Report,
        consultation: &consultation::Model,
        meeting: &meeting::Model,
        speakers: &HashMap<StakeholderGroup, i64>,
    ) -> anyhow::Result<()> {
        let table = &report.contribution_table;
        let written_total = table
            .totals
            .get(ContributionKind::WrittenComment.as_str())
            .copied()
            .unwrap_or(1)
            .max(1);
        let opens = midnight(report.consultation.opens_at);
        let span = (midnight(report.consultation.closes_at) - opens).num_seconds();
        let mut written_seen = 0i64;
        for (&group, row) in &table.rows {
            let (label, accreditation) = placeholder(group);
            for &kind in ContributionKind::ALL {
                let count = row.get(kind.as_str()).copied().unwrap_or(0);
                for k in 1..=count {
                    let representative = (kind == ContributionKind::Presentation && k == 1)
                        .then(|| speakers.get(&group).copied())
                        .flatten();
                    let (stakeholder_id, on_behalf_of) = match representative {
                        Some(id) => (id, Some(group)),
                        None => {
                            let name = format!("{label} {k}");
                            (
                                self.stakeholder(&name, None, group, accreditation)
                                    .await?
                                    .id,
                                None,
                            )
                        }
                    };
                    let at = if kind == ContributionKind::WrittenComment {
                        // Spread over the consultation period, as they arrived September–December.
                        let at =
                            opens + Duration::seconds(span * written_seen / written_total as i64);
                        written_seen += 1;
                        at
                    } else {
                        midnight(meeting.held_on) + Duration::hours(10)
                    };
                    let title = format!(
                        "{} {k} of the {} group (placeholder)",
                        kind_label(kind),
                        group_label(group)
                    );
                    let spec = ContributionSpec {
                        consultation_id: consultation.id,
                        stakeholder_id,
                        on_behalf_of,
                        kind,
                        title,
                        at,
                    };
                    let meeting_id =
                        (kind != ContributionKind::WrittenComment).then_some(meeting.id);
                    self.contribution(spec, meeting_id).await?;
                }
            }
        }
        Ok(())
    }

    async fn contribution(
        &mut self,
        c: ContributionSpec,
        meeting_id: Option<i64>,
    ) -> anyhow::Result<()> {
        let exists = contribution::Entity::find()
            .filter(contribution::Column::ConsultationId.eq(c.consultation_id))
            .filter(contribution::Column::Title.eq(&c.title))
            .one(self.txn)
            .await?
            .is_some();
        if exists {
            return Ok(());
        }
        const LANGUAGE: &str = "en";
        let body = format!(
            "Placeholder text. The Secretary-General's report of 4 May 2011 counts this {} in its table \
             (paragraph 10) but neither reproduces its text nor names its author.",
            kind_label(c.kind).to_lowercase()
        );
        self.created += 2;
        let row = contribution::ActiveModel {
            consultation_id: Set(c.consultation_id),
            meeting_id: Set(meeting_id),
            stakeholder_id: Set(c.stakeholder_id),
            on_behalf_of_group: Set(c.on_behalf_of),
            kind: Set(c.kind),
            status: Set(ContributionStatus::Published),
            visibility: Set(Visibility::Public),
            title: Set(c.title.clone()),
            language: Set(LANGUAGE.to_owned()),
            latest_revision: Set(1),
            withdrawn_reason: Set(None),
            created_at: Set(c.at),
            updated_at: Set(c.at),
            submitted_at: Set(Some(c.at)),
            published_at: Set(Some(c.at)),
            version: Set(1),
            ..Default::default()
        }
        .insert(self.txn)
        .await?;
        crate::service::tally::moved(self.txn, None, Some(&row)).await?;
        let revision = contribution_revision::ActiveModel {
            contribution_id: Set(row.id),
            number: Set(1),
            content_hash: Set(content_hash(&c.title, LANGUAGE, &body)),
            title: Set(c.title),
            body: Set(body),
            language: Set(LANGUAGE.to_owned()),
            created_at: Set(c.at),
            ..Default::default()
        }
        .insert(self.txn)
        .await?;
        crate::service::search::index(
            self.txn,
            &[crate::service::search::Indexed {
                contribution_id: row.id,
                language: &revision.language,
                title: &revision.title,
                body: &revision.body,
                translations: "",
            }],
        )
        .await?;
        Ok(())
    }
}

impl Loader<'_> {
    /// The report's draft (see [`super::report_text`]), if the consultation has none;
    /// [`super::run`] publishes it in the same transaction.
    async fn report(&mut self, consultation: &consultation::Model) -> anyhow::Result<Option<i64>> {
        use super::report_text::{SECTIONS, SYMBOL, TITLE};
        use entity::{report, report_paragraph, report_section};
        let exists = report::Entity::find()
            .filter(report::Column::ConsultationId.eq(consultation.id))
            .one(self.txn)
            .await?
            .is_some();
        if exists {
            return Ok(None);
        }
        // The presentations the groups' representatives made (paragraph 10).
        let mut cite = HashMap::new();
        for (placeholder, group) in [
            ("{PRIVATE_SECTOR}", StakeholderGroup::PrivateSector),
            ("{CIVIL_SOCIETY}", StakeholderGroup::CivilSociety),
        ] {
            let title = format!(
                "{} 1 of the {} group (placeholder)",
                kind_label(ContributionKind::Presentation),
                group_label(group)
            );
            let row = contribution::Entity::find()
                .filter(contribution::Column::ConsultationId.eq(consultation.id))
                .filter(contribution::Column::Title.eq(&title))
                .one(self.txn)
                .await?
                .with_context(|| format!("no contribution titled {title}"))?;
            let id = crate::ids::GlobalId::new(crate::ids::NodeType::Contribution, row.id);
            cite.insert(placeholder, format!("[[c:{}]]", id.encode()));
        }
        let report = report::ActiveModel {
            consultation_id: Set(consultation.id),
            title: Set(TITLE.to_owned()),
            symbol: Set(Some(SYMBOL.to_owned())),
            created_at: Set(self.now),
            updated_at: Set(self.now),
            version: Set(1),
            ..Default::default()
        }
        .insert(self.txn)
        .await?;
        self.created += 1;
        for (position, (kind, heading, paragraphs)) in SECTIONS.iter().enumerate() {
            let section = report_section::ActiveModel {
                report_id: Set(report.id),
                kind: Set(*kind),
                position: Set(position as i32),
                heading: Set((*heading).to_owned()),
                created_at: Set(self.now),
                updated_at: Set(self.now),
                version: Set(1),
                ..Default::default()
            }
            .insert(self.txn)
            .await?;
            for (n, (number, text)) in paragraphs.iter().enumerate() {
                let mut body = (*text).to_owned();
                for (placeholder, marker) in &cite {
                    body = body.replace(placeholder, marker);
                }
                report_paragraph::ActiveModel {
                    section_id: Set(section.id),
                    report_id: Set(report.id),
                    position: Set(n as i32),
                    body: Set(body),
                    citations: Set("[]".to_owned()),
                    created_at: Set(self.now),
                    updated_at: Set(self.now),
                    version: Set(1),
                    number: Set(*number),
                    ..Default::default()
                }
                .insert(self.txn)
                .await?;
            }
            self.created += 1 + paragraphs.len();
        }
        Ok(Some(report.id))
    }
}

struct ContributionSpec {
    consultation_id: i64,
    stakeholder_id: i64,
    on_behalf_of: Option<StakeholderGroup>,
    kind: ContributionKind,
    title: String,
    at: DateTime<Utc>,
}

fn kind_label(kind: ContributionKind) -> &'static str {
    match kind {
        ContributionKind::WrittenComment => "Written comment",
        ContributionKind::Presentation => "Presentation",
        ContributionKind::InformalIntervention => "Informal intervention",
    }
}

fn group_label(group: StakeholderGroup) -> &'static str {
    match group {
        StakeholderGroup::Government => "Governments",
        StakeholderGroup::InternationalOrganization => "international organizations",
        StakeholderGroup::CivilSociety => "civil society",
        StakeholderGroup::PrivateSector => "private sector",
    }
}

fn paragraphs(list: &[u32]) -> String {
    list.iter()
        .map(u32::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}
