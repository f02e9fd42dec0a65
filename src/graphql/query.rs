//! The query root.

use super::args::{moment, page_by, stakeholder_of};
use super::context::request;
use super::node::{self, Node};
use super::types::*;
use crate::error::AppError;
use crate::graphql::order::{
    AccountOrder, ApiClientOrder, AuditEventOrder, ConsultationOrder, ContributionOrder,
    DocumentOrder, MechanismOrder, PolicyIssueOrder, StakeholderOrder, TombstoneOrder,
};
use crate::ids::{GlobalId, NodeType};
use crate::service::search::SearchQuery;
use crate::service::{
    accounts, api_clients, audit, consultations, contributions, documents, invitations, mechanisms,
    policy_issues, stakeholders,
};
use async_graphql::futures_util::future::join_all;
use async_graphql::{Context, ID, Object, Result};

/// Most IDs `nodes(ids:)` takes at once.
pub const MAX_NODES: usize = 100;

/// Entry points for reading.
#[derive(Default)]
pub struct Query;

/// Resolves one ID of an expected type; a well-formed ID that finds nothing is `NOT_FOUND`.
async fn fetch(ctx: &Context<'_>, id: &ID, expected: NodeType) -> Result<Node> {
    let rd = request(ctx)?;
    let raw = GlobalId::decode_as(id, expected)?;
    node::resolve(rd, GlobalId::new(expected, raw))
        .await?
        .ok_or_else(|| AppError::NotFound(expected.name()).into())
}

/// Unwraps a node already known to be of one variant.
macro_rules! expect_node {
    ($ctx:expr, $id:expr, $variant:ident) => {
        nullable($ctx, async {
            match fetch($ctx, $id, NodeType::$variant).await? {
                Node::$variant(inner) => Ok(Some(inner)),
                _ => Err(super::types::dangling_type()),
            }
        })
        .await
    };
}

/// Runs a nullable field's resolver; on error the field is null and the error is
/// reported with its path, as the GraphQL spec asks (async-graphql would instead drop
/// the field from the response).
async fn nullable<T>(
    ctx: &Context<'_>,
    resolve: impl std::future::Future<Output = Result<Option<T>>>,
) -> Result<Option<T>> {
    match resolve.await {
        Ok(value) => Ok(value),
        Err(err) => {
            ctx.add_error(ctx.set_error_path(err.into_server_error(ctx.item.pos)));
            Ok(None)
        }
    }
}

/// Entry points for reading.
#[Object]
impl Query {
    /// Any object by its global ID. A well-formed ID that finds nothing, or that the
    /// caller may not see, gives null and a `NOT_FOUND` error.
    async fn node(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "A global ID.")] id: ID,
    ) -> Result<Option<Node>> {
        nullable(ctx, async {
            let rd = request(ctx)?;
            let gid = GlobalId::decode(&id)?;
            match node::resolve(rd, gid).await? {
                Some(node) => Ok(Some(node)),
                None => Err(AppError::NotFound(gid.node_type.name()).into()),
            }
        })
        .await
    }

    /// Several objects by their global IDs (at most 100), in the order asked. An ID that
    /// finds nothing, or that the caller may not see, gives null in its place.
    async fn nodes(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Global IDs, at most 100.")] ids: Vec<ID>,
    ) -> Result<Vec<Option<Node>>> {
        let rd = request(ctx)?;
        if ids.len() > MAX_NODES {
            return Err(AppError::bad_input(format!(
                "`ids` holds {} IDs; at most {MAX_NODES} are allowed",
                ids.len()
            ))
            .into());
        }
        let gids = ids
            .iter()
            .map(|id| GlobalId::decode(id))
            .collect::<Result<Vec<_>, _>>()?;
        // Resolved together, so the loader batches them into one query per type.
        let found = join_all(gids.into_iter().map(|gid| node::resolve(rd, gid))).await;
        found.into_iter().collect()
    }

    /// Stakeholders, in order of creation.
    async fn stakeholders(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Narrows the list.")] filter: Option<StakeholderFilter>,
        #[graphql(desc = "The order of the list; by creation if not given.")] order_by: Option<
            StakeholderOrder,
        >,
        #[graphql(desc = "Returns the first n items (at most 100).")] first: Option<i32>,
        #[graphql(desc = "Returns items after this cursor.")] after: Option<String>,
        #[graphql(desc = "Returns the last n items (at most 100).")] last: Option<i32>,
        #[graphql(desc = "Returns items before this cursor.")] before: Option<String>,
    ) -> Result<StakeholderConnection> {
        let rd = request(ctx)?;
        let filter = filter.unwrap_or_default();
        let filter = stakeholders::StakeholderFilter {
            groups: filter.groups,
            search: filter.search,
        };
        let page = page_by(ctx, order_by, first, after, last, before)?;
        let listing = stakeholders::list(&rd.db, &rd.viewer, &filter, &page).await?;
        Ok(StakeholderConnection::from_listing(listing, Stakeholder))
    }

    /// One stakeholder by ID.
    async fn stakeholder(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "A Stakeholder ID.")] id: ID,
    ) -> Result<Option<Stakeholder>> {
        expect_node!(ctx, &id, Stakeholder)
    }

    /// Consultations, in order of creation.
    async fn consultations(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Narrows the list.")] filter: Option<ConsultationFilter>,
        #[graphql(desc = "The order of the list; by creation if not given.")] order_by: Option<
            ConsultationOrder,
        >,
        #[graphql(desc = "Returns the first n items (at most 100).")] first: Option<i32>,
        #[graphql(desc = "Returns items after this cursor.")] after: Option<String>,
        #[graphql(desc = "Returns the last n items (at most 100).")] last: Option<i32>,
        #[graphql(desc = "Returns items before this cursor.")] before: Option<String>,
    ) -> Result<ConsultationConnection> {
        let rd = request(ctx)?;
        let filter = filter.unwrap_or_default();
        let filter = consultations::ConsultationFilter {
            statuses: filter.statuses,
        };
        let page = page_by(ctx, order_by, first, after, last, before)?;
        let listing = consultations::list(&rd.db, &rd.viewer, &filter, &page).await?;
        Ok(ConsultationConnection::from_listing(listing, Consultation))
    }

    /// One consultation by ID.
    async fn consultation(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "A Consultation ID.")] id: ID,
    ) -> Result<Option<Consultation>> {
        expect_node!(ctx, &id, Consultation)
    }

    /// One meeting by ID.
    async fn meeting(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "A Meeting ID.")] id: ID,
    ) -> Result<Option<Meeting>> {
        expect_node!(ctx, &id, Meeting)
    }

    /// Contributions the caller may see, in order of creation: published PUBLIC ones
    /// for everyone, MEMBER_STATES ones for member states, one's own stakeholder's
    /// drafts and submissions, everything for the secretariat.
    async fn contributions(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Narrows the list.")] filter: Option<ContributionFilter>,
        #[graphql(desc = "The order of the list; by creation if not given.")] order_by: Option<
            ContributionOrder,
        >,
        #[graphql(desc = "Returns the first n items (at most 100).")] first: Option<i32>,
        #[graphql(desc = "Returns items after this cursor.")] after: Option<String>,
        #[graphql(desc = "Returns the last n items (at most 100).")] last: Option<i32>,
        #[graphql(desc = "Returns items before this cursor.")] before: Option<String>,
    ) -> Result<ContributionConnection> {
        let rd = request(ctx)?;
        let filter = filter.unwrap_or_default().parse()?;
        let page = page_by(ctx, order_by, first, after, last, before)?;
        let listing = contributions::list(&rd.db, &rd.viewer, &filter, &page).await?;
        Ok(ContributionConnection::from_listing(listing, Contribution))
    }

    /// Contributions the caller may read whose current title or body match `query`,
    /// best match first, each with a snippet of where it matched. A search never finds
    /// nor counts what the caller may not read. PostgreSQL stems each contribution in
    /// its own language (Arabic and Chinese unstemmed, Chinese by character) and ranks
    /// every match: title matches first, then the fewest words. SQLite stems English
    /// only and ranks every match by bm25. `totalCount` counts every match.
    async fn search_contributions(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "Words that must all appear, \"quoted phrases\", `a or b`, `-excluded`; 1 to 200 characters."
        )]
        query: String,
        #[graphql(desc = "Narrows the results.")] filter: Option<ContributionFilter>,
        #[graphql(desc = "Returns the first n results (at most 100).")] first: Option<i32>,
        #[graphql(desc = "Returns results after this cursor.")] after: Option<String>,
    ) -> Result<ContributionSearchConnection> {
        let rd = request(ctx)?;
        let search = SearchQuery::parse("query", &query)?;
        let filter = filter.unwrap_or_default().parse()?;
        let size = search_size(first)?;
        let start = search_after(after.as_deref())?;
        let found =
            contributions::search(&rd.db, &rd.viewer, &filter, &search, start, size).await?;
        Ok(ContributionSearchConnection::new(found, start.is_some()))
    }

    /// One contribution by ID, if the caller may see it.
    async fn contribution(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "A Contribution ID.")] id: ID,
    ) -> Result<Option<Contribution>> {
        expect_node!(ctx, &id, Contribution)
    }

    /// Public policy issues, in order of creation.
    async fn policy_issues(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Narrows the list.")] filter: Option<PolicyIssueFilter>,
        #[graphql(desc = "The order of the list; by creation if not given.")] order_by: Option<
            PolicyIssueOrder,
        >,
        #[graphql(desc = "Returns the first n items (at most 100).")] first: Option<i32>,
        #[graphql(desc = "Returns items after this cursor.")] after: Option<String>,
        #[graphql(desc = "Returns the last n items (at most 100).")] last: Option<i32>,
        #[graphql(desc = "Returns items before this cursor.")] before: Option<String>,
    ) -> Result<PolicyIssueConnection> {
        let rd = request(ctx)?;
        let filter = filter.unwrap_or_default();
        let filter = policy_issues::PolicyIssueFilter {
            areas: filter.areas,
        };
        let page = page_by(ctx, order_by, first, after, last, before)?;
        let listing = policy_issues::list(&rd.db, &rd.viewer, &filter, &page).await?;
        Ok(PolicyIssueConnection::from_listing(listing, PolicyIssue))
    }

    /// One policy issue, by ID or by slug (exactly one of the two).
    async fn policy_issue(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "A PolicyIssue ID.")] id: Option<ID>,
        #[graphql(desc = "The issue's slug, e.g. \"cybersecurity\".")] slug: Option<String>,
    ) -> Result<Option<PolicyIssue>> {
        match (id, slug) {
            (Some(id), None) => expect_node!(ctx, &id, PolicyIssue),
            (None, Some(slug)) => {
                nullable(ctx, async {
                    let rd = request(ctx)?;
                    match policy_issues::by_slug(&rd.db, &rd.viewer, &slug).await? {
                        Some(row) => Ok(Some(PolicyIssue(row))),
                        None => Err(AppError::NotFound("PolicyIssue").into()),
                    }
                })
                .await
            }
            _ => {
                nullable(ctx, async {
                    Err(AppError::bad_input("Pass exactly one of `id` and `slug`").into())
                })
                .await
            }
        }
    }

    /// International cooperation mechanisms, in order of creation.
    async fn mechanisms(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Narrows the list.")] filter: Option<MechanismFilter>,
        #[graphql(desc = "The order of the list; by creation if not given.")] order_by: Option<
            MechanismOrder,
        >,
        #[graphql(desc = "Returns the first n items (at most 100).")] first: Option<i32>,
        #[graphql(desc = "Returns items after this cursor.")] after: Option<String>,
        #[graphql(desc = "Returns the last n items (at most 100).")] last: Option<i32>,
        #[graphql(desc = "Returns items before this cursor.")] before: Option<String>,
    ) -> Result<MechanismConnection> {
        let rd = request(ctx)?;
        let filter = filter.unwrap_or_default();
        let filter = mechanisms::MechanismFilter {
            statuses: filter.statuses,
            kinds: filter.kinds,
        };
        let page = page_by(ctx, order_by, first, after, last, before)?;
        let listing = mechanisms::list(&rd.db, &rd.viewer, &filter, &page).await?;
        Ok(MechanismConnection::from_listing(listing, Mechanism))
    }

    /// One mechanism by ID.
    async fn mechanism(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "A Mechanism ID.")] id: ID,
    ) -> Result<Option<Mechanism>> {
        expect_node!(ctx, &id, Mechanism)
    }

    /// Documents cited by consultations, in order of creation.
    async fn documents(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The order of the list; by creation if not given.")] order_by: Option<
            DocumentOrder,
        >,
        #[graphql(desc = "Returns the first n items (at most 100).")] first: Option<i32>,
        #[graphql(desc = "Returns items after this cursor.")] after: Option<String>,
        #[graphql(desc = "Returns the last n items (at most 100).")] last: Option<i32>,
        #[graphql(desc = "Returns items before this cursor.")] before: Option<String>,
    ) -> Result<DocumentConnection> {
        let rd = request(ctx)?;
        let page = page_by(ctx, order_by, first, after, last, before)?;
        let listing = documents::list(&rd.db, &rd.viewer, &page).await?;
        Ok(DocumentConnection::from_listing(listing, Document))
    }

    /// Checks a receipt: the revision of the contribution whose SHA-256 content hash is
    /// `contentHash`, or null if none matches. For anyone who may read the contribution.
    async fn contribution_receipt_check(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "A Contribution ID.")] contribution: ID,
        #[graphql(desc = "The hash from the receipt (lowercase hex).")] content_hash: String,
    ) -> Result<Option<ContributionRevision>> {
        let rd = request(ctx)?;
        let id = GlobalId::decode_as(&contribution, NodeType::Contribution)?;
        let (found, _) =
            outcome(contributions::check_receipt(&rd.db, &rd.viewer, id, &content_hash).await)?;
        Ok(found.flatten().map(ContributionRevision))
    }

    /// Contributions that left the published view since a time, oldest first: with
    /// `contributions(filter: { updatedSince })`, what a mirror needs to stay in sync.
    /// Only tombstones of contributions the caller could read while published.
    async fn contribution_tombstones(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only this consultation's.")] consultation: Option<ID>,
        #[graphql(desc = "Only tombstones at or after this time.")] since: Option<
            chrono::DateTime<chrono::Utc>,
        >,
        #[graphql(desc = "The order of the list; by creation if not given.")] order_by: Option<
            TombstoneOrder,
        >,
        #[graphql(desc = "Returns the first n items (at most 100).")] first: Option<i32>,
        #[graphql(desc = "Returns items after this cursor.")] after: Option<String>,
        #[graphql(desc = "Returns the last n items (at most 100).")] last: Option<i32>,
        #[graphql(desc = "Returns items before this cursor.")] before: Option<String>,
    ) -> Result<ContributionTombstoneConnection> {
        let rd = request(ctx)?;
        let consultation = consultation
            .map(|c| GlobalId::decode_as(&c, NodeType::Consultation))
            .transpose()?;
        let page = page_by(ctx, order_by, first, after, last, before)?;
        let listing = crate::service::tombstones::list(
            &rd.db,
            &rd.viewer,
            consultation,
            moment("since", since)?,
            &page,
        )
        .await?;
        Ok(ContributionTombstoneConnection::from_listing(
            listing,
            ContributionTombstone,
        ))
    }

    /// What this request cost the caller's rate-limit budget and what is left (like
    /// GitHub's `rateLimit`); null when the server has no limits.
    async fn rate_limit(&self, ctx: &Context<'_>) -> Result<Option<RateLimit>> {
        let rd = request(ctx)?;
        Ok(rd.quota.map(RateLimit))
    }

    /// Who is calling; null for an anonymous caller.
    async fn viewer(&self, ctx: &Context<'_>) -> Result<Option<ViewerInfo>> {
        let rd = request(ctx)?;
        Ok(rd.viewer.principal().cloned().map(ViewerInfo))
    }

    /// Accounts, in order of creation (secretariat).
    async fn accounts(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Narrows the list.")] filter: Option<AccountFilter>,
        #[graphql(desc = "The order of the list; by creation if not given.")] order_by: Option<
            AccountOrder,
        >,
        #[graphql(desc = "Returns the first n items (at most 100).")] first: Option<i32>,
        #[graphql(desc = "Returns items after this cursor.")] after: Option<String>,
        #[graphql(desc = "Returns the last n items (at most 100).")] last: Option<i32>,
        #[graphql(desc = "Returns items before this cursor.")] before: Option<String>,
    ) -> Result<AccountConnection> {
        let rd = request(ctx)?;
        let page = page_by(ctx, order_by, first, after, last, before)?;
        let filter = filter.unwrap_or_default();
        let filter = accounts::AccountFilter {
            search: filter.search,
            roles: filter.roles,
            statuses: filter.statuses,
            stakeholder_id: stakeholder_of(filter.stakeholder.as_ref())?,
        };
        let listing = accounts::list(&rd.db, &rd.viewer, &filter, &page).await?;
        Ok(AccountConnection::from_listing(listing, Account))
    }

    /// Whether the secretariat requires every secretariat account to sign in with a
    /// second factor (anyone signed in may ask).
    async fn second_factor_required_for_secretariat(&self, ctx: &Context<'_>) -> Result<bool> {
        let rd = request(ctx)?;
        crate::policy::own_account(&rd.viewer).or_else(|_| {
            crate::policy::may(&rd.viewer, crate::policy::Action::ManageIdentities).map(|_| 0)
        })?;
        Ok(crate::service::second_factor::required_for_secretariat(&rd.db).await?)
    }

    /// The invitations not yet accepted nor replaced, newest first (secretariat),
    /// expired ones included (their `expiresAt` says so).
    async fn invitations(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "How many (1 to 100).", default = 50)] first: i32,
    ) -> Result<Vec<Invitation>> {
        let rd = request(ctx)?;
        if !(1..=100).contains(&first) {
            return Err(AppError::bad_input("first must be between 1 and 100").into());
        }
        let rows = invitations::pending(&rd.db, &rd.viewer, first as u64).await?;
        Ok(rows.into_iter().map(Invitation).collect())
    }

    /// Walks the audit log's hash chain (secretariat): whether every event's hash and
    /// link hold, and if not, the first event that breaks it.
    async fn audit_verification(&self, ctx: &Context<'_>) -> Result<AuditVerification> {
        let rd = request(ctx)?;
        Ok(match audit::verify_for(&rd.db, &rd.viewer).await? {
            audit::Verification::Intact { events } => AuditVerification {
                intact: true,
                events: events as i32,
                first_broken: None,
                reason: None,
            },
            audit::Verification::Broken { event_id, reason } => AuditVerification {
                intact: false,
                events: 0,
                first_broken: Some(
                    GlobalId::new(NodeType::AuditEvent, event_id)
                        .encode()
                        .into(),
                ),
                reason: Some(reason),
            },
        })
    }

    /// Partner API clients, in order of creation (secretariat).
    async fn api_clients(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The order of the list; by creation if not given.")] order_by: Option<
            ApiClientOrder,
        >,
        #[graphql(desc = "Returns the first n items (at most 100).")] first: Option<i32>,
        #[graphql(desc = "Returns items after this cursor.")] after: Option<String>,
        #[graphql(desc = "Returns the last n items (at most 100).")] last: Option<i32>,
        #[graphql(desc = "Returns items before this cursor.")] before: Option<String>,
    ) -> Result<ApiClientConnection> {
        let rd = request(ctx)?;
        let page = page_by(ctx, order_by, first, after, last, before)?;
        let listing = api_clients::list(&rd.db, &rd.viewer, &page).await?;
        Ok(ApiClientConnection::from_listing(listing, ApiClient))
    }

    /// The webhooks the caller manages, oldest first: every one for the secretariat, its
    /// own for a partner's API client (with the `read` scope).
    async fn webhooks(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Returns the first n items (at most 100).")] first: Option<i32>,
        #[graphql(desc = "Returns items after this cursor.")] after: Option<String>,
        #[graphql(desc = "Returns the last n items (at most 100).")] last: Option<i32>,
        #[graphql(desc = "Returns items before this cursor.")] before: Option<String>,
    ) -> Result<crate::graphql::types::WebhookConnection> {
        let rd = request(ctx)?;
        let page = crate::graphql::args::page(ctx, first, after, last, before)?;
        let listing = crate::service::webhooks::list(&rd.db, &rd.viewer, &page).await?;
        Ok(crate::graphql::types::WebhookConnection::from_listing(
            listing,
            crate::graphql::types::Webhook,
        ))
    }

    /// The audit log, oldest first (secretariat).
    async fn audit_events(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Narrows the list.")] filter: Option<AuditEventFilter>,
        #[graphql(desc = "The order of the list; by creation if not given.")] order_by: Option<
            AuditEventOrder,
        >,
        #[graphql(desc = "Returns the first n items (at most 100).")] first: Option<i32>,
        #[graphql(desc = "Returns items after this cursor.")] after: Option<String>,
        #[graphql(desc = "Returns the last n items (at most 100).")] last: Option<i32>,
        #[graphql(desc = "Returns items before this cursor.")] before: Option<String>,
    ) -> Result<AuditEventConnection> {
        let rd = request(ctx)?;
        let filter = filter.unwrap_or_default().parse()?;
        let page = page_by(ctx, order_by, first, after, last, before)?;
        let listing = audit::list(&rd.db, &rd.viewer, &filter, &page).await?;
        Ok(AuditEventConnection::from_listing(listing, AuditEvent))
    }
}

/// Narrows the list of accounts; every field given must match.
#[derive(async_graphql::InputObject, Default)]
pub struct AccountFilter {
    /// Email or display name containing this text (any case).
    pub search: Option<String>,
    /// Only these roles.
    pub roles: Option<Vec<entity::enums::Role>>,
    /// Only these statuses.
    pub statuses: Option<Vec<entity::enums::PrincipalStatus>>,
    /// Only accounts speaking for this stakeholder.
    pub stakeholder: Option<ID>,
}

/// What a walk of the audit log's hash chain found.
#[derive(async_graphql::SimpleObject)]
pub struct AuditVerification {
    /// Every event's hash and link hold.
    pub intact: bool,
    /// How many events were checked (when intact).
    pub events: i32,
    /// The first event whose hash or link does not hold (an AuditEvent ID).
    pub first_broken: Option<ID>,
    /// What does not hold there.
    pub reason: Option<String>,
}

/// Narrows the audit log; every field given must match.
#[derive(async_graphql::InputObject, Default)]
pub struct AuditEventFilter {
    /// Only what this account or API client did.
    pub actor: Option<ID>,
    /// Only this action, e.g. `account.create`.
    pub action: Option<String>,
    /// Only changes to this record.
    pub target: Option<ID>,
    /// Only events at or after this time.
    pub occurred_after: Option<chrono::DateTime<chrono::Utc>>,
    /// Only events before this time.
    pub occurred_before: Option<chrono::DateTime<chrono::Utc>>,
}

impl AuditEventFilter {
    fn parse(self) -> Result<audit::AuditFilter, AppError> {
        let mut filter = audit::AuditFilter {
            action: self.action,
            since: moment("occurredAfter", self.occurred_after)?,
            until: moment("occurredBefore", self.occurred_before)?,
            ..Default::default()
        };
        if let Some(actor) = self.actor {
            let gid = GlobalId::decode(&actor)?;
            match gid.node_type {
                NodeType::Account => filter.actor_account_id = Some(gid.id),
                NodeType::ApiClient => filter.actor_client_id = Some(gid.id),
                _ => {
                    return Err(AppError::bad_input(
                        "`actor` must be an Account or ApiClient ID",
                    ));
                }
            }
        }
        if let Some(target) = self.target {
            let gid = GlobalId::decode(&target)?;
            filter.target_type = Some(gid.node_type.name().to_owned());
            filter.target_id = Some(gid.id);
        }
        Ok(filter)
    }
}
