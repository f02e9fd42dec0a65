//! What a paragraph of a report cites: contributions (by `[[c:ID]]` markers in its
//! text, or listed), and cells of the consultation's analysis (an issue × group cell of
//! the issue matrix, a mechanism × stance × group cell of the stances).

use crate::error::{UserError, UserErrorCode};
use crate::ids::{GlobalId, NodeType};
use entity::enums::{StakeholderGroup, Stance};
use serde::{Deserialize, Serialize};

/// Longest paragraph, in characters (the 2011 report's longest is about 1,900).
pub const MAX_PARAGRAPH_CHARS: usize = 5_000;
/// Most citations one paragraph may carry, markers and list together.
pub const MAX_CITATIONS: usize = 50;

/// One citation of a paragraph.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Citation {
    /// A contribution, by its id.
    Contribution(i64),
    /// How many conveyed contributions of `group` raised `issue`.
    IssueCell { issue: i64, group: StakeholderGroup },
    /// How many conveyed contributions of `group` take `stance` on `mechanism`.
    StanceCell {
        mechanism: i64,
        stance: Stance,
        group: StakeholderGroup,
    },
}

impl Citation {
    pub fn contribution(self) -> Option<i64> {
        match self {
            Citation::Contribution(id) => Some(id),
            _ => None,
        }
    }
}

/// A piece of a paragraph's text: plain text, or a marker citing a contribution.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Piece<'a> {
    Text(&'a str),
    Cite(i64),
}

const OPEN: &str = "[[c:";
const CLOSE: &str = "]]";

/// Splits a paragraph's text at its `[[c:ID]]` markers (ID: a contribution's global
/// ID). A malformed marker, or one naming something other than a contribution, is an
/// `INVALID` entry on `field`.
pub fn pieces<'a>(field: &str, body: &'a str) -> Result<Vec<Piece<'a>>, UserError> {
    let mut out = Vec::new();
    let mut rest = body;
    while let Some(start) = rest.find(OPEN) {
        if start > 0 {
            out.push(Piece::Text(&rest[..start]));
        }
        let after = &rest[start + OPEN.len()..];
        let Some(end) = after.find(CLOSE) else {
            return Err(UserError::new(
                field,
                UserErrorCode::Invalid,
                "A citation marker opened with [[c: is not closed with ]]",
            ));
        };
        let raw = after[..end].trim();
        let id = GlobalId::decode_as(raw, NodeType::Contribution).map_err(|e| {
            UserError::new(
                field,
                UserErrorCode::Invalid,
                format!("Citation marker [[c:{raw}]]: {}", e.message()),
            )
        })?;
        out.push(Piece::Cite(id));
        rest = &after[end + CLOSE.len()..];
    }
    if !rest.is_empty() {
        out.push(Piece::Text(rest));
    }
    Ok(out)
}

/// Every citation of a paragraph, markers first (in text order), then the list; each
/// once.
pub fn all(body: &str, listed: &[Citation]) -> Vec<Citation> {
    let mut out: Vec<Citation> = Vec::new();
    let marked = pieces("body", body).unwrap_or_default();
    for piece in marked {
        if let Piece::Cite(id) = piece {
            out.push(Citation::Contribution(id));
        }
    }
    out.extend_from_slice(listed);
    let mut seen = std::collections::HashSet::new();
    out.retain(|c| seen.insert(*c));
    out
}

/// The structured citations as stored.
pub fn to_json(listed: &[Citation]) -> String {
    serde_json::to_string(listed).unwrap_or_else(|_| "[]".to_owned())
}

/// The structured citations stored with a paragraph.
pub fn from_json(stored: &str) -> Vec<Citation> {
    serde_json::from_str(stored).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markers_split_the_text_and_name_contributions() {
        let id = GlobalId::new(NodeType::Contribution, 7).encode();
        let body = format!("Some said so [[c:{id}]], others not.[[c: {id} ]]");
        let got = pieces("body", &body).unwrap();
        assert_eq!(
            got,
            vec![
                Piece::Text("Some said so "),
                Piece::Cite(7),
                Piece::Text(", others not."),
                Piece::Cite(7),
            ]
        );
        assert_eq!(all(&body, &[]), vec![Citation::Contribution(7)]);
    }

    #[test]
    fn malformed_markers_are_refused() {
        let stakeholder = GlobalId::new(NodeType::Stakeholder, 7).encode();
        for body in [
            "open [[c:abc".to_owned(),
            "[[c:not-an-id]]".to_owned(),
            format!("[[c:{stakeholder}]]"),
        ] {
            let err = pieces("body", &body).unwrap_err();
            assert_eq!(err.code, UserErrorCode::Invalid, "{body}");
        }
    }

    #[test]
    fn stored_citations_round_trip() {
        let listed = vec![
            Citation::Contribution(3),
            Citation::IssueCell {
                issue: 2,
                group: StakeholderGroup::Government,
            },
            Citation::StanceCell {
                mechanism: 4,
                stance: Stance::Proposes,
                group: StakeholderGroup::CivilSociety,
            },
        ];
        assert_eq!(from_json(&to_json(&listed)), listed);
    }
}
