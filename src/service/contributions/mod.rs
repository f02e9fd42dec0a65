//! Contributions: what stakeholders say to a consultation, and every step of the
//! workflow. Every write asks [`crate::policy`] first, parses its input into
//! [`crate::domain`] types (problems come back as `userErrors`), checks the version the
//! caller edited (`CONFLICT` when stale) and is audited in its transaction.
//!
//! - [`analysis`]: counts by policy issue and group, by language (each cell listable);
//! - [`read`]: lists, nested pages, single fetches, revisions, receipts checks;
//! - [`drafting`]: an author's draft, edits as revisions, submission, withdrawal;
//! - [`moderation`]: publishing, meeting records, embargo release (the secretariat);
//! - [`tags`]: links to policy issues and mechanisms with stances;
//! - [`tabular`]: flat rows for the CSV and NDJSON exports;
//! - [`store`]: the row writes the steps share.

pub mod analysis;
mod discard;
pub mod drafting;
pub mod moderation;
mod narrow;
pub mod read;
pub mod tabular;
pub mod tags;

mod filter;
mod store;

pub use crate::domain::content_hash;
pub use discard::discard;
pub use drafting::{Edit, NewComment, create, edit, submit, withdraw};
pub use filter::{ContributionFilter, Range};
pub use moderation::{
    NewMeetingContribution, Tell, record_at_meeting, release_embargo, set_published,
};
pub use narrow::{Columns, WithStakeholder, by_ids_narrow, list_narrow, pages_by_parent_narrow};
pub use read::{
    Hit, Hits, Parent, by_ids, check_receipt, counts_by_parent, list, pages_by_parent,
    revisions_by_ids, revisions_by_number, search,
};
pub use store::{Disclosure, Documents, Receipt, Text, consultation_of};
pub use tags::tag;
