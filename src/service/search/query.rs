//! A search as a client types it, parsed into the same words for PostgreSQL's
//! `websearch_to_tsquery` and for an FTS5 `MATCH`, each built from the parts, never
//! from the raw text, so no input is a syntax error on either.

use super::text::spaced;
use crate::error::{AppError, AppResult};

/// Longest search a client may send, in characters.
pub const MAX_QUERY_CHARS: usize = 200;

/// A parsed search: the same words for PostgreSQL's `websearch_to_tsquery` and for an
/// FTS5 `MATCH`, each built from the parts, never from the raw text.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct SearchQuery {
    pub(super) websearch: String,
    pub(super) fts5: String,
}

impl SearchQuery {
    /// The search as PostgreSQL's `websearch_to_tsquery` takes it.
    pub fn websearch(&self) -> &str {
        &self.websearch
    }

    /// Parses what a client typed; empty, over-long or word-less searches are
    /// `BAD_USER_INPUT`.
    pub fn parse(name: &str, raw: &str) -> AppResult<SearchQuery> {
        let text = raw.trim();
        let length = text.chars().count();
        if length == 0 {
            return Err(AppError::bad_input(format!(
                "`{name}` is empty; give the words to search for"
            )));
        }
        if length > MAX_QUERY_CHARS {
            return Err(AppError::bad_input(format!(
                "`{name}` is {length} characters long; a search takes at most {MAX_QUERY_CHARS}"
            )));
        }
        // Control characters (tabs, line breaks…) separate words like spaces.
        let text: String = text
            .chars()
            .map(|c| if c.is_control() { ' ' } else { c })
            .collect();
        let terms = terms(&text);
        // Clauses that must all match; each is one or more alternatives (`a or b`).
        let mut clauses: Vec<Vec<String>> = Vec::new();
        let mut excluded: Vec<String> = Vec::new();
        let mut join_next = false;
        for term in terms {
            match term {
                Term::Or => join_next = !clauses.is_empty(),
                Term::Text { text, negated } => {
                    if !text.chars().any(char::is_alphanumeric) {
                        continue;
                    }
                    let text = spaced(&text);
                    if negated {
                        excluded.push(text);
                    } else if join_next {
                        clauses.last_mut().expect("a clause to join").push(text);
                    } else {
                        clauses.push(vec![text]);
                    }
                    join_next = false;
                }
            }
        }
        if clauses.is_empty() {
            return Err(AppError::bad_input(format!(
                "`{name}` has no words to search for (only punctuation or excluded words)"
            )));
        }
        let quoted = |t: &String| format!("\"{t}\"");
        let websearch = clauses
            .iter()
            .map(|alternatives| {
                alternatives
                    .iter()
                    .map(quoted)
                    .collect::<Vec<_>>()
                    .join(" or ")
            })
            .chain(excluded.iter().map(|t| format!("-{}", quoted(t))))
            .collect::<Vec<_>>()
            .join(" ");
        let mut fts5 = clauses
            .iter()
            .map(|alternatives| {
                let any: Vec<String> = alternatives.iter().map(quoted).collect();
                format!("({})", any.join(" OR "))
            })
            .collect::<Vec<_>>()
            .join(" AND ");
        for t in &excluded {
            fts5 = format!("{fts5} NOT {}", quoted(t));
        }
        Ok(SearchQuery { websearch, fts5 })
    }
}

/// A piece of a search as typed.
enum Term {
    Text { text: String, negated: bool },
    Or,
}

/// Splits a search into words, `"phrases"`, `-exclusions` and `or`. Double quotes only
/// delimit phrases, so no term contains one.
fn terms(text: &str) -> Vec<Term> {
    let mut out = Vec::new();
    let mut chars = text.chars().peekable();
    while let Some(&c) = chars.peek() {
        if c.is_whitespace() {
            chars.next();
            continue;
        }
        let negated = c == '-';
        if negated {
            chars.next();
        }
        let mut word = String::new();
        if chars.peek() == Some(&'"') {
            chars.next();
            for c in chars.by_ref() {
                if c == '"' {
                    break;
                }
                word.push(c);
            }
        } else {
            while let Some(&c) = chars.peek() {
                if c.is_whitespace() || c == '"' {
                    break;
                }
                word.push(c);
                chars.next();
            }
        }
        if !negated && word.eq_ignore_ascii_case("or") {
            out.push(Term::Or);
        } else {
            out.push(Term::Text {
                text: word,
                negated,
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(raw: &str) -> SearchQuery {
        SearchQuery::parse("query", raw).unwrap()
    }

    #[test]
    fn searches_are_rebuilt_from_their_parts() {
        let q = parse(r#"internet "human rights" or privacy -spam"#);
        assert_eq!(
            q.websearch,
            r#""internet" "human rights" or "privacy" -"spam""#
        );
        assert_eq!(
            q.fts5,
            r#"("internet") AND ("human rights" OR "privacy") NOT "spam""#
        );
        // Control characters separate words.
        assert_eq!(parse("human\u{1}rights\n").websearch, r#""human" "rights""#);
        // Operators of either syntax, typed as words, stay words.
        let q = parse("NEAR AND NOT ) ( * ^ :");
        assert_eq!(q.fts5, r#"("NEAR") AND ("AND") AND ("NOT")"#);
    }

    #[test]
    fn empty_long_or_wordless_searches_are_refused() {
        for bad in ["", "   ", "!!! ???", "-spam", "or", &"a".repeat(201)] {
            let error = SearchQuery::parse("query", bad).unwrap_err();
            assert_eq!(error.code(), "BAD_USER_INPUT", "{bad:?}");
        }
        assert!(SearchQuery::parse("query", &"a".repeat(200)).is_ok());
    }

    #[test]
    fn chinese_words_are_phrases_of_their_characters() {
        let q = parse("互联网治理");
        assert_eq!(q.fts5, "(\" 互  联  网  治  理 \")");
    }
}
