//! The one walk over an operation's selections: each field a selection set selects,
//! through inline fragments and fragment spreads, with `@skip` and `@include` evaluated
//! against the request's variables (a variable not sent takes its declared default).
//! The limits ([`super::limits`]), the cost ([`super::cost`]), the response order
//! ([`super::response_order`]) and the root fields a request runs all walk with it.

use async_graphql::parser::types::{
    Directive, ExecutableDocument, Field, OperationDefinition, Selection, SelectionSet,
};
use async_graphql::{Name, Positioned, Value as ConstValue, Variables};

/// Fragment spreads followed, counted down a whole walk (a spread inside a field inside
/// a spread counts twice): cycles are the validator's to refuse, and the walks run
/// before it, so this bounds them.
pub const MAX_SPREADS: usize = 16;

/// A walk over one operation of a document.
#[derive(Clone, Copy)]
pub struct Walk<'a> {
    pub doc: &'a ExecutableDocument,
    operation: Option<&'a OperationDefinition>,
    variables: &'a Variables,
    /// Whether `@skip`/`@include` leave fields out (see [`Walk::as_written`]).
    directives: bool,
}

/// No variables.
static NO_VARIABLES: std::sync::LazyLock<Variables> = std::sync::LazyLock::new(Variables::default);

/// A field met on a walk: the type it is selected on, the field, and the spreads
/// followed to reach it (to pass on when walking its own selection).
pub struct Met<'a> {
    pub on: &'a str,
    pub field: &'a Field,
    pub spreads: usize,
}

impl<'a> Walk<'a> {
    /// The walk of `operation`, run with `variables`: what executes.
    pub fn new(
        doc: &'a ExecutableDocument,
        operation: &'a OperationDefinition,
        variables: &'a Variables,
    ) -> Walk<'a> {
        Walk {
            doc,
            operation: Some(operation),
            variables,
            directives: true,
        }
    }

    /// The walk of a document as written, every field counted whatever its directives:
    /// what the parser and the validator see (the shape limits guard their work, which
    /// a skipped field costs as much as any).
    pub fn as_written(doc: &'a ExecutableDocument) -> Walk<'a> {
        Walk {
            doc,
            operation: None,
            variables: &NO_VARIABLES,
            directives: false,
        }
    }

    /// Calls `visit` with each field `set` selects on an object of type `on`, through
    /// fragments (a fragment's type condition becomes the type its fields are selected
    /// on), after `spreads` spreads already followed; fields, fragments and spreads that
    /// `@skip`/`@include` leave out are not visited.
    pub fn fields(
        &self,
        on: &'a str,
        set: &'a SelectionSet,
        spreads: usize,
        visit: &mut dyn FnMut(Met<'a>),
    ) {
        for item in &set.items {
            match &item.node {
                Selection::Field(field) => {
                    if self.included(&field.node.directives) {
                        visit(Met {
                            on,
                            field: &field.node,
                            spreads,
                        });
                    }
                }
                Selection::InlineFragment(inline) => {
                    if self.included(&inline.node.directives) {
                        let on = inline
                            .node
                            .type_condition
                            .as_ref()
                            .map_or(on, |c| c.node.on.node.as_str());
                        self.fields(on, &inline.node.selection_set.node, spreads, visit);
                    }
                }
                Selection::FragmentSpread(spread) if spreads < MAX_SPREADS => {
                    if !self.included(&spread.node.directives) {
                        continue;
                    }
                    if let Some(fragment) = self.doc.fragments.get(&spread.node.fragment_name.node)
                        && self.included(&fragment.node.directives)
                    {
                        let on = fragment.node.type_condition.node.on.node.as_str();
                        self.fields(on, &fragment.node.selection_set.node, spreads + 1, visit);
                    }
                }
                Selection::FragmentSpread(_) => {}
            }
        }
    }

    /// Whether these directives keep their selection: `@skip(if: true)` leaves it out,
    /// as does `@include(if: false)`; an `if` that is not a boolean (the validator
    /// refuses it) keeps it.
    pub fn included(&self, directives: &[Positioned<Directive>]) -> bool {
        if !self.directives {
            return true;
        }
        directives.iter().all(|d| {
            let condition = || {
                d.node
                    .get_argument("if")
                    .and_then(|v| {
                        v.node
                            .clone()
                            .into_const_with(|name| {
                                Ok::<_, std::convert::Infallible>(self.variable(&name))
                            })
                            .ok()
                    })
                    .and_then(|v| match v {
                        ConstValue::Boolean(b) => Some(b),
                        _ => None,
                    })
            };
            match d.node.name.node.as_str() {
                "skip" => condition() != Some(true),
                "include" => condition() != Some(false),
                _ => true,
            }
        })
    }

    /// The value of a field's argument with the variables put in (a variable not sent
    /// takes its declared default; one with neither is null).
    pub fn argument(&self, field: &Field, name: &str) -> Option<ConstValue> {
        field
            .get_argument(name)?
            .node
            .clone()
            .into_const_with(|name| Ok::<_, std::convert::Infallible>(self.variable(&name)))
            .ok()
    }

    fn variable(&self, name: &Name) -> ConstValue {
        if let Some(value) = self.variables.get(name) {
            return value.clone();
        }
        self.operation
            .and_then(|op| {
                op.variable_definitions
                    .iter()
                    .find(|def| def.node.name.node == *name)
            })
            .and_then(|def| def.node.default_value.as_ref())
            .map_or(ConstValue::Null, |default| default.node.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use async_graphql::parser::parse_query;

    fn names(query: &str, variables: serde_json::Value) -> Vec<String> {
        let doc = parse_query(query).unwrap();
        let variables = Variables::from_json(variables);
        let (_, op) = doc.operations.iter().next().unwrap();
        let walk = Walk::new(&doc, &op.node, &variables);
        let mut out = Vec::new();
        walk.fields("Query", &op.node.selection_set.node, 0, &mut |met| {
            out.push(format!("{}.{}", met.on, met.field.name.node))
        });
        out
    }

    #[test]
    fn skip_and_include_leave_out_fields_fragments_and_spreads() {
        let query = "query($no: Boolean!, $yes: Boolean = true) {
            a @skip(if: true) b @include(if: $no) c @include(if: $yes) d @skip(if: $no)
            ... on Query @skip(if: $yes) { e }
            ...F @include(if: false) ...G
        }
        fragment F on Query { f }
        fragment G on Thing { g @skip(if: false) }";
        assert_eq!(
            names(query, serde_json::json!({ "no": false })),
            ["Query.c", "Query.d", "Thing.g"]
        );
        // The default gives way to what is sent.
        assert_eq!(
            names(query, serde_json::json!({ "no": true, "yes": false })),
            ["Query.b", "Query.e", "Thing.g"]
        );
    }

    #[test]
    fn as_written_every_field_counts() {
        let doc =
            parse_query("{ a @skip(if: true) ... on Query @include(if: false) { b } }").unwrap();
        let (_, op) = doc.operations.iter().next().unwrap();
        let mut out = Vec::new();
        Walk::as_written(&doc).fields("Query", &op.node.selection_set.node, 0, &mut |met| {
            out.push(met.field.name.node.to_string())
        });
        assert_eq!(out, ["a", "b"]);
    }
}
