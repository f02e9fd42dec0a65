//! The rendering's shape, escaping and chart.

use super::*;

fn table() -> Counts {
    let mut t = Counts::default();
    t.0.insert(
        (
            StakeholderGroup::Government,
            ContributionKind::WrittenComment,
        ),
        11,
    );
    t.0.insert(
        (StakeholderGroup::Government, ContributionKind::Presentation),
        13,
    );
    t.0.insert(
        (
            StakeholderGroup::CivilSociety,
            ContributionKind::WrittenComment,
        ),
        32,
    );
    t
}

fn doc(body: &str) -> Document {
    let mut cited = HashMap::new();
    cited.insert(
        7,
        CitedContribution {
            by: "Brazil <gov>".to_owned(),
            title: "On \"enhanced\" cooperation".to_owned(),
            kind: ContributionKind::WrittenComment,
            date: "2010-11-02".to_owned(),
            citable: true,
        },
    );
    Document {
        title: "Enhanced cooperation".to_owned(),
        symbol: Some("A/66/77".to_owned()),
        consultation_title: "Open consultations".to_owned(),
        status_line: "Published".to_owned(),
        preview: false,
        sections: vec![
            Section {
                kind: ReportSectionKind::Issues,
                heading: "Issues".to_owned(),
                paragraphs: vec![Paragraph {
                    body: body.to_owned(),
                    listed: vec![],
                    number: None,
                }],
            },
            Section {
                kind: ReportSectionKind::Background,
                heading: "Background".to_owned(),
                paragraphs: vec![Paragraph {
                    body: "First.".to_owned(),
                    listed: vec![],
                    number: None,
                }],
            },
        ],
        table: table(),
        cited,
        cells: HashMap::new(),
        contributors: vec![(
            StakeholderGroup::Government,
            vec![("Brazil".to_owned(), 1)],
            2,
        )],
    }
}

#[test]
fn chapters_follow_the_report_and_paragraphs_are_numbered_across_them() {
    let id = crate::ids::GlobalId::new(crate::ids::NodeType::Contribution, 7).encode();
    let r = render(&doc(&format!("Some <b>said</b> [[c:{id}]] so.")));
    let background = r.markdown.find("## I. Background").unwrap();
    let organization = r.markdown.find("## II. Organization").unwrap();
    let issues = r.markdown.find("## III. Issues").unwrap();
    assert!(background < organization && organization < issues);
    assert!(r.markdown.contains("1\\. First."));
    assert!(
        r.markdown
            .contains("2\\. Some \\<b\\>said\\</b\\> [^1] so.")
    );
    assert!(r.markdown.contains(
        "[^1]: Brazil \\<gov\\>, “On \"enhanced\" cooperation” (written comment, 2010-11-02)."
    ));
    assert!(r.markdown.contains("| Governments | 11 | 13 | 0 | 24 |"));
    assert!(
        r.markdown
            .contains("| **Total** | **43** | **13** | **0** | **56** |")
    );
    assert!(
        r.markdown
            .contains("- 2 contributions without naming the contributor")
    );
    // HTML escapes everything it was given.
    assert!(r.html.contains("Some &lt;b&gt;said&lt;/b&gt; <sup>"));
    assert!(r.html.contains("Brazil &lt;gov&gt;"));
    assert!(!r.html.contains("<script"));
    assert!(r.html.contains("<svg"));
}

#[test]
fn the_chart_draws_one_segment_per_nonzero_cell() {
    let svg = chart(&table());
    assert_eq!(
        svg.matches("<rect").count(),
        3 + 3,
        "three bars, three legend keys"
    );
    assert!(svg.contains(">24</text>"), "the Governments' total");
}

#[test]
fn roman_numerals() {
    assert_eq!(roman(1), "I");
    assert_eq!(roman(4), "IV");
    assert_eq!(roman(9), "IX");
    assert_eq!(roman(14), "XIV");
}

/// What a Markdown reader (CommonMark with GitHub's tables, footnotes and strikethrough)
/// makes of `markdown` that could run or fetch anything: raw HTML, links, images and code.
/// (Emphasis is Concord's own here; that the hostile text's is not read as emphasis
/// shows in the text the reader gets back.)
fn markup_in(markdown: &str) -> Vec<String> {
    use pulldown_cmark::{Event, Options, Parser, Tag};
    let options = Options::ENABLE_TABLES
        | Options::ENABLE_FOOTNOTES
        | Options::ENABLE_STRIKETHROUGH
        | Options::ENABLE_TASKLISTS;
    Parser::new_ext(markdown, options)
        .filter_map(|event| match event {
            Event::Html(h) | Event::InlineHtml(h) => Some(format!("html {h}")),
            Event::Start(Tag::Link { dest_url, .. }) => Some(format!("link {dest_url}")),
            Event::Start(Tag::Image { dest_url, .. }) => Some(format!("image {dest_url}")),
            Event::Code(c) => Some(format!("code {c}")),
            _ => None,
        })
        .collect()
}

#[test]
fn text_concord_did_not_write_is_escaped_in_the_markdown() {
    let hostile = "<script>alert(1)</script> <img src=x onerror=alert(2)> **bold** _it_ \
                   ~~gone~~ `code` [link](javascript:alert(3)) ![img](http://e.example/x.png) \
                   <https://e.example> &amp; a | b \\ end";
    let mut d = doc(hostile);
    d.title = format!("Title {hostile}");
    d.symbol = Some("# A/66/77 <b>".to_owned());
    d.consultation_title = format!("Consultation {hostile}");
    d.sections[0].heading = format!("Heading {hostile}");
    d.sections.push(Section {
        kind: ReportSectionKind::Summary,
        heading: "Summary".to_owned(),
        paragraphs: vec![
            Paragraph {
                body: "# not a heading".to_owned(),
                listed: vec![],
                number: None,
            },
            Paragraph {
                body: "1. not a list <em>x</em>".to_owned(),
                listed: vec![],
                number: None,
            },
            Paragraph {
                body: "- not a list either".to_owned(),
                listed: vec![],
                number: None,
            },
        ],
    });
    d.contributors[0].1[0].0 = format!("Brazil {hostile}");
    d.cited.get_mut(&7).unwrap().title = format!("Cited {hostile}");
    d.sections[1].paragraphs[0].body = "See [[c:Q29udHJpYnV0aW9uOjc=]].".to_owned();
    let markdown = markdown(&d);
    assert_eq!(markup_in(&markdown), Vec::<String>::new(), "{markdown}");
    let bare_angle = markdown
        .char_indices()
        .any(|(i, c)| c == '<' && !markdown[..i].ends_with('\\'));
    assert!(!bare_angle, "every < is escaped: {markdown}");
    // Shown as written: the reader's text is the original text.
    let text: String = pulldown_cmark::Parser::new(&markdown)
        .filter_map(|e| match e {
            pulldown_cmark::Event::Text(t) => Some(t.to_string()),
            _ => None,
        })
        .collect();
    assert!(text.contains(hostile), "{text}");
    assert!(text.contains("# not a heading") && text.contains("1. not a list <em>x</em>"));
    // Concord's own Markdown still works: headings, the table, the footnote.
    assert!(markdown.contains("## III. Heading"), "{markdown}");
    assert!(markdown.contains("| **Total** |"));
}

#[test]
fn a_quoted_paragraph_keeps_its_number_and_the_next_follows_it() {
    let mut d = doc("Body.");
    // Background comes first: "First." as its number 3, then one numbered after it.
    d.sections[1].paragraphs[0].number = Some(3);
    d.sections[1].paragraphs.push(Paragraph {
        body: "Second.".to_owned(),
        listed: vec![],
        number: None,
    });
    d.sections[0].paragraphs[0].number = Some(15);
    let html = super::html(&d);
    assert!(
        html.contains("id=\"para-3\"><span class=\"num\">3.</span>First."),
        "{html}"
    );
    assert!(
        html.contains("id=\"para-4\"><span class=\"num\">4.</span>Second."),
        "{html}"
    );
    assert!(
        html.contains("id=\"para-15\"><span class=\"num\">15.</span>Body."),
        "{html}"
    );
    let md = markdown(&d);
    assert!(
        md.contains("3\\. First.") && md.contains("4\\. Second.") && md.contains("15\\. Body."),
        "{md}"
    );
}
