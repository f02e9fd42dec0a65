//! The consultation's report: its draft (the secretariat's), its publications (public)
//! and its rendering.

use super::{Consultation, Contribution, Mechanism, PolicyIssue, dangling};
use crate::graphql::context::request;
use crate::graphql::enums::BrokenReason;
use crate::graphql::loaders::{ConsultationKey, ContributionKey, MechanismKey, PolicyIssueKey};
use crate::ids::{GlobalId, NodeType};
use crate::service::reports::{self, citations::Citation};
use async_graphql::{Context, ID, Object, Result, SimpleObject};
use chrono::{DateTime, Utc};
use entity::enums::{ReportSectionKind, StakeholderGroup, Stance};
use entity::{report, report_paragraph, report_publication, report_section};

/// A consultation's report, drafted by the secretariat and published in versions.
/// Anyone reads a published report; drafts, sections and previews are the
/// secretariat's.
#[derive(Clone)]
pub struct Report(pub report::Model);

/// A consultation's report, drafted by the secretariat and published in versions.
/// Anyone reads a published report; drafts, sections and previews are the
/// secretariat's.
#[Object]
impl Report {
    /// Opaque global ID.
    pub async fn id(&self) -> ID {
        GlobalId::new(NodeType::Report, self.0.id).encode().into()
    }

    /// Moves with every change to the draft; name it to publish (`CONFLICT` when stale).
    async fn version(&self) -> i32 {
        self.0.version
    }

    /// Its title.
    async fn title(&self) -> &str {
        &self.0.title
    }

    /// Its document symbol, e.g. "A/66/77-E/2011/103".
    async fn symbol(&self) -> Option<&str> {
        self.0.symbol.as_deref()
    }

    /// The consultation it reports on.
    async fn consultation(&self, ctx: &Context<'_>) -> Result<Consultation> {
        let rd = request(ctx)?;
        rd.loader
            .load_one(ConsultationKey(self.0.consultation_id))
            .await?
            .map(Consultation)
            .ok_or_else(|| dangling("consultation", self.0.consultation_id))
    }

    /// When the draft last changed.
    async fn updated_at(&self) -> DateTime<Utc> {
        self.0.updated_at
    }

    /// The draft's sections in order, each with its paragraphs (secretariat).
    async fn sections(&self, ctx: &Context<'_>) -> Result<Vec<ReportSection>> {
        let rd = request(ctx)?;
        Ok(reports::sections(&rd.db, &rd.viewer, self.0.id)
            .await?
            .into_iter()
            .map(|(s, ps)| ReportSection(s, ps))
            .collect())
    }

    /// Every published version, first to last.
    async fn publications(&self, ctx: &Context<'_>) -> Result<Vec<ReportPublication>> {
        let rd = request(ctx)?;
        Ok(reports::publications(&rd.db, self.0.id)
            .await?
            .into_iter()
            .map(ReportPublication)
            .collect())
    }

    /// The latest published version; null before the first.
    async fn published(&self, ctx: &Context<'_>) -> Result<Option<ReportPublication>> {
        let rd = request(ctx)?;
        Ok(reports::latest_publication(&rd.db, self.0.id)
            .await?
            .map(ReportPublication))
    }

    /// The report as Markdown: the latest published version, or with `preview: true`
    /// the draft rendered now (secretariat). Null when nothing is published yet.
    async fn markdown(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Render the draft now instead (secretariat).", default = false)]
        preview: bool,
    ) -> Result<Option<String>> {
        Ok(self.rendered(ctx, preview).await?.map(|(md, _)| md))
    }

    /// The report as a standalone HTML page (no scripts; the chart is inline SVG): the
    /// latest published version, or with `preview: true` the draft rendered now
    /// (secretariat). Null when nothing is published yet.
    async fn html(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Render the draft now instead (secretariat).", default = false)]
        preview: bool,
    ) -> Result<Option<String>> {
        Ok(self.rendered(ctx, preview).await?.map(|(_, html)| html))
    }

    /// The citations of the latest published version that a later withdrawal,
    /// unpublishing or change of visibility broke, in the order it cites them.
    async fn broken_citations(&self, ctx: &Context<'_>) -> Result<Vec<BrokenCitation>> {
        let rd = request(ctx)?;
        Ok(reports::broken_citations(&rd.db, self.0.id)
            .await?
            .into_iter()
            .map(|(id, reason)| BrokenCitation {
                contribution_id: GlobalId::new(NodeType::Contribution, id).encode().into(),
                reason: reason.into(),
            })
            .collect())
    }
}

impl Report {
    async fn rendered(&self, ctx: &Context<'_>, preview: bool) -> Result<Option<(String, String)>> {
        let rd = request(ctx)?;
        if preview {
            let r = reports::preview(&rd.db, &rd.viewer, &self.0).await?;
            return Ok(Some((r.markdown, r.html)));
        }
        Ok(reports::latest_publication(&rd.db, self.0.id)
            .await?
            .map(|p| (p.markdown, p.html)))
    }
}

/// A citation of the published report that no longer holds.
#[derive(SimpleObject)]
pub struct BrokenCitation {
    /// The contribution cited (a Contribution ID; the caller may no longer be able to
    /// read it).
    pub contribution_id: ID,
    /// What happened to it.
    pub reason: BrokenReason,
}

/// A published version of a report, frozen as it was rendered.
#[derive(Clone)]
pub struct ReportPublication(pub report_publication::Model);

/// A published version of a report, frozen as it was rendered.
#[Object]
impl ReportPublication {
    /// 1 for the first published version, then 2, 3…
    async fn number(&self) -> i32 {
        self.0.number
    }

    /// The draft's version that was published.
    async fn report_version(&self) -> i32 {
        self.0.report_version
    }

    /// Lowercase hex SHA-256 of `markdown` (UTF-8): what `GET
    /// /consultations/{id}/report.md` serves, byte for byte.
    async fn content_hash(&self) -> &str {
        &self.0.content_hash
    }

    /// When it was published.
    async fn published_at(&self) -> DateTime<Utc> {
        self.0.published_at
    }

    /// Its Markdown.
    async fn markdown(&self) -> &str {
        &self.0.markdown
    }

    /// Its HTML page.
    async fn html(&self) -> &str {
        &self.0.html
    }
}

/// A chapter of a report draft.
#[derive(Clone)]
pub struct ReportSection(pub report_section::Model, pub Vec<report_paragraph::Model>);

/// A chapter of a report draft.
#[Object]
impl ReportSection {
    /// Opaque global ID.
    pub async fn id(&self) -> ID {
        GlobalId::new(NodeType::ReportSection, self.0.id)
            .encode()
            .into()
    }

    /// Where it goes in the report's shape.
    async fn kind(&self) -> ReportSectionKind {
        self.0.kind
    }

    /// Its heading.
    async fn heading(&self) -> &str {
        &self.0.heading
    }

    /// Its paragraphs in order.
    async fn paragraphs(&self) -> Vec<ReportParagraph> {
        self.1.iter().cloned().map(ReportParagraph).collect()
    }
}

/// A paragraph of a report draft.
#[derive(Clone)]
pub struct ReportParagraph(pub report_paragraph::Model);

/// A paragraph of a report draft.
#[Object]
impl ReportParagraph {
    /// Opaque global ID.
    pub async fn id(&self) -> ID {
        GlobalId::new(NodeType::ReportParagraph, self.0.id)
            .encode()
            .into()
    }

    /// Increases with every edit; name it when you edit (`CONFLICT` when stale).
    async fn version(&self) -> i32 {
        self.0.version
    }

    /// Its text, with `[[c:ID]]` markers where it cites a contribution.
    async fn body(&self) -> &str {
        &self.0.body
    }

    /// The number it keeps from the document it is quoted from (the seeded draft
    /// quotes the 2011 report's); null: it is numbered after the paragraph before it.
    async fn number(&self) -> Option<i32> {
        self.0.number
    }

    /// Everything it cites: the markers' contributions in text order, then the listed
    /// citations.
    async fn citations(&self) -> Vec<ReportCitation> {
        let listed = reports::citations::from_json(&self.0.citations);
        reports::citations::all(&self.0.body, &listed)
            .into_iter()
            .map(ReportCitation)
            .collect()
    }
}

/// One citation of a paragraph: a contribution or a cell of the consultation's analysis.
pub struct ReportCitation(pub Citation);

/// One citation of a paragraph: a contribution or a cell of the consultation's analysis.
#[Object]
impl ReportCitation {
    /// The contribution cited, if it is one (null also when the caller may not read it).
    async fn contribution(&self, ctx: &Context<'_>) -> Result<Option<Contribution>> {
        let Citation::Contribution(id) = self.0 else {
            return Ok(None);
        };
        let rd = request(ctx)?;
        Ok(rd
            .loader
            .load_one(ContributionKey(id))
            .await?
            .map(Contribution))
    }

    /// The policy issue of a cited issue-matrix cell.
    async fn issue(&self, ctx: &Context<'_>) -> Result<Option<PolicyIssue>> {
        let Citation::IssueCell { issue, .. } = self.0 else {
            return Ok(None);
        };
        let rd = request(ctx)?;
        Ok(rd
            .loader
            .load_one(PolicyIssueKey(issue))
            .await?
            .map(PolicyIssue))
    }

    /// The mechanism of a cited stance cell.
    async fn mechanism(&self, ctx: &Context<'_>) -> Result<Option<Mechanism>> {
        let Citation::StanceCell { mechanism, .. } = self.0 else {
            return Ok(None);
        };
        let rd = request(ctx)?;
        Ok(rd
            .loader
            .load_one(MechanismKey(mechanism))
            .await?
            .map(Mechanism))
    }

    /// The stance of a cited stance cell.
    async fn stance(&self) -> Option<Stance> {
        match self.0 {
            Citation::StanceCell { stance, .. } => Some(stance),
            _ => None,
        }
    }

    /// The stakeholder group of a cited cell.
    async fn group(&self) -> Option<StakeholderGroup> {
        match self.0 {
            Citation::IssueCell { group, .. } | Citation::StanceCell { group, .. } => Some(group),
            Citation::Contribution(_) => None,
        }
    }
}
