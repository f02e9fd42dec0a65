//! What an operation costs, counted from its document before anything runs.
//!
//! A point is about 10 µs of server time on the reference machine (2 cores, PostgreSQL
//! on the same host, the seeded report plus 200,000 contributions); the limit,
//! [`MAX_COST`], so bounds an admitted request to about a quarter of a second there.
//! `bench/cost_calibration.py` measures each rule, and `docs/BENCHMARKS.md` keeps its
//! figures. The rules follow where the time goes, not how many fields a document names:
//!
//! - every value written to the response costs [`VALUE`] on each object it is written
//!   on (a field inside a page of 50 costs 50 times), a contribution's or revision's
//!   `body` [`BODY`];
//! - the loaders fetch a connection's pages for all of its parents in one statement, so
//!   a connection field costs [`STATEMENT`] once, plus its page size (`first` or `last`,
//!   else the default) times the cost of one item under `nodes` or `edges` on each parent;
//! - `totalCount` is one counting statement per field: [`LARGE_COUNT`] on the
//!   connections that grow with the contributions (it may count the whole table),
//!   [`COUNT`] on the catalogues; a search's (`searchContributions`, or contributions
//!   filtered by `search`) [`MATCH`] a match as PostgreSQL estimates them before the
//!   request runs, at least a [`LARGE_COUNT`] ([`of_operation_estimated`]);
//!   `statistics` (kept counts) costs [`STATISTICS`];
//! - `searchContributions` costs [`SEARCH`] once, a `snippet` like a `body`;
//! - `nodes(ids:)` multiplies its items' cost by the number of IDs;
//! - each mutation field costs [`WRITE`] (a transaction with its audit event);
//! - an analysis (`issueMatrix`, `mechanismStances`, `languages`, `timeline`) costs a [`LARGE_COUNT`] and, per cell
//!   (the rows, columns, languages or days asked for, else 25 issues × 4 groups, 25
//!   mechanisms × 4 stances × 4 groups, 10 languages, or 122 periods), all
//!   that its selection costs, statements included (cells are not batched);
//! - introspection (`__schema`, `__type`) reads the schema in memory: [`VALUE`] per field
//!   named, never multiplied.
//!
//! Fragments count where they are spread; every branch of a type condition counts (an
//! upper bound). `@skip`/`@include` are evaluated: a field left out costs nothing.

use super::selection::Walk;
use crate::paging::{DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE};
use async_graphql::parser::types::{
    BaseType, ExecutableDocument, Field, OperationDefinition, OperationType, SelectionSet, Type,
    TypeKind, TypeSystemDefinition,
};
use async_graphql::{Name, Value as ConstValue};
use std::collections::HashMap;

/// Highest cost an operation may have.
pub const MAX_COST: u64 = 25_000;
// The smallest budget a caller may be given pays for any operation allowed.
const _: () = assert!(MAX_COST == crate::config::MIN_BUDGET);

/// One value written to the response (measured: 3–4 µs a value in a page of 100).
pub const VALUE: u64 = 1;
/// One statement sent to the database (a page, a batched lookup: 0.1–0.5 ms).
pub const STATEMENT: u64 = 10;
/// A `totalCount` over contributions, revisions, stances, tombstones or audit events
/// (measured: 23 ms over 200,000 contributions).
pub const LARGE_COUNT: u64 = 2_500;
/// Each contribution a search's `totalCount` counts, as estimated before the request
/// runs (measured: see `docs/BENCHMARKS.md`, "A search's totalCount"); a search's count
/// costs at least a [`LARGE_COUNT`].
pub const MATCH: u64 = 1;
/// A `totalCount` over a catalogue (stakeholders, consultations, issues…).
pub const COUNT: u64 = 20;
/// A contribution's or revision's body (measured: 44 µs a body of 1 KB).
pub const BODY: u64 = 5;
/// `statistics`: a few dozen rows of kept counts per consultation (measured: 1.8 ms
/// over 200,000 contributions, as before them a 44 ms grouped count).
pub const STATISTICS: u64 = 200;
/// `searchContributions`: its ranked page and the snippets of that page (measured over
/// 1,000,000 contributions: 9 ms p50 for a selective search, 12–33 ms for a word in
/// every contribution of a language, 59–69 ms for such a phrase; priced near the top).
pub const SEARCH: u64 = 5_000;
/// One mutation field.
pub const WRITE: u64 = 100;
/// Rows of an `issueMatrix` when `issues` does not say (the report has 20 issues).
const ANALYSIS_ISSUES: u64 = 25;
/// Columns of an `issueMatrix` when `groups` does not say: the stakeholder groups.
const ANALYSIS_GROUPS: u64 = 4;
/// Periods of a `timeline` when `from` and `to` do not say (four months of days).
const ANALYSIS_PERIODS: u64 = 122;
/// Cells of `languages`: the six official languages and a few more.
const ANALYSIS_LANGUAGES: u64 = 10;
/// Most IDs `nodes(ids:)` takes; more are refused when it runs.
const MAX_IDS: u64 = super::query::MAX_NODES as u64;

/// Cost of the operation a walk goes over (see [`Walk`]: skipped fields cost nothing),
/// a search's `totalCount` priced as any [`LARGE_COUNT`].
pub fn of_operation(types: &Types, walk: Walk<'_>, operation: &OperationDefinition) -> u64 {
    of_operation_estimated(types, walk, operation, &Estimates::default()).0
}

/// How many contributions each search matches, as estimated before the request runs
/// (PostgreSQL's planner: `service::search::estimate`), by the search's text.
#[derive(Debug, Default)]
pub struct Estimates(pub HashMap<String, u64>);

/// Cost of the operation a walk goes over, the `totalCount` of each search it counts
/// priced by the matches `estimates` gives ([`MATCH`] a match, at least a
/// [`LARGE_COUNT`]), and the searches counted that it has no estimate for (priced as a
/// [`LARGE_COUNT`]).
pub fn of_operation_estimated(
    types: &Types,
    walk: Walk<'_>,
    operation: &OperationDefinition,
    estimates: &Estimates,
) -> (u64, Vec<String>) {
    let counter = Counter {
        types,
        walk,
        estimates,
        unestimated: Default::default(),
    };
    let (root, per_field) = match operation.ty {
        OperationType::Query => (types.query.as_str(), 0),
        OperationType::Mutation => (types.mutation.as_str(), WRITE),
        OperationType::Subscription => (types.subscription.as_str(), 0),
    };
    let mut total = Cost::default();
    counter.each_field(root, &operation.selection_set.node, &mut |ty, field| {
        total = total.plus(Cost {
            each: 0,
            once: per_field,
        });
        total = total.plus(counter.field(ty, field));
    });
    (
        total.each.saturating_add(total.once),
        counter.unestimated.take(),
    )
}

/// The fields a document selects that their types lack (as `Type.field`): what an
/// operation is checked for before it goes on the allow-list (its arguments and
/// variables are checked when it runs).
pub fn unknown_fields(types: &Types, doc: &ExecutableDocument) -> Vec<String> {
    let mut unknown = Vec::new();
    for (_, operation) in doc.operations.iter() {
        let counter = Counter {
            types,
            walk: Walk::as_written(doc),
            estimates: &Estimates::default(),
            unestimated: Default::default(),
        };
        let root = match operation.node.ty {
            OperationType::Query => types.query.as_str(),
            OperationType::Mutation => types.mutation.as_str(),
            OperationType::Subscription => types.subscription.as_str(),
        };
        counter.unknown(root, &operation.node.selection_set.node, &mut unknown);
    }
    unknown.dedup();
    unknown
}

/// A field's cost in two parts: what it costs on each object it is selected on, and
/// what it costs once whatever the number of those objects (a statement that the
/// loaders send once for all of them).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct Cost {
    each: u64,
    once: u64,
}

impl Cost {
    fn each(points: u64) -> Self {
        Cost {
            each: points,
            once: 0,
        }
    }

    fn plus(self, other: Cost) -> Self {
        Cost {
            each: self.each.saturating_add(other.each),
            once: self.once.saturating_add(other.once),
        }
    }

    /// The cost on `n` objects: the per-object part `n` times, the rest once.
    fn times(self, n: u64) -> Self {
        Cost {
            each: self.each.saturating_mul(n),
            once: self.once,
        }
    }
}

/// What a `totalCount` costs on a connection of this type: contributions and what
/// grows with them (revisions, stances, tombstones, the audit log) are counted over up to
/// the whole table; the catalogues (stakeholders, consultations, issues…) stay small.
fn count_cost(connection: &str) -> u64 {
    match connection {
        "ContributionConnection"
        | "ContributionSearchConnection"
        | "ContributionRevisionConnection"
        | "ContributionTombstoneConnection"
        | "MechanismStanceConnection"
        | "AuditEventConnection" => LARGE_COUNT,
        _ => COUNT,
    }
}

/// The schema's types as the cost reads them: for each object and interface type, its
/// fields and the named type each returns (list and non-null wrappers taken off).
/// Built once, from the schema's SDL.
#[derive(Debug, Default)]
pub struct Types {
    fields: HashMap<String, HashMap<String, String>>,
    /// Object, interface and union types: those a selection set applies to.
    composite: std::collections::HashSet<String>,
    query: String,
    mutation: String,
    subscription: String,
}

impl Types {
    /// Reads the types of a schema from its SDL (as `Schema::sdl` prints it).
    pub fn of_sdl(sdl: &str) -> Result<Types, String> {
        fn named(ty: &Type) -> &str {
            match &ty.base {
                BaseType::Named(name) => name.as_str(),
                BaseType::List(inner) => named(inner),
            }
        }
        let doc = async_graphql::parser::parse_schema(sdl).map_err(|e| e.to_string())?;
        let mut types = Types {
            query: "Query".to_owned(),
            mutation: "Mutation".to_owned(),
            subscription: "Subscription".to_owned(),
            ..Types::default()
        };
        for definition in doc.definitions {
            match definition {
                TypeSystemDefinition::Schema(schema) => {
                    let schema = schema.node;
                    let name =
                        |n: Option<async_graphql::Positioned<Name>>| n.map(|n| n.node.to_string());
                    if let Some(q) = name(schema.query) {
                        types.query = q;
                    }
                    if let Some(m) = name(schema.mutation) {
                        types.mutation = m;
                    }
                    if let Some(s) = name(schema.subscription) {
                        types.subscription = s;
                    }
                }
                TypeSystemDefinition::Type(ty) => {
                    let ty = ty.node;
                    let fields = match &ty.kind {
                        TypeKind::Object(o) => &o.fields,
                        TypeKind::Interface(i) => &i.fields,
                        TypeKind::Union(_) => {
                            types.composite.insert(ty.name.node.to_string());
                            continue;
                        }
                        _ => continue,
                    };
                    let map = fields
                        .iter()
                        .map(|f| {
                            (
                                f.node.name.node.to_string(),
                                named(&f.node.ty.node).to_owned(),
                            )
                        })
                        .collect();
                    types.composite.insert(ty.name.node.to_string());
                    types.fields.insert(ty.name.node.to_string(), map);
                }
                TypeSystemDefinition::Directive(_) => {}
            }
        }
        Ok(types)
    }

    /// The named type a field of `parent` returns.
    fn field_type(&self, parent: &str, field: &str) -> Option<&str> {
        self.fields.get(parent)?.get(field).map(String::as_str)
    }

    fn has_field(&self, ty: &str, field: &str) -> bool {
        self.field_type(ty, field).is_some()
    }

    /// A Relay connection: an object with `pageInfo` and `nodes` or `edges`.
    fn is_connection(&self, ty: &str) -> bool {
        self.has_field(ty, "pageInfo")
            && (self.has_field(ty, "nodes") || self.has_field(ty, "edges"))
    }
}

struct Counter<'a> {
    types: &'a Types,
    walk: Walk<'a>,
    estimates: &'a Estimates,
    /// The searches counted without an estimate.
    unestimated: std::cell::RefCell<Vec<String>>,
}

impl<'a> Counter<'a> {
    /// Calls `visit` with each field of a selection set and the type it is selected on,
    /// looking through fragments (the one walk: [`Walk::fields`]).
    fn each_field(
        &self,
        ty: &'a str,
        set: &'a SelectionSet,
        visit: &mut dyn FnMut(&'a str, &'a Field),
    ) {
        self.walk
            .fields(ty, set, 0, &mut |met| visit(met.on, met.field));
    }

    /// Adds the fields of `set` that `ty` lacks to `out`, and those of their selections.
    fn unknown(&self, ty: &'a str, set: &'a SelectionSet, out: &mut Vec<String>) {
        self.each_field(ty, set, &mut |on, field| {
            let name = field.name.node.as_str();
            if name.starts_with("__") {
                return;
            }
            match self.types.field_type(on, name) {
                None => out.push(format!("{on}.{name}")),
                Some(child) if self.types.composite.contains(child) => {
                    self.unknown(child, &field.selection_set.node, out)
                }
                Some(_) => {}
            }
        });
    }

    /// Cost of one object of type `ty` with this selection.
    fn object(&self, ty: &'a str, set: &'a SelectionSet) -> Cost {
        let mut total = Cost::default();
        self.each_field(ty, set, &mut |ty, field| {
            total = total.plus(self.field(ty, field));
        });
        total
    }

    /// Cost of one field selected on one object of type `parent`.
    fn field(&self, parent: &'a str, field: &'a Field) -> Cost {
        let name = field.name.node.as_str();
        if name == "__schema" || name == "__type" {
            return Cost::each(self.introspection(&field.selection_set.node));
        }
        let Some(ty) = self.types.field_type(parent, name) else {
            // `__typename`, or a field the validator will refuse.
            return Cost::each(VALUE);
        };
        let set = &field.selection_set.node;
        let own = match name {
            "body" | "snippet" => Cost::each(BODY),
            "searchContributions" => Cost {
                each: VALUE,
                once: SEARCH,
            },
            "statistics" => Cost {
                each: VALUE,
                once: STATISTICS,
            },
            _ => Cost::each(VALUE),
        };
        if let Some(cells) = self.analysis_cells(parent, name, field) {
            // One grouped count over the consultation's contributions, then each cell on
            // its own: a cell's connection is a statement of its own (not batched across
            // cells), so all of a cell's cost is paid per cell.
            let cell = self.object(ty, set);
            let count = if parent == "Consultation" {
                LARGE_COUNT
            } else {
                0
            };
            own.plus(Cost::each(count))
                .plus(Cost::each(cell.each.saturating_add(cell.once)).times(cells))
        } else if self.types.is_connection(ty) {
            own.plus(self.connection(ty, field))
        } else if self.types.composite.contains(ty) {
            let items = if field.get_argument("ids").is_some() {
                self.list_length(field, "ids").min(MAX_IDS)
            } else {
                1
            };
            own.plus(self.object(ty, set).times(items))
        } else {
            own
        }
    }

    /// How many cells an analysis field (`issueMatrix`, `languages`) returns at most.
    fn analysis_cells(&self, parent: &'a str, name: &str, field: &'a Field) -> Option<u64> {
        if (parent, name) == ("TimelinePeriod", "byKind") {
            // One cell a kind, each its own statement.
            return Some(3);
        }
        if parent != "Consultation" {
            return None;
        }
        let given = |arg: &str, default: u64| {
            if field.get_argument(arg).is_some() {
                self.list_length(field, arg)
            } else {
                default
            }
        };
        match name {
            "issueMatrix" => Some(
                given("issues", ANALYSIS_ISSUES).saturating_mul(given("groups", ANALYSIS_GROUPS)),
            ),
            "languages" => Some(given("only", ANALYSIS_LANGUAGES)),
            "timeline" => Some(self.timeline_periods(field)),
            // Four stances by four groups a mechanism.
            "mechanismStances" => Some(
                given("mechanisms", ANALYSIS_ISSUES)
                    .saturating_mul(given("stances", 4))
                    .saturating_mul(given("groups", ANALYSIS_GROUPS)),
            ),
            _ => None,
        }
    }

    /// How many periods a `timeline` returns at most: the days (or weeks) between `from`
    /// and `to` when both are given, else [`ANALYSIS_PERIODS`].
    fn timeline_periods(&self, field: &'a Field) -> u64 {
        let day = |arg: &str| match self.argument(field, arg) {
            Some(ConstValue::String(s)) => chrono::NaiveDate::parse_from_str(&s, "%Y-%m-%d").ok(),
            _ => None,
        };
        let weekly = matches!(self.argument(field, "interval"), Some(ConstValue::Enum(e)) if e.as_str() == "WEEK");
        match (day("from"), day("to")) {
            (Some(from), Some(to)) if to > from => {
                let days = (to - from).num_days() as u64;
                if weekly { days.div_ceil(7) + 1 } else { days }
            }
            _ => ANALYSIS_PERIODS,
        }
    }

    /// Cost of a connection: its page query, its page of items, its count.
    fn connection(&self, ty: &'a str, field: &'a Field) -> Cost {
        let size = self.page_size(field);
        let mut total = Cost {
            each: 0,
            once: STATEMENT,
        };
        self.each_field(ty, &field.selection_set.node, &mut |on, child| {
            let cost = match child.name.node.as_str() {
                "nodes" | "edges" => self.field(on, child).times(size),
                "totalCount" => Cost {
                    each: VALUE,
                    once: self.count(ty, field),
                },
                _ => self.field(on, child),
            };
            total = total.plus(cost);
        });
        total
    }

    /// What the `totalCount` of connection field `field` (of type `ty`) costs: a search's
    /// by the matches estimated, else by its type ([`count_cost`]).
    fn count(&self, ty: &'a str, field: &'a Field) -> u64 {
        let by_type = count_cost(ty);
        let search = match ty {
            "ContributionSearchConnection" => self.argument(field, "query"),
            "ContributionConnection" => match self.argument(field, "filter") {
                Some(ConstValue::Object(filter)) => filter.get("search").cloned(),
                _ => None,
            },
            _ => None,
        };
        let Some(ConstValue::String(search)) = search else {
            return by_type;
        };
        match self.estimates.0.get(&search) {
            Some(matches) => by_type.max(matches.saturating_mul(MATCH)),
            None => {
                self.unestimated.borrow_mut().push(search);
                by_type
            }
        }
    }

    /// The page size a connection field asks for, as the resolver will clamp it.
    fn page_size(&self, field: &'a Field) -> u64 {
        let asked = ["first", "last"]
            .into_iter()
            .filter_map(|arg| self.argument(field, arg))
            .find_map(|value| match value {
                ConstValue::Number(n) => n.as_i64(),
                _ => None,
            });
        match asked {
            Some(n) => n.clamp(1, i64::from(MAX_PAGE_SIZE)) as u64,
            None => DEFAULT_PAGE_SIZE as u64,
        }
    }

    /// How many items a list argument holds.
    fn list_length(&self, field: &'a Field, arg: &str) -> u64 {
        match self.argument(field, arg) {
            Some(ConstValue::List(items)) => items.len() as u64,
            _ => 1,
        }
    }

    /// An argument's value with variables substituted (a variable not sent takes its
    /// declared default; one with neither is null).
    fn argument(&self, field: &'a Field, arg: &str) -> Option<ConstValue> {
        self.walk.argument(field, arg)
    }

    /// Introspection reads the schema in memory: one value per field named.
    fn introspection(&self, set: &'a SelectionSet) -> u64 {
        let mut total = VALUE;
        self.each_field("", set, &mut |_, field| {
            total = total.saturating_add(self.introspection(&field.selection_set.node));
        });
        total
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::graphql::build_schema;
    use async_graphql::Variables;

    async fn cost(query: &str) -> u64 {
        cost_with(query, Variables::default()).await
    }

    async fn cost_with(query: &str, variables: Variables) -> u64 {
        let types = Types::of_sdl(&build_schema().sdl()).unwrap();
        let doc = async_graphql::parser::parse_query(query).unwrap();
        let (_, op) = crate::graphql::operation::get(&doc, None).unwrap();
        of_operation(&types, Walk::new(&doc, op, &variables), op)
    }

    #[tokio::test]
    async fn a_search_count_is_priced_by_the_matches_estimated() {
        let schema = build_schema();
        let limits = crate::graphql::limits::Limits::of(&schema, true);
        let admit = |query: &str, estimates: &[(&str, u64)]| {
            let doc = async_graphql::parser::parse_query(query).unwrap();
            let (_, op) = crate::graphql::operation::get(&doc, None).unwrap();
            let variables = Variables::from_json(serde_json::json!({ "q": "internet" }));
            let estimates = Estimates(
                estimates
                    .iter()
                    .map(|(search, n)| ((*search).to_owned(), *n))
                    .collect(),
            );
            let admission = limits.admit_estimated(
                Some(&doc),
                Some((Walk::new(&doc, op, &variables), op)),
                &estimates,
            );
            (
                admission.cost.unwrap_or(0),
                admission.unestimated,
                admission.refusal.map(|e| e.message),
            )
        };
        let search = "query($q: String!) { searchContributions(query: $q, first: 5) { totalCount edges { node { id } } } }";
        let listed = "query($q: String!) { contributions(first: 5, filter: { search: $q }) { totalCount nodes { id } } }";
        let uncounted = "query($q: String!) { searchContributions(query: $q, first: 5) { edges { node { id } } } }";
        for query in [search, listed] {
            // No estimate: a large count, and the search is named for an estimate.
            let (before, unestimated, refused) = admit(query, &[]);
            assert_eq!(unestimated, vec!["internet".to_owned()]);
            assert!(refused.is_none());
            // Estimated: a point a match, never less than a large count.
            let (few, unestimated, _) = admit(query, &[("internet", 40)]);
            assert!(unestimated.is_empty());
            assert_eq!(few, before);
            let (many, _, refused) = admit(query, &[("internet", 15_000)]);
            assert_eq!(many, before - LARGE_COUNT + 15_000 * MATCH);
            assert!(refused.is_none());
            // Over the limit: refused, saying which search and what to do.
            let (_, _, refused) = admit(query, &[("internet", 100_000)]);
            let refused = refused.expect("refused");
            assert!(
                refused.contains("\"internet\" matches too many")
                    && refused.contains("leave its totalCount out"),
                "{refused}"
            );
        }
        // Without `totalCount`, nothing to estimate.
        let (cost, unestimated, _) = admit(uncounted, &[("internet", 100_000)]);
        assert!(unestimated.is_empty());
        assert!(cost < MAX_COST);
    }

    #[tokio::test]
    async fn a_page_costs_its_statement_and_each_value_on_each_item() {
        // stakeholders: 1 + page (10) + 50 × (nodes 1 + name 1)
        assert_eq!(
            cost("{ stakeholders(first: 50) { nodes { name } } }").await,
            VALUE + STATEMENT + 50 * 2 * VALUE
        );
    }

    #[tokio::test]
    async fn total_count_costs_a_count_of_what_it_counts() {
        let without = cost("{ stakeholders(first: 100) { nodes { name } } }").await;
        let with = cost("{ stakeholders(first: 100) { totalCount nodes { name } } }").await;
        assert_eq!(with - without, VALUE + COUNT);
        let without = cost("{ contributions(first: 100) { nodes { title } } }").await;
        let with = cost("{ contributions(first: 100) { totalCount nodes { title } } }").await;
        assert_eq!(with - without, VALUE + LARGE_COUNT);
    }

    #[tokio::test]
    async fn a_search_costs_its_ranking_once_and_its_snippets_like_bodies() {
        let search = cost(
            "{ searchContributions(query: \"internet\", first: 20) { totalCount edges { snippet node { title } } } }",
        )
        .await;
        // The field and its ranked page once; 20 × (edges, snippet, node, title);
        // the count of every match.
        let each = 20 * (VALUE + BODY + VALUE + VALUE);
        assert_eq!(
            search,
            VALUE + SEARCH + STATEMENT + VALUE + LARGE_COUNT + each
        );
    }

    #[tokio::test]
    async fn a_nested_connection_counts_once_per_parent() {
        let nested = cost(
            "{ stakeholders(first: 50) { nodes { contributions(first: 10) { totalCount nodes { title } } } } }",
        ).await;
        // Each of the 50 stakeholders writes nodes, contributions, totalCount and 10
        // × (nodes, title); the two pages and the count are one statement each.
        let each = 50 * (VALUE + VALUE + VALUE + 10 * 2 * VALUE);
        let once = VALUE + STATEMENT + STATEMENT + LARGE_COUNT;
        assert_eq!(nested, each + once);
    }

    #[tokio::test]
    async fn fragments_and_variables_count_like_inline_selections() {
        let inline = cost("{ contributions(first: 30) { nodes { id title } } }").await;
        let spread = cost_with(
            "query($n: Int) { contributions(first: $n) { ...Page } } \
             fragment Page on ContributionConnection { nodes { ... on Contribution { id title } } }",
            Variables::from_json(serde_json::json!({ "n": 30 })),
        )
        .await;
        let defaulted =
            cost("query($n: Int = 30) { contributions(first: $n) { nodes { id title } } }").await;
        assert_eq!(inline, spread);
        assert_eq!(inline, defaulted);
    }

    #[tokio::test]
    async fn statistics_is_one_read_of_kept_counts_whatever_the_consultations() {
        let one = cost("{ consultations(first: 1) { nodes { statistics { total } } } }").await;
        let fifty = cost("{ consultations(first: 50) { nodes { statistics { total } } } }").await;
        assert_eq!(one, VALUE + STATEMENT + STATISTICS + 3 * VALUE);
        assert_eq!(fifty - one, 49 * 3 * VALUE);
    }

    #[tokio::test]
    async fn nodes_by_id_multiplies_by_the_ids() {
        let one = cost(r#"{ nodes(ids: ["a"]) { id } }"#).await;
        let three = cost(r#"{ nodes(ids: ["a", "b", "c"]) { id } }"#).await;
        assert_eq!(one, VALUE + VALUE);
        assert_eq!(three, VALUE + 3 * VALUE);
    }

    #[tokio::test]
    async fn page_sizes_are_clamped_as_the_resolver_clamps_them() {
        assert_eq!(
            cost("{ stakeholders(first: 100000) { nodes { id } } }").await,
            cost("{ stakeholders(first: 100) { nodes { id } } }").await
        );
        assert_eq!(
            cost("{ stakeholders { nodes { id } } }").await,
            cost("{ stakeholders(first: 20) { nodes { id } } }").await
        );
    }

    #[tokio::test]
    async fn introspection_is_cheap() {
        let standard = cost(include_str!(
            "../../tests/api/fixtures/introspection.graphql"
        ))
        .await;
        assert!(standard < 1_000, "introspection cost {standard}");
    }

    #[tokio::test]
    async fn mutations_cost_a_write_each() {
        assert_eq!(
            cost("mutation { logout { loggedOut } }").await,
            WRITE + VALUE + VALUE
        );
    }
}
