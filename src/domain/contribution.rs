//! What a contribution says: its text, its language, the reason it is withdrawn, and
//! the content hash that is the submitter's receipt.

use crate::error::{MutationError, UserError, UserErrorCode};

fn invalid(field: &str, message: impl Into<String>) -> UserError {
    UserError::new(field, UserErrorCode::Invalid, message)
}

/// A BCP 47 language tag such as `en`, `fr`, `zh-Hans`, with its primary subtag lowercased.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Language(String);

impl Language {
    pub fn parse(raw: &str) -> Result<Language, UserError> {
        let tag = raw.trim();
        let mut parts = tag.split('-');
        let primary = parts.next().unwrap_or("");
        let ok = (2..=3).contains(&primary.len())
            && primary.chars().all(|c| c.is_ascii_alphabetic())
            && parts.all(|p| {
                (1..=8).contains(&p.len()) && p.chars().all(|c| c.is_ascii_alphanumeric())
            });
        if !ok {
            return Err(invalid(
                "language",
                "Give the language as a BCP 47 tag such as en, fr, ar, zh or es-419",
            ));
        }
        let mut out = primary.to_ascii_lowercase();
        for part in tag.split('-').skip(1) {
            out.push('-');
            out.push_str(part);
        }
        Ok(Language(out))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The text of one revision: a title of 1 to 500 characters (trimmed), a body of 1 to
/// 1 000 000 characters kept exactly as sent (it is what is hashed), and a language.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContributionText {
    title: String,
    body: String,
    language: Language,
}

impl ContributionText {
    /// Longest title, in characters.
    pub const MAX_TITLE: usize = 500;
    /// Longest body, in characters (large bodies are normal).
    pub const MAX_BODY: usize = 1_000_000;

    /// Parses a revision's text; every problem is reported, not only the first.
    pub fn parse(
        title: &str,
        body: &str,
        language: &str,
    ) -> Result<ContributionText, MutationError> {
        let mut errors = Vec::new();
        let title = title.trim().to_owned();
        if title.is_empty() || title.chars().count() > Self::MAX_TITLE {
            errors.push(invalid(
                "title",
                format!("The title must have 1 to {} characters", Self::MAX_TITLE),
            ));
        }
        if body.trim().is_empty() || body.chars().count() > Self::MAX_BODY {
            errors.push(invalid(
                "body",
                format!("The body must have 1 to {} characters", Self::MAX_BODY),
            ));
        }
        let language = Language::parse(language)
            .map_err(|e| errors.push(e))
            .unwrap_or_default();
        if !errors.is_empty() {
            return Err(MutationError::Input(errors));
        }
        Ok(ContributionText {
            title,
            body: body.to_owned(),
            language,
        })
    }

    pub fn title(&self) -> &str {
        &self.title
    }

    pub fn body(&self) -> &str {
        &self.body
    }

    pub fn language(&self) -> &str {
        self.language.as_str()
    }

    /// The receipt of this text: see [`content_hash`].
    pub fn content_hash(&self) -> String {
        content_hash(&self.title, self.language.as_str(), &self.body)
    }
}

/// SHA-256 (lowercase hex) of a revision's canonical form, the submitter's receipt:
///
/// ```text
/// concord-revision-v1\n
/// language:<byte length>:<language>\n
/// title:<byte length>:<title>\n
/// body:<byte length>:<body>
/// ```
///
/// Lengths make the form unambiguous whatever the fields contain; text is hashed as
/// the UTF-8 bytes stored, without normalization.
pub fn content_hash(title: &str, language: &str, body: &str) -> String {
    use sha2::{Digest, Sha256};
    let mut hasher = Sha256::new();
    hasher.update(b"concord-revision-v1\n");
    for (name, value) in [("language", language), ("title", title), ("body", body)] {
        hasher.update(format!("{name}:{}:", value.len()).as_bytes());
        hasher.update(value.as_bytes());
        if name != "body" {
            hasher.update(b"\n");
        }
    }
    hex::encode(hasher.finalize())
}

/// Why a contribution is withdrawn: 1 to 2000 characters, trimmed; shown with it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Reason(String);

impl Reason {
    /// Longest reason, in characters.
    pub const MAX: usize = 2_000;

    pub fn parse(raw: &str) -> Result<Reason, UserError> {
        let reason = raw.trim();
        if reason.is_empty() || reason.chars().count() > Self::MAX {
            return Err(invalid(
                "reason",
                format!("Give a reason of 1 to {} characters", Self::MAX),
            ));
        }
        Ok(Reason(reason.to_owned()))
    }

    pub fn into_string(self) -> String {
        self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn languages_are_bcp47_tags() {
        assert_eq!(Language::parse(" EN ").unwrap().as_str(), "en");
        assert_eq!(Language::parse("zh-Hans").unwrap().as_str(), "zh-Hans");
        assert_eq!(Language::parse("es-419").unwrap().as_str(), "es-419");
        assert!(Language::parse("english").is_err());
        assert!(Language::parse("e").is_err());
    }

    #[test]
    fn a_text_reports_every_problem_and_keeps_the_body_as_sent() {
        let Err(MutationError::Input(errors)) = ContributionText::parse(" ", " ", "??") else {
            panic!("expected userErrors");
        };
        let fields: Vec<&str> = errors.iter().map(|e| e.field[1].as_str()).collect();
        assert_eq!(fields, ["title", "body", "language"]);
        let text = ContributionText::parse(" Title ", "  body  ", "fr").unwrap();
        assert_eq!(
            (text.title(), text.body(), text.language()),
            ("Title", "  body  ", "fr")
        );
        assert_eq!(text.content_hash(), content_hash("Title", "fr", "  body  "));
    }

    #[test]
    fn reasons_are_bounded() {
        assert_eq!(Reason::parse(" late ").unwrap().into_string(), "late");
        assert!(Reason::parse("").is_err());
        assert!(Reason::parse(&"r".repeat(2_001)).is_err());
    }
}
