//! Running a plan: each level's rows for all its parents, then its JSON.

use super::json::{Json, Piece};
use super::*;
use crate::error::AppError;
use crate::ids::{GlobalId, NodeType};
use crate::paging::Slice;
use crate::policy;
use crate::service::contributions::Parent;
use crate::service::relations::{
    self, Child, IssuesOfContribution, MechanismsOfContribution, Relation, RevisionsOfContribution,
};
use entity::{contribution, contribution_revision, mechanism, policy_issue, stakeholder};
use std::collections::{HashMap, HashSet};
use std::future::Future;
use std::pin::Pin;

/// Why a plan gives way to the resolvers: they will say what is wrong, or do what the
/// plan does not.
#[derive(Debug)]
pub(super) struct GiveWay;

impl From<AppError> for GiveWay {
    fn from(_: AppError) -> GiveWay {
        GiveWay
    }
}

type Run<'a, T> = Pin<Box<dyn Future<Output = Result<T, GiveWay>> + Send + 'a>>;

impl Plan {
    /// Runs a whole plan for the request: the JSON of the answer's `data`; `Err` gives
    /// way to the resolvers (as does a plan that leaves a root field to them).
    pub(super) async fn run(&self, rd: &RequestData) -> Result<String, GiveWay> {
        policy::may_use_api(&rd.viewer, rd.auth.anonymous_access)?;
        let mut out = Json::with_capacity(4096);
        out.open();
        for (i, (key, root)) in self.roots.iter().enumerate() {
            out.key(i == 0, key);
            write_root(rd, root.as_ref().ok_or(GiveWay)?, &mut out).await?;
        }
        out.close();
        out.into_string()
    }

    /// Runs the root fields the plan knows, each to its value, by response key (for the
    /// executor to answer with while it resolves the others); `Err` gives way to the
    /// resolvers for the whole operation.
    pub(super) async fn run_known(
        &self,
        rd: &RequestData,
    ) -> Result<HashMap<Name, async_graphql::Value>, GiveWay> {
        policy::may_use_api(&rd.viewer, rd.auth.anonymous_access)?;
        let mut values = HashMap::new();
        for (key, root) in &self.roots {
            let Some(root) = root else { continue };
            let mut out = Json::with_capacity(1024);
            write_root(rd, root, &mut out).await?;
            // The value the resolvers would give: the JSON's object keys in order.
            let value = serde_json::from_str(&out.into_string()?).map_err(|_| GiveWay)?;
            values.insert(key.clone(), value);
        }
        Ok(values)
    }
}

/// Writes one root field's value.
async fn write_root(rd: &RequestData, root: &Root, out: &mut Json) -> Result<(), GiveWay> {
    match root {
        Root::Typename => out.str("Query"),
        Root::Contributions { filter, page, conn } => {
            // The columns the nodes show, their stakeholders' in the same statement.
            let columns = conn
                .nodes()
                .map(ContributionSel::columns)
                .unwrap_or_default();
            let listing =
                contributions::list_narrow(&rd.db, &rd.viewer, filter, page, columns).await?;
            let total = if conn.wants_total() {
                Some(listing.counter.count().await?)
            } else {
                None
            };
            let (slice, holders) = split(listing.slice);
            let nodes = contributions_out(rd, &slice.items, holders, conn.nodes()).await?;
            conn.write(out, &slice, total, &nodes);
        }
        Root::Stakeholders { filter, page, conn } => {
            let listing = stakeholders::list(&rd.db, &rd.viewer, filter, page).await?;
            let total = if conn.wants_total() {
                Some(listing.counter.count().await?)
            } else {
                None
            };
            let nodes = stakeholders_out(rd, &listing.slice.items, conn.nodes()).await?;
            conn.write(out, &listing.slice, total, &nodes);
        }
        Root::Contribution { id, node } => {
            let mut found =
                contributions::by_ids_narrow(&rd.db, &rd.viewer, &[*id], node.columns()).await?;
            // Not found is an error the resolvers give.
            let row = found.remove(id).ok_or(GiveWay)?;
            let holders = row.stakeholder.map(|s| (s.id, s)).into_iter().collect();
            let written = contributions_out(
                rd,
                std::slice::from_ref(&row.contribution),
                holders,
                Some(node),
            )
            .await?;
            out.raw(written.first().ok_or(GiveWay)?);
        }
    }
    Ok(())
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
                CField::Id
                | CField::Revisions { .. }
                | CField::Issues { .. }
                | CField::Mechanisms { .. } => columns.need(C::Id),
                CField::Attachments(_) => {
                    columns.need(C::Id);
                    columns.need(C::LatestRevision);
                }
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
/// read); `holders` are their stakeholders, read with them when `sel` shows any.
fn contributions_out<'a>(
    rd: &'a RequestData,
    models: &'a [contribution::Model],
    holders: HashMap<i64, stakeholder::Model>,
    sel: Option<&'a ContributionSel>,
) -> Run<'a, Vec<Piece>> {
    Box::pin(async move {
        let Some(sel) = sel else {
            return Ok(Vec::new());
        };
        let (needs_stakeholder, needs_body) = sel.needs();
        let mut holder_json = HashMap::new();
        if needs_stakeholder && !models.is_empty() {
            let ids: Vec<i64> = distinct(models.iter().map(|m| m.stakeholder_id));
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
        // Each nested connection (revisions, issues): its pages (and counts) for every
        // contribution at once.
        let ids: Vec<i64> = models.iter().map(|m| m.id).collect();
        let mut nested = Vec::new();
        for (_, field) in &sel.fields {
            let written = match field {
                CField::Revisions { page, conn } => {
                    related_out::<RevisionsOfContribution, _>(rd, &ids, page, conn, revision_json)
                        .await?
                }
                CField::Issues { page, conn } => {
                    related_out::<IssuesOfContribution, _>(rd, &ids, page, conn, issue_json).await?
                }
                CField::Mechanisms { page, conn } => stances_out(rd, &ids, page, conn).await?,
                _ => continue,
            };
            nested.push(written.into_iter());
        }
        // The documents of every contribution's current revision, in one statement.
        let mut documents = HashMap::new();
        if !models.is_empty()
            && sel
                .fields
                .iter()
                .any(|(_, f)| matches!(f, CField::Attachments(_)))
        {
            let keys: Vec<(i64, i32)> = models.iter().map(|m| (m.id, m.latest_revision)).collect();
            documents = crate::service::attachments::attach::of_revisions(&rd.db, &keys)
                .await
                .map_err(AppError::from)?;
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
                    CField::Revisions { .. }
                    | CField::Issues { .. }
                    | CField::Mechanisms { .. } => {
                        let written = nested[nested_at].next().ok_or(GiveWay)?;
                        nested_at += 1;
                        json.raw(&written);
                    }
                    CField::Attachments(sel) => {
                        let list = documents.get(&(m.id, m.latest_revision)).ok_or(GiveWay)?;
                        json.raw(b"[");
                        for (i, a) in list.iter().enumerate() {
                            if i > 0 {
                                json.raw(b",");
                            }
                            attachment_json(&mut json, a, sel);
                        }
                        json.raw(b"]");
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

/// The connection of relation `R` (revisions, issues) of each of `parents`
/// (contribution ids), in order, each node written by `node_json`.
async fn related_out<R: Relation, S>(
    rd: &RequestData,
    parents: &[i64],
    page: &Page,
    conn: &Conn<S>,
    node_json: fn(&Child<R>, &S) -> Piece,
) -> Result<Vec<Piece>, GiveWay> {
    let related = Related::<R>::read(rd, parents, page, conn).await?;
    related.write(parents, conn, |child, sel| Ok(node_json(child, sel)))
}

/// The mechanisms each of `parents` (contribution ids) discusses, with its stances, as
/// connections in order: the pages in one statement, then their mechanisms in one.
async fn stances_out(
    rd: &RequestData,
    parents: &[i64],
    page: &Page,
    conn: &Conn<StanceSel>,
) -> Result<Vec<Piece>, GiveWay> {
    let related = Related::<MechanismsOfContribution>::read(rd, parents, page, conn).await?;
    let shown = conn.nodes().is_some_and(|sel| {
        sel.fields
            .iter()
            .any(|(_, f)| matches!(f, XField::Mechanism(_)))
    });
    let mechanisms = if shown {
        let ids = distinct(
            related
                .pages
                .values()
                .flat_map(|slice| slice.items.iter().map(|s| s.mechanism_id)),
        );
        crate::service::mechanisms::by_ids(&rd.db, &ids).await?
    } else {
        HashMap::new()
    };
    related.write(parents, conn, |s, sel| {
        let mut json = Json::with_capacity(64 * sel.fields.len());
        json.open();
        for (i, (key, field)) in sel.fields.iter().enumerate() {
            json.key(i == 0, key);
            match field {
                XField::Typename => json.str("MechanismStance"),
                XField::Stance => json.enumeration(s.stance),
                XField::Mechanism(m) => {
                    // A dangling reference is the resolvers' internal error.
                    let row = mechanisms.get(&s.mechanism_id).ok_or(GiveWay)?;
                    json.raw(&mechanism_json(row, m));
                }
            }
        }
        json.close();
        Ok(json.into_piece())
    })
}

/// A relation's pages (and counts, when the connection shows them) for some parents.
struct Related<R: Relation> {
    pages: HashMap<i64, Slice<Child<R>>>,
    counts: HashMap<i64, u64>,
}

impl<R: Relation> Related<R> {
    async fn read<S>(
        rd: &RequestData,
        parents: &[i64],
        page: &Page,
        conn: &Conn<S>,
    ) -> Result<Related<R>, GiveWay> {
        if parents.is_empty() {
            return Ok(Related {
                pages: HashMap::new(),
                counts: HashMap::new(),
            });
        }
        let pages = relations::pages::<R>(&rd.db, &rd.viewer, parents, page).await?;
        let counts = if conn.wants_total() {
            relations::counts::<R>(&rd.db, &rd.viewer, parents).await?
        } else {
            HashMap::new()
        };
        Ok(Related { pages, counts })
    }

    /// Each parent's connection, in order, its nodes written by `node_json`.
    fn write<S>(
        mut self,
        parents: &[i64],
        conn: &Conn<S>,
        node_json: impl Fn(&Child<R>, &S) -> Result<Piece, GiveWay>,
    ) -> Result<Vec<Piece>, GiveWay> {
        parents
            .iter()
            .map(|id| {
                let slice = self.pages.remove(id).unwrap_or_else(Slice::empty);
                let nodes = match conn.nodes() {
                    Some(sel) => slice
                        .items
                        .iter()
                        .map(|r| node_json(r, sel))
                        .collect::<Result<Vec<_>, _>>()?,
                    None => Vec::new(),
                };
                let mut json = Json::with_capacity(256);
                conn.write(
                    &mut json,
                    &slice,
                    Some(self.counts.get(id).copied().unwrap_or(0)),
                    &nodes,
                );
                Ok(json.into_piece())
            })
            .collect()
    }
}

fn mechanism_json(m: &mechanism::Model, sel: &MechanismSel) -> Piece {
    let mut json = Json::with_capacity(64 * sel.fields.len());
    json.open();
    for (i, (key, field)) in sel.fields.iter().enumerate() {
        json.key(i == 0, key);
        match field {
            MField::Typename => json.str("Mechanism"),
            MField::Id => json.str(&GlobalId::new(NodeType::Mechanism, m.id).encode()),
            MField::Version => json.int(m.version.into()),
            MField::Name => json.str(&m.name),
            MField::Acronym => json.opt_str(m.acronym.as_deref()),
            MField::Kind => json.enumeration(m.kind),
            MField::Scope => json.opt_enumeration(m.scope),
            MField::Status => json.enumeration(m.status),
            MField::Established => json.opt_str(m.established.as_deref()),
            MField::Description => json.opt_str(m.description.as_deref()),
        }
    }
    json.close();
    json.into_piece()
}

fn issue_json(p: &policy_issue::Model, sel: &IssueSel) -> Piece {
    let mut json = Json::with_capacity(64 * sel.fields.len() + p.description.len());
    json.open();
    for (i, (key, field)) in sel.fields.iter().enumerate() {
        json.key(i == 0, key);
        match field {
            IField::Typename => json.str("PolicyIssue"),
            IField::Id => json.str(&GlobalId::new(NodeType::PolicyIssue, p.id).encode()),
            IField::Version => json.int(p.version.into()),
            IField::Slug => json.str(&p.slug),
            IField::Title => json.str(&p.title),
            IField::Description => json.str(&p.description),
            IField::Area => json.enumeration(p.area),
            IField::OnWsisList => json.bool(p.on_wsis_list),
        }
    }
    json.close();
    json.into_piece()
}

/// A document's JSON under `sel`, as the resolvers write it.
fn attachment_json(json: &mut Json, a: &entity::attachment::Model, sel: &AttachmentSel) {
    json.open();
    let id = || GlobalId::new(NodeType::Attachment, a.id).encode();
    for (i, (key, field)) in sel.fields.iter().enumerate() {
        json.key(i == 0, key);
        match field {
            AField::Typename => json.str("Attachment"),
            AField::Id => json.str(&id()),
            AField::Name => json.str(&a.name),
            AField::ContentType => json.str(&a.content_type),
            AField::Size => json.int(i32::try_from(a.size).unwrap_or(i32::MAX).into()),
            AField::Sha256 => json.str(&a.sha256),
            AField::Url => json.str(&crate::service::attachments::url(a.id)),
            AField::TextExtracted => json.bool(a.text.is_some()),
            AField::CreatedAt => json.moment(Some(&a.created_at)),
        }
    }
    json.close();
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
                // The columns the nodes show, their stakeholders' in the same statement.
                let columns = conn
                    .nodes()
                    .map(ContributionSel::columns)
                    .unwrap_or_default();
                let mut pages = if ids.is_empty() {
                    HashMap::new()
                } else {
                    contributions::pages_by_parent_narrow(
                        &rd.db,
                        &rd.viewer,
                        Parent::Stakeholder,
                        &ids,
                        filter,
                        page,
                        columns,
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
                let mut holders = HashMap::new();
                // Every parent's rows in one list, for the next level; each page keeps
                // its cursors (all its writing needs) and how many rows it had.
                let mut all = Vec::new();
                let mut sizes = Vec::with_capacity(ids.len());
                let slices: Vec<Slice<contribution::Model>> = ids
                    .iter()
                    .map(|id| {
                        let (mut slice, theirs) =
                            split(pages.remove(id).unwrap_or_else(Slice::empty));
                        holders.extend(theirs);
                        sizes.push(slice.items.len());
                        all.append(&mut slice.items);
                        slice
                    })
                    .collect();
                let mut nodes = contributions_out(rd, &all, holders, conn.nodes())
                    .await?
                    .into_iter();
                let mut written = Vec::with_capacity(slices.len());
                for ((slice, id), size) in slices.iter().zip(&ids).zip(sizes) {
                    let mine: Vec<Piece> = if conn.nodes().is_some() {
                        nodes.by_ref().take(size).collect()
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
