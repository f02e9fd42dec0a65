//! Meetings of consultations: public to every caller; the secretariat adds and
//! changes them.

use crate::db::Db;
use crate::domain::{Agenda, Checks, Line, day};
use crate::error::{AppResult, MutationResult, UserError, UserErrorCode};
use crate::policy::{self, Action};
use crate::service::versions::{create_row, edit_row};
use crate::viewer::Viewer;
use chrono::{NaiveDate, Utc};
use entity::consultation;
use entity::meeting::{ActiveModel, Entity, Model};
use sea_orm::{EntityTrait, Set};
use std::collections::HashMap;

pub async fn by_ids(db: &impl Db, ids: &[i64]) -> AppResult<HashMap<i64, Model>> {
    // Public records: the fetch that led here asked `policy::may_browse`.
    super::rows::by_ids::<Entity>(db, super::rows::Reading::All, ids).await
}

/// The agenda items, stored as a JSON array of strings.
pub fn agenda(model: &Model) -> Vec<String> {
    serde_json::from_value(model.agenda.clone()).unwrap_or_default()
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

/// Adds a meeting to a consultation (secretariat).
pub async fn create(db: &impl Db, viewer: &Viewer, input: NewMeeting) -> MutationResult<Model> {
    policy::may(viewer, Action::ManageCatalogue)?;
    let mut checks = Checks::default();
    let title = checks.take(Line::parse("title", &input.title, 500));
    let venue = checks.take(Line::parse("venue", &input.venue, 300));
    let agenda = checks.take(Agenda::parse(&input.agenda));
    if let Err(e) = day("heldOn", input.held_on) {
        checks.fail(e);
    }
    checks.finish()?;
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
    let row = ActiveModel {
        consultation_id: Set(input.consultation_id),
        title: Set(title.into_string()),
        venue: Set(venue.into_string()),
        held_on: Set(input.held_on),
        agenda: Set(agenda.to_json()),
        created_at: Set(now),
        updated_at: Set(now),
        version: Set(1),
        ..Default::default()
    };
    create_row::<Entity, _>(db, viewer, ("Meeting", "meeting.create"), |m| m.id, row).await
}

/// Changes to a meeting; fields left out stay as they are.
#[derive(Debug, Clone, Default)]
pub struct MeetingChanges {
    pub title: Option<String>,
    pub venue: Option<String>,
    pub held_on: Option<NaiveDate>,
    pub agenda: Option<Vec<String>>,
}

/// Changes a meeting at the version the caller edited (secretariat).
pub async fn update(
    db: &impl Db,
    viewer: &Viewer,
    id: i64,
    version: i32,
    c: MeetingChanges,
) -> MutationResult<Model> {
    policy::may(viewer, Action::ManageCatalogue)?;
    edit_row::<Entity, _>(
        db,
        viewer,
        ("Meeting", "meeting.update"),
        (id, version),
        |_| {
            let mut checks = Checks::default();
            let mut row = <ActiveModel as Default>::default();
            if let Some(t) = &c.title {
                row.title = Set(checks.take(Line::parse("title", t, 500)).into_string());
            }
            if let Some(v) = &c.venue {
                row.venue = Set(checks.take(Line::parse("venue", v, 300)).into_string());
            }
            if let Some(d) = c.held_on {
                match day("heldOn", d) {
                    Ok(d) => row.held_on = Set(d),
                    Err(e) => checks.fail(e),
                }
            }
            if let Some(agenda) = &c.agenda {
                row.agenda = Set(checks.take(Agenda::parse(agenda)).to_json());
            }
            checks.finish()?;
            Ok(row)
        },
    )
    .await
}
