//! From contributions to the report: its draft and its publication.

use crate::graphql::args::id_of;
use crate::graphql::context::request;
use crate::graphql::types::{
    Report, ReportParagraph, ReportPublication, ReportSection, UserErrorObject, outcome,
};
use crate::ids::NodeType;
use crate::service::reports::{self, citations::Citation};
use async_graphql::{Context, ID, InputObject, Object, Result, SimpleObject};
use entity::enums::{ReportSectionKind, StakeholderGroup, Stance};

/// A new report for a consultation (one per consultation).
#[derive(InputObject)]
pub struct ReportCreateInput {
    /// The consultation.
    pub consultation: ID,
    /// Its title (1 to 300 characters).
    pub title: String,
    /// Its document symbol, e.g. "A/66/77-E/2011/103".
    pub symbol: Option<String>,
}

/// A new section at the end of a report.
#[derive(InputObject)]
pub struct ReportSectionAddInput {
    /// The report.
    pub report: ID,
    /// Where it goes in the report's shape.
    pub kind: ReportSectionKind,
    /// Its heading; the 2011 report's heading for the kind if not given.
    pub heading: Option<String>,
}

/// A cited cell of the consultation's analysis: an issue × group cell of `issueMatrix`,
/// or a mechanism × stance × group cell of `mechanismStances`. Give `issue` or
/// `mechanism` (with `stance`), and `group`.
#[derive(InputObject)]
pub struct AnalysisCellInput {
    /// A policy issue (for an issue-matrix cell).
    pub issue: Option<ID>,
    /// A mechanism (for a stance cell).
    pub mechanism: Option<ID>,
    /// The stance (for a stance cell).
    pub stance: Option<Stance>,
    /// The stakeholder group.
    pub group: StakeholderGroup,
}

/// A paragraph's text and what it cites.
#[derive(InputObject)]
pub struct ReportParagraphText {
    /// The text (1 to 5,000 characters). `[[c:ID]]` cites the contribution `ID` at that
    /// place (a footnote in the rendering).
    pub body: String,
    /// Contributions cited by the paragraph as a whole (footnotes at its end).
    #[graphql(default)]
    pub contributions: Vec<ID>,
    /// Cells of the consultation's analysis cited by the paragraph.
    #[graphql(default)]
    pub cells: Vec<AnalysisCellInput>,
}

/// A new paragraph at the end of a section.
#[derive(InputObject)]
pub struct ReportParagraphAddInput {
    /// The section.
    pub section: ID,
    /// Its text and citations.
    pub text: ReportParagraphText,
}

/// A paragraph's new text and citations (replacing the old ones).
#[derive(InputObject)]
pub struct ReportParagraphEditInput {
    /// The paragraph.
    pub id: ID,
    /// The version you edited (`CONFLICT` when stale).
    pub version: i32,
    /// Its text and citations.
    pub text: ReportParagraphText,
}

/// A report at the version the caller reviewed.
#[derive(InputObject)]
pub struct ReportPublishInput {
    /// The report.
    pub id: ID,
    /// The report's version you reviewed (`CONFLICT` when it changed since).
    pub version: i32,
}

payload!(
    ReportPayload,
    report,
    Report,
    "The result of a report mutation."
);

payload!(
    ReportSectionPayload,
    section,
    ReportSection,
    "The result of adding a section."
);

payload!(
    ReportParagraphPayload,
    paragraph,
    ReportParagraph,
    "The result of a paragraph mutation."
);

/// The result of publishing a report.
#[derive(SimpleObject)]
pub struct ReportPublishPayload {
    /// The report; null when nothing was published.
    pub report: Option<Report>,
    /// The version just published, with its SHA-256.
    pub publication: Option<ReportPublication>,
    /// Problems with the input (empty sections, citations of what is not published and
    /// public); empty on success.
    pub user_errors: Vec<UserErrorObject>,
}

fn citations_of(text: &ReportParagraphText) -> Result<Vec<Citation>> {
    let mut out = Vec::new();
    for id in &text.contributions {
        out.push(Citation::Contribution(id_of(id, NodeType::Contribution)?));
    }
    for cell in &text.cells {
        let c = match (&cell.issue, &cell.mechanism, cell.stance) {
            (Some(issue), None, None) => Citation::IssueCell {
                issue: id_of(issue, NodeType::PolicyIssue)?,
                group: cell.group,
            },
            (None, Some(mechanism), Some(stance)) => Citation::StanceCell {
                mechanism: id_of(mechanism, NodeType::Mechanism)?,
                stance,
                group: cell.group,
            },
            _ => {
                return Err(crate::error::AppError::bad_input(
                    "A cited cell names an issue, or a mechanism and a stance, and a group",
                )
                .into());
            }
        };
        out.push(c);
    }
    Ok(out)
}

fn text_of(text: ReportParagraphText) -> Result<reports::ParagraphText> {
    let citations = citations_of(&text)?;
    Ok(reports::ParagraphText {
        body: text.body,
        citations,
    })
}

/// The report.
#[derive(Default)]
pub struct ReportMutation;

/// The report.
#[Object]
impl ReportMutation {
    /// Starts the report of a consultation (secretariat).
    async fn report_create(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The report.")] input: ReportCreateInput,
    ) -> Result<ReportPayload> {
        let rd = request(ctx)?;
        let new = reports::NewReport {
            consultation_id: id_of(&input.consultation, NodeType::Consultation)?,
            title: input.title,
            symbol: input.symbol,
        };
        let (row, user_errors) = outcome(reports::create(&rd.db, &rd.viewer, new).await)?;
        Ok(ReportPayload {
            report: row.map(Report),
            user_errors,
        })
    }

    /// Adds a section at the end of a report (secretariat).
    async fn report_section_add(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The section.")] input: ReportSectionAddInput,
    ) -> Result<ReportSectionPayload> {
        let rd = request(ctx)?;
        let new = reports::NewSection {
            report_id: id_of(&input.report, NodeType::Report)?,
            kind: input.kind,
            heading: input.heading,
        };
        let (row, user_errors) = outcome(reports::add_section(&rd.db, &rd.viewer, new).await)?;
        Ok(ReportSectionPayload {
            section: row.map(|s| ReportSection(s, Vec::new())),
            user_errors,
        })
    }

    /// Adds a paragraph at the end of a section (secretariat).
    async fn report_paragraph_add(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The paragraph.")] input: ReportParagraphAddInput,
    ) -> Result<ReportParagraphPayload> {
        let rd = request(ctx)?;
        let section = id_of(&input.section, NodeType::ReportSection)?;
        let text = text_of(input.text)?;
        let (row, user_errors) =
            outcome(reports::add_paragraph(&rd.db, &rd.viewer, section, text).await)?;
        Ok(ReportParagraphPayload {
            paragraph: row.map(ReportParagraph),
            user_errors,
        })
    }

    /// Replaces a paragraph's text and citations (secretariat).
    async fn report_paragraph_edit(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The changes.")] input: ReportParagraphEditInput,
    ) -> Result<ReportParagraphPayload> {
        let rd = request(ctx)?;
        let id = id_of(&input.id, NodeType::ReportParagraph)?;
        let text = text_of(input.text)?;
        let (row, user_errors) =
            outcome(reports::edit_paragraph(&rd.db, &rd.viewer, id, input.version, text).await)?;
        Ok(ReportParagraphPayload {
            paragraph: row.map(ReportParagraph),
            user_errors,
        })
    }

    /// Publishes the report as the next version, frozen with its SHA-256 (secretariat):
    /// refused while a section is empty or a citation names a contribution that is not
    /// published and public.
    async fn report_publish(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The report.")] input: ReportPublishInput,
    ) -> Result<ReportPublishPayload> {
        let rd = request(ctx)?;
        let id = id_of(&input.id, NodeType::Report)?;
        let (row, user_errors) =
            outcome(reports::publish(&rd.db, &rd.viewer, id, input.version).await)?;
        let (report, publication) = match row {
            Some((r, p)) => (Some(Report(r)), Some(ReportPublication(p))),
            None => (None, None),
        };
        Ok(ReportPublishPayload {
            report,
            publication,
            user_errors,
        })
    }
}
