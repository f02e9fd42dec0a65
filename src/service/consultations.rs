//! Consultations: public to every caller. The secretariat creates and describes them
//! and moves them forward, DRAFT → OPEN → CLOSED → REPORTED, never back.

use crate::db::Db;
use crate::domain::{Checks, GuidingQuestions, Line, Slug, moment, optional};
use crate::error::{AppError, AppResult, MutationResult, UserError, UserErrorCode};
use crate::paging::{self, Listing, Page};
use crate::policy::{self, Action};
use crate::service::audit::{self, Actor};
use crate::service::contributions;
use crate::service::versions::{create_row, edit_row, save_at_version};
use crate::service::webhooks;
use crate::viewer::Viewer;
use chrono::{DateTime, Utc};
use entity::consultation::{ActiveModel, Column, Entity, Model};
use entity::enums::ConsultationStatus;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, Set};
use std::collections::HashMap;

/// Which consultations to list.
#[derive(Debug, Clone, Default)]
pub struct ConsultationFilter {
    pub statuses: Option<Vec<ConsultationStatus>>,
}

/// The consultations `viewer` may find (DRAFT ones are the secretariat's alone).
pub async fn list(
    db: &impl Db,
    viewer: &Viewer,
    filter: &ConsultationFilter,
    page: &Page,
) -> AppResult<Listing<Model>> {
    policy::may_browse(viewer)?;
    let mut select = Entity::find().filter(policy::readable_consultations(viewer));
    if let Some(statuses) = &filter.statuses {
        select = select.filter(Column::Status.is_in(statuses.iter().copied()));
    }
    paging::list(db, select, Column::Id, page).await
}

/// Consultations by id, for the loaders of nested fields (top-level fetches check
/// [`policy::sees_consultation`]).
pub async fn by_ids(db: &impl Db, ids: &[i64]) -> AppResult<HashMap<i64, Model>> {
    // Public records: the fetch that led here asked `policy::may_browse`.
    super::rows::by_ids::<Entity>(db, super::rows::Reading::All, ids).await
}

/// One consultation `viewer` may find, or `NOT_FOUND`.
pub async fn get(db: &impl Db, viewer: &Viewer, id: i64) -> AppResult<Model> {
    Entity::find_by_id(id)
        .filter(policy::readable_consultations(viewer))
        .one(db)
        .await?
        .ok_or(AppError::NotFound("Consultation"))
}

/// The guiding questions, stored as a JSON array of strings.
pub fn guiding_questions(model: &Model) -> Vec<String> {
    serde_json::from_value(model.guiding_questions.clone()).unwrap_or_default()
}

fn closes_after_opening() -> UserError {
    UserError::new(
        "closesAt",
        UserErrorCode::Invalid,
        "The consultation must close after it opens",
    )
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

/// Creates a consultation as DRAFT (secretariat).
#[tracing::instrument(
    name = "consultations::create",
    level = "info",
    skip_all,
    err(Debug, level = "debug")
)]
pub async fn create(
    db: &impl Db,
    viewer: &Viewer,
    input: NewConsultation,
) -> MutationResult<Model> {
    policy::may(viewer, Action::ManageCatalogue)?;
    let mut checks = Checks::default();
    let slug = checks.take(Slug::parse("slug", &input.slug));
    let title = checks.take(Line::parse("title", &input.title, 500));
    let mandate = checks.take(Line::parse("mandate", &input.mandate, 500));
    let convened_by = checks.take(optional(input.convened_by.as_deref(), |c| {
        Line::parse("convenedBy", c, 500)
    }));
    let questions = checks.take(GuidingQuestions::parse(&input.guiding_questions));
    for (field, at) in [("opensAt", input.opens_at), ("closesAt", input.closes_at)] {
        if let Err(e) = moment(field, at) {
            checks.fail(e);
        }
    }
    if input.opens_at >= input.closes_at {
        checks.fail(closes_after_opening());
    }
    checks.finish()?;
    if Entity::find()
        .filter(Column::Slug.eq(slug.as_str()))
        .one(db)
        .await?
        .is_some()
    {
        return Err(UserError::taken("slug", "consultation").into());
    }
    let now = Utc::now();
    let row = ActiveModel {
        slug: Set(slug.into_string()),
        title: Set(title.into_string()),
        mandate: Set(mandate.into_string()),
        convened_by: Set(convened_by.map(Line::into_string)),
        guiding_questions: Set(questions.to_json()),
        opens_at: Set(input.opens_at),
        closes_at: Set(input.closes_at),
        status: Set(ConsultationStatus::Draft),
        created_at: Set(now),
        updated_at: Set(now),
        version: Set(1),
        ..Default::default()
    };
    create_row::<Entity, _>(
        db,
        viewer,
        ("Consultation", "consultation.create"),
        |m| m.id,
        row,
    )
    .await
}

/// Moves a consultation one step forward: DRAFT → OPEN → CLOSED → REPORTED. Closing
/// publishes its embargoed submissions in the same transaction; returns their ids.
#[tracing::instrument(
    name = "consultations::advance",
    level = "info",
    skip_all,
    err(Debug, level = "debug")
)]
pub async fn advance(
    db: &impl Db,
    viewer: &Viewer,
    id: i64,
    version: i32,
    to: ConsultationStatus,
) -> MutationResult<(Model, Vec<i64>)> {
    policy::may(viewer, Action::ManageCatalogue)?;
    let Some(before) = Entity::find_by_id(id).one(db).await? else {
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
    let changes = ActiveModel {
        status: Set(to),
        ..Default::default()
    };
    let after = save_at_version(&txn, id, version, changes, "consultation").await?;
    let released = if to == ConsultationStatus::Closed {
        contributions::release_embargo(&txn, &Actor::of(viewer), id).await?
    } else {
        Vec::new()
    };
    let action = format!("consultation.{}", to.as_str().to_ascii_lowercase());
    audit::append_change(
        &txn,
        viewer,
        &action,
        ("Consultation", id),
        Some(&before),
        &after,
    )
    .await?;
    if to == ConsultationStatus::Closed {
        webhooks::enqueue(&txn, webhooks::Event::ConsultationClosed(&after)).await?;
    }
    txn.commit().await?;
    Ok((after, released))
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

/// Changes a consultation's title, mandate, questions or dates (secretariat).
#[tracing::instrument(
    name = "consultations::update",
    level = "info",
    skip_all,
    err(Debug, level = "debug")
)]
pub async fn update(
    db: &impl Db,
    viewer: &Viewer,
    id: i64,
    version: i32,
    c: ConsultationChanges,
) -> MutationResult<Model> {
    policy::may(viewer, Action::ManageCatalogue)?;
    edit_row::<Entity, _>(
        db,
        viewer,
        ("Consultation", "consultation.update"),
        (id, version),
        |before| {
            let mut checks = Checks::default();
            let mut row = <ActiveModel as Default>::default();
            if let Some(t) = &c.title {
                row.title = Set(checks.take(Line::parse("title", t, 500)).into_string());
            }
            if let Some(m) = &c.mandate {
                row.mandate = Set(checks.take(Line::parse("mandate", m, 500)).into_string());
            }
            if let Some(by) = &c.convened_by {
                let by = checks.take(Line::parse("convenedBy", by, 500));
                row.convened_by = Set(Some(by.into_string()));
            }
            if let Some(questions) = &c.guiding_questions {
                let questions = checks.take(GuidingQuestions::parse(questions));
                row.guiding_questions = Set(questions.to_json());
            }
            for (field, at) in [("opensAt", c.opens_at), ("closesAt", c.closes_at)] {
                if let Some(Err(e)) = at.map(|at| moment(field, at)) {
                    checks.fail(e);
                }
            }
            let opens = c.opens_at.unwrap_or(before.opens_at);
            let closes = c.closes_at.unwrap_or(before.closes_at);
            if opens >= closes {
                checks.fail(closes_after_opening());
            }
            if c.opens_at.is_some() {
                row.opens_at = Set(opens);
            }
            if c.closes_at.is_some() {
                row.closes_at = Set(closes);
            }
            checks.finish()?;
            Ok(row)
        },
    )
    .await
}
