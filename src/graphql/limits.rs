//! Limits on the shape of an operation, checked as soon as it is parsed, before any
//! work: at most [`MAX_ALIASES`] aliases and [`MAX_ROOT_FIELDS`] root fields. Depth and
//! complexity are async-graphql's own limits (see `build_schema`); these close what
//! they do not count, such as thousands of cheap aliased fields.

use async_graphql::extensions::{Extension, ExtensionContext, ExtensionFactory, NextParseQuery};
use async_graphql::parser::types::{ExecutableDocument, Selection, SelectionSet};
use async_graphql::{ErrorExtensionValues, ServerError, ServerResult, Variables};
use std::sync::Arc;

/// Most aliases an operation may use.
pub const MAX_ALIASES: usize = 100;
/// Most root fields an operation may select.
pub const MAX_ROOT_FIELDS: usize = 50;

/// The extension that applies the limits.
pub struct ShapeLimits;

impl ExtensionFactory for ShapeLimits {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(ShapeLimits)
    }
}

#[async_trait::async_trait]
impl Extension for ShapeLimits {
    async fn parse_query(
        &self,
        ctx: &ExtensionContext<'_>,
        query: &str,
        variables: &Variables,
        next: NextParseQuery<'_>,
    ) -> ServerResult<ExecutableDocument> {
        let document = next.run(ctx, query, variables).await?;
        check(&document).map_err(|message| {
            let mut extensions = ErrorExtensionValues::default();
            extensions.set("code", "QUERY_TOO_COMPLEX");
            let mut error = ServerError::new(message, None);
            error.extensions = Some(extensions);
            error
        })?;
        Ok(document)
    }
}

/// Counts a selection set's aliases, and (for a root set) its fields, through
/// fragments; `depth` bounds fragment spreads (cycles are the validator's to refuse).
fn count(
    doc: &ExecutableDocument,
    set: &SelectionSet,
    depth: usize,
    counts: &mut (usize, usize),
    root: bool,
) {
    for item in &set.items {
        match &item.node {
            Selection::Field(field) => {
                if field.node.alias.is_some() {
                    counts.0 += 1;
                }
                if root {
                    counts.1 += 1;
                }
                count(doc, &field.node.selection_set.node, depth, counts, false);
            }
            Selection::InlineFragment(inline) => {
                count(doc, &inline.node.selection_set.node, depth, counts, root)
            }
            Selection::FragmentSpread(spread) if depth < 16 => {
                if let Some(fragment) = doc.fragments.get(&spread.node.fragment_name.node) {
                    count(
                        doc,
                        &fragment.node.selection_set.node,
                        depth + 1,
                        counts,
                        root,
                    );
                }
            }
            Selection::FragmentSpread(_) => {}
        }
    }
}

/// Why the document is refused, if it is.
fn check(doc: &ExecutableDocument) -> Result<(), String> {
    for (_, operation) in doc.operations.iter() {
        let mut counts = (0, 0);
        count(
            doc,
            &operation.node.selection_set.node,
            0,
            &mut counts,
            true,
        );
        let (aliases, roots) = counts;
        if aliases > MAX_ALIASES {
            return Err(format!(
                "The operation uses {aliases} aliases; at most {MAX_ALIASES} are allowed"
            ));
        }
        if roots > MAX_ROOT_FIELDS {
            return Err(format!(
                "The operation selects {roots} root fields; at most {MAX_ROOT_FIELDS} are allowed"
            ));
        }
    }
    Ok(())
}
