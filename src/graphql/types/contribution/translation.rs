//! A contribution's text in the UN official languages: translations, and the
//! original when there is none.

use super::super::dangling;
use crate::graphql::context::request;
use crate::graphql::loaders::{ContributionKey, TranslationsOfRevision};
use crate::ids::{GlobalId, NodeType};
use crate::service::translations;
use async_graphql::{Context, ID, Object, Result};
use chrono::{DateTime, Utc};
use entity::contribution_translation;

pub(super) async fn translations_of(
    ctx: &Context<'_>,
    revision_id: i64,
) -> Result<Vec<ContributionTranslation>> {
    let rd = request(ctx)?;
    Ok(rd
        .loader
        .load_one(TranslationsOfRevision(revision_id))
        .await?
        .unwrap_or_default()
        .into_iter()
        .map(ContributionTranslation)
        .collect())
}

/// A contribution's text in a language: a translation, or the original when there is
/// none (`fallback`) or when the original is in that language.
#[derive(async_graphql::SimpleObject)]
pub struct LocalizedText {
    /// The language of `title` and `body`.
    pub language: String,
    /// The language asked for.
    pub requested: String,
    /// The title in `language`.
    pub title: String,
    /// The body in `language`.
    pub body: String,
    /// The original text (not a translation).
    pub is_original: bool,
    /// True when the language asked for has no translation and the original is given.
    pub fallback: bool,
    /// A translation the secretariat supplied as official (the original is official too).
    pub official: bool,
    /// Who supplied the translation (`account:ID` or `client:ID`) to those who may see
    /// the contribution's attribution, else "the contributor" or "the secretariat";
    /// null for the original.
    pub supplied_by: Option<String>,
}

impl From<translations::Localized> for LocalizedText {
    fn from(l: translations::Localized) -> LocalizedText {
        LocalizedText {
            language: l.language,
            requested: l.requested,
            title: l.title,
            body: l.body,
            is_original: l.is_original,
            fallback: l.fallback,
            official: l.official,
            supplied_by: l.supplied_by,
        }
    }
}

/// A translation of a revision into another UN official language.
#[derive(Clone)]
pub struct ContributionTranslation(pub contribution_translation::Model);

/// A translation of a revision into another UN official language.
#[Object]
impl ContributionTranslation {
    /// Opaque global ID.
    pub async fn id(&self) -> ID {
        GlobalId::new(NodeType::ContributionTranslation, self.0.id)
            .encode()
            .into()
    }

    /// Its language: ar, en, es, fr, ru or zh.
    async fn language(&self) -> &str {
        &self.0.language
    }

    /// The translated title.
    async fn title(&self) -> &str {
        &self.0.title
    }

    /// The translated body.
    async fn body(&self) -> &str {
        &self.0.body
    }

    /// Supplied by the secretariat as the official translation.
    async fn official(&self) -> bool {
        self.0.official
    }

    /// Who supplied it (`account:ID` or `client:ID`) to those who may see the
    /// contribution's attribution; to anyone else "the contributor" or "the secretariat".
    async fn supplied_by(&self, ctx: &Context<'_>) -> Result<String> {
        let rd = request(ctx)?;
        let id = self.0.contribution_id;
        let contribution = rd
            .loader
            .load_one(ContributionKey(id))
            .await?
            .ok_or_else(|| dangling("contribution", id))?;
        Ok(translations::supplier_shown(
            &rd.viewer,
            &contribution,
            &self.0,
        ))
    }

    /// When it was added.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
}
