//! The planner: which fields of an operation a plan knows, and their arguments.

use super::*;
use crate::graphql::order::{ContributionOrder, PolicyIssueOrder, RevisionOrder, StakeholderOrder};
use crate::graphql::selection::Walk;
use crate::graphql::types::{ContributionFilter, StakeholderFilter};
use crate::ids::{GlobalId, NodeType};
use crate::paging::{Order, PageArgs};
use async_graphql::InputType;
use async_graphql::parser::types::{Field, OperationType, SelectionSet};

/// The plan of `prepared`'s operation, when it is a query and the planner knows at
/// least one of its root fields; `None` sends it whole to the resolvers. A root field it
/// does not know, whole, is left to them ([`Plan::is_whole`]).
pub fn plan(prepared: &crate::graphql::prepared::Prepared) -> Option<Plan> {
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
        roots.push((key, p.root(field, spreads)));
    }
    roots
        .iter()
        .any(|(_, root)| root.is_some())
        .then_some(Plan { roots })
}

/// Builds plans from one walk.
struct Planner<'a> {
    walk: Walk<'a>,
}

type Collected<'a> = Vec<(Name, &'a str, &'a Field, usize)>;

impl<'a> Planner<'a> {
    /// A root field's plan; `None` leaves it to the resolvers.
    fn root(&self, field: &'a Field, spreads: usize) -> Option<Root> {
        let p = self;
        Some(match field.name.node.as_str() {
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
        })
    }

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
        self.paging(field, spreads, order.map(Into::into).unwrap_or_default())
    }

    /// The paging of a connection field in `order` (`args::page` for one without
    /// `orderBy`: the default order).
    fn paging(&self, field: &'a Field, spreads: usize, order: Order) -> Option<Page> {
        let args = PageArgs {
            first: self.arg(field, "first")?,
            after: self.arg(field, "after")?,
            last: self.arg(field, "last")?,
            before: self.arg(field, "before")?,
        };
        let mut page = Page::parse(&args, order).ok()?;
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

    /// The fields `set` selects on an object of type `object` (fields on it or on
    /// `Node`; those in a fragment on another type of `node(id:)` do not apply), each
    /// planned by `plan` from its name, the field and the spreads followed; `None` when
    /// one is not known. A field that `plan` says takes no arguments must have none.
    fn object<F>(
        &self,
        set: &'a SelectionSet,
        spreads: usize,
        object: &str,
        plan: impl Fn(&str, &'a Field, usize) -> Option<(F, Arguments)>,
    ) -> Option<Vec<(Name, F)>> {
        let mut fields = Vec::new();
        for (key, on, f, n) in self.collect(set, spreads)? {
            if !applies(on, object)? {
                continue;
            }
            let (planned, arguments) = plan(f.name.node.as_str(), f, n)?;
            if arguments == Arguments::None {
                Self::bare(f)?;
            }
            fields.push((key, planned));
        }
        Some(fields)
    }

    /// What is selected on a contribution.
    fn contribution(&self, set: &'a SelectionSet, spreads: usize) -> Option<ContributionSel> {
        let fields = self.object(set, spreads, "Contribution", |name, f, n| {
            let scalar = |field| Some((field, Arguments::None));
            match name {
                "__typename" => scalar(CField::Typename),
                "id" => scalar(CField::Id),
                "version" => scalar(CField::Version),
                "kind" => scalar(CField::Kind),
                "status" => scalar(CField::Status),
                "visibility" => scalar(CField::Visibility),
                "title" => scalar(CField::Title),
                "language" => scalar(CField::Language),
                "body" => scalar(CField::Body),
                "attributed" => scalar(CField::Attributed),
                "embargoed" => scalar(CField::Embargoed),
                "onBehalfOfGroup" => scalar(CField::OnBehalfOfGroup),
                "withdrawnReason" => scalar(CField::WithdrawnReason),
                "submittedAt" => scalar(CField::SubmittedAt),
                "publishedAt" => scalar(CField::PublishedAt),
                "createdAt" => scalar(CField::CreatedAt),
                "updatedAt" => scalar(CField::UpdatedAt),
                "group" => scalar(CField::Group),
                "stakeholder" => scalar(CField::Stakeholder(
                    self.stakeholder(&f.selection_set.node, n)?,
                )),
                "revisions" => {
                    let page = self.page::<RevisionOrder>(f, n)?;
                    let conn = self.conn(
                        f,
                        n,
                        "ContributionRevisionConnection",
                        "ContributionRevisionEdge",
                        |s, set, n| s.revision(set, n),
                    )?;
                    let conn = Box::new(conn);
                    Some((CField::Revisions { page, conn }, Arguments::Paging))
                }
                "issues" => {
                    let page = self.page::<PolicyIssueOrder>(f, n)?;
                    let conn = self.conn(
                        f,
                        n,
                        "PolicyIssueConnection",
                        "PolicyIssueEdge",
                        |s, set, n| s.issue(set, n),
                    )?;
                    let conn = Box::new(conn);
                    Some((CField::Issues { page, conn }, Arguments::Paging))
                }
                "attachments" => scalar(CField::Attachments(
                    self.attachment(&f.selection_set.node, n)?,
                )),
                "mechanisms" => {
                    let page = self.paging(f, n, Order::default())?;
                    let conn = self.conn(
                        f,
                        n,
                        "MechanismStanceConnection",
                        "MechanismStanceEdge",
                        |s, set, n| s.stance(set, n),
                    )?;
                    let conn = Box::new(conn);
                    Some((CField::Mechanisms { page, conn }, Arguments::Paging))
                }
                _ => None,
            }
        })?;
        Some(ContributionSel { fields })
    }

    /// What is selected on a revision.
    fn revision(&self, set: &'a SelectionSet, spreads: usize) -> Option<RevisionSel> {
        let fields = self.object(set, spreads, "ContributionRevision", |name, _, _| {
            let field = match name {
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
            Some((field, Arguments::None))
        })?;
        Some(RevisionSel { fields })
    }

    /// What is selected on a document.
    fn attachment(&self, set: &'a SelectionSet, spreads: usize) -> Option<AttachmentSel> {
        let fields = self.object(set, spreads, "Attachment", |name, _, _| {
            let field = match name {
                "__typename" => AField::Typename,
                "id" => AField::Id,
                "name" => AField::Name,
                "contentType" => AField::ContentType,
                "size" => AField::Size,
                "sha256" => AField::Sha256,
                "url" => AField::Url,
                "textExtracted" => AField::TextExtracted,
                "createdAt" => AField::CreatedAt,
                _ => return None,
            };
            Some((field, Arguments::None))
        })?;
        Some(AttachmentSel { fields })
    }

    /// What is selected on a policy issue.
    fn issue(&self, set: &'a SelectionSet, spreads: usize) -> Option<IssueSel> {
        let fields = self.object(set, spreads, "PolicyIssue", |name, _, _| {
            let field = match name {
                "__typename" => IField::Typename,
                "id" => IField::Id,
                "version" => IField::Version,
                "slug" => IField::Slug,
                "title" => IField::Title,
                "description" => IField::Description,
                "area" => IField::Area,
                "onWsisList" => IField::OnWsisList,
                _ => return None,
            };
            Some((field, Arguments::None))
        })?;
        Some(IssueSel { fields })
    }

    /// What is selected on a mechanism a contribution discusses, with its stance.
    fn stance(&self, set: &'a SelectionSet, spreads: usize) -> Option<StanceSel> {
        let fields = self.object(set, spreads, "MechanismStance", |name, f, n| {
            let field = match name {
                "__typename" => XField::Typename,
                "stance" => XField::Stance,
                "mechanism" => XField::Mechanism(self.mechanism(&f.selection_set.node, n)?),
                _ => return None,
            };
            Some((field, Arguments::None))
        })?;
        Some(StanceSel { fields })
    }

    /// What is selected on a mechanism.
    fn mechanism(&self, set: &'a SelectionSet, spreads: usize) -> Option<MechanismSel> {
        let fields = self.object(set, spreads, "Mechanism", |name, _, _| {
            let field = match name {
                "__typename" => MField::Typename,
                "id" => MField::Id,
                "version" => MField::Version,
                "name" => MField::Name,
                "acronym" => MField::Acronym,
                "kind" => MField::Kind,
                "scope" => MField::Scope,
                "status" => MField::Status,
                "established" => MField::Established,
                "description" => MField::Description,
                _ => return None,
            };
            Some((field, Arguments::None))
        })?;
        Some(MechanismSel { fields })
    }

    /// What is selected on a stakeholder.
    fn stakeholder(&self, set: &'a SelectionSet, spreads: usize) -> Option<StakeholderSel> {
        let fields = self.object(set, spreads, "Stakeholder", |name, f, n| {
            let field = match name {
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
                    let filter = Box::new(filter);
                    let conn = Box::new(conn);
                    return Some((
                        SField::Contributions { filter, page, conn },
                        Arguments::Paging,
                    ));
                }
                _ => return None,
            };
            Some((field, Arguments::None))
        })?;
        Some(StakeholderSel { fields })
    }
}

/// What arguments a planned field takes.
#[derive(PartialEq, Eq)]
enum Arguments {
    /// None: a field that has any is left to the resolvers.
    None,
    /// A connection's (read by [`Planner::page`] and its list's filter).
    Paging,
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
