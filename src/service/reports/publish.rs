//! Publishing (checks, then the frozen rendering and its hash) and previews, from
//! what the rendering shows gathered beforehand.

use super::citations::{self, Citation};
use super::render::{self, CitedContribution, Document, Rendered};
use super::{contribution_gid, draft_sections, latest_publication, secretariat_reads};
use crate::db::Db;
use crate::domain::Checks;
use crate::error::{AppError, AppResult, MutationResult, UserError, UserErrorCode};
use crate::policy::{self, Action};
use crate::service::audit;
use crate::service::contributions::{self, ContributionFilter, analysis::cell_filter};
use crate::service::statistics;
use crate::service::webhooks::{self, Event};
use crate::viewer::Viewer;
use chrono::{DateTime, Utc};
use entity::enums::{ContributionStatus, StakeholderGroup, Visibility};
use entity::{
    consultation, contribution, mechanism, policy_issue, report, report_paragraph,
    report_publication, report_section, stakeholder,
};
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, QuerySelect, Set};
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, HashMap, HashSet};

/// Publishes the report at the version the caller reviewed (secretariat): refuses
/// empty sections and citations of contributions that are not published and PUBLIC
/// (each a `userErrors` entry), then freezes the rendering as the next publication,
/// with the SHA-256 of its Markdown, and announces it to webhooks in the same
/// transaction.
pub async fn publish(
    db: &impl Db,
    viewer: &Viewer,
    id: i64,
    version: i32,
) -> MutationResult<(report::Model, report_publication::Model)> {
    policy::may(viewer, Action::DraftReport)?;
    let Some(report) = report::Entity::find_by_id(id).one(db).await? else {
        return Err(AppError::NotFound("Report").into());
    };
    if report.version != version {
        return Err(AppError::Conflict("report").into());
    }
    let sections = draft_sections(db, report.id).await?;
    let mut checks = Checks::default();
    if sections.is_empty() {
        checks.fail(UserError::new(
            "id",
            UserErrorCode::NotAllowed,
            "The report has no sections yet",
        ));
    }
    for (s, paragraphs) in &sections {
        if paragraphs.is_empty() {
            checks.fail(UserError::new(
                "id",
                UserErrorCode::NotAllowed,
                format!(
                    "Section “{}” is empty: add a paragraph or remove it",
                    s.heading
                ),
            ));
        }
    }
    let now = Utc::now();
    let number = latest_publication(db, report.id)
        .await?
        .map_or(1, |p| p.number + 1);
    let status = format!("Version {number}, published {}", now.format("%Y-%m-%d"));
    let (doc, cited) = document(db, &report, &sections, status, false).await?;
    for c in &cited {
        if !doc.cited.get(c).is_some_and(|cc| cc.citable) {
            checks.fail(UserError::new(
                "citations",
                UserErrorCode::NotAllowed,
                format!(
                    "Contribution {} is not published and public: it cannot be cited in a published report",
                    contribution_gid(*c)
                ),
            ));
        }
    }
    checks.finish()?;
    let Rendered { markdown, html } = render::render(&doc);
    let hash = hex::encode(Sha256::digest(markdown.as_bytes()));
    let txn = db.begin().await?;
    // The version is checked again under the write: an edit in between is a conflict.
    let moved = report::Entity::update_many()
        .col_expr(report::Column::UpdatedAt, Expr::value(now))
        .filter(report::Column::Id.eq(report.id))
        .filter(report::Column::Version.eq(version))
        .exec(&txn)
        .await?;
    if moved.rows_affected != 1 {
        return Err(AppError::Conflict("report").into());
    }
    let publication = report_publication::ActiveModel {
        report_id: Set(report.id),
        number: Set(number),
        report_version: Set(version),
        markdown: Set(markdown),
        html: Set(html),
        content_hash: Set(hash.clone()),
        citations: Set(serde_json::to_string(&cited).unwrap_or_else(|_| "[]".to_owned())),
        published_at: Set(now),
        published_by: Set(audit::Actor::of(viewer).label),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    audit::append(
        &txn,
        &audit::Actor::of(viewer),
        audit::Change {
            action: "report.publish",
            target_type: "Report",
            target_id: Some(report.id),
            before: None,
            after: Some(hash),
        },
    )
    .await?;
    webhooks::enqueue(
        &txn,
        Event::ReportPublished {
            report: &report,
            publication: &publication,
        },
    )
    .await?;
    txn.commit().await?;
    Ok((report, publication))
}

/// Publishes, as `system`, the report a seed drafted (its first publication), inside
/// the seed's transaction.
pub async fn publish_seeded(db: &impl Db, report_id: i64) -> AppResult<()> {
    let report = report::Entity::find_by_id(report_id).one(db).await?;
    if let Some(report) = report {
        let sections = draft_sections(db, report.id).await?;
        let now = Utc::now();
        let status = format!("Version 1, published {}", now.format("%Y-%m-%d"));
        let (doc, cited) = document(db, &report, &sections, status, false).await?;
        let Rendered { markdown, html } = render::render(&doc);
        report_publication::ActiveModel {
            report_id: Set(report.id),
            number: Set(1),
            report_version: Set(report.version),
            content_hash: Set(hex::encode(Sha256::digest(markdown.as_bytes()))),
            markdown: Set(markdown),
            html: Set(html),
            citations: Set(serde_json::to_string(&cited).unwrap_or_else(|_| "[]".to_owned())),
            published_at: Set(now),
            published_by: Set(audit::Actor::system().label),
            ..Default::default()
        }
        .insert(db)
        .await?;
    }
    Ok(())
}

/// The draft rendered now, for the secretariat.
pub async fn preview(db: &impl Db, viewer: &Viewer, report: &report::Model) -> AppResult<Rendered> {
    secretariat_reads(viewer)?;
    let sections = draft_sections(db, report.id).await?;
    let status = format!(
        "Preview of the draft at version {}, rendered {}: not published",
        report.version,
        Utc::now().format("%Y-%m-%d %H:%M UTC")
    );
    let (doc, _) = document(db, report, &sections, status, true).await?;
    Ok(render::render(&doc))
}

/// Gathers what the rendering shows; returns it with the contributions cited, in order.
async fn document(
    db: &impl Db,
    report: &report::Model,
    sections: &[(report_section::Model, Vec<report_paragraph::Model>)],
    status_line: String,
    preview: bool,
) -> AppResult<(Document, Vec<i64>)> {
    let consultation = consultation::Entity::find_by_id(report.consultation_id)
        .one(db)
        .await?
        .ok_or_else(|| anyhow::anyhow!("report {} has no consultation", report.id))?;
    let mut all: Vec<Citation> = Vec::new();
    let mut out_sections = Vec::with_capacity(sections.len());
    for (s, paragraphs) in sections {
        let mut ps = Vec::with_capacity(paragraphs.len());
        for p in paragraphs {
            let listed = citations::from_json(&p.citations);
            all.extend(citations::all(&p.body, &listed));
            ps.push(render::Paragraph {
                body: p.body.clone(),
                listed,
                number: p.number,
            });
        }
        out_sections.push(render::Section {
            kind: s.kind,
            heading: s.heading.clone(),
            paragraphs: ps,
        });
    }
    let mut seen = HashSet::new();
    all.retain(|c| seen.insert(*c));
    let cited_ids: Vec<i64> = all.iter().filter_map(|c| c.contribution()).collect();
    let cited = cited_contributions(db, consultation.id, &cited_ids).await?;
    let mut cells = HashMap::new();
    for c in &all {
        if let Some(text) = cell_text(db, consultation.id, c).await? {
            cells.insert(*c, text);
        }
    }
    let table = statistics::for_consultations(db, &Viewer::Anonymous, &[consultation.id])
        .await?
        .remove(&consultation.id)
        .unwrap_or_default();
    let contributors = contributors(db, consultation.id).await?;
    Ok((
        Document {
            title: report.title.clone(),
            symbol: report.symbol.clone(),
            consultation_title: consultation.title,
            status_line,
            preview,
            sections: out_sections,
            table,
            cited,
            cells,
            contributors,
        },
        cited_ids,
    ))
}

async fn cited_contributions(
    db: &impl Db,
    consultation_id: i64,
    ids: &[i64],
) -> AppResult<HashMap<i64, CitedContribution>> {
    let rows = contribution::Entity::find()
        .filter(contribution::Column::Id.is_in(ids.iter().copied()))
        .filter(contribution::Column::ConsultationId.eq(consultation_id))
        .all(db)
        .await?;
    let stakeholders: HashMap<i64, stakeholder::Model> = stakeholder::Entity::find()
        .filter(stakeholder::Column::Id.is_in(rows.iter().map(|c| c.stakeholder_id)))
        .all(db)
        .await?
        .into_iter()
        .map(|s| (s.id, s))
        .collect();
    Ok(rows
        .into_iter()
        .map(|c| {
            let s = stakeholders.get(&c.stakeholder_id);
            let group = s.map_or(StakeholderGroup::CivilSociety, |s| s.stakeholder_group);
            let by = match s {
                Some(s) if c.attributed => s.name.clone(),
                _ => format!(
                    "A contributor from the {} group",
                    render::group_label(group).to_lowercase()
                ),
            };
            let date = day(c.published_at.or(c.submitted_at).unwrap_or(c.created_at));
            let citable =
                c.status == ContributionStatus::Published && c.visibility == Visibility::Public;
            (
                c.id,
                CitedContribution {
                    by,
                    title: c.title,
                    kind: c.kind,
                    date,
                    citable,
                },
            )
        })
        .collect())
}

fn day(at: DateTime<Utc>) -> String {
    at.format("%Y-%m-%d").to_string()
}

/// What a cited cell's footnote says, counted as the public sees it.
async fn cell_text(db: &impl Db, consultation_id: i64, c: &Citation) -> AppResult<Option<String>> {
    let (filter, what) = match *c {
        Citation::Contribution(_) => return Ok(None),
        Citation::IssueCell { issue, group } => {
            let Some(issue) = policy_issue::Entity::find_by_id(issue).one(db).await? else {
                return Ok(None);
            };
            (
                ContributionFilter {
                    policy_issue_id: Some(issue.id),
                    groups: Some(vec![group]),
                    ..cell_filter(consultation_id)
                },
                format!(
                    "from {} raised “{}”",
                    render::group_label(group).to_lowercase(),
                    issue.title
                ),
            )
        }
        Citation::StanceCell {
            mechanism,
            stance,
            group,
        } => {
            let Some(m) = mechanism::Entity::find_by_id(mechanism).one(db).await? else {
                return Ok(None);
            };
            let verb = match stance {
                entity::enums::Stance::Supports => "support",
                entity::enums::Stance::Opposes => "oppose",
                entity::enums::Stance::Proposes => "propose",
                entity::enums::Stance::Mentions => "mention",
            };
            (
                ContributionFilter {
                    mechanism_id: Some(m.id),
                    stance: Some(stance),
                    groups: Some(vec![group]),
                    ..cell_filter(consultation_id)
                },
                format!(
                    "from {} {verb} the {}",
                    render::group_label(group).to_lowercase(),
                    m.name
                ),
            )
        }
    };
    let n = contributions::analysis::count(db, &Viewer::Anonymous, &filter).await?;
    Ok(Some(format!(
        "{n} published contribution{} {what} (the consultation's analysis, counted when this text was rendered).",
        if n == 1 { "" } else { "s" }
    )))
}

/// The annex: per group, the named contributors of published, PUBLIC contributions
/// with their numbers, and how many were made without naming their stakeholder.
async fn contributors(db: &impl Db, consultation_id: i64) -> AppResult<Vec<render::Contributors>> {
    let rows: Vec<(i64, bool, i64)> = contribution::Entity::find()
        .select_only()
        .column(contribution::Column::StakeholderId)
        .column(contribution::Column::Attributed)
        .column_as(contribution::Column::Id.count(), "n")
        .filter(contribution::Column::ConsultationId.eq(consultation_id))
        .filter(contribution::Column::Status.eq(ContributionStatus::Published))
        .filter(contribution::Column::Visibility.eq(Visibility::Public))
        .group_by(contribution::Column::StakeholderId)
        .group_by(contribution::Column::Attributed)
        .into_tuple()
        .all(db)
        .await?;
    let stakeholders: HashMap<i64, stakeholder::Model> = stakeholder::Entity::find()
        .filter(stakeholder::Column::Id.is_in(rows.iter().map(|r| r.0)))
        .all(db)
        .await?
        .into_iter()
        .map(|s| (s.id, s))
        .collect();
    let mut named: BTreeMap<StakeholderGroup, Vec<(String, u64)>> = BTreeMap::new();
    let mut unnamed: HashMap<StakeholderGroup, u64> = HashMap::new();
    for (stakeholder_id, attributed, n) in rows {
        let Some(s) = stakeholders.get(&stakeholder_id) else {
            continue;
        };
        if attributed {
            named
                .entry(s.stakeholder_group)
                .or_default()
                .push((s.name.clone(), n as u64));
        } else {
            *unnamed.entry(s.stakeholder_group).or_default() += n as u64;
        }
    }
    Ok(StakeholderGroup::ALL
        .iter()
        .map(|g| {
            let mut list = named.remove(g).unwrap_or_default();
            list.sort_by_key(|a| natural(&a.0));
            (*g, list, unnamed.get(g).copied().unwrap_or(0))
        })
        .collect())
}

/// A sort key that orders the numbers inside names by value ("delegation 2" before
/// "delegation 10").
fn natural(name: &str) -> Vec<(String, u64)> {
    let mut key = Vec::new();
    let mut text = String::new();
    let mut digits = String::new();
    for c in name.chars() {
        if c.is_ascii_digit() {
            digits.push(c);
        } else {
            if !digits.is_empty() {
                key.push((
                    std::mem::take(&mut text),
                    digits.parse().unwrap_or(u64::MAX),
                ));
                digits.clear();
            }
            text.extend(c.to_lowercase());
        }
    }
    key.push((text, digits.parse().unwrap_or(0)));
    key
}

#[cfg(test)]
mod tests {
    #[test]
    fn names_sort_by_the_value_of_their_numbers() {
        let mut names = vec!["Delegation 10", "delegation 2", "Delegation 1", "Alpha"];
        names.sort_by_key(|n| super::natural(n));
        assert_eq!(
            names,
            vec!["Alpha", "Delegation 1", "delegation 2", "Delegation 10"]
        );
    }
}
