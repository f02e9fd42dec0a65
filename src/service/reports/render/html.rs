//! The HTML edition: one standalone page (its style inline, no script), the table and
//! its chart drawn as inline SVG, readable on screen and in print.

use super::super::citations::{Citation, Piece};
use super::{
    Document, Footnotes, Paragraph, escape, group_label, kind_label, one_line, one_line_keep_edges,
    pieces, roman, total,
};
use crate::service::statistics::Counts;
use entity::enums::{ContributionKind, ReportSectionKind, StakeholderGroup};
use std::fmt::Write;

const STYLE: &str = "body{font-family:'Times New Roman',Georgia,serif;max-width:46rem;margin:2rem auto;padding:0 1rem;line-height:1.45;color:#111}\
header{border-bottom:2px solid #111;margin-bottom:1.5rem}header .symbol{font-family:Arial,sans-serif;float:right;font-size:.9rem}\
h1{font-size:1.6rem;margin:.4rem 0}h2{font-size:1.2rem;margin-top:2rem}h3,h4{font-size:1rem}\
.status{font-style:italic;color:#444}.preview{background:#fff4ce;border:1px solid #c9a400;padding:.5rem}\
p.para{text-indent:0}p.para .num{display:inline-block;min-width:2.2rem}\
table{border-collapse:collapse;margin:1rem 0;font-size:.95rem}caption{font-weight:bold;text-align:left;padding-bottom:.4rem}\
th,td{border:1px solid #555;padding:.25rem .6rem}th[scope=row]{text-align:left;font-weight:normal}td.n,th.n{text-align:right}tfoot td{font-weight:bold}\
figure{margin:1rem 0}figcaption{font-size:.9rem;color:#333}\
.footnotes{font-size:.9rem;border-top:1px solid #555;margin-top:2rem}sup a{text-decoration:none}\
figure svg{max-width:100%;height:auto}.table-wrap{overflow-x:auto}\
@media (max-width:480px){body{padding:0 .6rem}table{font-size:.85rem}th,td{padding:.2rem .3rem}}\
@page{margin:2cm 2.2cm}\
@media print{body{max-width:none;margin:0}.preview{border:1px solid #000}a{color:#000}}";

pub(super) fn html(doc: &Document) -> String {
    let mut notes = Footnotes::default();
    let mut h = String::new();
    let _ = write!(
        h,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>{}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n<header>",
        escape(&one_line(&doc.title))
    );
    if let Some(symbol) = &doc.symbol {
        let _ = write!(h, "<div class=\"symbol\">{}</div>", escape(symbol));
    }
    let _ = write!(
        h,
        "<h1>{}</h1><p>Report on the consultation: {}</p><p class=\"{}\">{}</p></header>\n<main>\n",
        escape(&one_line(&doc.title)),
        escape(&one_line(&doc.consultation_title)),
        if doc.preview {
            "status preview"
        } else {
            "status"
        },
        escape(&doc.status_line)
    );
    let mut number = 0usize;
    let mut chapter = 0usize;
    for (kind, heading, paragraphs) in doc.chapters() {
        if kind == ReportSectionKind::Summary {
            let _ = writeln!(
                h,
                "<section class=\"summary\"><h2>{}</h2>",
                escape(&one_line(&heading))
            );
            for p in paragraphs {
                let _ = writeln!(h, "<p>{}</p>", html_text(&mut notes, p));
            }
            h.push_str("</section>\n");
            continue;
        }
        chapter += 1;
        let _ = writeln!(
            h,
            "<section><h2>{}. {}</h2>",
            roman(chapter),
            escape(&one_line(&heading))
        );
        for p in paragraphs {
            number = p.numbered_after(number);
            let _ = writeln!(
                h,
                "<p class=\"para\" id=\"para-{number}\"><span class=\"num\">{number}.</span>{}</p>",
                html_text(&mut notes, p)
            );
        }
        if kind == ReportSectionKind::Organization {
            // In a box of its own, so that a narrow screen scrolls the table, not the page.
            h.push_str(
                "<div class=\"table-wrap\" tabindex=\"0\" role=\"region\" aria-label=\"The table of contributions\">",
            );
            h.push_str(&html_table(&doc.table));
            h.push_str("</div>");
            h.push_str(&chart(&doc.table));
        }
        h.push_str("</section>\n");
    }
    h.push_str(
        "<section class=\"annex\"><h2>Annex</h2><h3>Contributors by stakeholder group</h3>\n",
    );
    for (group, named, unnamed) in &doc.contributors {
        let _ = write!(h, "<h4>{}</h4>", group_label(*group));
        if named.is_empty() && *unnamed == 0 {
            h.push_str("<p>None.</p>\n");
            continue;
        }
        h.push_str("<ul>");
        for (name, n) in named {
            let _ = write!(h, "<li>{} ({n})</li>", escape(&one_line(name)));
        }
        if *unnamed > 0 {
            let _ = write!(
                h,
                "<li>{unnamed} contribution{} without naming the contributor</li>",
                if *unnamed == 1 { "" } else { "s" }
            );
        }
        h.push_str("</ul>\n");
    }
    h.push_str("</section>\n");
    if !notes.order.is_empty() {
        h.push_str("<section class=\"footnotes\"><h2>Notes</h2><ol>\n");
        for (i, c) in notes.order.iter().enumerate() {
            let n = i + 1;
            let _ = writeln!(
                h,
                "<li id=\"fn-{n}\">{} <a href=\"#ref-{n}\" aria-label=\"Back to the text\">↩</a></li>",
                escape(&doc.footnote_text(c))
            );
        }
        h.push_str("</ol></section>\n");
    }
    h.push_str("</main>\n</body>\n</html>\n");
    h
}

fn html_text(notes: &mut Footnotes, p: &Paragraph) -> String {
    let mut out = String::new();
    let mut sup = |out: &mut String, c: Citation| {
        let n = notes.number(c);
        if out.ends_with("</sup>") {
            out.push_str("<sup>,</sup>"); // 3,4,5 rather than 345
        }
        let _ = write!(
            out,
            "<sup><a href=\"#fn-{n}\" id=\"ref-{n}\" class=\"fnref\">{n}</a></sup>"
        );
    };
    for piece in pieces("body", &p.body).unwrap_or_default() {
        match piece {
            Piece::Text(t) => out.push_str(&escape(&one_line_keep_edges(t))),
            Piece::Cite(id) => sup(&mut out, Citation::Contribution(id)),
        }
    }
    for c in &p.listed {
        sup(&mut out, *c);
    }
    out
}

fn html_table(table: &Counts) -> String {
    let mut h = String::from(
        "<table class=\"contributions\"><caption>Number of contributions to the consultation</caption><thead><tr><th scope=\"col\">Stakeholder group</th>",
    );
    for kind in ContributionKind::ALL {
        let _ = write!(
            h,
            "<th scope=\"col\" class=\"n\">{}</th>",
            kind_label(*kind)
        );
    }
    h.push_str("<th scope=\"col\" class=\"n\">Total</th></tr></thead><tbody>");
    for group in StakeholderGroup::ALL {
        let _ = write!(h, "<tr><th scope=\"row\">{}</th>", group_label(*group));
        for kind in ContributionKind::ALL {
            let _ = write!(h, "<td class=\"n\">{}</td>", table.get(*group, *kind));
        }
        let _ = write!(
            h,
            "<td class=\"n\">{}</td></tr>",
            total(table, Some(*group), None)
        );
    }
    h.push_str("</tbody><tfoot><tr><td>Total</td>");
    for kind in ContributionKind::ALL {
        let _ = write!(
            h,
            "<td class=\"n\">{}</td>",
            total(table, None, Some(*kind))
        );
    }
    let _ = writeln!(
        h,
        "<td class=\"n\">{}</td></tr></tfoot></table>",
        total(table, None, None)
    );
    h
}

/// Fills of the three kinds: dark, middle, light, so that the bars read in grey too.
const FILLS: [&str; 3] = ["#1f3f66", "#5b8fc7", "#cfe0f3"];
const INK: [&str; 3] = ["#ffffff", "#ffffff", "#111111"];

/// A horizontal stacked bar per group, one segment per kind, each labelled with its
/// count; a legend below. Sized in user units, scaled by the viewer.
pub fn chart(table: &Counts) -> String {
    let label_w = 190.0;
    let bar_w = 380.0;
    let row_h = 34.0;
    let top = 10.0;
    let groups = StakeholderGroup::ALL;
    let max = groups
        .iter()
        .map(|g| total(table, Some(*g), None))
        .max()
        .unwrap_or(0)
        .max(1) as f64;
    let legend_y = top + row_h * groups.len() as f64 + 16.0;
    let height = legend_y + 24.0;
    let width = label_w + bar_w + 50.0;
    let mut s = String::new();
    let _ = write!(
        s,
        "<figure><svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {width} {height}\" width=\"{width}\" height=\"{height}\" role=\"img\" aria-labelledby=\"chart-title\" font-family=\"Arial, sans-serif\" font-size=\"13\"><title id=\"chart-title\">Contributions by stakeholder group and kind</title>"
    );
    for (row, group) in groups.iter().enumerate() {
        let y = top + row_h * row as f64;
        let _ = write!(
            s,
            "<text x=\"{}\" y=\"{}\" text-anchor=\"end\">{}</text>",
            label_w - 8.0,
            y + row_h / 2.0 + 4.0,
            group_label(*group)
        );
        let mut x = label_w;
        for (k, kind) in ContributionKind::ALL.iter().enumerate() {
            let n = table.get(*group, *kind);
            if n == 0 {
                continue;
            }
            let w = bar_w * n as f64 / max;
            let _ = write!(
                s,
                "<rect x=\"{x:.1}\" y=\"{:.1}\" width=\"{w:.1}\" height=\"{:.1}\" fill=\"{}\" stroke=\"#111\" stroke-width=\"0.6\"><title>{}: {} {n}</title></rect>",
                y + 4.0,
                row_h - 8.0,
                FILLS[k],
                group_label(*group),
                kind_label(*kind).to_lowercase()
            );
            if w >= 18.0 {
                let _ = write!(
                    s,
                    "<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\" fill=\"{}\">{n}</text>",
                    x + w / 2.0,
                    y + row_h / 2.0 + 4.0,
                    INK[k]
                );
            }
            x += w;
        }
        let _ = write!(
            s,
            "<text x=\"{:.1}\" y=\"{:.1}\" font-weight=\"bold\">{}</text>",
            x + 6.0,
            y + row_h / 2.0 + 4.0,
            total(table, Some(*group), None)
        );
    }
    let mut x = label_w;
    for (k, kind) in ContributionKind::ALL.iter().enumerate() {
        let _ = write!(
            s,
            "<rect x=\"{x:.1}\" y=\"{legend_y:.1}\" width=\"12\" height=\"12\" fill=\"{}\" stroke=\"#111\" stroke-width=\"0.6\"/><text x=\"{:.1}\" y=\"{:.1}\">{}</text>",
            FILLS[k],
            x + 16.0,
            legend_y + 11.0,
            kind_label(*kind)
        );
        x += 130.0;
    }
    s.push_str("</svg><figcaption>Contributions by stakeholder group and kind (the table above, drawn).</figcaption></figure>\n");
    s
}
