//! Compiled reads: the root fields of a query that the planner understands run as a
//! plan instead of field by field.
//!
//! [`plan`] walks the prepared operation once (through fragments, `@skip`/`@include`
//! evaluated, with the same [`crate::graphql::selection::Walk`] as the limits and the
//! cost) and returns a [`Plan`]: per root field it knows, the arguments already parsed
//! and the selection as a tree of known fields; a root field it does not know is left,
//! whole, to the resolvers. [`Reads`], the one extension of the planning schema
//! (`graphql::build_planning_schema`), runs the plan after async-graphql has validated
//! the operation, in place of the resolvers: each level's rows are read in one
//! statement per field for all its parents at once, with no loader wait between
//! levels. When the plan knows every root field, the JSON of the answer's `data` is
//! written directly, in the query's order (no `Value` tree, no reordering), for the HTTP
//! layer to send as it is; otherwise the executor runs the operation and takes the
//! plan's values for the fields it knows (`Reads::resolve`), resolving the others.
//! `/metrics` counts root fields by how they ran (`concord_graphql_root_fields_total`).
//!
//! Architecture Invariant: a plan reads only through service functions whose
//! conditions come from the same sources as the resolvers' (`contributions::list_narrow`,
//! `by_ids_narrow` and `pages_by_parent_narrow` narrow the selects of `list`, `by_ids`
//! and `pages_by_parent`; `counts_by_parent`, `revisions_by_number`, `relations::pages`
//! and `counts` (revisions, issues, mechanisms' stances), `mechanisms::by_ids`,
//! `stakeholders::list` as the resolvers call them) and applies the same attribution
//! rule ([`crate::policy::sees_attribution`]): the read policy stays in one place.
//!
//! Architecture Invariant: a plan answers only what it answers exactly as the resolvers
//! would. A root field it does not know, or whose argument the resolvers would refuse,
//! is theirs; anything else it doubts while running — a record not found, a database
//! error — and the whole operation runs through the resolvers instead, which give the
//! error. A response key selected twice at the root leaves the whole operation to
//! them; deeper, the root field it is under.
//!
//! The differential tests (`tests/api/compiled.rs`) compare both paths' answers.

use super::context::RequestData;
use crate::paging::Page;
use crate::service::contributions;
use crate::service::stakeholders;
use async_graphql::extensions::{
    Extension, ExtensionContext, ExtensionFactory, NextExecute, NextResolve, ResolveInfo,
};
use async_graphql::{Name, Response, ServerResult, Value};
use std::collections::HashMap;
use std::sync::Arc;

mod json;
mod planner;
mod run;
mod validated;

pub use planner::plan;
use run::GiveWay;
pub use validated::{Key, Validated};

/// A query whose root fields the planner understood, all or some.
pub struct Plan {
    /// Every root field, in the query's order; `None` where the resolvers answer it.
    roots: Vec<(Name, Option<Root>)>,
}

/// A root field's plan.
enum Root {
    Typename,
    /// `contributions(filter, orderBy, first, after, last, before)`.
    Contributions {
        filter: Box<contributions::ContributionFilter>,
        page: Page,
        conn: Conn<ContributionSel>,
    },
    /// `stakeholders(filter, orderBy, first, after, last, before)`.
    Stakeholders {
        filter: stakeholders::StakeholderFilter,
        page: Page,
        conn: Conn<StakeholderSel>,
    },
    /// `contribution(id:)`, or `node(id:)` with a Contribution ID.
    Contribution {
        id: i64,
        node: ContributionSel,
    },
}

/// A connection's selection over nodes selected by `N`.
struct Conn<N> {
    fields: Vec<(Name, ConnField<N>)>,
}

enum ConnField<N> {
    Typename(&'static str),
    TotalCount,
    PageInfo(Vec<(Name, PageInfoField)>),
    Nodes(N),
    Edges(Vec<(Name, EdgeField<N>)>),
}

enum PageInfoField {
    Typename,
    HasPreviousPage,
    HasNextPage,
    StartCursor,
    EndCursor,
}

enum EdgeField<N> {
    Typename(&'static str),
    Cursor,
    Node(N),
}

/// What is selected on a contribution.
struct ContributionSel {
    fields: Vec<(Name, CField)>,
}

enum CField {
    Typename,
    Id,
    Version,
    Kind,
    Status,
    Visibility,
    Title,
    Language,
    Body,
    Attributed,
    Embargoed,
    OnBehalfOfGroup,
    WithdrawnReason,
    SubmittedAt,
    PublishedAt,
    CreatedAt,
    UpdatedAt,
    Group,
    Stakeholder(StakeholderSel),
    /// A nested connection: its revisions.
    Revisions {
        page: Page,
        conn: Box<Conn<RevisionSel>>,
    },
    /// A nested connection: the policy issues it raises.
    Issues {
        page: Page,
        conn: Box<Conn<IssueSel>>,
    },
    /// A nested connection: the mechanisms it discusses, with its stances.
    Mechanisms {
        page: Page,
        conn: Box<Conn<StanceSel>>,
    },
    /// The documents of its current revision (a list).
    Attachments(AttachmentSel),
}

/// What is selected on a document.
struct AttachmentSel {
    fields: Vec<(Name, AField)>,
}

enum AField {
    Typename,
    Id,
    Name,
    ContentType,
    Size,
    Sha256,
    Url,
    TextExtracted,
    CreatedAt,
}

/// What is selected on a mechanism a contribution discusses, with its stance.
struct StanceSel {
    fields: Vec<(Name, XField)>,
}

enum XField {
    Typename,
    Stance,
    Mechanism(MechanismSel),
}

/// What is selected on a mechanism.
struct MechanismSel {
    fields: Vec<(Name, MField)>,
}

enum MField {
    Typename,
    Id,
    Version,
    Name,
    Acronym,
    Kind,
    Scope,
    Status,
    Established,
    Description,
}

/// What is selected on a policy issue.
struct IssueSel {
    fields: Vec<(Name, IField)>,
}

enum IField {
    Typename,
    Id,
    Version,
    Slug,
    Title,
    Description,
    Area,
    OnWsisList,
}

/// What is selected on a revision.
struct RevisionSel {
    fields: Vec<(Name, RField)>,
}

enum RField {
    Typename,
    Id,
    Number,
    Title,
    Body,
    Language,
    ContentHash,
    CreatedAt,
}

/// What is selected on a stakeholder.
struct StakeholderSel {
    fields: Vec<(Name, SField)>,
}

enum SField {
    Typename,
    Id,
    Version,
    Name,
    Acronym,
    Group,
    Accreditation,
    CountryCode,
    RegionalGroup,
    Website,
    CreatedAt,
    UpdatedAt,
    /// A nested connection: the stakeholder's contributions.
    Contributions {
        filter: Box<contributions::ContributionFilter>,
        page: Page,
        conn: Box<Conn<ContributionSel>>,
    },
}

/// A plan handed to the executor with its request (see [`Reads`]), and where the JSON
/// of the answer's `data` is left when the plan ran.
pub struct Planned {
    plan: Plan,
    written: Arc<std::sync::Mutex<Option<String>>>,
    /// Whether the resolvers run too, their answer compared with the plan's.
    verify: bool,
    /// Where to record that the operation passed validation, once its plan answered.
    validated: Option<(Arc<Validated>, Key)>,
    /// A plan that knows only some root fields: their values, by response key, taken
    /// by [`Reads::resolve`] as the executor resolves the others.
    known: std::sync::Mutex<HashMap<Name, Value>>,
}

impl Planned {
    /// The plan, and the slot its answer will be found in (see [`Written`]); when the
    /// plan answers, `validated` records the operation as validated.
    pub fn new(
        plan: Plan,
        verify: bool,
        validated: Option<(Arc<Validated>, Key)>,
    ) -> (Planned, Written) {
        let written = Arc::new(std::sync::Mutex::new(None));
        (
            Planned {
                plan,
                written: written.clone(),
                verify,
                validated,
                known: std::sync::Mutex::default(),
            },
            Written(written),
        )
    }
}

impl Plan {
    /// Whether the plan knows every root field (else it runs beside the executor, which
    /// resolves the rest: [`Reads`]).
    pub fn is_whole(&self) -> bool {
        self.roots.iter().all(|(_, root)| root.is_some())
    }

    /// How many root fields the plan knows.
    fn known(&self) -> usize {
        self.roots.iter().filter(|(_, root)| root.is_some()).count()
    }

    /// Answers a whole plan for the request without the executor (an operation async-graphql
    /// validated before: [`Validated`]): the JSON of `data`, or `None` when it gives way
    /// to the resolvers.
    pub async fn answer(&self, rd: &RequestData) -> Option<String> {
        let roots = self.roots.len();
        match self.run(rd).await {
            Ok(data) => {
                crate::metrics::global().root_fields("compiled", roots);
                Some(data)
            }
            Err(GiveWay) => {
                crate::metrics::global().root_fields("fallback", roots);
                None
            }
        }
    }
}

/// Whether the resolvers' answer is the plan's `data` (fields compared as maps: the
/// order is put right after the resolvers run, and the differential tests compare the
/// bytes).
fn agrees(data: &str, resolved: &Response) -> bool {
    resolved.errors.is_empty()
        && serde_json::from_str::<serde_json::Value>(data).ok()
            == serde_json::to_value(&resolved.data).ok()
}

/// What `verify` answers when the plan and the resolvers disagree (and logs why).
fn disagreement(plan: &dyn std::fmt::Debug, resolved: &Response) -> Response {
    tracing::error!(
        plan = ?plan,
        resolvers = ?resolved,
        "a compiled read answered otherwise than the resolvers"
    );
    Response::from_errors(vec![super::error_codes::coded(
        "The compiled read and the resolvers answered differently \
         (CONCORD_COMPILED_READS=verify)",
        "INTERNAL_SERVER_ERROR",
    )])
}

/// Where a plan leaves the JSON of the answer's `data` when it ran (the executor's
/// answer then has no `data` of its own).
pub struct Written(Arc<std::sync::Mutex<Option<String>>>);

impl Written {
    /// The JSON of `data`, if the plan ran.
    pub fn take(&self) -> Option<String> {
        self.0.lock().ok()?.take()
    }
}

/// The schema's one extension: after validation, a request that carries a [`Planned`]
/// runs its plan instead of the resolvers (which it gives way to on any doubt).
pub struct Reads;

impl ExtensionFactory for Reads {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(Reads)
    }
}

#[async_graphql::async_trait::async_trait]
impl Extension for Reads {
    async fn execute(
        &self,
        ctx: &ExtensionContext<'_>,
        operation_name: Option<&str>,
        next: NextExecute<'_>,
    ) -> Response {
        let (Some(planned), Some(rd)) = (ctx.data_opt::<Planned>(), ctx.data_opt::<RequestData>())
        else {
            return next.run(ctx, operation_name).await;
        };
        if !planned.plan.is_whole() {
            return run_beside(planned, rd, ctx, operation_name, next).await;
        }
        let roots = planned.plan.roots.len();
        let Ok(data) = planned.plan.run(rd).await else {
            crate::metrics::global().root_fields("fallback", roots);
            return next.run(ctx, operation_name).await;
        };
        if planned.verify {
            let resolved = next.run(ctx, operation_name).await;
            if !agrees(&data, &resolved) {
                return disagreement(&data, &resolved);
            }
        }
        match planned.written.lock() {
            Ok(mut slot) => {
                *slot = Some(data);
                // It ran, so async-graphql's validation passed.
                if let Some((validated, key)) = &planned.validated {
                    validated.insert(key.clone());
                }
                crate::metrics::global().root_fields("compiled", roots);
                Response::new(Value::Null)
            }
            // Not reached (nothing else holds the lock); the plan's answer is lost.
            Err(_) => Response::from_errors(vec![super::error_codes::coded(
                "The compiled read's answer could not be kept",
                "INTERNAL_SERVER_ERROR",
            )]),
        }
    }

    /// A root field a plan beside the executor already answered: its value, without its
    /// resolver.
    async fn resolve(
        &self,
        ctx: &ExtensionContext<'_>,
        info: ResolveInfo<'_>,
        next: NextResolve<'_>,
    ) -> ServerResult<Option<Value>> {
        if info.path_node.parent.is_none()
            && let Some(planned) = ctx.data_opt::<Planned>()
            && let Ok(mut known) = planned.known.lock()
            && let Some(value) = known.remove(info.alias.unwrap_or(info.name))
        {
            return Ok(Some(value));
        }
        next.run(ctx, info).await
    }
}

/// A plan that knows some root fields, run beside the executor: the plan's fields are
/// run first (all of them, or, when one gives way, none: the resolvers answer the
/// whole operation), then the executor resolves the operation, taking their values as
/// it meets them ([`Reads::resolve`]) and resolving the rest.
async fn run_beside(
    planned: &Planned,
    rd: &RequestData,
    ctx: &ExtensionContext<'_>,
    operation_name: Option<&str>,
    next: NextExecute<'_>,
) -> Response {
    let metrics = crate::metrics::global();
    let known = planned.plan.known();
    let others = planned.plan.roots.len() - known;
    metrics.root_fields("resolved", others);
    let Ok(values) = planned.plan.run_known(rd).await else {
        metrics.root_fields("fallback", known);
        return next.run(ctx, operation_name).await;
    };
    if planned.verify {
        let resolved = next.run(ctx, operation_name).await;
        // The plan's fields as the resolvers answered them, without an error (the
        // others' errors are theirs).
        // (A `Value::Enum` of the resolvers equals the plan's `Value::String`.)
        let agree = values.iter().all(|(key, value)| {
            matches!(&resolved.data, Value::Object(data) if data.get(key) == Some(value))
                && !resolved.errors.iter().any(|e| {
                    matches!(e.path.first(), Some(async_graphql::PathSegment::Field(f)) if f == key.as_str())
                })
        });
        if !agree {
            return disagreement(&values, &resolved);
        }
        metrics.root_fields("compiled", known);
        return resolved;
    }
    let kept = match planned.known.lock() {
        Ok(mut slot) => {
            *slot = values;
            true
        }
        // Not reached (nothing else holds the lock): the resolvers answer them all.
        Err(_) => false,
    };
    metrics.root_fields(if kept { "compiled" } else { "fallback" }, known);
    next.run(ctx, operation_name).await
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::graphql::prepared::Prepared;

    fn planned(query: &str, variables: serde_json::Value) -> bool {
        let request = async_graphql::Request::new(query)
            .variables(async_graphql::Variables::from_json(variables));
        plan(&Prepared::parse(request)).is_some()
    }

    #[test]
    fn the_benchmarks_shapes_are_planned() {
        for query in [
            "{ __typename }",
            "{ contributions(first: 50, after: \"Y3Vyc29yOjEw\") { nodes { id title publishedAt stakeholder { name } } } }",
            "{ node(id: \"Q29udHJpYnV0aW9uOjU\") { ... on Contribution { id title publishedAt stakeholder { name } } } }",
            "{ stakeholders(first: 50) { nodes { name contributions(first: 10) { totalCount nodes { id title } } } } }",
            "{ stakeholders(first: 100) { nodes { contributions(first: 10) { nodes { revisions(first: 1) { nodes { body } } } } } } }",
            "{ contributions(first: 50, after: \"Y3Vyc29yOjEw\") { nodes { id title issues(first: 5) { nodes { title } } } } }",
            "{ contributions(first: 50) { nodes { id mechanisms(first: 5) { nodes { stance mechanism { name } } } } } }",
            "{ contributions(first: 50, filter: { kinds: [WRITTEN_COMMENT] }, orderBy: { field: PUBLISHED_AT, direction: DESC }) { nodes { id title publishedAt stakeholder { name } } } }",
            "query($c: String, $yes: Boolean!) { contributions(first: 5, after: $c) { edges { cursor node { ...F } } pageInfo { hasNextPage } } } fragment F on Contribution { id body @include(if: $yes) }",
        ] {
            assert!(
                planned(query, serde_json::json!({ "yes": true })),
                "{query}"
            );
        }
    }

    /// Which root fields the plan knows, by response key (`None`: no plan).
    fn known(query: &str) -> Option<Vec<(String, bool)>> {
        let prepared = Prepared::parse(async_graphql::Request::new(query));
        plan(&prepared).map(|plan| {
            plan.roots
                .iter()
                .map(|(key, root)| (key.to_string(), root.is_some()))
                .collect()
        })
    }

    #[test]
    fn a_root_field_the_planner_does_not_know_is_left_alone_to_the_resolvers() {
        let mixed = known(
            "{ a: contributions(first: 2) { nodes { id } } consultations { nodes { title } } \
             b: contributions(first: 500) { nodes { id } } __typename }",
        );
        assert_eq!(
            mixed,
            Some(vec![
                ("a".into(), true),
                ("consultations".into(), false),
                ("b".into(), false),
                ("__typename".into(), true),
            ])
        );
        // No plan when it knows none, or when a root key is selected twice.
        assert_eq!(
            known("{ consultations { nodes { title } } viewer { id } }"),
            None
        );
        assert_eq!(
            known("{ contributions { nodes { id } } contributions { totalCount } }"),
            None
        );
    }

    #[test]
    fn what_the_planner_does_not_know_is_left_to_the_resolvers() {
        for query in [
            // A field or an argument it does not know.
            "{ contributions { nodes { meeting { title } } } }",
            "{ contributions { nodes { title(language: \"fr\") } } }",
            "{ consultations { nodes { title } } }",
            // A response key twice; the nodes read twice.
            "{ contributions { nodes { id id } } }",
            "{ contributions { nodes { id } edges { node { id } } } }",
            // Arguments the resolvers refuse (they say why).
            "{ contributions(first: 500) { nodes { id } } }",
            "{ contributions(after: \"garbage\") { nodes { id } } }",
            "{ contribution(id: \"bad\") { id } }",
            // Another type's ID: the resolvers find it.
            "{ node(id: \"U3Rha2Vob2xkZXI6MQ\") { id } }",
            // Not a query.
            "mutation { logout { ok } }",
            "{ contributions { nodes { id @deprecated } } }",
        ] {
            assert!(!planned(query, serde_json::json!({})), "{query}");
        }
    }
}
