//! Compiled reads: a query whose every root field the planner understands runs as a
//! plan instead of field by field.
//!
//! [`plan`] walks the prepared operation once (through fragments, `@skip`/`@include`
//! evaluated, with the same [`Walk`] as the limits and the cost) and, when it knows
//! every field selected, returns a [`Plan`]: per root field, the arguments already
//! parsed and the selection as a tree of known fields. [`Reads`], the schema's one
//! extension, runs the plan after async-graphql has validated the operation, in place
//! of the resolvers: each level's rows are read in one statement per field for all
//! its parents at once, with no loader wait between levels, and the JSON of the answer's
//! `data` is written directly, in the query's order (no `Value` tree, no reordering),
//! for the HTTP layer to send as it is.
//!
//! Architecture Invariant: a plan reads only through the same service functions the
//! resolvers call (`contributions::list`, `pages_by_parent`, `counts_by_parent`,
//! `by_ids`, `revisions_by_number`, `stakeholders::list`, `stakeholders::by_ids`) and
//! applies the same attribution rule ([`policy::sees_attribution`]): the read policy
//! stays in one place.
//!
//! Architecture Invariant: a plan answers only what it answers exactly as the resolvers
//! would. Anything else — a field or argument it does not know, a response key selected
//! twice, an argument the resolvers would refuse, a record not found, a database error
//! — and the whole operation runs through the resolvers instead, which give the error.
//! The differential tests (`tests/api/compiled.rs`) compare both paths' answers.

use super::context::RequestData;
use super::order::{ContributionOrder, RevisionOrder, StakeholderOrder};
use super::selection::Walk;
use super::types::{ContributionFilter, StakeholderFilter};
use crate::error::AppError;
use crate::ids::{GlobalId, NodeType};
use crate::paging::{Order, Page, PageArgs, Slice};
use crate::policy;
use crate::service::contributions::{self, Parent};
use crate::service::relations::{self, RevisionsOfContribution};
use crate::service::stakeholders;
use async_graphql::extensions::{Extension, ExtensionContext, ExtensionFactory, NextExecute};
use async_graphql::parser::types::{Field, OperationType, SelectionSet};
use async_graphql::resolver_utils::enum_value;
use async_graphql::{InputType, Name, Response, ScalarType, Value};
use entity::{contribution, contribution_revision, stakeholder};
use std::collections::{HashMap, HashSet};
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

/// A query the planner understood whole.
pub struct Plan {
    roots: Vec<(Name, Root)>,
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

/// The plan of `prepared`'s operation, when it is a query whose every field the
/// planner knows; `None` sends it to the resolvers.
pub fn plan(prepared: &super::prepared::Prepared) -> Option<Plan> {
    let (walk, op) = prepared.walk()?;
    if op.ty != OperationType::Query {
        return None;
    }
    let p = Planner { walk };
    let mut roots = Vec::new();
    for (key, on, field, spreads) in p.collect(&op.selection_set.node, 0)? {
        if !matches!(on, "" | "Query") {
            return None;
        }
        let root = match field.name.node.as_str() {
            "__typename" => Root::Typename,
            "contributions" => {
                let (filter, page) = p.contribution_list(field, spreads)?;
                Root::Contributions {
                    filter: Box::new(filter),
                    page,
                    conn: p.conn(
                        field,
                        spreads,
                        "ContributionConnection",
                        "ContributionEdge",
                        |s, set, n| s.contribution(set, n),
                    )?,
                }
            }
            "stakeholders" => {
                let filter = p
                    .arg::<Option<StakeholderFilter>>(field, "filter")?
                    .unwrap_or_default();
                let page = p.page::<StakeholderOrder>(field, spreads)?;
                Root::Stakeholders {
                    filter: stakeholders::StakeholderFilter {
                        groups: filter.groups,
                        search: filter.search,
                    },
                    page,
                    conn: p.conn(
                        field,
                        spreads,
                        "StakeholderConnection",
                        "StakeholderEdge",
                        |s, set, n| s.stakeholder(set, n),
                    )?,
                }
            }
            "contribution" | "node" => {
                let id = p.arg::<async_graphql::ID>(field, "id")?;
                let gid = GlobalId::decode(&id).ok()?;
                if gid.node_type != NodeType::Contribution {
                    return None;
                }
                Root::Contribution {
                    id: gid.id,
                    node: p.contribution(&field.selection_set.node, spreads)?,
                }
            }
            _ => return None,
        };
        roots.push((key, root));
    }
    Some(Plan { roots })
}

/// Builds plans from one walk.
struct Planner<'a> {
    walk: Walk<'a>,
}

type Collected<'a> = Vec<(Name, &'a str, &'a Field, usize)>;

impl<'a> Planner<'a> {
    /// The fields `set` selects, with their response keys, the type each is selected on
    /// and the spreads followed; `None` when a response key comes twice (the spec
    /// merges those; the resolvers do it) or a field carries a directive other than
    /// `@skip`/`@include`.
    fn collect(&self, set: &'a SelectionSet, spreads: usize) -> Option<Collected<'a>> {
        let mut out: Collected<'a> = Vec::new();
        let mut ok = true;
        self.walk.fields("", set, spreads, &mut |met| {
            let key = met.field.response_key().node.clone();
            if out.iter().any(|(k, ..)| *k == key)
                || met
                    .field
                    .directives
                    .iter()
                    .any(|d| !matches!(d.node.name.node.as_str(), "skip" | "include"))
            {
                ok = false;
            }
            out.push((key, met.on, met.field, met.spreads));
        });
        ok.then_some(out)
    }

    /// An argument, parsed as the resolver's parameter is; `None` when it does not parse.
    fn arg<T: InputType>(&self, field: &Field, name: &str) -> Option<T> {
        T::parse(self.walk.argument(field, name)).ok()
    }

    /// Whether a field has no arguments (the fields the planner knows without any).
    fn bare(field: &Field) -> Option<()> {
        field.arguments.is_empty().then_some(())
    }

    /// A connection field's paging, as `args::page_by` reads it.
    fn page<O: InputType + Into<Order>>(&self, field: &'a Field, spreads: usize) -> Option<Page> {
        let order = self.arg::<Option<O>>(field, "orderBy")?;
        let args = PageArgs {
            first: self.arg(field, "first")?,
            after: self.arg(field, "after")?,
            last: self.arg(field, "last")?,
            before: self.arg(field, "before")?,
        };
        let mut page = Page::parse(&args, order.map(Into::into).unwrap_or_default()).ok()?;
        // As `ctx.look_ahead().field("pageInfo").exists()`.
        page.far_side = self
            .collect(&field.selection_set.node, spreads)?
            .iter()
            .any(|(_, _, f, _)| f.name.node == "pageInfo");
        Some(page)
    }

    /// A list of contributions' filter and paging.
    fn contribution_list(
        &self,
        field: &'a Field,
        spreads: usize,
    ) -> Option<(contributions::ContributionFilter, Page)> {
        let filter = self
            .arg::<Option<ContributionFilter>>(field, "filter")?
            .unwrap_or_default()
            .parse()
            .ok()?;
        Some((filter, self.page::<ContributionOrder>(field, spreads)?))
    }

    /// A connection's selection.
    fn conn<N>(
        &self,
        field: &'a Field,
        spreads: usize,
        conn_type: &'static str,
        edge_type: &'static str,
        node: impl Fn(&Self, &'a SelectionSet, usize) -> Option<N>,
    ) -> Option<Conn<N>> {
        let mut fields = Vec::new();
        for (key, on, f, n) in self.collect(&field.selection_set.node, spreads)? {
            if !on.is_empty() && on != conn_type {
                return None;
            }
            let set = &f.selection_set.node;
            let planned = match f.name.node.as_str() {
                "__typename" => ConnField::Typename(conn_type),
                "totalCount" => ConnField::TotalCount,
                "nodes" => ConnField::Nodes(node(self, set, n)?),
                "pageInfo" => {
                    let mut info = Vec::new();
                    for (key, on, f, _) in self.collect(set, n)? {
                        if !matches!(on, "" | "PageInfo") {
                            return None;
                        }
                        info.push((
                            key,
                            match f.name.node.as_str() {
                                "__typename" => PageInfoField::Typename,
                                "hasPreviousPage" => PageInfoField::HasPreviousPage,
                                "hasNextPage" => PageInfoField::HasNextPage,
                                "startCursor" => PageInfoField::StartCursor,
                                "endCursor" => PageInfoField::EndCursor,
                                _ => return None,
                            },
                        ));
                    }
                    ConnField::PageInfo(info)
                }
                "edges" => {
                    let mut edge = Vec::new();
                    for (key, on, f, m) in self.collect(set, n)? {
                        if !on.is_empty() && on != edge_type {
                            return None;
                        }
                        edge.push((
                            key,
                            match f.name.node.as_str() {
                                "__typename" => EdgeField::Typename(edge_type),
                                "cursor" => EdgeField::Cursor,
                                "node" => EdgeField::Node(node(self, &f.selection_set.node, m)?),
                                _ => return None,
                            },
                        ));
                    }
                    ConnField::Edges(edge)
                }
                _ => return None,
            };
            if !matches!(planned, ConnField::Nodes(_) | ConnField::Edges(_)) {
                Self::bare(f)?;
            }
            fields.push((key, planned));
        }
        // The nodes are read once: `nodes` and `edges { node }` together are left to
        // the resolvers.
        let conn = Conn { fields };
        let readers = conn
            .fields
            .iter()
            .filter(|(_, f)| match f {
                ConnField::Nodes(_) => true,
                ConnField::Edges(edge) => edge.iter().any(|(_, e)| matches!(e, EdgeField::Node(_))),
                _ => false,
            })
            .count();
        (readers <= 1).then_some(conn)
    }

    /// What is selected on a contribution (fields on `Contribution` or `Node`; others,
    /// in a fragment on another type of `node(id:)`, do not apply).
    fn contribution(&self, set: &'a SelectionSet, spreads: usize) -> Option<ContributionSel> {
        let mut fields = Vec::new();
        for (key, on, f, n) in self.collect(set, spreads)? {
            if !applies(on, "Contribution")? {
                continue;
            }
            let planned = match f.name.node.as_str() {
                "__typename" => CField::Typename,
                "id" => CField::Id,
                "version" => CField::Version,
                "kind" => CField::Kind,
                "status" => CField::Status,
                "visibility" => CField::Visibility,
                "title" => CField::Title,
                "language" => CField::Language,
                "body" => CField::Body,
                "attributed" => CField::Attributed,
                "embargoed" => CField::Embargoed,
                "onBehalfOfGroup" => CField::OnBehalfOfGroup,
                "withdrawnReason" => CField::WithdrawnReason,
                "submittedAt" => CField::SubmittedAt,
                "publishedAt" => CField::PublishedAt,
                "createdAt" => CField::CreatedAt,
                "updatedAt" => CField::UpdatedAt,
                "group" => CField::Group,
                "stakeholder" => CField::Stakeholder(self.stakeholder(&f.selection_set.node, n)?),
                "revisions" => {
                    let page = self.page::<RevisionOrder>(f, n)?;
                    let conn = self.conn(
                        f,
                        n,
                        "ContributionRevisionConnection",
                        "ContributionRevisionEdge",
                        |s, set, n| s.revision(set, n),
                    )?;
                    fields.push((
                        key,
                        CField::Revisions {
                            page,
                            conn: Box::new(conn),
                        },
                    ));
                    continue;
                }
                _ => return None,
            };
            Self::bare(f)?;
            fields.push((key, planned));
        }
        Some(ContributionSel { fields })
    }

    /// What is selected on a revision.
    fn revision(&self, set: &'a SelectionSet, spreads: usize) -> Option<RevisionSel> {
        let mut fields = Vec::new();
        for (key, on, f, _) in self.collect(set, spreads)? {
            if !applies(on, "ContributionRevision")? {
                continue;
            }
            let planned = match f.name.node.as_str() {
                "__typename" => RField::Typename,
                "id" => RField::Id,
                "number" => RField::Number,
                "title" => RField::Title,
                "body" => RField::Body,
                "language" => RField::Language,
                "contentHash" => RField::ContentHash,
                "createdAt" => RField::CreatedAt,
                _ => return None,
            };
            Self::bare(f)?;
            fields.push((key, planned));
        }
        Some(RevisionSel { fields })
    }

    /// What is selected on a stakeholder.
    fn stakeholder(&self, set: &'a SelectionSet, spreads: usize) -> Option<StakeholderSel> {
        let mut fields = Vec::new();
        for (key, on, f, n) in self.collect(set, spreads)? {
            if !applies(on, "Stakeholder")? {
                continue;
            }
            let planned = match f.name.node.as_str() {
                "__typename" => SField::Typename,
                "id" => SField::Id,
                "version" => SField::Version,
                "name" => SField::Name,
                "acronym" => SField::Acronym,
                "group" => SField::Group,
                "accreditation" => SField::Accreditation,
                "countryCode" => SField::CountryCode,
                "regionalGroup" => SField::RegionalGroup,
                "website" => SField::Website,
                "createdAt" => SField::CreatedAt,
                "updatedAt" => SField::UpdatedAt,
                "contributions" => {
                    let (filter, page) = self.contribution_list(f, n)?;
                    let conn = self.conn(
                        f,
                        n,
                        "ContributionConnection",
                        "ContributionEdge",
                        |s, set, n| s.contribution(set, n),
                    )?;
                    fields.push((
                        key,
                        SField::Contributions {
                            filter: Box::new(filter),
                            page,
                            conn: Box::new(conn),
                        },
                    ));
                    continue;
                }
                _ => return None,
            };
            Self::bare(f)?;
            fields.push((key, planned));
        }
        Some(StakeholderSel { fields })
    }
}

/// The object types of the `Node` interface: in a fragment on one of them, a selection
/// on an object of another type does not apply.
const NODE_TYPES: &[&str] = &[
    "Stakeholder",
    "Consultation",
    "Meeting",
    "Contribution",
    "ContributionRevision",
    "PolicyIssue",
    "Mechanism",
    "Document",
    "Account",
    "ApiClient",
    "AuditEvent",
    "ContributionTombstone",
    "Report",
    "ReportSection",
    "ReportParagraph",
    "ContributionTranslation",
    "Webhook",
    "WebhookDelivery",
];

/// Whether a field selected on `on` (`""`: directly) applies to an object of type
/// `object`; `None` for a type condition the planner does not know.
fn applies(on: &str, object: &str) -> Option<bool> {
    if on.is_empty() || on == object || on == "Node" {
        Some(true)
    } else if NODE_TYPES.contains(&on) {
        Some(false)
    } else {
        None
    }
}

/// Why a plan gives way to the resolvers: they will say what is wrong, or do what the
/// plan does not.
#[derive(Debug)]
struct GiveWay;

impl From<AppError> for GiveWay {
    fn from(_: AppError) -> GiveWay {
        GiveWay
    }
}

type Run<'a, T> = Pin<Box<dyn Future<Output = Result<T, GiveWay>> + Send + 'a>>;

/// The JSON of a node or a nested connection, written before its parent is.
type Piece = Vec<u8>;

/// JSON text being written: what `serde_json` writes for the same `async_graphql::Value`
/// (compact; strings escaped by `serde_json` itself), so the answer is the resolvers',
/// byte for byte.
struct Json(Vec<u8>);

impl Json {
    fn with_capacity(n: usize) -> Json {
        Json(Vec::with_capacity(n))
    }

    /// Opens an object.
    fn open(&mut self) {
        self.0.push(b'{');
    }

    /// Closes an object.
    fn close(&mut self) {
        self.0.push(b'}');
    }

    /// Writes a key (a GraphQL name: no character to escape) and its colon, after a
    /// comma unless it is the object's first.
    fn key(&mut self, first: bool, key: &str) {
        if !first {
            self.0.push(b',');
        }
        self.0.push(b'"');
        self.0.extend_from_slice(key.as_bytes());
        self.0.extend_from_slice(b"\":");
    }

    fn raw(&mut self, text: &[u8]) {
        self.0.extend_from_slice(text);
    }

    fn str(&mut self, text: &str) {
        // Writing to a Vec cannot fail, nor can serialising a str.
        let _ = serde_json::to_writer(&mut self.0, text);
    }

    fn opt_str(&mut self, text: Option<&str>) {
        match text {
            Some(text) => self.str(text),
            None => self.null(),
        }
    }

    fn null(&mut self) {
        self.0.extend_from_slice(b"null");
    }

    fn bool(&mut self, b: bool) {
        self.0.extend_from_slice(if b { b"true" } else { b"false" });
    }

    fn int(&mut self, n: i64) {
        let _ = std::io::Write::write_fmt(&mut self.0, format_args!("{n}"));
    }

    /// A moment, as the `DateTime` scalar writes it.
    fn moment(&mut self, at: Option<&chrono::DateTime<chrono::Utc>>) {
        match at.map(ScalarType::to_value) {
            Some(Value::String(text)) => self.str(&text),
            _ => self.null(),
        }
    }

    /// An enum value, by its GraphQL name.
    fn enumeration<T: async_graphql::EnumType>(&mut self, value: T) {
        match enum_value(value) {
            Value::Enum(name) => self.str(name.as_str()),
            _ => self.null(),
        }
    }

    fn opt_enumeration<T: async_graphql::EnumType>(&mut self, value: Option<T>) {
        match value {
            Some(value) => self.enumeration(value),
            None => self.null(),
        }
    }

    /// The bytes written: a nested piece, copied into its parent as it is.
    fn into_piece(self) -> Piece {
        self.0
    }

    /// The whole text (checked as UTF-8 once, here: every piece is serde_json's output
    /// or a GraphQL name).
    fn into_string(self) -> Result<String, GiveWay> {
        String::from_utf8(self.0).map_err(|_| GiveWay)
    }
}

impl Plan {
    /// Runs the plan for the request: the JSON of the answer's `data`; `Err` gives way
    /// to the resolvers.
    async fn run(&self, rd: &RequestData) -> Result<String, GiveWay> {
        policy::may_use_api(&rd.viewer, rd.auth.anonymous_access)?;
        let mut out = Json::with_capacity(4096);
        out.open();
        for (i, (key, root)) in self.roots.iter().enumerate() {
            out.key(i == 0, key);
            match root {
                Root::Typename => out.str("Query"),
                Root::Contributions { filter, page, conn } => {
                    // The columns the nodes show, their stakeholders' in the same statement.
                    let columns = conn
                        .nodes()
                        .map(ContributionSel::columns)
                        .unwrap_or_default();
                    let listing =
                        contributions::list_narrow(&rd.db, &rd.viewer, filter, page, columns)
                            .await?;
                    let total = if conn.wants_total() {
                        Some(listing.counter.count().await?)
                    } else {
                        None
                    };
                    let (slice, holders) = split(listing.slice);
                    let nodes =
                        contributions_out(rd, &slice.items, Some(holders), conn.nodes()).await?;
                    conn.write(&mut out, &slice, total, &nodes);
                }
                Root::Stakeholders { filter, page, conn } => {
                    let listing = stakeholders::list(&rd.db, &rd.viewer, filter, page).await?;
                    let total = if conn.wants_total() {
                        Some(listing.counter.count().await?)
                    } else {
                        None
                    };
                    let nodes = stakeholders_out(rd, &listing.slice.items, conn.nodes()).await?;
                    conn.write(&mut out, &listing.slice, total, &nodes);
                }
                Root::Contribution { id, node } => {
                    let mut found =
                        contributions::by_ids_narrow(&rd.db, &rd.viewer, &[*id], node.columns())
                            .await?;
                    // Not found is an error the resolvers give.
                    let row = found.remove(id).ok_or(GiveWay)?;
                    let holders = row.stakeholder.map(|s| (s.id, s)).into_iter().collect();
                    let written = contributions_out(
                        rd,
                        std::slice::from_ref(&row.contribution),
                        Some(holders),
                        Some(node),
                    )
                    .await?;
                    out.raw(written.first().ok_or(GiveWay)?);
                }
            }
        }
        out.close();
        out.into_string()
    }
}

impl<N> Conn<N> {
    fn wants_total(&self) -> bool {
        self.fields
            .iter()
            .any(|(_, f)| matches!(f, ConnField::TotalCount))
    }

    /// The node selection, when the nodes are read at all (by `nodes` or `edges.node`;
    /// the planner reads them once, so both must select alike: it gives way otherwise).
    fn nodes(&self) -> Option<&N> {
        self.fields.iter().find_map(|(_, f)| match f {
            ConnField::Nodes(n) => Some(n),
            ConnField::Edges(edge) => edge.iter().find_map(|(_, e)| match e {
                EdgeField::Node(n) => Some(n),
                _ => None,
            }),
            _ => None,
        })
    }

    /// Writes the connection, its nodes already written (`nodes`, one per item when
    /// they are selected).
    fn write<M>(&self, out: &mut Json, slice: &Slice<M>, total: Option<u64>, nodes: &[Piece]) {
        let node = |i: usize| nodes.get(i).map_or(&b"null"[..], Vec::as_slice);
        out.open();
        for (i, (key, field)) in self.fields.iter().enumerate() {
            out.key(i == 0, key);
            match field {
                ConnField::Typename(name) => out.str(name),
                ConnField::TotalCount => {
                    out.int(i64::from(
                        i32::try_from(total.unwrap_or(0)).unwrap_or(i32::MAX),
                    ));
                }
                ConnField::PageInfo(info) => {
                    out.open();
                    for (j, (key, f)) in info.iter().enumerate() {
                        out.key(j == 0, key);
                        match f {
                            PageInfoField::Typename => out.str("PageInfo"),
                            PageInfoField::HasPreviousPage => out.bool(slice.has_previous),
                            PageInfoField::HasNextPage => out.bool(slice.has_next),
                            PageInfoField::StartCursor => {
                                out.opt_str(slice.cursors.first().map(String::as_str))
                            }
                            PageInfoField::EndCursor => {
                                out.opt_str(slice.cursors.last().map(String::as_str))
                            }
                        }
                    }
                    out.close();
                }
                ConnField::Nodes(_) => {
                    out.raw(b"[");
                    for i in 0..slice.cursors.len() {
                        if i > 0 {
                            out.raw(b",");
                        }
                        out.raw(node(i));
                    }
                    out.raw(b"]");
                }
                ConnField::Edges(edge) => {
                    out.raw(b"[");
                    for (i, cursor) in slice.cursors.iter().enumerate() {
                        if i > 0 {
                            out.raw(b",");
                        }
                        out.open();
                        for (j, (key, f)) in edge.iter().enumerate() {
                            out.key(j == 0, key);
                            match f {
                                EdgeField::Typename(name) => out.str(name),
                                EdgeField::Cursor => out.str(cursor),
                                EdgeField::Node(_) => out.raw(node(i)),
                            }
                        }
                        out.close();
                    }
                    out.raw(b"]");
                }
            }
        }
        out.close();
    }
}

impl ContributionSel {
    /// Whether a selection of contributions reads their stakeholders, their bodies.
    fn needs(&self) -> (bool, bool) {
        let stakeholder = self
            .fields
            .iter()
            .any(|(_, f)| matches!(f, CField::Stakeholder(_) | CField::Group));
        let body = self.fields.iter().any(|(_, f)| matches!(f, CField::Body));
        (stakeholder, body)
    }

    /// The columns its fields show (those of its stakeholder included), for a narrow
    /// read.
    fn columns(&self) -> contributions::Columns {
        use contribution::Column as C;
        use stakeholder::Column as S;
        let mut columns = contributions::Columns::default();
        for (_, field) in &self.fields {
            match field {
                CField::Typename => {}
                CField::Id | CField::Revisions { .. } => columns.need(C::Id),
                CField::Version => columns.need(C::Version),
                CField::Kind => columns.need(C::Kind),
                CField::Status => columns.need(C::Status),
                CField::Visibility => columns.need(C::Visibility),
                CField::Title => columns.need(C::Title),
                CField::Language => columns.need(C::Language),
                CField::Body => columns.need(C::LatestRevision),
                CField::Attributed => columns.need(C::Attributed),
                CField::Embargoed => columns.need(C::Embargoed),
                CField::OnBehalfOfGroup => columns.need(C::OnBehalfOfGroup),
                CField::WithdrawnReason => columns.need(C::WithdrawnReason),
                CField::SubmittedAt => columns.need(C::SubmittedAt),
                CField::PublishedAt => columns.need(C::PublishedAt),
                CField::CreatedAt => columns.need(C::CreatedAt),
                CField::UpdatedAt => columns.need(C::UpdatedAt),
                CField::Group => columns.need_stakeholder(S::StakeholderGroup),
                CField::Stakeholder(sel) => {
                    // Whether the caller sees it is decided on these two.
                    columns.need(C::Attributed);
                    columns.need(C::StakeholderId);
                    columns.need_stakeholder(S::Id);
                    for (_, field) in &sel.fields {
                        match field {
                            SField::Typename | SField::Id | SField::Contributions { .. } => {}
                            SField::Version => columns.need_stakeholder(S::Version),
                            SField::Name => columns.need_stakeholder(S::Name),
                            SField::Acronym => columns.need_stakeholder(S::Acronym),
                            SField::Group => columns.need_stakeholder(S::StakeholderGroup),
                            SField::Accreditation => columns.need_stakeholder(S::Accreditation),
                            SField::CountryCode => columns.need_stakeholder(S::CountryCode),
                            SField::RegionalGroup => columns.need_stakeholder(S::RegionalGroup),
                            SField::Website => columns.need_stakeholder(S::Website),
                            SField::CreatedAt => columns.need_stakeholder(S::CreatedAt),
                            SField::UpdatedAt => columns.need_stakeholder(S::UpdatedAt),
                        }
                    }
                }
            }
        }
        columns
    }

    fn nested(&self) -> Option<&StakeholderSel> {
        self.fields.iter().find_map(|(_, f)| match f {
            CField::Stakeholder(s) => Some(s),
            _ => None,
        })
    }
}

/// The JSON of each of `models` under `sel`, in order (none when the nodes are not
/// read).
fn contributions_out<'a>(
    rd: &'a RequestData,
    models: &'a [contribution::Model],
    joined: Option<HashMap<i64, stakeholder::Model>>,
    sel: Option<&'a ContributionSel>,
) -> Run<'a, Vec<Piece>> {
    Box::pin(async move {
        let Some(sel) = sel else {
            return Ok(Vec::new());
        };
        let (needs_stakeholder, needs_body) = sel.needs();
        let mut holders = HashMap::new();
        let mut holder_json = HashMap::new();
        if needs_stakeholder && !models.is_empty() {
            let ids: Vec<i64> = distinct(models.iter().map(|m| m.stakeholder_id));
            holders = match joined {
                Some(joined) => joined,
                None => stakeholders::by_ids(&rd.db, &ids).await?,
            };
            if let Some(nested) = sel.nested() {
                // Only the stakeholders some contribution shows.
                let shown: HashSet<i64> = models
                    .iter()
                    .filter(|m| policy::sees_attribution(&rd.viewer, m))
                    .map(|m| m.stakeholder_id)
                    .collect();
                let rows: Vec<stakeholder::Model> = ids
                    .iter()
                    .filter(|id| shown.contains(id))
                    .filter_map(|id| holders.get(id).cloned())
                    .collect();
                let written = stakeholders_out(rd, &rows, Some(nested)).await?;
                holder_json = rows.iter().map(|r| r.id).zip(written).collect();
            }
        }
        // Each nested connection of revisions: its pages (and counts) for every
        // contribution at once.
        let ids: Vec<i64> = models.iter().map(|m| m.id).collect();
        let mut nested = Vec::new();
        for (_, field) in &sel.fields {
            if let CField::Revisions { page, conn } = field {
                nested.push(revisions_out(rd, &ids, page, conn).await?.into_iter());
            }
        }
        let mut bodies = HashMap::new();
        if needs_body && !models.is_empty() {
            let keys: Vec<(i64, i32)> = models.iter().map(|m| (m.id, m.latest_revision)).collect();
            bodies = contributions::revisions_by_number(&rd.db, &rd.viewer, &keys).await?;
        }
        let mut out = Vec::with_capacity(models.len());
        for m in models {
            let mut json = Json::with_capacity(64 * sel.fields.len());
            json.open();
            let mut nested_at = 0;
            for (i, (key, field)) in sel.fields.iter().enumerate() {
                json.key(i == 0, key);
                match field {
                    CField::Revisions { .. } => {
                        let written = nested[nested_at].next().ok_or(GiveWay)?;
                        nested_at += 1;
                        json.raw(&written);
                    }
                    CField::Typename => json.str("Contribution"),
                    CField::Id => json.str(&GlobalId::new(NodeType::Contribution, m.id).encode()),
                    CField::Version => json.int(m.version.into()),
                    CField::Kind => json.enumeration(m.kind),
                    CField::Status => json.enumeration(m.status),
                    CField::Visibility => json.enumeration(m.visibility),
                    CField::Title => json.str(&m.title),
                    CField::Language => json.str(&m.language),
                    CField::Body => {
                        json.str(&bodies.get(&(m.id, m.latest_revision)).ok_or(GiveWay)?.body)
                    }
                    CField::Attributed => json.bool(m.attributed),
                    CField::Embargoed => json.bool(m.embargoed),
                    CField::OnBehalfOfGroup => json.opt_enumeration(m.on_behalf_of_group),
                    CField::WithdrawnReason => json.opt_str(m.withdrawn_reason.as_deref()),
                    CField::SubmittedAt => json.moment(m.submitted_at.as_ref()),
                    CField::PublishedAt => json.moment(m.published_at.as_ref()),
                    CField::CreatedAt => json.moment(Some(&m.created_at)),
                    CField::UpdatedAt => json.moment(Some(&m.updated_at)),
                    CField::Group => json.enumeration(
                        holders
                            .get(&m.stakeholder_id)
                            .ok_or(GiveWay)?
                            .stakeholder_group,
                    ),
                    CField::Stakeholder(_) => {
                        if policy::sees_attribution(&rd.viewer, m) {
                            // A dangling reference is the resolvers' internal error.
                            let written = holder_json.get(&m.stakeholder_id).ok_or(GiveWay)?;
                            json.raw(written);
                        } else {
                            json.null();
                        }
                    }
                }
            }
            json.close();
            out.push(json.into_piece());
        }
        Ok(out)
    })
}

/// The revisions connection of each of `parents` (contribution ids), in order.
async fn revisions_out(
    rd: &RequestData,
    parents: &[i64],
    page: &Page,
    conn: &Conn<RevisionSel>,
) -> Result<Vec<Piece>, GiveWay> {
    if parents.is_empty() {
        return Ok(Vec::new());
    }
    let mut pages =
        relations::pages::<RevisionsOfContribution>(&rd.db, &rd.viewer, parents, page).await?;
    let counts = if conn.wants_total() {
        relations::counts::<RevisionsOfContribution>(&rd.db, &rd.viewer, parents).await?
    } else {
        HashMap::new()
    };
    Ok(parents
        .iter()
        .map(|id| {
            let slice = pages.remove(id).unwrap_or_else(Slice::empty);
            let nodes = match conn.nodes() {
                Some(sel) => slice.items.iter().map(|r| revision_json(r, sel)).collect(),
                None => Vec::new(),
            };
            let mut json = Json::with_capacity(256);
            conn.write(
                &mut json,
                &slice,
                Some(counts.get(id).copied().unwrap_or(0)),
                &nodes,
            );
            json.into_piece()
        })
        .collect())
}

fn revision_json(r: &contribution_revision::Model, sel: &RevisionSel) -> Piece {
    let mut json = Json::with_capacity(64 * sel.fields.len() + r.body.len());
    json.open();
    for (i, (key, field)) in sel.fields.iter().enumerate() {
        json.key(i == 0, key);
        match field {
            RField::Typename => json.str("ContributionRevision"),
            RField::Id => json.str(&GlobalId::new(NodeType::ContributionRevision, r.id).encode()),
            RField::Number => json.int(r.number.into()),
            RField::Title => json.str(&r.title),
            RField::Body => json.str(&r.body),
            RField::Language => json.str(&r.language),
            RField::ContentHash => json.str(&r.content_hash),
            RField::CreatedAt => json.moment(Some(&r.created_at)),
        }
    }
    json.close();
    json.into_piece()
}

/// The JSON of each of `models` under `sel`, in order.
fn stakeholders_out<'a>(
    rd: &'a RequestData,
    models: &'a [stakeholder::Model],
    sel: Option<&'a StakeholderSel>,
) -> Run<'a, Vec<Piece>> {
    Box::pin(async move {
        let Some(sel) = sel else {
            return Ok(Vec::new());
        };
        // Each nested connection: its pages (and counts) for every stakeholder at once,
        // then its nodes.
        let ids: Vec<i64> = models.iter().map(|m| m.id).collect();
        let mut nested = Vec::new();
        for (_, field) in &sel.fields {
            if let SField::Contributions { filter, page, conn } = field {
                let mut pages = if ids.is_empty() {
                    HashMap::new()
                } else {
                    contributions::pages_by_parent(
                        &rd.db,
                        &rd.viewer,
                        Parent::Stakeholder,
                        &ids,
                        filter,
                        page,
                    )
                    .await?
                };
                let counts = if conn.wants_total() && !ids.is_empty() {
                    contributions::counts_by_parent(
                        &rd.db,
                        &rd.viewer,
                        Parent::Stakeholder,
                        &ids,
                        filter,
                    )
                    .await?
                } else {
                    HashMap::new()
                };
                let slices: Vec<Slice<contribution::Model>> = ids
                    .iter()
                    .map(|id| pages.remove(id).unwrap_or_else(Slice::empty))
                    .collect();
                let all: Vec<contribution::Model> = slices
                    .iter()
                    .flat_map(|s| s.items.iter().cloned())
                    .collect();
                let mut nodes = contributions_out(rd, &all, None, conn.nodes())
                    .await?
                    .into_iter();
                let mut written = Vec::with_capacity(slices.len());
                for (slice, id) in slices.iter().zip(&ids) {
                    let mine: Vec<Piece> = if conn.nodes().is_some() {
                        nodes.by_ref().take(slice.items.len()).collect()
                    } else {
                        Vec::new()
                    };
                    let total = Some(counts.get(id).copied().unwrap_or(0));
                    let mut json = Json::with_capacity(256);
                    conn.write(&mut json, slice, total, &mine);
                    written.push(json.into_piece());
                }
                nested.push(written.into_iter());
            }
        }
        let mut out = Vec::with_capacity(models.len());
        for m in models {
            let mut json = Json::with_capacity(64 * sel.fields.len());
            json.open();
            let mut nested_at = 0;
            for (i, (key, field)) in sel.fields.iter().enumerate() {
                json.key(i == 0, key);
                match field {
                    SField::Typename => json.str("Stakeholder"),
                    SField::Id => json.str(&GlobalId::new(NodeType::Stakeholder, m.id).encode()),
                    SField::Version => json.int(m.version.into()),
                    SField::Name => json.str(&m.name),
                    SField::Acronym => json.opt_str(m.acronym.as_deref()),
                    SField::Group => json.enumeration(m.stakeholder_group),
                    SField::Accreditation => json.enumeration(m.accreditation),
                    SField::CountryCode => json.opt_str(m.country_code.as_deref()),
                    SField::RegionalGroup => json.opt_enumeration(m.regional_group),
                    SField::Website => json.opt_str(m.website.as_deref()),
                    SField::CreatedAt => json.moment(Some(&m.created_at)),
                    SField::UpdatedAt => json.moment(Some(&m.updated_at)),
                    SField::Contributions { .. } => {
                        let written = nested[nested_at].next().ok_or(GiveWay)?;
                        nested_at += 1;
                        json.raw(&written);
                    }
                }
            }
            json.close();
            out.push(json.into_piece());
        }
        Ok(out)
    })
}

/// A page of contributions read with their stakeholders: the page of contributions,
/// and the stakeholders by id.
fn split(
    slice: Slice<contributions::WithStakeholder>,
) -> (Slice<contribution::Model>, HashMap<i64, stakeholder::Model>) {
    let Slice {
        items,
        cursors,
        has_previous,
        has_next,
    } = slice;
    let mut holders = HashMap::new();
    let mut models = Vec::with_capacity(items.len());
    for row in items {
        if let Some(holder) = row.stakeholder {
            holders.insert(holder.id, holder);
        }
        models.push(row.contribution);
    }
    (
        Slice {
            items: models,
            cursors,
            has_previous,
            has_next,
        },
        holders,
    )
}

/// The distinct values, in first-seen order.
fn distinct(ids: impl Iterator<Item = i64>) -> Vec<i64> {
    let mut seen = HashSet::new();
    ids.filter(|id| seen.insert(*id)).collect()
}

/// A plan handed to the executor with its request (see [`Reads`]), and where the JSON
/// of the answer's `data` is left when the plan ran.
pub struct Planned {
    plan: Plan,
    written: Arc<std::sync::Mutex<Option<String>>>,
}

impl Planned {
    /// The plan, and the slot its answer will be found in (see [`Written`]).
    pub fn new(plan: Plan) -> (Planned, Written) {
        let written = Arc::new(std::sync::Mutex::new(None));
        (
            Planned {
                plan,
                written: written.clone(),
            },
            Written(written),
        )
    }
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
        if let (Some(planned), Some(rd)) =
            (ctx.data_opt::<Planned>(), ctx.data_opt::<RequestData>())
        {
            let roots = planned.plan.roots.len();
            match planned.plan.run(rd).await {
                Ok(data) => {
                    if let Ok(mut slot) = planned.written.lock() {
                        *slot = Some(data);
                        crate::metrics::global().root_fields("compiled", roots);
                        return Response::new(Value::Null);
                    }
                }
                Err(GiveWay) => crate::metrics::global().root_fields("fallback", roots),
            }
        }
        next.run(ctx, operation_name).await
    }
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
            "query($c: String, $yes: Boolean!) { contributions(first: 5, after: $c) { edges { cursor node { ...F } } pageInfo { hasNextPage } } } fragment F on Contribution { id body @include(if: $yes) }",
        ] {
            assert!(
                planned(query, serde_json::json!({ "yes": true })),
                "{query}"
            );
        }
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
