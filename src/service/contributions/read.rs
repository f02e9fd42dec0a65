//! Reading contributions and their revisions. Every read filters through
//! [`policy::readable_contributions`], so what a viewer may not see is absent.

use super::filter::{ContributionFilter, select, select_for};
use super::store;
use crate::db::Db;
use crate::error::{AppError, AppResult, MutationResult};
use crate::paging::{self, Listing, Page, Slice};
use crate::policy;
use crate::service::search::{self, SearchQuery};
use crate::viewer::Viewer;
use entity::contribution::{Column, Entity, Model};
use entity::{contribution_issue, contribution_revision};
use sea_orm::sea_query::{Alias, Expr, ExprTrait, Order};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DbBackend, EntityTrait, FromQueryResult, JoinType,
    QueryFilter, QuerySelect, QueryTrait, RelationTrait, Select,
};
use std::collections::HashMap;

#[tracing::instrument(
    name = "read::list",
    level = "debug",
    skip_all,
    err(Debug, level = "debug")
)]
pub async fn list(
    db: &impl Db,
    viewer: &Viewer,
    filter: &ContributionFilter,
    page: &Page,
) -> AppResult<Listing<Model>> {
    let backend = db.get_database_backend();
    paging::list(
        db,
        select_for(backend, viewer, filter, page),
        Column::Id,
        page,
    )
    .await
}

/// One contribution a search found.
pub struct Hit {
    pub contribution: Model,
    /// How well it matched; higher is better, comparable within one search.
    pub relevance: f64,
    /// Its body around what matched, as HTML (text escaped, matches in `<mark>`).
    pub snippet: String,
}

/// A page of search results, best first.
pub struct Hits {
    pub hits: Vec<Hit>,
    pub has_next: bool,
    /// Counts all the readable matches, when `totalCount` is asked for.
    pub counter: paging::Counter,
}

/// The readable contributions matching `query` and `filter`, best match first (ties
/// in order of creation), `size` of them after the result at (`relevance`, id). Every
/// match is ranked: on PostgreSQL by [`search::best`] (the title's matches first, then
/// the fewest words), on SQLite by FTS5's bm25.
#[tracing::instrument(
    name = "read::search",
    level = "debug",
    skip_all,
    err(Debug, level = "debug")
)]
pub async fn search(
    db: &impl Db,
    viewer: &Viewer,
    filter: &ContributionFilter,
    query: &SearchQuery,
    after: Option<(f64, i64)>,
    size: u64,
) -> AppResult<Hits> {
    let backend = db.get_database_backend();
    let txn = db.begin().await?;
    let mut found = if backend == DbBackend::Postgres {
        let after = match after {
            None => None,
            Some((relevance, id)) => Some((
                search::Rank::from_relevance(relevance).ok_or_else(|| {
                    AppError::bad_input(
                        "`after` is not a cursor of a search result; use a `cursor` or `pageInfo.endCursor` of searchContributions",
                    )
                })?,
                id,
            )),
        };
        // The statements' estimates run high (a test per walked row): without this,
        // PostgreSQL compiles them (JIT) for ~20 ms each to run them in under one.
        txn.execute_unprepared("SET LOCAL jit = off").await?;
        let readable = select(backend, viewer, filter).into_query();
        let narrowed = *filter != ContributionFilter::default();
        let best = search::best(&txn, query, &readable, narrowed, after, size + 1).await?;
        let ids: Vec<i64> = best.iter().map(|(id, _)| *id).collect();
        let mut rows: HashMap<i64, Model> = select(backend, viewer, filter)
            .filter(Column::Id.is_in(ids))
            .all(&txn)
            .await?
            .into_iter()
            .map(|m| (m.id, m))
            .collect();
        best.into_iter()
            .filter_map(|(id, rank)| Some((rows.remove(&id)?, rank.relevance())))
            .collect::<Vec<_>>()
    } else {
        let mut statement = select(backend, viewer, filter).into_query();
        search::join_matches(backend, &mut statement, query);
        let relevance = search::relevance();
        if let Some((score, id)) = after {
            statement.cond_where(
                Condition::any().add(relevance.clone().lt(score)).add(
                    Condition::all()
                        .add(relevance.clone().eq(score))
                        .add(Expr::col((Entity, Column::Id)).gt(id)),
                ),
            );
        }
        statement
            .expr_as(relevance, Alias::new("relevance"))
            .order_by(Alias::new("relevance"), Order::Desc)
            .order_by((Entity, Column::Id), Order::Asc)
            .limit(size + 1);
        let mut found = Vec::new();
        for row in &txn.query_all(&statement).await? {
            let relevance: f64 = row.try_get("", "relevance")?;
            found.push((Model::from_query_result(row, "")?, relevance));
        }
        found
    };
    let has_next = found.len() as u64 > size;
    found.truncate(size as usize);
    let ids: Vec<i64> = found.iter().map(|(m, _)| m.id).collect();
    let mut snippets = search::snippets(&txn, query, &ids).await?;
    txn.commit().await?;
    let hits = found
        .into_iter()
        .map(|(contribution, relevance)| Hit {
            snippet: snippets.remove(&contribution.id).unwrap_or_default(),
            contribution,
            relevance,
        })
        .collect();
    let counted = ContributionFilter {
        search: Some(query.clone()),
        ..filter.clone()
    };
    Ok(Hits {
        hits,
        has_next,
        counter: paging::Counter::new(db, select(backend, viewer, &counted)),
    })
}

/// What a nested list of contributions hangs from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Parent {
    Consultation,
    Meeting,
    Stakeholder,
    PolicyIssue,
}

/// The readable contributions matching `filter`, with the expression that gives each
/// row's parent. The filter's own field for that parent is ignored: the parent decides.
pub(super) fn select_with_parent(
    backend: DbBackend,
    viewer: &Viewer,
    filter: &ContributionFilter,
    parent: Parent,
) -> (Select<Entity>, Expr) {
    let mut filter = filter.clone();
    let column = |c: Column| Expr::col((Entity, c));
    match parent {
        Parent::Consultation => {
            filter.consultation_id = None;
            (
                select(backend, viewer, &filter),
                column(Column::ConsultationId),
            )
        }
        Parent::Meeting => {
            filter.meeting_id = None;
            (select(backend, viewer, &filter), column(Column::MeetingId))
        }
        Parent::Stakeholder => {
            filter.stakeholder_id = None;
            let select =
                select(backend, viewer, &filter).filter(policy::attribution_visible(viewer));
            (select, column(Column::StakeholderId))
        }
        Parent::PolicyIssue => {
            filter.policy_issue_id = None;
            let select = select(backend, viewer, &filter).join(
                JoinType::InnerJoin,
                contribution_issue::Relation::Contribution.def().rev(),
            );
            let parent = Expr::col((
                contribution_issue::Entity,
                contribution_issue::Column::PolicyIssueId,
            ));
            (select, parent)
        }
    }
}

/// One page of readable contributions for each parent, in one statement.
#[tracing::instrument(
    name = "read::pages_by_parent",
    level = "debug",
    skip_all,
    err(Debug, level = "debug")
)]
pub async fn pages_by_parent(
    db: &impl Db,
    viewer: &Viewer,
    parent: Parent,
    parent_ids: &[i64],
    filter: &ContributionFilter,
    page: &Page,
) -> AppResult<HashMap<i64, Slice<Model>>> {
    let (select, parent_expr) =
        select_with_parent(db.get_database_backend(), viewer, filter, parent);
    paging::fetch_pages_by_parent(db, select, parent_expr, Column::Id, parent_ids, page).await
}

/// How many readable contributions each parent has, in one statement.
#[tracing::instrument(
    name = "read::counts_by_parent",
    level = "debug",
    skip_all,
    err(Debug, level = "debug")
)]
pub async fn counts_by_parent(
    db: &impl Db,
    viewer: &Viewer,
    parent: Parent,
    parent_ids: &[i64],
    filter: &ContributionFilter,
) -> AppResult<HashMap<i64, u64>> {
    let (select, parent_expr) =
        select_with_parent(db.get_database_backend(), viewer, filter, parent);
    Ok(paging::counts_by_parent(db, select, parent_expr, parent_ids).await?)
}

/// The contributions with these ids that `viewer` may read.
#[tracing::instrument(
    name = "read::by_ids",
    level = "debug",
    skip_all,
    err(Debug, level = "debug")
)]
pub async fn by_ids(db: &impl Db, viewer: &Viewer, ids: &[i64]) -> AppResult<HashMap<i64, Model>> {
    let reading = crate::service::rows::Reading::Where(policy::readable_contributions(viewer));
    crate::service::rows::by_ids::<Entity>(db, reading, ids).await
}

/// Revisions with these ids whose contribution `viewer` may read.
pub async fn revisions_by_ids(
    db: &impl Db,
    viewer: &Viewer,
    ids: &[i64],
) -> AppResult<HashMap<i64, contribution_revision::Model>> {
    let rows = contribution_revision::Entity::find()
        .filter(contribution_revision::Column::Id.is_in(ids.iter().copied()))
        .filter(readable_parent(viewer))
        .all(db)
        .await?;
    Ok(rows.into_iter().map(|m| (m.id, m)).collect())
}

/// The revision a contribution currently shows, for each `(contribution, number)` pair.
pub async fn revisions_by_number(
    db: &impl Db,
    viewer: &Viewer,
    keys: &[(i64, i32)],
) -> AppResult<HashMap<(i64, i32), contribution_revision::Model>> {
    let mut by_pair = Condition::any();
    for &(contribution, number) in keys {
        by_pair = by_pair.add(
            Condition::all()
                .add(contribution_revision::Column::ContributionId.eq(contribution))
                .add(contribution_revision::Column::Number.eq(number)),
        );
    }
    let rows = contribution_revision::Entity::find()
        .filter(by_pair)
        .filter(readable_parent(viewer))
        .all(db)
        .await?;
    Ok(rows
        .into_iter()
        .map(|r| ((r.contribution_id, r.number), r))
        .collect())
}

/// Revisions whose contribution `viewer` may read.
fn readable_parent(viewer: &Viewer) -> Condition {
    Condition::all().add(
        contribution_revision::Column::ContributionId
            .in_subquery(policy::readable_contribution_ids(viewer)),
    )
}

/// Whether `hash` is the content hash of one of the contribution's revisions (for
/// anyone who may read the contribution); the matching revision if so.
pub async fn check_receipt(
    db: &impl Db,
    viewer: &Viewer,
    id: i64,
    hash: &str,
) -> MutationResult<Option<contribution_revision::Model>> {
    store::readable(db, viewer, id).await?;
    Ok(contribution_revision::Entity::find()
        .filter(contribution_revision::Column::ContributionId.eq(id))
        .filter(contribution_revision::Column::ContentHash.eq(hash.trim().to_ascii_lowercase()))
        .one(db)
        .await?)
}
