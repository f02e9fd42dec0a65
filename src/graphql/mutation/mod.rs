//! The mutation root, merged from one part per noun: sessions (sign-in), accounts and
//! their passwords, API clients, contributions (the workflow), the catalogue the
//! secretariat manages (stakeholders, consultations, meetings, issues, mechanisms: one
//! part, as the schema lists their creations before their updates), the report,
//! translations and webhooks, in this order: the order of the schema's fields.
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

mod accounts;
mod api_clients;
mod attachments;
mod catalogue;
mod contributions;
mod reports;
mod second_factor;
mod sessions;
mod translations;
mod webhooks;

pub use accounts::AccountMutation;
pub use api_clients::ApiClientMutation;
pub use attachments::AttachmentMutation;
pub use catalogue::CatalogueMutation;
pub use contributions::ContributionMutation;
pub use reports::ReportMutation;
pub use second_factor::SecondFactorMutation;
pub use sessions::SessionMutation;
pub use translations::TranslationMutation;
pub use webhooks::WebhookMutation;

/// Announces a successful change to `subject`'s access, so that open sockets read its
/// record again at once.
async fn announced<T>(
    rd: &crate::graphql::context::RequestData,
    subject: crate::viewer::Subject,
    result: crate::error::MutationResult<T>,
) -> crate::error::MutationResult<T> {
    if result.is_ok() {
        rd.events.access_changed(subject).await;
    }
    result
}

/// Mutations whose answer carries a secret (an access or refresh token, a client
/// secret, a password-reset or invitation token, a second factor's secret or recovery
/// codes). Secrets are kept only as hashes, so these answers are never stored, not even
/// for an `Idempotency-Key` replay.
pub const SECRET_BEARING: [&str; 10] = [
    "login",
    "sessionRefresh",
    "accountPasswordReset",
    "accountInvite",
    "secondFactorEnrollBegin",
    "secondFactorEnrollConfirm",
    "apiClientCreate",
    "apiClientRotateSecret",
    "webhookCreate",
    "webhookRotateSecret",
];

/// Entry points for changing state.
#[derive(async_graphql::MergedObject, Default)]
pub struct Mutation(
    SessionMutation,
    SecondFactorMutation,
    AccountMutation,
    ApiClientMutation,
    ContributionMutation,
    AttachmentMutation,
    CatalogueMutation,
    ReportMutation,
    TranslationMutation,
    WebhookMutation,
);
