//! A consultation's contributions as flat rows, for the CSV and NDJSON exports: a
//! page at a time, so that a stream never holds the whole list; what the viewer may
//! read, with stakeholder (when the viewer may learn it), group, kind, language, dates,
//! issues and stances.

use super::filter::ContributionFilter;
use super::read;
use crate::db::Db;
use crate::error::AppResult;
use crate::ids::{GlobalId, NodeType};
use crate::paging::Page;
use crate::policy;
use crate::service::stakeholders;
use crate::viewer::Viewer;
use entity::{
    contribution_issue, contribution_mechanism, contribution_revision, contribution_translation,
    mechanism, policy_issue,
};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde::Serialize;
use std::collections::HashMap;

/// Rows per page of the export.
pub const PAGE_SIZE: u64 = 500;

/// One contribution, flat.
#[derive(Debug, Clone, Serialize)]
pub struct ContributionRow {
    pub id: String,
    pub stakeholder_id: String,
    pub stakeholder: String,
    pub group: String,
    pub on_behalf_of_group: String,
    pub kind: String,
    pub status: String,
    pub visibility: String,
    pub language: String,
    pub title: String,
    pub revision: i32,
    pub submitted_at: String,
    pub published_at: String,
    pub updated_at: String,
    /// Policy issue slugs, `;`-separated in CSV.
    pub issues: Vec<String>,
    /// `mechanism=STANCE` pairs, `;`-separated in CSV.
    pub stances: Vec<String>,
    /// The current revision's translations, by language.
    pub translations: Vec<TranslatedTitle>,
    /// The current revision's documents, in order.
    pub attachments: Vec<AttachedFile>,
}

/// A document of a contribution's current revision, as the export lists it.
#[derive(Debug, Clone, Serialize)]
pub struct AttachedFile {
    pub name: String,
    pub content_type: String,
    pub size: i64,
    pub sha256: String,
    /// Where to download it (`/attachments/{id}`, under the API's origin).
    pub url: String,
}

impl AttachedFile {
    /// `name|type|size|sha256|url`; a `;` or `|` in the name becomes `_`, so that the
    /// CSV cell splits on `;` and each entry on `|`.
    fn cell(&self) -> String {
        format!(
            "{}|{}|{}|{}|{}",
            self.name.replace([';', '|'], "_"),
            self.content_type,
            self.size,
            self.sha256,
            self.url
        )
    }
}

/// A translation of a contribution's current revision, as the export lists it (the
/// text itself is read through the API).
#[derive(Debug, Clone, Serialize)]
pub struct TranslatedTitle {
    pub language: String,
    pub official: bool,
    pub title: String,
}

impl TranslatedTitle {
    /// `fr=Titre`, with `*` after the language of an official one (`fr*=Titre`); a `;`
    /// in the title becomes `,` so that the CSV cell splits on `;`.
    fn cell(&self) -> String {
        format!(
            "{}{}={}",
            self.language,
            if self.official { "*" } else { "" },
            self.title.replace(';', ",")
        )
    }
}

/// The column names, in order.
pub const COLUMNS: [&str; 18] = [
    "id",
    "stakeholder_id",
    "stakeholder",
    "group",
    "on_behalf_of_group",
    "kind",
    "status",
    "visibility",
    "language",
    "title",
    "revision",
    "submitted_at",
    "published_at",
    "updated_at",
    "issues",
    "stances",
    "translations",
    "attachments",
];

impl ContributionRow {
    /// The row as CSV fields, in [`COLUMNS`] order.
    pub fn fields(&self) -> [String; 18] {
        [
            self.id.clone(),
            self.stakeholder_id.clone(),
            self.stakeholder.clone(),
            self.group.clone(),
            self.on_behalf_of_group.clone(),
            self.kind.clone(),
            self.status.clone(),
            self.visibility.clone(),
            self.language.clone(),
            self.title.clone(),
            self.revision.to_string(),
            self.submitted_at.clone(),
            self.published_at.clone(),
            self.updated_at.clone(),
            self.issues.join(";"),
            self.stances.join(";"),
            self.translations
                .iter()
                .map(TranslatedTitle::cell)
                .collect::<Vec<_>>()
                .join(";"),
            self.attachments
                .iter()
                .map(AttachedFile::cell)
                .collect::<Vec<_>>()
                .join(";"),
        ]
    }
}

fn time(t: Option<chrono::DateTime<chrono::Utc>>) -> String {
    t.map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
        .unwrap_or_default()
}

/// The page after `after` (a contribution id) of the contributions changed at or after
/// `updated_since` (all if `None`); returns the rows and the id to continue after, if
/// there is more.
#[tracing::instrument(
    name = "tabular::page",
    level = "debug",
    skip_all,
    err(Debug, level = "debug")
)]
pub async fn page(
    db: &impl Db,
    viewer: &Viewer,
    consultation_id: i64,
    updated_since: Option<chrono::DateTime<chrono::Utc>>,
    after: Option<i64>,
    size: u64,
) -> AppResult<(Vec<ContributionRow>, Option<i64>)> {
    let filter = ContributionFilter {
        consultation_id: Some(consultation_id),
        updated_since,
        ..Default::default()
    };
    let page = Page::forward(after, size);
    let listing = read::list(db, viewer, &filter, &page).await?;
    let items = listing.slice.items;
    let next = if listing.slice.has_next {
        items.last().map(|c| c.id)
    } else {
        None
    };
    let ids: Vec<i64> = items.iter().map(|c| c.id).collect();
    let mut stakeholder_ids: Vec<i64> = items.iter().map(|c| c.stakeholder_id).collect();
    stakeholder_ids.sort_unstable();
    stakeholder_ids.dedup();
    let stakeholders = stakeholders::by_ids(db, &stakeholder_ids).await?;

    let mut issues: HashMap<i64, Vec<String>> = HashMap::new();
    let links = contribution_issue::Entity::find()
        .filter(contribution_issue::Column::ContributionId.is_in(ids.iter().copied()))
        .find_also_related(policy_issue::Entity)
        .all(db)
        .await?;
    for (link, issue) in links {
        if let Some(issue) = issue {
            issues
                .entry(link.contribution_id)
                .or_default()
                .push(issue.slug);
        }
    }
    let mut stances: HashMap<i64, Vec<String>> = HashMap::new();
    let links = contribution_mechanism::Entity::find()
        .filter(contribution_mechanism::Column::ContributionId.is_in(ids.iter().copied()))
        .find_also_related(mechanism::Entity)
        .all(db)
        .await?;
    for (link, m) in links {
        if let Some(m) = m {
            let name = m.acronym.unwrap_or(m.name);
            stances
                .entry(link.contribution_id)
                .or_default()
                .push(format!("{name}={}", link.stance.as_str()));
        }
    }

    let mut translated: HashMap<i64, Vec<TranslatedTitle>> = HashMap::new();
    let current: HashMap<i64, i32> = items.iter().map(|c| (c.id, c.latest_revision)).collect();
    let found = contribution_translation::Entity::find()
        .filter(contribution_translation::Column::ContributionId.is_in(ids.iter().copied()))
        .find_also_related(contribution_revision::Entity)
        .all(db)
        .await?;
    for (t, revision) in found {
        if revision.is_some_and(|r| current.get(&r.contribution_id) == Some(&r.number)) {
            translated
                .entry(t.contribution_id)
                .or_default()
                .push(TranslatedTitle {
                    language: t.language,
                    official: t.official,
                    title: t.title,
                });
        }
    }

    let keys: Vec<(i64, i32)> = items.iter().map(|c| (c.id, c.latest_revision)).collect();
    let mut documents = crate::service::attachments::attach::of_revisions(db, &keys).await?;

    let rows = items
        .into_iter()
        .map(|c| {
            let s = stakeholders.get(&c.stakeholder_id);
            let named = policy::sees_attribution(viewer, &c);
            let mut row_issues = issues.remove(&c.id).unwrap_or_default();
            row_issues.sort();
            let mut row_stances = stances.remove(&c.id).unwrap_or_default();
            row_stances.sort();
            ContributionRow {
                id: GlobalId::new(NodeType::Contribution, c.id).encode(),
                stakeholder_id: if named {
                    GlobalId::new(NodeType::Stakeholder, c.stakeholder_id).encode()
                } else {
                    String::new()
                },
                stakeholder: s
                    .filter(|_| named)
                    .map(|s| s.name.clone())
                    .unwrap_or_default(),
                group: s
                    .map(|s| s.stakeholder_group.as_str().to_owned())
                    .unwrap_or_default(),
                on_behalf_of_group: c
                    .on_behalf_of_group
                    .map(|g| g.as_str().to_owned())
                    .unwrap_or_default(),
                kind: c.kind.as_str().to_owned(),
                status: c.status.as_str().to_owned(),
                visibility: c.visibility.as_str().to_owned(),
                language: c.language,
                title: c.title,
                revision: c.latest_revision,
                submitted_at: time(c.submitted_at),
                published_at: time(c.published_at),
                updated_at: time(Some(c.updated_at)),
                issues: row_issues,
                stances: row_stances,
                translations: {
                    let mut list = translated.remove(&c.id).unwrap_or_default();
                    list.sort_by(|a, b| a.language.cmp(&b.language));
                    list
                },
                attachments: documents
                    .remove(&(c.id, c.latest_revision))
                    .unwrap_or_default()
                    .into_iter()
                    .map(|a| AttachedFile {
                        url: crate::service::attachments::url(a.id),
                        name: a.name,
                        content_type: a.content_type,
                        size: a.size,
                        sha256: a.sha256,
                    })
                    .collect(),
            }
        })
        .collect();
    Ok((rows, next))
}
