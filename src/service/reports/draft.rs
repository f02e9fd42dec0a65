//! Writing the draft: the report, its sections, its paragraphs and their citations.

use super::citations::{self, Citation, MAX_CITATIONS, MAX_PARAGRAPH_CHARS};
use super::render::{self};
use super::{MAX_PARAGRAPHS, MAX_SECTIONS, contribution_gid};
use crate::db::Db;
use crate::domain::{Checks, Line, optional};
use crate::error::{AppError, MutationResult, UserError, UserErrorCode};
use crate::policy::{self, Action};
use crate::service::audit;
use crate::service::contributions::{self};
use crate::service::versions::save_at_version;
use crate::viewer::Viewer;
use chrono::Utc;
use entity::enums::ReportSectionKind;
use entity::{contribution, mechanism, policy_issue, report, report_paragraph, report_section};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseTransaction, EntityTrait,
    PaginatorTrait, QueryFilter, QuerySelect, Set,
};
use std::collections::HashMap;

/// A new report for a consultation.
#[derive(Debug, Clone)]
pub struct NewReport {
    pub consultation_id: i64,
    pub title: String,
    pub symbol: Option<String>,
}

/// Starts the report of a consultation (secretariat); one per consultation.
pub async fn create(
    db: &impl Db,
    viewer: &Viewer,
    input: NewReport,
) -> MutationResult<report::Model> {
    policy::may(viewer, Action::DraftReport)?;
    let mut checks = Checks::default();
    let title = checks.take(Line::parse("title", &input.title, 300));
    let symbol = checks.take(optional(input.symbol.as_deref(), |s| {
        Line::parse("symbol", s, 100)
    }));
    checks.finish()?;
    let consultation = contributions::consultation_of(db, viewer, input.consultation_id).await?;
    let taken = report::Entity::find()
        .filter(report::Column::ConsultationId.eq(consultation.id))
        .one(db)
        .await?;
    if taken.is_some() {
        return Err(UserError::new(
            "consultation",
            UserErrorCode::Taken,
            "This consultation has a report already; add sections to it",
        )
        .into());
    }
    let now = Utc::now();
    crate::service::versions::create_row(
        db,
        viewer,
        ("Report", "report.create"),
        |r: &report::Model| r.id,
        report::ActiveModel {
            consultation_id: Set(consultation.id),
            title: Set(title.into_string()),
            symbol: Set(symbol.map(Line::into_string)),
            created_at: Set(now),
            updated_at: Set(now),
            version: Set(1),
            ..Default::default()
        },
    )
    .await
}

/// Moves the report's version: every change to its content does, so that publishing
/// names the exact state the caller reviewed.
async fn touch(txn: &DatabaseTransaction, report_id: i64) -> MutationResult<()> {
    report::Entity::update_many()
        .col_expr(
            report::Column::Version,
            Expr::col(report::Column::Version).add(1),
        )
        .col_expr(report::Column::UpdatedAt, Expr::value(Utc::now()))
        .filter(report::Column::Id.eq(report_id))
        .exec(txn)
        .await?;
    Ok(())
}

/// A new section of a report.
#[derive(Debug, Clone)]
pub struct NewSection {
    pub report_id: i64,
    pub kind: ReportSectionKind,
    /// Defaults to the 2011 report's heading for the kind.
    pub heading: Option<String>,
}

/// Adds a section at the end of a report (secretariat).
pub async fn add_section(
    db: &impl Db,
    viewer: &Viewer,
    input: NewSection,
) -> MutationResult<report_section::Model> {
    policy::may(viewer, Action::DraftReport)?;
    let heading = match &input.heading {
        Some(h) => Line::parse("heading", h, 300)?.into_string(),
        None => render::default_heading(input.kind).to_owned(),
    };
    let report = require_report(db, input.report_id).await?;
    let count = report_section::Entity::find()
        .filter(report_section::Column::ReportId.eq(report.id))
        .count(db)
        .await?;
    if count >= MAX_SECTIONS {
        return Err(UserError::new(
            "report",
            UserErrorCode::NotAllowed,
            format!("A report has at most {MAX_SECTIONS} sections"),
        )
        .into());
    }
    let now = Utc::now();
    let row = report_section::ActiveModel {
        report_id: Set(report.id),
        kind: Set(input.kind),
        position: Set(count as i32),
        heading: Set(heading),
        created_at: Set(now),
        updated_at: Set(now),
        version: Set(1),
        ..Default::default()
    };
    append(
        db,
        viewer,
        report.id,
        ("ReportSection", "report.section_add"),
        row,
        |r| r.id,
    )
    .await
}

/// Inserts a part of report `report_id` (a section, a paragraph), moves the report's
/// version and appends the audit event `action`, in one transaction.
async fn append<E, A>(
    db: &impl Db,
    viewer: &Viewer,
    report_id: i64,
    (target, action): (&str, &str),
    row: A,
    id: fn(&E::Model) -> i64,
) -> MutationResult<E::Model>
where
    E: EntityTrait<ActiveModel = A>,
    E::Model: serde::Serialize + sea_orm::IntoActiveModel<A> + Sync,
    A: ActiveModelTrait<Entity = E> + sea_orm::ActiveModelBehavior + Send,
{
    let txn = db.begin().await?;
    let row = row.insert(&txn).await?;
    touch(&txn, report_id).await?;
    audit::append_change(&txn, viewer, action, (target, id(&row)), None, &row).await?;
    txn.commit().await?;
    Ok(row)
}

async fn require_report(db: &impl ConnectionTrait, id: i64) -> MutationResult<report::Model> {
    report::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or_else(|| UserError::new("report", UserErrorCode::NotFound, "No such report").into())
}

/// A paragraph's text and its listed citations.
#[derive(Debug, Clone)]
pub struct ParagraphText {
    pub body: String,
    pub citations: Vec<Citation>,
}

/// Checks a paragraph: its length, its markers, and that every citation names a
/// contribution of the report's consultation or a cell of its analysis that exists.
/// (Whether a cited contribution is published is checked when the report is.)
async fn check_paragraph(
    db: &impl ConnectionTrait,
    consultation_id: i64,
    text: &ParagraphText,
) -> MutationResult<String> {
    let body = text.body.trim().to_owned();
    if body.is_empty() {
        return Err(UserError::new(
            "body",
            UserErrorCode::Invalid,
            "A paragraph cannot be empty",
        )
        .into());
    }
    let chars = body.chars().count();
    if chars > MAX_PARAGRAPH_CHARS {
        return Err(UserError::new(
            "body",
            UserErrorCode::Invalid,
            format!(
                "A paragraph has at most {MAX_PARAGRAPH_CHARS} characters; this one has {chars}"
            ),
        )
        .into());
    }
    citations::pieces("body", &body)?;
    let all = citations::all(&body, &text.citations);
    if all.len() > MAX_CITATIONS {
        return Err(UserError::new(
            "citations",
            UserErrorCode::Invalid,
            format!("A paragraph cites at most {MAX_CITATIONS} sources"),
        )
        .into());
    }
    let ids: Vec<i64> = all.iter().filter_map(|c| c.contribution()).collect();
    let found: HashMap<i64, i64> = contribution::Entity::find()
        .select_only()
        .column(contribution::Column::Id)
        .column(contribution::Column::ConsultationId)
        .filter(contribution::Column::Id.is_in(ids.iter().copied()))
        .into_tuple::<(i64, i64)>()
        .all(db)
        .await?
        .into_iter()
        .collect();
    let mut checks = Checks::default();
    for id in &ids {
        match found.get(id) {
            None => checks.fail(UserError::new(
                "citations",
                UserErrorCode::NotFound,
                format!("No contribution {} to cite", contribution_gid(*id)),
            )),
            Some(c) if *c != consultation_id => checks.fail(UserError::new(
                "citations",
                UserErrorCode::Invalid,
                format!(
                    "Contribution {} belongs to another consultation",
                    contribution_gid(*id)
                ),
            )),
            Some(_) => {}
        }
    }
    for c in &all {
        let exists = match c {
            Citation::Contribution(_) => true,
            Citation::IssueCell { issue, .. } => policy_issue::Entity::find_by_id(*issue)
                .one(db)
                .await?
                .is_some(),
            Citation::StanceCell { mechanism, .. } => mechanism::Entity::find_by_id(*mechanism)
                .one(db)
                .await?
                .is_some(),
        };
        if !exists {
            checks.fail(UserError::new(
                "citations",
                UserErrorCode::NotFound,
                "A cited analysis cell names an issue or mechanism that does not exist",
            ));
        }
    }
    checks.finish()?;
    Ok(body)
}

/// Adds a paragraph at the end of a section (secretariat).
pub async fn add_paragraph(
    db: &impl Db,
    viewer: &Viewer,
    section_id: i64,
    text: ParagraphText,
) -> MutationResult<report_paragraph::Model> {
    policy::may(viewer, Action::DraftReport)?;
    let Some(section) = report_section::Entity::find_by_id(section_id)
        .one(db)
        .await?
    else {
        return Err(UserError::new("section", UserErrorCode::NotFound, "No such section").into());
    };
    let report = require_report(db, section.report_id).await?;
    let body = check_paragraph(db, report.consultation_id, &text).await?;
    let count = report_paragraph::Entity::find()
        .filter(report_paragraph::Column::SectionId.eq(section.id))
        .count(db)
        .await?;
    if count >= MAX_PARAGRAPHS {
        return Err(UserError::new(
            "section",
            UserErrorCode::NotAllowed,
            format!("A section has at most {MAX_PARAGRAPHS} paragraphs"),
        )
        .into());
    }
    let now = Utc::now();
    let row = report_paragraph::ActiveModel {
        section_id: Set(section.id),
        report_id: Set(report.id),
        position: Set(count as i32),
        body: Set(body),
        citations: Set(citations::to_json(&text.citations)),
        created_at: Set(now),
        updated_at: Set(now),
        version: Set(1),
        ..Default::default()
    };
    let action = ("ReportParagraph", "report.paragraph_add");
    append(db, viewer, report.id, action, row, |p| p.id).await
}

/// Replaces a paragraph's text and citations at the version the caller edited
/// (secretariat).
pub async fn edit_paragraph(
    db: &impl Db,
    viewer: &Viewer,
    id: i64,
    version: i32,
    text: ParagraphText,
) -> MutationResult<report_paragraph::Model> {
    policy::may(viewer, Action::DraftReport)?;
    let Some(before) = report_paragraph::Entity::find_by_id(id).one(db).await? else {
        return Err(AppError::NotFound("ReportParagraph").into());
    };
    if before.version != version {
        return Err(AppError::Conflict("paragraph").into());
    }
    let report = require_report(db, before.report_id).await?;
    let body = check_paragraph(db, report.consultation_id, &text).await?;
    let txn = db.begin().await?;
    let changes = report_paragraph::ActiveModel {
        body: Set(body),
        citations: Set(citations::to_json(&text.citations)),
        ..Default::default()
    };
    let after = save_at_version(&txn, id, version, changes, "paragraph").await?;
    touch(&txn, report.id).await?;
    audit::append_change(
        &txn,
        viewer,
        "report.paragraph_edit",
        ("ReportParagraph", id),
        Some(&before),
        &after,
    )
    .await?;
    txn.commit().await?;
    Ok(after)
}
