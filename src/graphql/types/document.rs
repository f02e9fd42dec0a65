use crate::graphql::connection::connection;
use crate::ids::{GlobalId, NodeType};
use async_graphql::{ID, Object};
use entity::document::Model;

/// A United Nations document cited by a consultation, e.g. a resolution or a report.
#[derive(Clone)]
pub struct Document(pub Model);

/// A United Nations document cited by a consultation, e.g. a resolution or a report.
#[Object]
impl Document {
    /// Opaque global ID.
    pub async fn id(&self) -> ID {
        GlobalId::new(NodeType::Document, self.0.id).encode().into()
    }

    /// The document symbol, e.g. "E/RES/2010/2".
    async fn symbol(&self) -> &str {
        &self.0.symbol
    }

    /// The document's title.
    async fn title(&self) -> &str {
        &self.0.title
    }

    /// Date of issue as precisely as known: "YYYY", "YYYY-MM" or "YYYY-MM-DD".
    async fn issued(&self) -> Option<&str> {
        self.0.issued.as_deref()
    }
}

connection!(
    DocumentConnection,
    DocumentEdge,
    Document,
    "A page of documents.",
    "A document in a page, with its cursor."
);
