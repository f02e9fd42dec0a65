//! The versions of a contribution's text.

use super::*;
use crate::graphql::connection::connection;
use crate::ids::{GlobalId, NodeType};
use async_graphql::{Context, ID, Object, Result};
use chrono::{DateTime, Utc};
use entity::contribution_revision;

/// One version of a contribution's text, with its SHA-256 content hash (the receipt).
#[derive(Clone)]
pub struct ContributionRevision(pub contribution_revision::Model);

/// One version of a contribution's text, with its SHA-256 content hash (the receipt).
#[Object]
impl ContributionRevision {
    /// Opaque global ID.
    pub async fn id(&self) -> ID {
        GlobalId::new(NodeType::ContributionRevision, self.0.id)
            .encode()
            .into()
    }

    /// 1 for the first version, then 2, 3, …
    async fn number(&self) -> i32 {
        self.0.number
    }

    /// The title of this version.
    async fn title(&self) -> &str {
        &self.0.title
    }

    /// The full text of this version.
    async fn body(&self) -> &str {
        &self.0.body
    }

    /// The language of this version (BCP 47).
    async fn language(&self) -> &str {
        &self.0.language
    }

    /// Lowercase hex SHA-256 of this version's canonical form (the original's:
    /// translations do not change it).
    async fn content_hash(&self) -> &str {
        &self.0.content_hash
    }

    /// The documents of this version, in order (fixed with it).
    async fn attachments(
        &self,
        ctx: &Context<'_>,
    ) -> Result<Vec<crate::graphql::types::Attachment>> {
        let rd = crate::graphql::context::request(ctx)?;
        let key =
            crate::graphql::loaders::AttachmentsOfRevision(self.0.contribution_id, self.0.number);
        let rows = rd.loader.load_one(key).await?.unwrap_or_default();
        Ok(rows
            .into_iter()
            .map(crate::graphql::types::Attachment)
            .collect())
    }

    /// The translations of this version, by language.
    async fn translations(&self, ctx: &Context<'_>) -> Result<Vec<ContributionTranslation>> {
        translations_of(ctx, self.0.id).await
    }

    /// When this version was made.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
}

connection!(
    ContributionRevisionConnection,
    ContributionRevisionEdge,
    ContributionRevision,
    "A page of revisions.",
    "A revision in a page, with its cursor."
);
