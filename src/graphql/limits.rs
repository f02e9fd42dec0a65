//! Limits on an operation, checked before any of it runs: its shape as soon as it is
//! parsed (at most [`MAX_ALIASES`] aliases and [`MAX_ROOT_FIELDS`] root fields, before
//! validation, whose work grows with them), then its cost (see [`super::cost`]) once it
//! is valid: at most [`MAX_COST`] points. Depth is async-graphql's own limit (see
//! `build_schema`). Every response says what its operation cost in `extensions.cost`.

use super::cost::{self, MAX_COST};
use async_graphql::extensions::{
    Extension, ExtensionContext, ExtensionFactory, NextParseQuery, NextPrepareRequest, NextRequest,
    NextValidation,
};
use async_graphql::parser::types::{ExecutableDocument, Selection, SelectionSet};
use async_graphql::{
    ErrorExtensionValues, Request, Response, ServerError, ServerResult, ValidationResult, Value,
    Variables,
};
use std::sync::{Arc, Mutex};

/// Most aliases an operation may use.
pub const MAX_ALIASES: usize = 100;
/// Most root fields an operation may select.
pub const MAX_ROOT_FIELDS: usize = 50;

/// The extension that applies the limits.
pub struct Limits;

impl ExtensionFactory for Limits {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(RequestLimits::default())
    }
}

/// The limits as one request meets them.
#[derive(Default)]
struct RequestLimits {
    /// The operation the request names, seen before the document is parsed.
    operation_name: Mutex<Option<String>>,
    /// The operation's cost, once its document is parsed.
    cost: Mutex<Option<u64>>,
}

fn too_complex(message: String) -> ServerError {
    let mut extensions = ErrorExtensionValues::default();
    extensions.set("code", "QUERY_TOO_COMPLEX");
    let mut error = ServerError::new(message, None);
    error.extensions = Some(extensions);
    error
}

#[async_trait::async_trait]
impl Extension for RequestLimits {
    async fn request(&self, ctx: &ExtensionContext<'_>, next: NextRequest<'_>) -> Response {
        let mut response = next.run(ctx).await;
        if let Some(requested) = *self.cost.lock().unwrap_or_else(|e| e.into_inner()) {
            let cost = Value::from_json(serde_json::json!({
                "requested": requested,
                "limit": MAX_COST,
            }))
            .unwrap_or_default();
            response.extensions.insert("cost".to_owned(), cost);
        }
        response
    }

    async fn prepare_request(
        &self,
        ctx: &ExtensionContext<'_>,
        request: Request,
        next: NextPrepareRequest<'_>,
    ) -> ServerResult<Request> {
        *self
            .operation_name
            .lock()
            .unwrap_or_else(|e| e.into_inner()) = request.operation_name.clone();
        next.run(ctx, request).await
    }

    async fn parse_query(
        &self,
        ctx: &ExtensionContext<'_>,
        query: &str,
        variables: &Variables,
        next: NextParseQuery<'_>,
    ) -> ServerResult<ExecutableDocument> {
        let document = next.run(ctx, query, variables).await?;
        check(&document).map_err(too_complex)?;
        let name = self
            .operation_name
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone();
        *self.cost.lock().unwrap_or_else(|e| e.into_inner()) = cost::of_request(
            &ctx.schema_env.registry,
            &document,
            name.as_deref(),
            variables,
        );
        Ok(document)
    }

    async fn validation(
        &self,
        ctx: &ExtensionContext<'_>,
        next: NextValidation<'_>,
    ) -> Result<ValidationResult, Vec<ServerError>> {
        let result = next.run(ctx).await?;
        if let Some(requested) = *self.cost.lock().unwrap_or_else(|e| e.into_inner())
            && requested > MAX_COST
        {
            return Err(vec![too_complex(format!(
                "The operation costs {requested} points; at most {MAX_COST} are allowed \
                 (ask for smaller pages, fewer nested connections or fewer totalCounts)"
            ))]);
        }
        Ok(result)
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
