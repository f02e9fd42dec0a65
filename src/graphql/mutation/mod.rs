//! The mutation root, merged from one part per noun: identity (sign-in, accounts, API
//! clients), contributions (the workflow), the catalogue the secretariat manages, the
//! report, translations and webhooks (in this order: the order of the schema's fields).
//! Names are noun-first (`accountCreate`), each takes one `input` and answers with a
//! payload holding the result and `userErrors`. Authorization failures are errors
//! (`FORBIDDEN`, `UNAUTHENTICATED`); every change is audited by the service that makes it.

/// Declares a mutation's payload: the record as it now is, and `userErrors` (the
/// caller brings `SimpleObject` and `UserErrorObject` into scope).
macro_rules! payload {
    ($name:ident, $field:ident, $ty:ident, $doc:literal) => {
        #[doc = $doc]
        #[derive(SimpleObject)]
        pub struct $name {
            /// The record as it now is; null when nothing changed.
            pub $field: Option<$ty>,
            /// Problems with the input; empty on success.
            pub user_errors: Vec<UserErrorObject>,
        }
    };
}

mod catalogue;
mod contributions;
mod identity;
mod reports;
mod translations;
mod webhooks;

pub use catalogue::CatalogueMutation;
pub use contributions::ContributionMutation;
pub use identity::IdentityMutation;
pub use reports::ReportMutation;
pub use translations::TranslationMutation;
pub use webhooks::WebhookMutation;

/// Mutations whose answer carries a secret (an access or refresh token, a client
/// secret, a password-reset token). Secrets are kept only as hashes, so these answers
/// are never stored, not even for an `Idempotency-Key` replay.
pub const SECRET_BEARING: [&str; 7] = [
    "login",
    "sessionRefresh",
    "accountPasswordReset",
    "apiClientCreate",
    "apiClientRotateSecret",
    "webhookCreate",
    "webhookRotateSecret",
];

/// Entry points for changing state.
#[derive(async_graphql::MergedObject, Default)]
pub struct Mutation(
    IdentityMutation,
    ContributionMutation,
    CatalogueMutation,
    ReportMutation,
    TranslationMutation,
    WebhookMutation,
);
