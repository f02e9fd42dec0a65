//! Validated input: parse, don't validate. Each type here turns raw input into a
//! valid value or a [`UserError`] naming the input field, so that past the edge a
//! service only handles values that are already right. A service gathers the errors
//! of one input with [`Checks`], so that the caller hears of every problem at once.

mod contribution;
mod identity;
mod text;
mod time;

pub use contribution::{ContributionText, Language, Reason, content_hash};
pub use identity::{DisplayName, Email, Name, name_from_email};
pub use text::{
    Agenda, CountryCode, Description, Established, GuidingQuestions, Line, Slug, Website,
};
pub use time::{day, moment};

use crate::error::{MutationError, MutationResult, UserError};

/// The problems found in one input, in the order they were found.
#[derive(Debug, Default)]
pub struct Checks(Vec<UserError>);

impl Checks {
    /// The parsed value; on error, the error is kept and a placeholder returned (the
    /// input is refused at [`Checks::finish`], so the placeholder is never stored).
    pub fn take<T: Default>(&mut self, parsed: Result<T, UserError>) -> T {
        parsed.unwrap_or_else(|e| {
            self.0.push(e);
            T::default()
        })
    }

    /// The parsed value, or `None` with the error kept: for a type that has no harmless
    /// placeholder (such as [`Email`]); [`Checks::finish_with`] gives the value back.
    pub fn check<T>(&mut self, parsed: Result<T, UserError>) -> Option<T> {
        parsed.map_err(|e| self.0.push(e)).ok()
    }

    /// A problem found outside a parser (a rule across fields).
    pub fn fail(&mut self, error: UserError) {
        self.0.push(error);
    }

    /// Every problem found, as `userErrors`; `Ok` when there were none.
    pub fn finish(self) -> MutationResult<()> {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(MutationError::Input(self.0))
        }
    }
}

impl Checks {
    /// [`Checks::finish`], then the value [`Checks::check`] kept (there is one when no
    /// problem was found).
    pub fn finish_with<T>(self, value: Option<T>) -> MutationResult<T> {
        self.finish()?;
        value.ok_or_else(|| {
            MutationError::App(crate::error::AppError::Internal(anyhow::anyhow!(
                "a value was refused without a userError"
            )))
        })
    }
}

/// Parses an optional input when it is given.
pub fn optional<T>(
    raw: Option<&str>,
    parse: impl FnOnce(&str) -> Result<T, UserError>,
) -> Result<Option<T>, UserError> {
    raw.map(parse).transpose()
}
