//! What the secretariat manages: stakeholders, consultations (and their forward-only
//! lifecycle), meetings, policy issues and mechanisms. Every write is audited.

use crate::error::{AppError, MutationError, MutationResult, UserError, UserErrorCode};
use crate::policy;
use crate::service::audit::{self, Actor, Change};
use crate::service::{Versioned, save_at_version};
use crate::viewer::Viewer;
use chrono::{DateTime, NaiveDate, Utc};
use entity::enums::*;
use entity::{
    consultation, mechanism, mechanism_function, mechanism_issue, meeting, policy_issue,
    stakeholder,
};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseConnection, DatabaseTransaction, EntityTrait,
    QueryFilter, Set, TransactionTrait,
};
use serde::Serialize;

fn invalid(field: &str, message: impl Into<String>) -> UserError {
    UserError::new(field, UserErrorCode::Invalid, message)
}

fn taken(field: &str, what: &str) -> MutationError {
    UserError::new(
        field,
        UserErrorCode::Taken,
        format!("A {what} with this {field} already exists"),
    )
    .into()
}

/// A required single-line text of 1 to `max` characters, trimmed.
fn line(field: &str, value: &str, max: usize, errors: &mut Vec<UserError>) -> String {
    let value = value.trim();
    if value.is_empty() || value.chars().count() > max || value.contains('\n') {
        errors.push(invalid(
            field,
            format!("Give 1 to {max} characters on one line"),
        ));
    }
    value.to_owned()
}

fn optional_line(
    field: &str,
    value: Option<&str>,
    max: usize,
    errors: &mut Vec<UserError>,
) -> Option<String> {
    value
        .map(|v| line(field, v, max, errors))
        .filter(|v| !v.is_empty())
}

fn slug(field: &str, value: &str, errors: &mut Vec<UserError>) -> String {
    let ok = (1..=100).contains(&value.len())
        && value
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        && !value.starts_with('-')
        && !value.ends_with('-');
    if !ok {
        errors.push(invalid(field, "Use 1 to 100 lowercase letters, digits and inner hyphens, e.g. enhanced-cooperation-2010"));
    }
    value.to_owned()
}

fn done(errors: Vec<UserError>) -> MutationResult<()> {
    if errors.is_empty() {
        Ok(())
    } else {
        Err(MutationError::Input(errors))
    }
}

async fn record<T: Serialize>(
    txn: &DatabaseTransaction,
    viewer: &Viewer,
    action: &str,
    target: &str,
    id: i64,
    before: Option<&T>,
    after: &T,
) -> MutationResult<()> {
    audit::record(
        txn,
        &Actor::of(viewer),
        Change {
            action,
            target_type: target,
            target_id: Some(id),
            before: before.map(audit::state_hash),
            after: Some(audit::state_hash(after)),
        },
    )
    .await?;
    Ok(())
}

/// A new stakeholder.
#[derive(Debug, Clone)]
pub struct NewStakeholder {
    pub name: String,
    pub acronym: Option<String>,
    pub group: StakeholderGroup,
    pub accreditation: Accreditation,
    pub country_code: Option<String>,
    pub regional_group: Option<RegionalGroup>,
    pub website: Option<String>,
}

pub async fn stakeholder_create(
    db: &DatabaseConnection,
    viewer: &Viewer,
    input: NewStakeholder,
) -> MutationResult<stakeholder::Model> {
    policy::may_administer(viewer)?;
    let mut errors = Vec::new();
    let name = line("name", &input.name, 300, &mut errors);
    let acronym = optional_line("acronym", input.acronym.as_deref(), 40, &mut errors);
    let country_code = input
        .country_code
        .as_deref()
        .map(|c| c.trim().to_ascii_uppercase());
    if let Some(code) = &country_code
        && (code.len() != 3 || !code.chars().all(|c| c.is_ascii_uppercase()))
    {
        errors.push(invalid(
            "countryCode",
            "Give an ISO 3166-1 alpha-3 code, e.g. KEN",
        ));
    }
    if (country_code.is_some() || input.regional_group.is_some())
        && input.group != StakeholderGroup::Government
    {
        errors.push(invalid(
            "countryCode",
            "Only Governments have a country code and a regional group",
        ));
    }
    let website = input.website.as_deref().map(str::trim).map(str::to_owned);
    if let Some(w) = &website {
        let ok = w.len() <= 500
            && url::Url::parse(w).is_ok_and(|u| matches!(u.scheme(), "http" | "https"));
        if !ok {
            errors.push(invalid(
                "website",
                "Give an http or https address, e.g. https://www.example.org",
            ));
        }
    }
    done(errors)?;
    if stakeholder::Entity::find()
        .filter(stakeholder::Column::Name.eq(&name))
        .one(db)
        .await?
        .is_some()
    {
        return Err(taken("name", "stakeholder"));
    }
    let now = Utc::now();
    let txn = db.begin().await?;
    let row = stakeholder::ActiveModel {
        name: Set(name),
        acronym: Set(acronym),
        stakeholder_group: Set(input.group),
        accreditation: Set(input.accreditation),
        country_code: Set(country_code),
        regional_group: Set(input.regional_group),
        website: Set(website),
        created_at: Set(now),
        updated_at: Set(now),
        version: Set(1),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    record(
        &txn,
        viewer,
        "stakeholder.create",
        "Stakeholder",
        row.id,
        None,
        &row,
    )
    .await?;
    txn.commit().await?;
    Ok(row)
}

/// A new consultation (created as DRAFT).
#[derive(Debug, Clone)]
pub struct NewConsultation {
    pub slug: String,
    pub title: String,
    pub mandate: String,
    pub convened_by: Option<String>,
    pub guiding_questions: Vec<String>,
    pub opens_at: DateTime<Utc>,
    pub closes_at: DateTime<Utc>,
}

pub async fn consultation_create(
    db: &DatabaseConnection,
    viewer: &Viewer,
    input: NewConsultation,
) -> MutationResult<consultation::Model> {
    policy::may_administer(viewer)?;
    let mut errors = Vec::new();
    let slug = slug("slug", &input.slug, &mut errors);
    let title = line("title", &input.title, 500, &mut errors);
    let mandate = line("mandate", &input.mandate, 500, &mut errors);
    let convened_by = optional_line("convenedBy", input.convened_by.as_deref(), 500, &mut errors);
    let questions: Vec<String> = input
        .guiding_questions
        .iter()
        .map(|q| q.trim().to_owned())
        .collect();
    if questions
        .iter()
        .any(|q| q.is_empty() || q.chars().count() > 2000)
        || questions.len() > 50
    {
        errors.push(invalid(
            "guidingQuestions",
            "Give at most 50 questions of 1 to 2000 characters each",
        ));
    }
    if input.opens_at >= input.closes_at {
        errors.push(invalid(
            "closesAt",
            "The consultation must close after it opens",
        ));
    }
    done(errors)?;
    if consultation::Entity::find()
        .filter(consultation::Column::Slug.eq(&slug))
        .one(db)
        .await?
        .is_some()
    {
        return Err(taken("slug", "consultation"));
    }
    let now = Utc::now();
    let txn = db.begin().await?;
    let row = consultation::ActiveModel {
        slug: Set(slug),
        title: Set(title),
        mandate: Set(mandate),
        convened_by: Set(convened_by),
        guiding_questions: Set(serde_json::json!(questions)),
        opens_at: Set(input.opens_at),
        closes_at: Set(input.closes_at),
        status: Set(ConsultationStatus::Draft),
        created_at: Set(now),
        updated_at: Set(now),
        version: Set(1),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    record(
        &txn,
        viewer,
        "consultation.create",
        "Consultation",
        row.id,
        None,
        &row,
    )
    .await?;
    txn.commit().await?;
    Ok(row)
}

/// Moves a consultation one step forward: DRAFT → OPEN → CLOSED → REPORTED.
pub async fn consultation_advance(
    db: &DatabaseConnection,
    viewer: &Viewer,
    id: i64,
    version: i32,
    to: ConsultationStatus,
) -> MutationResult<(consultation::Model, Vec<i64>)> {
    policy::may_administer(viewer)?;
    let Some(before) = consultation::Entity::find_by_id(id).one(db).await? else {
        return Err(AppError::NotFound("Consultation").into());
    };
    if before.version != version {
        return Err(AppError::Conflict("consultation").into());
    }
    let from = match to {
        ConsultationStatus::Open => ConsultationStatus::Draft,
        ConsultationStatus::Closed => ConsultationStatus::Open,
        ConsultationStatus::Reported => ConsultationStatus::Closed,
        ConsultationStatus::Draft => {
            return Err(UserError::new(
                "id",
                UserErrorCode::NotAllowed,
                "A consultation never goes back to DRAFT",
            )
            .into());
        }
    };
    if before.status != from {
        return Err(UserError::new(
            "id",
            UserErrorCode::NotAllowed,
            format!(
                "Only a {} consultation can become {}; this one is {}",
                from.as_str(),
                to.as_str(),
                before.status.as_str()
            ),
        )
        .into());
    }
    let txn = db.begin().await?;
    let changes = consultation::ActiveModel {
        status: Set(to),
        ..Default::default()
    };
    let cols = Versioned {
        id: consultation::Column::Id,
        version: consultation::Column::Version,
        updated_at: consultation::Column::UpdatedAt,
    };
    let after = save_at_version(&txn, cols, id, version, changes, "consultation").await?;
    let released = if to == ConsultationStatus::Closed {
        super::workflow::release_embargo(&txn, &Actor::of(viewer), id).await?
    } else {
        Vec::new()
    };
    let action = format!("consultation.{}", to.as_str().to_ascii_lowercase());
    record(
        &txn,
        viewer,
        &action,
        "Consultation",
        id,
        Some(&before),
        &after,
    )
    .await?;
    txn.commit().await?;
    Ok((after, released))
}

/// A new meeting of a consultation.
#[derive(Debug, Clone)]
pub struct NewMeeting {
    pub consultation_id: i64,
    pub title: String,
    pub venue: String,
    pub held_on: NaiveDate,
    pub agenda: Vec<String>,
}

pub async fn meeting_create(
    db: &DatabaseConnection,
    viewer: &Viewer,
    input: NewMeeting,
) -> MutationResult<meeting::Model> {
    policy::may_administer(viewer)?;
    let mut errors = Vec::new();
    let title = line("title", &input.title, 500, &mut errors);
    let venue = line("venue", &input.venue, 300, &mut errors);
    let agenda: Vec<String> = input.agenda.iter().map(|a| a.trim().to_owned()).collect();
    if agenda
        .iter()
        .any(|a| a.is_empty() || a.chars().count() > 500)
        || agenda.len() > 100
    {
        errors.push(invalid(
            "agenda",
            "Give at most 100 agenda items of 1 to 500 characters each",
        ));
    }
    done(errors)?;
    if consultation::Entity::find_by_id(input.consultation_id)
        .one(db)
        .await?
        .is_none()
    {
        return Err(UserError::new(
            "consultation",
            UserErrorCode::NotFound,
            "No such consultation",
        )
        .into());
    }
    let now = Utc::now();
    let txn = db.begin().await?;
    let row = meeting::ActiveModel {
        consultation_id: Set(input.consultation_id),
        title: Set(title),
        venue: Set(venue),
        held_on: Set(input.held_on),
        agenda: Set(serde_json::json!(agenda)),
        created_at: Set(now),
        updated_at: Set(now),
        version: Set(1),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    record(
        &txn,
        viewer,
        "meeting.create",
        "Meeting",
        row.id,
        None,
        &row,
    )
    .await?;
    txn.commit().await?;
    Ok(row)
}

/// A new public policy issue.
#[derive(Debug, Clone)]
pub struct NewPolicyIssue {
    pub slug: String,
    pub title: String,
    pub description: String,
    pub area: PolicyArea,
    pub on_wsis_list: bool,
}

pub async fn policy_issue_create(
    db: &DatabaseConnection,
    viewer: &Viewer,
    input: NewPolicyIssue,
) -> MutationResult<policy_issue::Model> {
    policy::may_administer(viewer)?;
    let mut errors = Vec::new();
    let slug = slug("slug", &input.slug, &mut errors);
    let title = line("title", &input.title, 300, &mut errors);
    let description = input.description.trim().to_owned();
    if description.chars().count() > 10_000 {
        errors.push(invalid("description", "Give at most 10000 characters"));
    }
    done(errors)?;
    if policy_issue::Entity::find()
        .filter(policy_issue::Column::Slug.eq(&slug))
        .one(db)
        .await?
        .is_some()
    {
        return Err(taken("slug", "policy issue"));
    }
    let now = Utc::now();
    let txn = db.begin().await?;
    let row = policy_issue::ActiveModel {
        slug: Set(slug),
        title: Set(title),
        description: Set(description),
        area: Set(input.area),
        on_wsis_list: Set(input.on_wsis_list),
        created_at: Set(now),
        updated_at: Set(now),
        version: Set(1),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    record(
        &txn,
        viewer,
        "policy_issue.create",
        "PolicyIssue",
        row.id,
        None,
        &row,
    )
    .await?;
    txn.commit().await?;
    Ok(row)
}

/// A new cooperation mechanism, existing or proposed.
#[derive(Debug, Clone)]
pub struct NewMechanism {
    pub name: String,
    pub acronym: Option<String>,
    pub kind: MechanismKind,
    pub scope: Option<MechanismScope>,
    pub status: MechanismStatus,
    pub host_stakeholder_id: Option<i64>,
    pub established: Option<String>,
    pub description: Option<String>,
    pub functions: Vec<MechanismFunction>,
    pub issue_ids: Vec<i64>,
}

pub async fn mechanism_create(
    db: &DatabaseConnection,
    viewer: &Viewer,
    input: NewMechanism,
) -> MutationResult<mechanism::Model> {
    policy::may_administer(viewer)?;
    let mut errors = Vec::new();
    let name = line("name", &input.name, 300, &mut errors);
    let acronym = optional_line("acronym", input.acronym.as_deref(), 40, &mut errors);
    if let Some(e) = &input.established {
        let ok = NaiveDate::parse_from_str(e, "%Y-%m-%d").is_ok()
            || NaiveDate::parse_from_str(&format!("{e}-01"), "%Y-%m-%d").is_ok()
            || (e.len() == 4 && e.chars().all(|c| c.is_ascii_digit()));
        if !ok {
            errors.push(invalid("established", "Give YYYY, YYYY-MM or YYYY-MM-DD"));
        }
    }
    done(errors)?;
    if let Some(host) = input.host_stakeholder_id {
        super::stakeholders::require(db, "host", host).await?;
    }
    let mut issues = input.issue_ids.clone();
    issues.sort_unstable();
    issues.dedup();
    let found = policy_issue::Entity::find()
        .filter(policy_issue::Column::Id.is_in(issues.iter().copied()))
        .all(db)
        .await?;
    if found.len() != issues.len() {
        return Err(UserError::new(
            "issues",
            UserErrorCode::NotFound,
            "A policy issue given does not exist",
        )
        .into());
    }
    if mechanism::Entity::find()
        .filter(mechanism::Column::Name.eq(&name))
        .one(db)
        .await?
        .is_some()
    {
        return Err(taken("name", "mechanism"));
    }
    let now = Utc::now();
    let txn = db.begin().await?;
    let row = mechanism::ActiveModel {
        name: Set(name),
        acronym: Set(acronym),
        kind: Set(input.kind),
        scope: Set(input.scope),
        status: Set(input.status),
        host_stakeholder_id: Set(input.host_stakeholder_id),
        established: Set(input.established.clone()),
        description: Set(input
            .description
            .as_deref()
            .map(str::trim)
            .map(str::to_owned)),
        created_at: Set(now),
        updated_at: Set(now),
        version: Set(1),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    let mut functions = input.functions.clone();
    functions.sort();
    functions.dedup();
    for function in functions {
        mechanism_function::ActiveModel {
            mechanism_id: Set(row.id),
            function: Set(function),
        }
        .insert(&txn)
        .await?;
    }
    for issue in issues {
        mechanism_issue::ActiveModel {
            mechanism_id: Set(row.id),
            policy_issue_id: Set(issue),
        }
        .insert(&txn)
        .await?;
    }
    record(
        &txn,
        viewer,
        "mechanism.create",
        "Mechanism",
        row.id,
        None,
        &row,
    )
    .await?;
    txn.commit().await?;
    Ok(row)
}

/// Saves `changes` to the row `id` of `E` if it is still at `version` (else `CONFLICT`),
/// bumping the version, with an audit event; `check` validates the row as it would be.
async fn update_versioned<E, A>(
    db: &DatabaseConnection,
    viewer: &Viewer,
    (id_col, version_col, updated_col): (E::Column, E::Column, E::Column),
    (target, action): (&'static str, &str),
    (id, version): (i64, i32),
    changes: impl FnOnce(&E::Model) -> MutationResult<A>,
) -> MutationResult<E::Model>
where
    E: sea_orm::EntityTrait<ActiveModel = A>,
    E::Model: Serialize + sea_orm::IntoActiveModel<A> + Sync,
    A: ActiveModelTrait<Entity = E> + sea_orm::ActiveModelBehavior + Send,
{
    policy::may_administer(viewer)?;
    let Some(before) = E::find().filter(id_col.eq(id)).one(db).await? else {
        return Err(AppError::NotFound(target).into());
    };
    let current: i32 = match sea_orm::ModelTrait::get(&before, version_col) {
        sea_orm::Value::Int(Some(v)) => v,
        _ => 0,
    };
    if current != version {
        return Err(AppError::Conflict("record").into());
    }
    let row = changes(&before)?;
    let txn = db.begin().await?;
    let cols = Versioned {
        id: id_col,
        version: version_col,
        updated_at: updated_col,
    };
    let after = save_at_version(&txn, cols, id, version, row, "record").await?;
    record(&txn, viewer, action, target, id, Some(&before), &after).await?;
    txn.commit().await?;
    Ok(after)
}

/// Changes to a consultation's description; fields left out stay as they are.
#[derive(Debug, Clone, Default)]
pub struct ConsultationChanges {
    pub title: Option<String>,
    pub mandate: Option<String>,
    pub convened_by: Option<String>,
    pub guiding_questions: Option<Vec<String>>,
    pub opens_at: Option<DateTime<Utc>>,
    pub closes_at: Option<DateTime<Utc>>,
}

pub async fn consultation_update(
    db: &DatabaseConnection,
    viewer: &Viewer,
    id: i64,
    version: i32,
    c: ConsultationChanges,
) -> MutationResult<consultation::Model> {
    use consultation::Column as C;
    update_versioned::<consultation::Entity, _>(
        db,
        viewer,
        (C::Id, C::Version, C::UpdatedAt),
        ("Consultation", "consultation.update"),
        (id, version),
        |before| {
            let mut errors = Vec::new();
            let mut row = <consultation::ActiveModel as Default>::default();
            if let Some(t) = &c.title {
                row.title = Set(line("title", t, 500, &mut errors));
            }
            if let Some(m) = &c.mandate {
                row.mandate = Set(line("mandate", m, 500, &mut errors));
            }
            if let Some(by) = &c.convened_by {
                row.convened_by = Set(optional_line("convenedBy", Some(by), 500, &mut errors));
            }
            if let Some(questions) = &c.guiding_questions {
                let questions: Vec<String> =
                    questions.iter().map(|q| q.trim().to_owned()).collect();
                if questions
                    .iter()
                    .any(|q| q.is_empty() || q.chars().count() > 2000)
                    || questions.len() > 50
                {
                    errors.push(invalid(
                        "guidingQuestions",
                        "Give at most 50 questions of 1 to 2000 characters each",
                    ));
                }
                row.guiding_questions = Set(serde_json::json!(questions));
            }
            let opens = c.opens_at.unwrap_or(before.opens_at);
            let closes = c.closes_at.unwrap_or(before.closes_at);
            if opens >= closes {
                errors.push(invalid(
                    "closesAt",
                    "The consultation must close after it opens",
                ));
            }
            if c.opens_at.is_some() {
                row.opens_at = Set(opens);
            }
            if c.closes_at.is_some() {
                row.closes_at = Set(closes);
            }
            done(errors)?;
            Ok(row)
        },
    )
    .await
}

/// Changes to a stakeholder; fields left out stay as they are.
#[derive(Debug, Clone, Default)]
pub struct StakeholderChanges {
    pub name: Option<String>,
    pub acronym: Option<String>,
    pub accreditation: Option<Accreditation>,
    pub website: Option<String>,
}

pub async fn stakeholder_update(
    db: &DatabaseConnection,
    viewer: &Viewer,
    id: i64,
    version: i32,
    c: StakeholderChanges,
) -> MutationResult<stakeholder::Model> {
    use stakeholder::Column as S;
    if let Some(name) = &c.name {
        let taken_by_other = stakeholder::Entity::find()
            .filter(S::Name.eq(name.trim()))
            .filter(S::Id.ne(id))
            .one(db)
            .await?;
        if taken_by_other.is_some() {
            return Err(taken("name", "stakeholder"));
        }
    }
    update_versioned::<stakeholder::Entity, _>(
        db,
        viewer,
        (S::Id, S::Version, S::UpdatedAt),
        ("Stakeholder", "stakeholder.update"),
        (id, version),
        |_| {
            let mut errors = Vec::new();
            let mut row = <stakeholder::ActiveModel as Default>::default();
            if let Some(n) = &c.name {
                row.name = Set(line("name", n, 300, &mut errors));
            }
            if let Some(a) = &c.acronym {
                row.acronym = Set(optional_line("acronym", Some(a), 40, &mut errors));
            }
            if let Some(a) = c.accreditation {
                row.accreditation = Set(a);
            }
            if let Some(w) = &c.website {
                let w = w.trim();
                let ok = w.len() <= 500
                    && url::Url::parse(w).is_ok_and(|u| matches!(u.scheme(), "http" | "https"));
                if !ok {
                    errors.push(invalid(
                        "website",
                        "Give an http or https address, e.g. https://www.example.org",
                    ));
                }
                row.website = Set(Some(w.to_owned()));
            }
            done(errors)?;
            Ok(row)
        },
    )
    .await
}

/// Changes to a meeting; fields left out stay as they are.
#[derive(Debug, Clone, Default)]
pub struct MeetingChanges {
    pub title: Option<String>,
    pub venue: Option<String>,
    pub held_on: Option<NaiveDate>,
    pub agenda: Option<Vec<String>>,
}

pub async fn meeting_update(
    db: &DatabaseConnection,
    viewer: &Viewer,
    id: i64,
    version: i32,
    c: MeetingChanges,
) -> MutationResult<meeting::Model> {
    use meeting::Column as M;
    update_versioned::<meeting::Entity, _>(
        db,
        viewer,
        (M::Id, M::Version, M::UpdatedAt),
        ("Meeting", "meeting.update"),
        (id, version),
        |_| {
            let mut errors = Vec::new();
            let mut row = <meeting::ActiveModel as Default>::default();
            if let Some(t) = &c.title {
                row.title = Set(line("title", t, 500, &mut errors));
            }
            if let Some(v) = &c.venue {
                row.venue = Set(line("venue", v, 300, &mut errors));
            }
            if let Some(d) = c.held_on {
                row.held_on = Set(d);
            }
            if let Some(agenda) = &c.agenda {
                let agenda: Vec<String> = agenda.iter().map(|a| a.trim().to_owned()).collect();
                if agenda
                    .iter()
                    .any(|a| a.is_empty() || a.chars().count() > 500)
                    || agenda.len() > 100
                {
                    errors.push(invalid(
                        "agenda",
                        "Give at most 100 agenda items of 1 to 500 characters each",
                    ));
                }
                row.agenda = Set(serde_json::json!(agenda));
            }
            done(errors)?;
            Ok(row)
        },
    )
    .await
}

/// Changes to a policy issue; fields left out stay as they are.
#[derive(Debug, Clone, Default)]
pub struct PolicyIssueChanges {
    pub title: Option<String>,
    pub description: Option<String>,
    pub area: Option<PolicyArea>,
    pub on_wsis_list: Option<bool>,
}

pub async fn policy_issue_update(
    db: &DatabaseConnection,
    viewer: &Viewer,
    id: i64,
    version: i32,
    c: PolicyIssueChanges,
) -> MutationResult<policy_issue::Model> {
    use policy_issue::Column as P;
    update_versioned::<policy_issue::Entity, _>(
        db,
        viewer,
        (P::Id, P::Version, P::UpdatedAt),
        ("PolicyIssue", "policy_issue.update"),
        (id, version),
        |_| {
            let mut errors = Vec::new();
            let mut row = <policy_issue::ActiveModel as Default>::default();
            if let Some(t) = &c.title {
                row.title = Set(line("title", t, 300, &mut errors));
            }
            if let Some(d) = &c.description {
                if d.chars().count() > 10_000 {
                    errors.push(invalid("description", "Give at most 10000 characters"));
                }
                row.description = Set(d.trim().to_owned());
            }
            if let Some(a) = c.area {
                row.area = Set(a);
            }
            if let Some(w) = c.on_wsis_list {
                row.on_wsis_list = Set(w);
            }
            done(errors)?;
            Ok(row)
        },
    )
    .await
}

/// Changes to a mechanism; fields left out stay as they are.
#[derive(Debug, Clone, Default)]
pub struct MechanismChanges {
    pub name: Option<String>,
    pub acronym: Option<String>,
    pub status: Option<MechanismStatus>,
    pub scope: Option<MechanismScope>,
    pub description: Option<String>,
    /// `Some(None)` removes the host.
    pub host_stakeholder_id: Option<Option<i64>>,
    /// Replaces the functions.
    pub functions: Option<Vec<MechanismFunction>>,
    /// Replaces the issues it addresses.
    pub issue_ids: Option<Vec<i64>>,
}

pub async fn mechanism_update(
    db: &DatabaseConnection,
    viewer: &Viewer,
    id: i64,
    version: i32,
    c: MechanismChanges,
) -> MutationResult<mechanism::Model> {
    use mechanism::Column as X;
    policy::may_administer(viewer)?;
    let Some(before) = mechanism::Entity::find_by_id(id).one(db).await? else {
        return Err(AppError::NotFound("Mechanism").into());
    };
    if before.version != version {
        return Err(AppError::Conflict("mechanism").into());
    }
    let mut errors = Vec::new();
    let mut row = <mechanism::ActiveModel as Default>::default();
    if let Some(n) = &c.name {
        row.name = Set(line("name", n, 300, &mut errors));
    }
    if let Some(a) = &c.acronym {
        row.acronym = Set(optional_line("acronym", Some(a), 40, &mut errors));
    }
    if let Some(s) = c.status {
        row.status = Set(s);
    }
    if let Some(s) = c.scope {
        row.scope = Set(Some(s));
    }
    if let Some(d) = &c.description {
        row.description = Set(Some(d.trim().to_owned()));
    }
    done(errors)?;
    if let Some(name) = &c.name {
        let taken_by_other = mechanism::Entity::find()
            .filter(X::Name.eq(name.trim()))
            .filter(X::Id.ne(id))
            .one(db)
            .await?;
        if taken_by_other.is_some() {
            return Err(taken("name", "mechanism"));
        }
    }
    if let Some(host) = c.host_stakeholder_id {
        if let Some(host) = host {
            super::stakeholders::require(db, "host", host).await?;
        }
        row.host_stakeholder_id = Set(host);
    }
    let issues = match &c.issue_ids {
        Some(ids) => {
            let mut ids = ids.clone();
            ids.sort_unstable();
            ids.dedup();
            let found = policy_issue::Entity::find()
                .filter(policy_issue::Column::Id.is_in(ids.iter().copied()))
                .all(db)
                .await?;
            if found.len() != ids.len() {
                return Err(UserError::new(
                    "issues",
                    UserErrorCode::NotFound,
                    "A policy issue given does not exist",
                )
                .into());
            }
            Some(ids)
        }
        None => None,
    };
    let txn = db.begin().await?;
    let cols = Versioned {
        id: X::Id,
        version: X::Version,
        updated_at: X::UpdatedAt,
    };
    let after = save_at_version(&txn, cols, id, version, row, "mechanism").await?;
    if let Some(functions) = &c.functions {
        let mut functions = functions.clone();
        functions.sort();
        functions.dedup();
        mechanism_function::Entity::delete_many()
            .filter(mechanism_function::Column::MechanismId.eq(id))
            .exec(&txn)
            .await?;
        for function in functions {
            mechanism_function::ActiveModel {
                mechanism_id: Set(id),
                function: Set(function),
            }
            .insert(&txn)
            .await?;
        }
    }
    if let Some(issues) = issues {
        mechanism_issue::Entity::delete_many()
            .filter(mechanism_issue::Column::MechanismId.eq(id))
            .exec(&txn)
            .await?;
        for issue in issues {
            mechanism_issue::ActiveModel {
                mechanism_id: Set(id),
                policy_issue_id: Set(issue),
            }
            .insert(&txn)
            .await?;
        }
    }
    // The after-state includes the links the update replaced.
    audit::record(
        &txn,
        &Actor::of(viewer),
        Change {
            action: "mechanism.update",
            target_type: "Mechanism",
            target_id: Some(id),
            before: Some(audit::state_hash(&before)),
            after: Some(audit::state_hash(&(&after, &c.functions, &c.issue_ids))),
        },
    )
    .await?;
    txn.commit().await?;
    Ok(after)
}
