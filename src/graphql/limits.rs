//! Limits on an operation, checked before any of it runs: its shape (at most
//! [`MAX_ALIASES`] aliases and [`MAX_ROOT_FIELDS`] root fields, before validation, whose
//! work grows with them, and fields nested at most [`MAX_DEPTH`] deep, introspection
//! excepted) and its cost (see [`super::cost`]): at most [`MAX_COST`] points. The HTTP and
//! WebSocket transports call [`Limits::admit`] before they hand a request to the schema,
//! and say what it cost in `extensions.cost`. (As a schema extension this would put
//! every field of every request through async-graphql's extension chain: 7–17 % of the
//! throughput, `docs/BENCHMARKS.md`.)

use super::cost::{self, MAX_COST, Types};
use super::{ConcordSchema, MAX_DEPTH};
use async_graphql::parser::types::{ExecutableDocument, Selection, SelectionSet};
use async_graphql::{ErrorExtensionValues, Request, Response, ServerError, Value};

/// Most aliases an operation may use.
pub const MAX_ALIASES: usize = 100;
/// Most root fields an operation may select.
pub const MAX_ROOT_FIELDS: usize = 50;

/// The limits, with the schema's types the cost reads.
pub struct Limits {
    types: Types,
    /// Whether `__schema` and `__type` may be asked for.
    introspection: bool,
}

/// What [`Limits::admit`] found: the operation's cost (when its document parses and
/// names an operation) and, if it may not run, why.
pub struct Admission {
    pub cost: Option<u64>,
    pub refusal: Option<ServerError>,
    /// The parsed document and the operation name, to put the response's fields in
    /// the query's order ([`Admission::order`]).
    document: Option<(ExecutableDocument, Option<String>)>,
}

/// What an operation that does not run (refused by the limits, or whose document does
/// not parse or names no operation) is charged: a point, so that a caller whose budget
/// is spent gets `RATE_LIMITED` for everything until it refills.
pub const REFUSED_COST: u64 = 1;

impl Admission {
    /// What the caller is charged for the request: its cost, or [`REFUSED_COST`] when
    /// it will not run or has no cost.
    pub fn charge(&self) -> u64 {
        match (&self.refusal, self.cost) {
            (None, Some(cost)) => cost,
            _ => REFUSED_COST,
        }
    }

    /// The name of the operation the request runs: the one it names, else the only
    /// operation's own name.
    pub fn operation_name(&self) -> Option<&str> {
        let (doc, name) = self.document.as_ref()?;
        super::operation::get(doc, name.as_deref()).and_then(|(name, _)| name)
    }

    /// Puts `response`'s fields in the order the query selected them.
    pub fn order(&self, response: &mut Response) {
        if let Some((doc, name)) = &self.document {
            super::response_order::in_query_order(&mut response.data, doc, name.as_deref());
        }
    }
}

impl Limits {
    /// The limits of `schema`; `introspection: false` refuses `__schema` and `__type`
    /// (`__typename` stays: clients need it to read unions and interfaces).
    pub fn of(schema: &ConcordSchema, introspection: bool) -> Limits {
        Limits {
            types: Types::of_sdl(&schema.sdl()).expect("the schema's own SDL parses"),
            introspection,
        }
    }

    /// The schema's types, as the cost reads them.
    pub fn types(&self) -> &Types {
        &self.types
    }

    /// Parses the request's document (kept in the request, so that the schema does not
    /// parse it again), and checks its shape and its cost. A document that does not
    /// parse is admitted: the schema reports the parse error.
    pub fn admit(&self, request: &mut Request) -> Admission {
        let Ok(doc) = async_graphql::parser::parse_query(&request.query) else {
            return Admission {
                cost: None,
                refusal: None,
                document: None,
            };
        };
        let mut admission = self.measure(&doc, request);
        admission.document = Some((doc.clone(), request.operation_name.clone()));
        request.set_parsed_query(doc);
        admission
    }

    /// Shape and cost of a parsed document.
    fn measure(&self, doc: &ExecutableDocument, request: &Request) -> Admission {
        let refused = |refusal| Admission {
            cost: None,
            refusal: Some(refusal),
            document: None,
        };
        match check(doc) {
            Err(message) => return refused(too_complex(message)),
            Ok(true) if !self.introspection => {
                return refused(refusal(
                    "INTROSPECTION_DISABLED",
                    "Introspection (__schema, __type) is switched off on this server; \
                     the schema is published as schema.graphql"
                        .to_owned(),
                ));
            }
            Ok(_) => {}
        }
        let cost = cost::of_request(
            &self.types,
            doc,
            request.operation_name.as_deref(),
            &request.variables,
        );
        let refusal = cost.filter(|&c| c > MAX_COST).map(|requested| {
            too_complex(format!(
                "The operation costs {requested} points; at most {MAX_COST} are allowed \
                 (ask for smaller pages, fewer nested connections or fewer totalCounts)"
            ))
        });
        Admission {
            cost,
            refusal,
            document: None,
        }
    }
}

/// Adds `extensions.cost` to a response.
pub fn report_cost(response: &mut Response, cost: Option<u64>) {
    if let Some(requested) = cost {
        let mut map = async_graphql::indexmap::IndexMap::new();
        map.insert(
            async_graphql::Name::new("requested"),
            Value::from(requested),
        );
        map.insert(async_graphql::Name::new("limit"), Value::from(MAX_COST));
        response
            .extensions
            .insert("cost".to_owned(), Value::Object(map));
    }
}

fn too_complex(message: String) -> ServerError {
    refusal("QUERY_TOO_COMPLEX", message)
}

fn refusal(code: &str, message: String) -> ServerError {
    let mut extensions = ErrorExtensionValues::default();
    extensions.set("code", code);
    let mut error = ServerError::new(message, None);
    error.extensions = Some(extensions);
    error
}

/// What the limits read from an operation's document.
#[derive(Default)]
struct Shape {
    aliases: usize,
    roots: usize,
    /// Deepest nesting of fields, introspection (`__schema`, `__type`) not counted.
    depth: usize,
    /// Whether `__schema` or `__type` is selected.
    introspects: bool,
}

/// Measures a selection set at nesting `level` through fragments; `spreads` bounds
/// fragment spreads (cycles are the validator's to refuse). Inside introspection only
/// aliases count: the standard introspection query nests type references 9 deep, and
/// its cost is bounded by [`super::cost`] (one point a field, never multiplied).
fn measure_set(
    doc: &ExecutableDocument,
    set: &SelectionSet,
    spreads: usize,
    level: Option<usize>,
    shape: &mut Shape,
) {
    for item in &set.items {
        match &item.node {
            Selection::Field(field) => {
                if field.node.alias.is_some() {
                    shape.aliases += 1;
                }
                if level == Some(0) {
                    shape.roots += 1;
                }
                let name = field.node.name.node.as_str();
                let introspection = name == "__schema" || name == "__type";
                shape.introspects |= introspection;
                let inner = match level {
                    Some(_) if introspection => None,
                    Some(level) => {
                        shape.depth = shape.depth.max(level + 1);
                        Some(level + 1)
                    }
                    None => None,
                };
                measure_set(doc, &field.node.selection_set.node, spreads, inner, shape);
            }
            Selection::InlineFragment(inline) => {
                measure_set(doc, &inline.node.selection_set.node, spreads, level, shape)
            }
            Selection::FragmentSpread(spread) if spreads < 16 => {
                if let Some(fragment) = doc.fragments.get(&spread.node.fragment_name.node) {
                    measure_set(
                        doc,
                        &fragment.node.selection_set.node,
                        spreads + 1,
                        level,
                        shape,
                    );
                }
            }
            Selection::FragmentSpread(_) => {}
        }
    }
}

/// Why the document is refused, if it is; else whether it introspects.
fn check(doc: &ExecutableDocument) -> Result<bool, String> {
    let mut introspects = false;
    for (_, operation) in doc.operations.iter() {
        let mut shape = Shape::default();
        measure_set(
            doc,
            &operation.node.selection_set.node,
            0,
            Some(0),
            &mut shape,
        );
        let Shape {
            aliases,
            roots,
            depth,
            introspects: here,
        } = shape;
        introspects |= here;
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
        if depth > MAX_DEPTH {
            return Err(format!(
                "Query is nested too deep: {depth} levels of fields; at most {MAX_DEPTH} are \
                 allowed (introspection excepted)"
            ));
        }
    }
    Ok(introspects)
}
