//! Limits on an operation, checked before any of it runs: its shape (at most
//! [`MAX_ALIASES`] aliases and [`MAX_ROOT_FIELDS`] root fields, before validation, whose
//! work grows with them; at most [`MAX_FIELDS`] fields once fragments are spread; fields
//! nested at most [`MAX_DEPTH`] deep, introspection excepted) and its cost (see
//! [`super::cost`]): at most [`MAX_COST`] points. [`crate::graphql::prepared`] admits
//! each request once it is parsed, on HTTP and WebSocket alike, and the pipeline says
//! what it cost in `extensions.cost`. (As a schema extension this would put every field
//! of every request through async-graphql's extension chain: 7–17 % of the throughput,
//! `docs/BENCHMARKS.md`.)

use super::cost::{self, MAX_COST, Types};
use super::selection::Walk;
use super::{ConcordSchema, MAX_DEPTH};
use async_graphql::parser::types::{
    ExecutableDocument, OperationDefinition, Selection, SelectionSet,
};
use async_graphql::{Response, ServerError, Value};
use std::collections::HashMap;

/// Most aliases an operation may use.
pub const MAX_ALIASES: usize = 100;
/// Most root fields an operation may select.
pub const MAX_ROOT_FIELDS: usize = 50;
/// Most fields the operations of a document select once their fragments are spread
/// (a fragment spread twice in one spread twice … grows as a power of two).
pub const MAX_FIELDS: usize = 10_000;

/// The limits, with the schema's types the cost reads.
pub struct Limits {
    types: Types,
    /// Whether `__schema` and `__type` may be asked for.
    introspection: bool,
}

/// What [`Limits::admit`] found: the operation's cost (when its document parses and
/// names an operation) and, if it may not run, why.
#[derive(Default)]
pub struct Admission {
    pub cost: Option<u64>,
    pub refusal: Option<ServerError>,
    /// The searches whose `totalCount` was priced without an estimate of their matches
    /// (see [`Limits::admit_estimated`]).
    pub unestimated: Vec<String>,
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

    /// Checks a request's shape (`doc`; `None`: it does not parse) and the cost of the
    /// operation it runs (the walk over it; `None`: it selects none). A document that
    /// does not parse is admitted: the executor reports the parse error.
    pub fn admit(
        &self,
        doc: Option<&ExecutableDocument>,
        runs: Option<(Walk<'_>, &OperationDefinition)>,
    ) -> Admission {
        self.admit_estimated(doc, runs, &cost::Estimates::default())
    }

    /// The same, the `totalCount` of a search priced by the matches `estimates` gives
    /// for it (see [`cost::of_operation_estimated`]); the searches it has none for are
    /// listed in the admission.
    pub fn admit_estimated(
        &self,
        doc: Option<&ExecutableDocument>,
        runs: Option<(Walk<'_>, &OperationDefinition)>,
        estimates: &cost::Estimates,
    ) -> Admission {
        let refused = |refusal| Admission {
            cost: None,
            refusal: Some(refusal),
            unestimated: Vec::new(),
        };
        // A document that does not parse, or whose fragments spread in a circle: the
        // executor says why it does not run.
        let Some((doc, fields)) = doc.and_then(|doc| Some((doc, fields_once_spread(doc)?))) else {
            return Admission::default();
        };
        if fields > MAX_FIELDS {
            return refused(too_complex(format!(
                "The document selects {fields} fields once its fragments are spread; at most \
                 {MAX_FIELDS} are allowed"
            )));
        }
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
        let (cost, unestimated) = match runs
            .map(|(walk, op)| cost::of_operation_estimated(&self.types, walk, op, estimates))
        {
            Some((cost, unestimated)) => (Some(cost), unestimated),
            None => (None, Vec::new()),
        };
        let refusal = cost.filter(|&c| c > MAX_COST).map(|requested| {
            // A search's count is what most often goes over: say which. Not how many it
            // matches: the estimate counts contributions the caller may not read.
            let searches = estimates
                .0
                .iter()
                .filter(|(_, matches)| matches.saturating_mul(cost::MATCH) > MAX_COST / 2)
                .map(|(search, _)| format!("\"{search}\""))
                .collect::<Vec<_>>();
            let hint = if searches.is_empty() {
                "ask for smaller pages, fewer nested connections or fewer totalCounts".to_owned()
            } else {
                format!(
                    "a search's totalCount costs a point a match, and {} matches too many \
                     to count: leave its totalCount out, or narrow the search",
                    searches.join(", ")
                )
            };
            too_complex(format!(
                "The operation costs {requested} points; at most {MAX_COST} are allowed \
                 ({hint})"
            ))
        });
        Admission {
            cost,
            refusal,
            unestimated,
        }
    }
}

/// Adds `extensions.cost` to a response.
pub fn report_cost(response: &mut Response, cost: Option<u64>) {
    use std::sync::LazyLock;
    // `{"requested": 0, "limit": MAX_COST}`, built once: a clone and a write by position
    // cost a tenth of building the map (and hashing its keys) for every response.
    static COST: LazyLock<async_graphql::indexmap::IndexMap<async_graphql::Name, Value>> =
        LazyLock::new(|| {
            let mut map = async_graphql::indexmap::IndexMap::new();
            map.insert(async_graphql::Name::new("requested"), Value::from(0));
            map.insert(async_graphql::Name::new("limit"), Value::from(MAX_COST));
            map
        });
    if let Some(requested) = cost {
        let mut map = COST.clone();
        if let Some((_, value)) = map.get_index_mut(0) {
            *value = Value::from(requested);
        }
        response
            .extensions
            .insert("cost".to_owned(), Value::Object(map));
    }
}

fn too_complex(message: String) -> ServerError {
    refusal("QUERY_TOO_COMPLEX", message)
}

fn refusal(code: &str, message: String) -> ServerError {
    super::error_codes::coded(message, code)
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

/// Measures a selection set at nesting `level`, through fragments, every field counted
/// whatever its directives (the validator's work grows with each: see
/// [`Walk::as_written`]). Inside introspection only aliases count: the standard
/// introspection query nests type references 9 deep, and its cost is bounded by
/// [`super::cost`] (one point a field, never multiplied).
fn measure_set<'a>(
    walk: Walk<'a>,
    set: &'a SelectionSet,
    spreads: usize,
    level: Option<usize>,
    shape: &mut Shape,
) {
    walk.fields("", set, spreads, &mut |met| {
        let field = met.field;
        if field.alias.is_some() {
            shape.aliases += 1;
        }
        if level == Some(0) {
            shape.roots += 1;
        }
        let name = field.name.node.as_str();
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
        measure_set(walk, &field.selection_set.node, met.spreads, inner, shape);
    });
}

/// Why the document is refused, if it is; else whether it introspects.
fn check(doc: &ExecutableDocument) -> Result<bool, String> {
    let mut introspects = false;
    for (_, operation) in doc.operations.iter() {
        let mut shape = Shape::default();
        measure_set(
            Walk::as_written(doc),
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

/// How many fields the operations of a document select once their fragments are spread
/// (at most `usize::MAX`); `None` when a fragment spreads itself, directly or through
/// others, which the validator refuses and the walks, which run before it, are not to
/// follow. Counted fragment by fragment, each once, in an order where what a fragment
/// spreads comes before it: no walk of an expansion that may grow as a power.
fn fields_once_spread(doc: &ExecutableDocument) -> Option<usize> {
    type Spreads<'a> = Vec<&'a async_graphql::Name>;
    /// The fields of a set outside its spreads, and the spreads, inner ones too.
    fn own<'a>(set: &'a SelectionSet, spreads: &mut Spreads<'a>) -> usize {
        let mut fields = 0usize;
        for item in &set.items {
            match &item.node {
                Selection::Field(field) => {
                    fields = fields
                        .saturating_add(1)
                        .saturating_add(own(&field.node.selection_set.node, spreads));
                }
                Selection::InlineFragment(inline) => {
                    fields = fields.saturating_add(own(&inline.node.selection_set.node, spreads));
                }
                Selection::FragmentSpread(spread) => spreads.push(&spread.node.fragment_name.node),
            }
        }
        fields
    }
    // Kahn's algorithm: a fragment is counted once those it spreads are; what is left
    // uncounted spreads in a circle.
    let mut fragments: HashMap<&async_graphql::Name, (usize, Spreads)> = HashMap::new();
    let mut spread_by: HashMap<&async_graphql::Name, Vec<&async_graphql::Name>> = HashMap::new();
    let mut pending: HashMap<&async_graphql::Name, usize> = HashMap::new();
    for (name, fragment) in &doc.fragments {
        let mut spreads = Vec::new();
        let fields = own(&fragment.node.selection_set.node, &mut spreads);
        spreads.retain(|n| doc.fragments.contains_key(*n));
        let mut targets = spreads.clone();
        targets.sort();
        targets.dedup();
        pending.insert(name, targets.len());
        for target in targets {
            spread_by.entry(target).or_default().push(name);
        }
        fragments.insert(name, (fields, spreads));
    }
    let mut ready: Vec<&async_graphql::Name> = pending
        .iter()
        .filter(|(_, n)| **n == 0)
        .map(|(name, _)| *name)
        .collect();
    let mut counted: HashMap<&async_graphql::Name, usize> = HashMap::new();
    while let Some(name) = ready.pop() {
        let (fields, spreads) = &fragments[name];
        let total = spreads
            .iter()
            .fold(*fields, |sum, s| sum.saturating_add(counted[s]));
        counted.insert(name, total);
        for user in spread_by.get(name).into_iter().flatten() {
            if let Some(n) = pending.get_mut(user) {
                *n -= 1;
                if *n == 0 {
                    ready.push(user);
                }
            }
        }
    }
    if counted.len() < doc.fragments.len() {
        return None;
    }
    let mut total = 0usize;
    for (_, operation) in doc.operations.iter() {
        let mut spreads = Vec::new();
        let fields = own(&operation.node.selection_set.node, &mut spreads);
        total = spreads.iter().fold(total.saturating_add(fields), |sum, s| {
            sum.saturating_add(counted.get(s).copied().unwrap_or(0))
        });
    }
    Some(total)
}
