//! A report rendered in the shape of the Secretary-General's report of 2011: the
//! summary, numbered chapters of numbered paragraphs (background, organization of the
//! consultation with the table of contributions by group and kind and its chart, the
//! issues, the mechanisms, any other), each citation a footnote, and an annex of the
//! contributors by group. Markdown (the canonical form, which a publication's hash
//! covers) and HTML (print-ready, no JavaScript, the chart as inline SVG) are rendered
//! from the same [`Document`], a pure function of it.

mod html;

pub use html::chart;
use html::html;

use super::citations::{Citation, Piece, pieces};
use crate::service::statistics::Counts;
use entity::enums::{ContributionKind, ReportSectionKind, StakeholderGroup};
use std::collections::HashMap;
use std::fmt::Write;

/// Everything a rendering shows, gathered beforehand.
pub struct Document {
    pub title: String,
    pub symbol: Option<String>,
    pub consultation_title: String,
    /// "Published as version 2 on 2011-05-04", or the preview's notice.
    pub status_line: String,
    pub preview: bool,
    pub sections: Vec<Section>,
    /// The public table (published, PUBLIC contributions), by group and kind.
    pub table: Counts,
    /// What each cited contribution's footnote says, by id; absent: not citable.
    pub cited: HashMap<i64, CitedContribution>,
    /// What each cited cell's footnote says.
    pub cells: HashMap<Citation, String>,
    /// The annex: per group, the named contributors (name, contributions) and how many
    /// contributions were made without naming their stakeholder.
    pub contributors: Vec<Contributors>,
}

/// One group of the annex: its named contributors (name, contributions) and how many
/// contributions were made without naming their stakeholder.
pub type Contributors = (StakeholderGroup, Vec<(String, u64)>, u64);

pub struct Section {
    pub kind: ReportSectionKind,
    pub heading: String,
    pub paragraphs: Vec<Paragraph>,
}

pub struct Paragraph {
    pub body: String,
    pub listed: Vec<Citation>,
    /// Its own number (one quoted from another document keeps its number there);
    /// none: the one after the paragraph before.
    pub number: Option<i32>,
}

impl Paragraph {
    /// The number it is shown with, after a paragraph shown as `before`.
    pub fn numbered_after(&self, before: usize) -> usize {
        self.number
            .and_then(|n| usize::try_from(n).ok())
            .unwrap_or(before + 1)
    }
}

/// A cited contribution as its footnote names it.
#[derive(Debug, Clone)]
pub struct CitedContribution {
    /// The stakeholder's name, or "A contributor from the Governments group" when the
    /// contribution is not attributed.
    pub by: String,
    pub title: String,
    pub kind: ContributionKind,
    /// Day it was published (or submitted).
    pub date: String,
    /// Published and PUBLIC now.
    pub citable: bool,
}

/// A rendering.
pub struct Rendered {
    pub markdown: String,
    pub html: String,
}

pub fn group_label(group: StakeholderGroup) -> &'static str {
    match group {
        StakeholderGroup::Government => "Governments",
        StakeholderGroup::InternationalOrganization => "International organizations",
        StakeholderGroup::CivilSociety => "Civil society",
        StakeholderGroup::PrivateSector => "Private sector",
    }
}

fn kind_label(kind: ContributionKind) -> &'static str {
    match kind {
        ContributionKind::WrittenComment => "Written comments",
        ContributionKind::Presentation => "Presentations",
        ContributionKind::InformalIntervention => "Informal interventions",
    }
}

fn kind_singular(kind: ContributionKind) -> &'static str {
    match kind {
        ContributionKind::WrittenComment => "written comment",
        ContributionKind::Presentation => "presentation",
        ContributionKind::InformalIntervention => "informal intervention",
    }
}

pub fn default_heading(kind: ReportSectionKind) -> &'static str {
    match kind {
        ReportSectionKind::Summary => "Summary",
        ReportSectionKind::Background => "Background",
        ReportSectionKind::Organization => "Organization of the consultation",
        ReportSectionKind::Issues => "Public policy issues of concern",
        ReportSectionKind::Mechanisms => "International cooperation mechanisms",
        ReportSectionKind::Other => "Other matters",
    }
}

fn roman(n: usize) -> String {
    const NUMERALS: [(usize, &str); 9] = [
        (100, "C"),
        (90, "XC"),
        (50, "L"),
        (40, "XL"),
        (10, "X"),
        (9, "IX"),
        (5, "V"),
        (4, "IV"),
        (1, "I"),
    ];
    let mut n = n;
    let mut out = String::new();
    for (value, numeral) in NUMERALS {
        while n >= value {
            out.push_str(numeral);
            n -= value;
        }
    }
    out
}

pub(crate) fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

/// Text Concord did not write, for Markdown: on one line, with every character that
/// Markdown (CommonMark, GFM) would read as markup or raw HTML escaped with a backslash,
/// so that a reader shows it as written and never turns it into HTML, a link or an
/// image.
fn md_text_of(text: &str) -> String {
    md_escape(&one_line(text))
}

fn md_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if matches!(
            c,
            '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '>' | '&' | '|' | '~' | '!'
        ) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// A line that starts with user text: what would open a block (a heading, a list, a
/// quote, a rule) at its start is escaped.
fn md_line_start(line: String) -> String {
    let digits = line.chars().take_while(char::is_ascii_digit).count();
    let after_digits = line[digits..].chars().next();
    let opens_block = matches!(line.chars().next(), Some('#' | '+' | '-' | '=' | ':'))
        || (digits > 0 && matches!(after_digits, Some('.' | ')')));
    if !opens_block {
        return line;
    }
    let at = if digits > 0 { digits } else { 0 };
    format!("{}\\{}", &line[..at], &line[at..])
}

/// One line of text: newlines in a paragraph become spaces.
fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Footnotes in order of first citation, each target once.
#[derive(Default)]
struct Footnotes {
    order: Vec<Citation>,
    numbers: HashMap<Citation, usize>,
}

impl Footnotes {
    fn number(&mut self, c: Citation) -> usize {
        if let Some(n) = self.numbers.get(&c) {
            return *n;
        }
        self.order.push(c);
        let n = self.order.len();
        self.numbers.insert(c, n);
        n
    }
}

impl Document {
    fn footnote_text(&self, c: &Citation) -> String {
        match c {
            Citation::Contribution(id) => match self.cited.get(id) {
                Some(cc) if cc.citable || self.preview => {
                    let mut text = format!(
                        "{}, “{}” ({}, {}).",
                        cc.by,
                        one_line(&cc.title),
                        kind_singular(cc.kind),
                        cc.date
                    );
                    if !cc.citable {
                        text.push_str(" [Not published and public: cannot be cited when the report is published.]");
                    }
                    text
                }
                _ => "[A contribution that is not published and public.]".to_owned(),
            },
            cell => self
                .cells
                .get(cell)
                .cloned()
                .unwrap_or_else(|| "[An analysis cell that no longer exists.]".to_owned()),
        }
    }

    /// The chapters in order: the summary (unnumbered), then by kind and position; the
    /// organization chapter exists even when the draft has none (it carries the table).
    fn chapters(&self) -> Vec<(ReportSectionKind, String, &[Paragraph])> {
        let mut out: Vec<(ReportSectionKind, String, &[Paragraph])> = Vec::new();
        let order = |k: ReportSectionKind| ReportSectionKind::ALL.iter().position(|x| *x == k);
        let mut sections: Vec<&Section> = self.sections.iter().collect();
        sections.sort_by_key(|s| order(s.kind)); // stable: positions kept within a kind
        for s in sections {
            out.push((s.kind, s.heading.clone(), &s.paragraphs));
        }
        if !out
            .iter()
            .any(|(k, _, _)| *k == ReportSectionKind::Organization)
        {
            let at = out
                .iter()
                .position(|(k, _, _)| order(*k) > order(ReportSectionKind::Organization))
                .unwrap_or(out.len());
            out.insert(
                at,
                (
                    ReportSectionKind::Organization,
                    default_heading(ReportSectionKind::Organization).to_owned(),
                    &[],
                ),
            );
        }
        out
    }
}

fn total(table: &Counts, group: Option<StakeholderGroup>, kind: Option<ContributionKind>) -> u64 {
    let groups: Vec<StakeholderGroup> = group.map_or(StakeholderGroup::ALL.to_vec(), |g| vec![g]);
    let kinds: Vec<ContributionKind> = kind.map_or(ContributionKind::ALL.to_vec(), |k| vec![k]);
    groups
        .iter()
        .flat_map(|g| kinds.iter().map(move |k| table.get(*g, *k)))
        .sum()
}

/// Renders the document as Markdown and as HTML.
pub fn render(doc: &Document) -> Rendered {
    Rendered {
        markdown: markdown(doc),
        html: html(doc),
    }
}

fn markdown(doc: &Document) -> String {
    let mut notes = Footnotes::default();
    let mut md = String::new();
    let _ = writeln!(md, "# {}\n", md_text_of(&doc.title));
    if let Some(symbol) = &doc.symbol {
        let _ = writeln!(md, "{}\n", md_line_start(md_text_of(symbol)));
    }
    let _ = writeln!(
        md,
        "Report on the consultation: {}\n\n_{}_\n",
        md_text_of(&doc.consultation_title),
        md_escape(&doc.status_line)
    );
    let mut number = 0usize;
    let mut chapter = 0usize;
    for (kind, heading, paragraphs) in doc.chapters() {
        if kind == ReportSectionKind::Summary {
            let _ = writeln!(md, "## {}\n", md_text_of(&heading));
            for p in paragraphs {
                let _ = writeln!(md, "{}\n", md_line_start(md_text(doc, &mut notes, p)));
            }
            continue;
        }
        chapter += 1;
        let _ = writeln!(md, "## {}. {}\n", roman(chapter), md_text_of(&heading));
        for p in paragraphs {
            number = p.numbered_after(number);
            let _ = writeln!(md, "{number}\\. {}\n", md_text(doc, &mut notes, p));
        }
        if kind == ReportSectionKind::Organization {
            md.push_str(&md_table(&doc.table));
        }
    }
    md.push_str("## Annex\n\n### Contributors by stakeholder group\n\n");
    for (group, named, unnamed) in &doc.contributors {
        let _ = writeln!(md, "#### {}\n", group_label(*group));
        if named.is_empty() && *unnamed == 0 {
            md.push_str("None.\n\n");
            continue;
        }
        for (name, n) in named {
            let _ = writeln!(md, "- {} ({n})", md_text_of(name));
        }
        if *unnamed > 0 {
            let _ = writeln!(
                md,
                "- {unnamed} contribution{} without naming the contributor",
                if *unnamed == 1 { "" } else { "s" }
            );
        }
        md.push('\n');
    }
    if !notes.order.is_empty() {
        md.push_str("---\n\n");
        for (i, c) in notes.order.iter().enumerate() {
            let _ = writeln!(md, "[^{}]: {}", i + 1, md_escape(&doc.footnote_text(c)));
        }
    }
    md
}

fn md_text(doc: &Document, notes: &mut Footnotes, p: &Paragraph) -> String {
    let mut out = String::new();
    for piece in pieces("body", &p.body).unwrap_or_default() {
        match piece {
            Piece::Text(t) => out.push_str(&md_escape(&one_line_keep_edges(t))),
            Piece::Cite(id) => {
                let _ = write!(out, "[^{}]", notes.number(Citation::Contribution(id)));
            }
        }
    }
    let _ = doc;
    for c in &p.listed {
        let _ = write!(out, "[^{}]", notes.number(*c));
    }
    out.trim().to_owned()
}

/// Collapses whitespace inside a piece of text, keeping one space at either edge.
fn one_line_keep_edges(t: &str) -> String {
    let inner = one_line(t);
    let lead = if t.starts_with(char::is_whitespace) && !inner.is_empty() {
        " "
    } else {
        ""
    };
    let trail = if t.ends_with(char::is_whitespace) && !inner.is_empty() {
        " "
    } else {
        ""
    };
    format!("{lead}{inner}{trail}")
}

fn md_table(table: &Counts) -> String {
    let mut md =
        String::from("**Number of contributions to the consultation**\n\n| Stakeholder group |");
    for kind in ContributionKind::ALL {
        let _ = write!(md, " {} |", kind_label(*kind));
    }
    md.push_str(" Total |\n|---|");
    for _ in ContributionKind::ALL {
        md.push_str("---:|");
    }
    md.push_str("---:|\n");
    for group in StakeholderGroup::ALL {
        let _ = write!(md, "| {} |", group_label(*group));
        for kind in ContributionKind::ALL {
            let _ = write!(md, " {} |", table.get(*group, *kind));
        }
        let _ = writeln!(md, " {} |", total(table, Some(*group), None));
    }
    md.push_str("| **Total** |");
    for kind in ContributionKind::ALL {
        let _ = write!(md, " **{}** |", total(table, None, Some(*kind)));
    }
    let _ = writeln!(md, " **{}** |\n", total(table, None, None));
    md
}

#[cfg(test)]
mod tests;
