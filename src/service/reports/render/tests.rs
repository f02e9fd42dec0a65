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
                }],
            },
            Section {
                kind: ReportSectionKind::Background,
                heading: "Background".to_owned(),
                paragraphs: vec![Paragraph {
                    body: "First.".to_owned(),
                    listed: vec![],
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
    assert!(r.markdown.contains("2\\. Some <b>said</b> [^1] so."));
    assert!(r.markdown.contains(
        "[^1]: Brazil <gov>, “On \"enhanced\" cooperation” (written comment, 2010-11-02)."
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
