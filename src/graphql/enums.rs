//! The schema's enums whose values live below the GraphQL layer (in `error.rs` and the
//! services, which name no async-graphql type): each mirrors its value, with the
//! conversions both ways made by async-graphql (`remote`).

use async_graphql::Enum;

/// What kind of input problem.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[graphql(remote = "crate::error::UserErrorCode")]
pub enum UserErrorCode {
    /// The value is malformed or out of range.
    Invalid,
    /// The value must be unique and is already taken.
    Taken,
    /// A referenced record does not exist.
    NotFound,
    /// The change is not allowed in the record's current state.
    NotAllowed,
    /// A document is larger than allowed, or a revision has too many.
    TooLarge,
    /// A document's content is not of a type accepted (or not what its name says).
    UnsupportedType,
    /// The uploader's storage quota would be exceeded.
    QuotaExceeded,
}

/// The events an endpoint may ask for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Enum)]
#[graphql(remote = "crate::service::webhooks::EventName")]
pub enum EventName {
    /// A contribution was published (by the secretariat, or when its embargo ended).
    ContributionPublished,
    /// A contribution was withdrawn.
    ContributionWithdrawn,
    /// A published contribution was taken back to SUBMITTED.
    ContributionUnpublished,
    /// A consultation closed.
    ConsultationClosed,
    /// A version of a consultation's report was published.
    ReportPublished,
}

/// Why a citation of the published report no longer holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[graphql(remote = "crate::service::reports::BrokenReason")]
pub enum BrokenReason {
    /// The contribution was withdrawn by its author or the secretariat.
    Withdrawn,
    /// The contribution was unpublished (back to SUBMITTED).
    Unpublished,
    /// It is published, but no longer PUBLIC.
    Restricted,
}
