//! Who signs in: email addresses and the names of accounts and API clients.

use crate::error::{UserError, UserErrorCode};

fn invalid(field: &str, message: impl Into<String>) -> UserError {
    UserError::new(field, UserErrorCode::Invalid, message)
}

/// An email address as entered (trimmed) and its lowercase form, which is unique. It
/// has no default: there is no such thing as an empty address to stand in for one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Email {
    as_entered: String,
    normalized: String,
}

impl Email {
    /// The address as entered, trimmed.
    pub fn as_entered(&self) -> &str {
        &self.as_entered
    }

    /// Its lowercase form, unique among accounts.
    pub fn normalized(&self) -> &str {
        &self.normalized
    }

    /// Both, as entered and lowercase.
    pub fn into_parts(self) -> (String, String) {
        (self.as_entered, self.normalized)
    }

    pub fn parse(raw: &str) -> Result<Email, UserError> {
        let trimmed = raw.trim();
        let valid = trimmed.len() <= 320
            && !trimmed.contains(char::is_whitespace)
            && trimmed.split_once('@').is_some_and(|(local, domain)| {
                !local.is_empty()
                    && domain.contains('.')
                    && !domain.starts_with('.')
                    && !domain.ends_with('.')
            });
        if !valid {
            return Err(invalid(
                "email",
                "Enter an email address such as name@example.org",
            ));
        }
        Ok(Email {
            as_entered: trimmed.to_owned(),
            normalized: trimmed.to_lowercase(),
        })
    }
}

/// The name an account shows to others: 1 to 200 characters, trimmed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DisplayName(String);

impl DisplayName {
    pub fn parse(raw: &str) -> Result<DisplayName, UserError> {
        let name = raw.trim();
        if name.is_empty() || name.chars().count() > 200 {
            return Err(invalid(
                "displayName",
                "The display name must have 1 to 200 characters",
            ));
        }
        Ok(DisplayName(name.to_owned()))
    }

    pub fn into_string(self) -> String {
        self.0
    }
}

/// What a partner calls its API client: 1 to 200 characters, trimmed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Name(String);

impl Name {
    pub fn parse(raw: &str) -> Result<Name, UserError> {
        let name = raw.trim();
        if name.is_empty() || name.chars().count() > 200 {
            return Err(invalid("name", "The name must have 1 to 200 characters"));
        }
        Ok(Name(name.to_owned()))
    }

    pub fn into_string(self) -> String {
        self.0
    }
}

/// A display name read from an email's local part (before any `+tag`): its words, split
/// at `.`, `_` and `-`, each capitalised (`jane.doe@gov.example` is "Jane Doe"); the
/// email itself when there are none.
pub fn name_from_email(email: &str) -> String {
    let local = email.split('@').next().unwrap_or("");
    let local = local.split('+').next().unwrap_or("");
    let words: Vec<String> = local
        .split(['.', '_', '-'])
        .filter(|w| !w.is_empty())
        .map(|w| {
            let mut chars = w.chars();
            chars.next().map_or_else(String::new, |first| {
                first.to_uppercase().chain(chars).collect()
            })
        })
        .collect();
    if words.is_empty() {
        email.to_owned()
    } else {
        words.join(" ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_keep_their_case_and_compare_without_it() {
        let email = Email::parse("  Ana@Example.ORG ").unwrap();
        assert_eq!(email.as_entered(), "Ana@Example.ORG");
        assert_eq!(email.normalized(), "ana@example.org");
        for bad in [
            "ana",
            "ana@example",
            "@example.org",
            "a b@example.org",
            "ana@.org",
        ] {
            assert!(Email::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn names_are_bounded() {
        assert!(DisplayName::parse(" ").is_err());
        assert_eq!(Name::parse(" Client ").unwrap().into_string(), "Client");
        assert!(Name::parse(&"n".repeat(201)).is_err());
    }
}
