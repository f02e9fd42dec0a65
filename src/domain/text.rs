//! Text the catalogue is made of: names, titles, slugs, addresses, lists of lines.

use crate::error::{UserError, UserErrorCode};
use chrono::NaiveDate;

fn invalid(field: &str, message: impl Into<String>) -> UserError {
    UserError::new(field, UserErrorCode::Invalid, message)
}

/// One line of 1 to `max` characters, trimmed (names, titles, venues, acronyms).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Line(String);

impl Line {
    pub fn parse(field: &str, raw: &str, max: usize) -> Result<Line, UserError> {
        let value = raw.trim();
        if value.is_empty() || value.chars().count() > max || value.contains('\n') {
            return Err(invalid(
                field,
                format!("Give 1 to {max} characters on one line"),
            ));
        }
        Ok(Line(value.to_owned()))
    }

    pub fn into_string(self) -> String {
        self.0
    }
}

/// A short unique key: 1 to 100 lowercase letters, digits and inner hyphens.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Slug(String);

impl Slug {
    pub fn parse(field: &str, raw: &str) -> Result<Slug, UserError> {
        let ok = (1..=100).contains(&raw.len())
            && raw
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
            && !raw.starts_with('-')
            && !raw.ends_with('-');
        if !ok {
            return Err(invalid(
                field,
                "Use 1 to 100 lowercase letters, digits and inner hyphens, e.g. enhanced-cooperation-2010",
            ));
        }
        Ok(Slug(raw.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_string(self) -> String {
        self.0
    }
}

/// An http or https address of at most 500 characters, trimmed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Website(String);

impl Website {
    pub fn parse(raw: &str) -> Result<Website, UserError> {
        let value = raw.trim();
        let ok = value.len() <= 500
            && url::Url::parse(value).is_ok_and(|u| matches!(u.scheme(), "http" | "https"));
        if !ok {
            return Err(invalid(
                "website",
                "Give an http or https address, e.g. https://www.example.org",
            ));
        }
        Ok(Website(value.to_owned()))
    }

    pub fn into_string(self) -> String {
        self.0
    }
}

/// An ISO 3166-1 alpha-3 country code, uppercased (`ken` becomes `KEN`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CountryCode(String);

impl CountryCode {
    pub fn parse(raw: &str) -> Result<CountryCode, UserError> {
        let code = raw.trim().to_ascii_uppercase();
        if code.len() != 3 || !code.chars().all(|c| c.is_ascii_uppercase()) {
            return Err(invalid(
                "countryCode",
                "Give an ISO 3166-1 alpha-3 code, e.g. KEN",
            ));
        }
        Ok(CountryCode(code))
    }

    pub fn into_string(self) -> String {
        self.0
    }
}

/// When a mechanism was established, as precisely as known: YYYY, YYYY-MM or YYYY-MM-DD.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Established(String);

impl Established {
    pub fn parse(raw: &str) -> Result<Established, UserError> {
        let ok = NaiveDate::parse_from_str(raw, "%Y-%m-%d").is_ok()
            || NaiveDate::parse_from_str(&format!("{raw}-01"), "%Y-%m-%d").is_ok()
            || (raw.len() == 4 && raw.chars().all(|c| c.is_ascii_digit()));
        if !ok {
            return Err(invalid("established", "Give YYYY, YYYY-MM or YYYY-MM-DD"));
        }
        Ok(Established(raw.to_owned()))
    }

    pub fn into_string(self) -> String {
        self.0
    }
}

/// A policy issue's description: at most 10 000 characters, trimmed (may be empty).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Description(String);

impl Description {
    pub const MAX: usize = 10_000;

    pub fn parse(raw: &str) -> Result<Description, UserError> {
        let value = raw.trim();
        if value.chars().count() > Self::MAX {
            return Err(invalid("description", "Give at most 10000 characters"));
        }
        Ok(Description(value.to_owned()))
    }

    pub fn into_string(self) -> String {
        self.0
    }
}

/// A list of at most `max_items` trimmed entries of 1 to `max_chars` characters each.
fn list(
    raw: &[String],
    max_items: usize,
    max_chars: usize,
    error: impl FnOnce() -> UserError,
) -> Result<Vec<String>, UserError> {
    let items: Vec<String> = raw.iter().map(|q| q.trim().to_owned()).collect();
    if items
        .iter()
        .any(|q| q.is_empty() || q.chars().count() > max_chars)
        || items.len() > max_items
    {
        return Err(error());
    }
    Ok(items)
}

/// The questions a consultation asks: at most 50, of 1 to 2000 characters each.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GuidingQuestions(Vec<String>);

impl GuidingQuestions {
    pub fn parse(raw: &[String]) -> Result<GuidingQuestions, UserError> {
        list(raw, 50, 2000, || {
            invalid(
                "guidingQuestions",
                "Give at most 50 questions of 1 to 2000 characters each",
            )
        })
        .map(GuidingQuestions)
    }

    /// As stored: a JSON array of strings.
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::json!(self.0)
    }
}

/// A meeting's agenda: at most 100 items of 1 to 500 characters each.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Agenda(Vec<String>);

impl Agenda {
    pub fn parse(raw: &[String]) -> Result<Agenda, UserError> {
        list(raw, 100, 500, || {
            invalid(
                "agenda",
                "Give at most 100 agenda items of 1 to 500 characters each",
            )
        })
        .map(Agenda)
    }

    /// As stored: a JSON array of strings.
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::json!(self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_are_trimmed_single_lines_within_bounds() {
        assert_eq!(
            Line::parse("name", "  UNESCO ", 300).unwrap().into_string(),
            "UNESCO"
        );
        assert!(Line::parse("name", "   ", 300).is_err());
        assert!(Line::parse("name", "two\nlines", 300).is_err());
        assert!(Line::parse("name", &"x".repeat(301), 300).is_err());
        let err = Line::parse("venue", "", 300).unwrap_err();
        assert_eq!(err.field, vec!["input", "venue"]);
    }

    #[test]
    fn addresses_codes_dates_and_lists() {
        assert!(Website::parse(" https://www.itu.int ").is_ok());
        assert!(Website::parse("ftp://example.org").is_err());
        assert_eq!(CountryCode::parse("ken").unwrap().into_string(), "KEN");
        assert!(CountryCode::parse("KE").is_err());
        for ok in ["2005", "2005-11", "2005-11-18"] {
            assert!(Established::parse(ok).is_ok(), "{ok}");
        }
        assert!(Established::parse("18/11/2005").is_err());
        assert!(Slug::parse("slug", "enhanced-cooperation-2010").is_ok());
        assert!(Slug::parse("slug", "-leading").is_err());
        assert!(GuidingQuestions::parse(&["  Why? ".into()]).is_ok());
        assert!(GuidingQuestions::parse(&[" ".into()]).is_err());
        assert!(Agenda::parse(&vec!["item".to_owned(); 101]).is_err());
        assert!(Description::parse(&"d".repeat(10_001)).is_err());
    }
}
