//! Translations of contributions into the UN official languages.

use crate::graphql::args::id_of;
use crate::graphql::context::request;
use crate::graphql::types::{ContributionTranslation, UserErrorObject, outcome};
use crate::ids::NodeType;
use crate::service::translations;
use async_graphql::{Context, ID, InputObject, Object, Result, SimpleObject};

/// A translation of a contribution's revision.
#[derive(InputObject)]
pub struct ContributionTranslationAddInput {
    /// The contribution.
    pub contribution: ID,
    /// The revision's number; the current revision if not given.
    pub revision: Option<i32>,
    /// ar, en, es, fr, ru or zh (not the revision's own language).
    pub language: String,
    /// The translated title (1 to 500 characters).
    pub title: String,
    /// The translated body.
    pub body: String,
    /// An official translation (secretariat only).
    #[graphql(default)]
    pub official: bool,
}

payload!(
    ContributionTranslationPayload,
    translation,
    ContributionTranslation,
    "The result of adding a translation."
);

/// Translations.
#[derive(Default)]
pub struct TranslationMutation;

/// Translations.
#[Object]
impl TranslationMutation {
    /// Adds a translation of a contribution's revision into another UN official
    /// language (its stakeholder's principals, the secretariat; official ones: the
    /// secretariat).
    async fn contribution_translation_add(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The translation.")] input: ContributionTranslationAddInput,
    ) -> Result<ContributionTranslationPayload> {
        let rd = request(ctx)?;
        let new = translations::NewTranslation {
            contribution_id: id_of(&input.contribution, NodeType::Contribution)?,
            revision_number: input.revision,
            language: input.language,
            title: input.title,
            body: input.body,
            official: input.official,
        };
        let (row, user_errors) = outcome(translations::add(&rd.db, &rd.viewer, new).await)?;
        Ok(ContributionTranslationPayload {
            translation: row.map(ContributionTranslation),
            user_errors,
        })
    }
}
