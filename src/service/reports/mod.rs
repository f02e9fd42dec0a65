//! The consultation's report: the secretariat drafts it as ordered sections of
//! paragraphs, each paragraph citing contributions (`[[c:ID]]` markers or a list) and
//! cells of the analysis; publishing refuses a citation of anything not published and
//! PUBLIC, then freezes the rendering with the SHA-256 of its Markdown. A published
//! report is public; drafts and previews are the secretariat's.

pub mod citations;
mod draft;
mod publish;
pub mod render;

pub use draft::{
    NewReport, NewSection, ParagraphText, add_paragraph, add_section, create, edit_paragraph,
};
pub use publish::{preview, publish, publish_seeded};

use crate::db::Db;
use crate::error::AppResult;
use crate::policy::{self};
use crate::viewer::Viewer;
use entity::enums::{ContributionStatus, Visibility};
use entity::{contribution, report, report_paragraph, report_publication, report_section};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use std::collections::{HashMap, HashSet};

/// Most sections a report may have.
pub const MAX_SECTIONS: u64 = 60;
/// Most paragraphs a section may have.
pub const MAX_PARAGRAPHS: u64 = 200;

/// A report of a consultation, with what its reader may see of it.
pub async fn of_consultations(
    db: &impl Db,
    viewer: &Viewer,
    consultation_ids: &[i64],
) -> AppResult<HashMap<i64, report::Model>> {
    let rows = report::Entity::find()
        .filter(report::Column::ConsultationId.is_in(consultation_ids.iter().copied()))
        .all(db)
        .await?;
    let drafts = secretariat_reads(viewer).is_ok();
    let published: HashSet<i64> = if drafts {
        HashSet::new()
    } else {
        report_publication::Entity::find()
            .select_only()
            .column(report_publication::Column::ReportId)
            .filter(report_publication::Column::ReportId.is_in(rows.iter().map(|r| r.id)))
            .distinct()
            .into_tuple::<i64>()
            .all(db)
            .await?
            .into_iter()
            .collect()
    };
    Ok(rows
        .into_iter()
        .filter(|r| drafts || published.contains(&r.id))
        .map(|r| (r.consultation_id, r))
        .collect())
}

/// A report by id, if the viewer may see it (see [`of_consultations`]).
pub async fn by_id(db: &impl Db, viewer: &Viewer, id: i64) -> AppResult<Option<report::Model>> {
    let Some(row) = report::Entity::find_by_id(id).one(db).await? else {
        return Ok(None);
    };
    Ok(of_consultations(db, viewer, &[row.consultation_id])
        .await?
        .remove(&row.consultation_id))
}

/// The draft's sections in order, each with its paragraphs in order (secretariat).
pub async fn sections(
    db: &impl Db,
    viewer: &Viewer,
    report_id: i64,
) -> AppResult<Vec<(report_section::Model, Vec<report_paragraph::Model>)>> {
    secretariat_reads(viewer)?;
    draft_sections(db, report_id).await
}

fn secretariat_reads(viewer: &Viewer) -> AppResult<()> {
    policy::may_read_drafts(viewer).map(|_| ())
}

async fn draft_sections(
    db: &impl ConnectionTrait,
    report_id: i64,
) -> AppResult<Vec<(report_section::Model, Vec<report_paragraph::Model>)>> {
    let sections = report_section::Entity::find()
        .filter(report_section::Column::ReportId.eq(report_id))
        .order_by_asc(report_section::Column::Position)
        .order_by_asc(report_section::Column::Id)
        .all(db)
        .await?;
    let paragraphs = report_paragraph::Entity::find()
        .filter(report_paragraph::Column::ReportId.eq(report_id))
        .order_by_asc(report_paragraph::Column::Position)
        .order_by_asc(report_paragraph::Column::Id)
        .all(db)
        .await?;
    let mut by_section: HashMap<i64, Vec<report_paragraph::Model>> = HashMap::new();
    for p in paragraphs {
        by_section.entry(p.section_id).or_default().push(p);
    }
    Ok(sections
        .into_iter()
        .map(|s| {
            let own = by_section.remove(&s.id).unwrap_or_default();
            (s, own)
        })
        .collect())
}

/// A section by id, with its paragraphs (secretariat).
pub async fn section(
    db: &impl Db,
    viewer: &Viewer,
    id: i64,
) -> AppResult<Option<report_section::Model>> {
    secretariat_reads(viewer)?;
    Ok(report_section::Entity::find_by_id(id).one(db).await?)
}

/// A paragraph by id (secretariat).
pub async fn paragraph(
    db: &impl Db,
    viewer: &Viewer,
    id: i64,
) -> AppResult<Option<report_paragraph::Model>> {
    secretariat_reads(viewer)?;
    Ok(report_paragraph::Entity::find_by_id(id).one(db).await?)
}

/// The publications of a report, first to last.
pub async fn publications(
    db: &impl Db,
    report_id: i64,
) -> AppResult<Vec<report_publication::Model>> {
    Ok(report_publication::Entity::find()
        .filter(report_publication::Column::ReportId.eq(report_id))
        .order_by_asc(report_publication::Column::Number)
        .all(db)
        .await?)
}

/// The latest publication of a report.
pub async fn latest_publication(
    db: &impl Db,
    report_id: i64,
) -> AppResult<Option<report_publication::Model>> {
    Ok(report_publication::Entity::find()
        .filter(report_publication::Column::ReportId.eq(report_id))
        .order_by_desc(report_publication::Column::Number)
        .one(db)
        .await?)
}

/// Why a citation of the published report no longer holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BrokenReason {
    /// The contribution was withdrawn by its author or the secretariat.
    Withdrawn,
    /// The contribution was unpublished (back to SUBMITTED).
    Unpublished,
    /// It is published, but no longer PUBLIC.
    Restricted,
}

/// The contributions the latest publication cites that are no longer published and
/// PUBLIC, in the order it cites them, with why.
pub async fn broken_citations(db: &impl Db, report_id: i64) -> AppResult<Vec<(i64, BrokenReason)>> {
    let Some(publication) = latest_publication(db, report_id).await? else {
        return Ok(Vec::new());
    };
    let cited: Vec<i64> = serde_json::from_str(&publication.citations).unwrap_or_default();
    let rows: HashMap<i64, contribution::Model> = contribution::Entity::find()
        .filter(contribution::Column::Id.is_in(cited.iter().copied()))
        .all(db)
        .await?
        .into_iter()
        .map(|c| (c.id, c))
        .collect();
    Ok(cited
        .into_iter()
        .filter_map(|id| {
            let reason = match rows.get(&id) {
                None => BrokenReason::Withdrawn,
                Some(c) if c.status == ContributionStatus::Withdrawn => BrokenReason::Withdrawn,
                Some(c) if c.status != ContributionStatus::Published => BrokenReason::Unpublished,
                Some(c) if c.visibility != Visibility::Public => BrokenReason::Restricted,
                Some(_) => return None,
            };
            Some((id, reason))
        })
        .collect())
}

/// A contribution's global ID, as messages name it.
fn contribution_gid(id: i64) -> String {
    crate::ids::GlobalId::new(crate::ids::NodeType::Contribution, id).encode()
}
