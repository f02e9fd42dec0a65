//! Relay-style paging by keyset on the indexed `id` column: `WHERE id > cursor ORDER
//! BY id LIMIT n+1`, never OFFSET. Cursors are opaque; sizes are bounded.

use crate::db::Db;
use crate::error::{AppError, AppResult};
use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use sea_orm::sea_query::{
    Alias, Asterisk, Expr, ExprTrait, Func, Order, OverStatement, Query, WindowStatement,
};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbBackend, DbErr, EntityTrait, FromQueryResult, JoinType,
    PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, QueryTrait, Select,
};
use std::collections::HashMap;
use std::{future::Future, pin::Pin, sync::Arc};

/// Largest page a client may ask for with `first` or `last`.
pub const MAX_PAGE_SIZE: i32 = 100;
/// Page size when neither `first` nor `last` is given.
pub const DEFAULT_PAGE_SIZE: i32 = 20;

/// The paging arguments as a client sent them.
#[derive(Debug, Clone, Default)]
pub struct PageArgs {
    pub first: Option<i32>,
    pub after: Option<String>,
    pub last: Option<i32>,
    pub before: Option<String>,
}

/// Validated paging arguments.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Page {
    pub after: Option<i64>,
    pub before: Option<i64>,
    pub size: u64,
    /// `last`/`before` paging: the page ends at `before` and is read backwards.
    pub backward: bool,
}

impl Page {
    pub fn parse(args: &PageArgs) -> AppResult<Page> {
        if args.first.is_some() && args.last.is_some() {
            return Err(AppError::bad_input(
                "Pass either `first` or `last`, not both",
            ));
        }
        let size = |name: &str, n: i32| -> AppResult<u64> {
            if !(0..=MAX_PAGE_SIZE).contains(&n) {
                return Err(AppError::bad_input(format!(
                    "`{name}` must be between 0 and {MAX_PAGE_SIZE}; it was {n}"
                )));
            }
            Ok(n as u64)
        };
        let (size, backward) = match (args.first, args.last) {
            (_, Some(last)) => (size("last", last)?, true),
            (Some(first), None) => (size("first", first)?, false),
            (None, None) => (DEFAULT_PAGE_SIZE as u64, false),
        };
        Ok(Page {
            after: args
                .after
                .as_deref()
                .map(|c| decode_cursor("after", c))
                .transpose()?,
            before: args
                .before
                .as_deref()
                .map(|c| decode_cursor("before", c))
                .transpose()?,
            size,
            backward,
        })
    }
}

const CURSOR_PREFIX: &str = "cursor:";

/// The opaque cursor of the row with key `id`.
pub fn encode_cursor(id: i64) -> String {
    URL_SAFE_NO_PAD.encode(format!("{CURSOR_PREFIX}{id}"))
}

fn decode_cursor(arg: &str, raw: &str) -> AppResult<i64> {
    URL_SAFE_NO_PAD
        .decode(raw)
        .ok()
        .and_then(|bytes| String::from_utf8(bytes).ok())
        .and_then(|text| text.strip_prefix(CURSOR_PREFIX)?.parse::<i64>().ok())
        .ok_or_else(|| {
            AppError::bad_input(format!(
                "`{arg}` is not a cursor from this API; use a `cursor` or `pageInfo` value as returned"
            ))
        })
}

/// One page of rows, in ascending key order.
#[derive(Debug, Clone)]
pub struct Slice<M> {
    pub items: Vec<M>,
    pub has_previous: bool,
    pub has_next: bool,
}

impl<M> Slice<M> {
    /// A page with nothing in it.
    pub fn empty() -> Slice<M> {
        Slice {
            items: Vec::new(),
            has_previous: false,
            has_next: false,
        }
    }
}

type CountFuture = Pin<Box<dyn Future<Output = Result<u64, DbErr>> + Send>>;

/// Counts all rows of a listing (not just the page), run only when `totalCount` is asked for.
#[derive(Clone)]
pub struct Counter(Arc<dyn Fn() -> CountFuture + Send + Sync>);

impl Counter {
    pub fn new<E>(db: &impl Db, select: Select<E>) -> Counter
    where
        E: EntityTrait,
        E::Model: Sync,
    {
        let db = db.clone();
        Counter(Arc::new(move || {
            let db = db.clone();
            let select = select.clone();
            Box::pin(async move { select.count(&db).await })
        }))
    }

    pub async fn count(&self) -> AppResult<u64> {
        Ok((self.0)().await?)
    }
}

/// A page and the count of the whole listing.
pub struct Listing<M> {
    pub slice: Slice<M>,
    pub counter: Counter,
}

/// Reads one page of `select` by keyset on `id`.
pub async fn fetch_page<E, C>(
    db: &C,
    select: Select<E>,
    id: E::Column,
    page: &Page,
) -> Result<Slice<E::Model>, DbErr>
where
    E: EntityTrait,
    C: ConnectionTrait,
{
    let mut query = select.clone();
    if let Some(after) = page.after {
        query = query.filter(id.gt(after));
    }
    if let Some(before) = page.before {
        query = query.filter(id.lt(before));
    }
    query = if page.backward {
        query.order_by_desc(id)
    } else {
        query.order_by_asc(id)
    };
    let mut items = query.limit(page.size + 1).all(db).await?;
    let more = items.len() as u64 > page.size;
    items.truncate(page.size as usize);
    if page.backward {
        items.reverse();
    }
    // Whether rows exist on the far side of the cursor the client started from.
    let beyond = match (page.backward, page.after, page.before) {
        (false, Some(after), _) => any_row(db, select.filter(id.lte(after)), id).await?,
        (true, _, Some(before)) => any_row(db, select.filter(id.gte(before)), id).await?,
        _ => false,
    };
    let (has_previous, has_next) = if page.backward {
        (more, beyond)
    } else {
        (beyond, more)
    };
    Ok(Slice {
        items,
        has_previous,
        has_next,
    })
}

async fn any_row<E: EntityTrait, C: ConnectionTrait>(
    db: &C,
    select: Select<E>,
    id: E::Column,
) -> Result<bool, DbErr> {
    let row: Option<i64> = select
        .select_only()
        .column(id)
        .limit(1)
        .into_tuple()
        .one(db)
        .await?;
    Ok(row.is_some())
}

/// Pages `select` and prepares its count: the usual body of a list service.
pub async fn list<E>(
    db: &impl Db,
    select: Select<E>,
    id: E::Column,
    page: &Page,
) -> AppResult<Listing<E::Model>>
where
    E: EntityTrait,
    E::Model: Sync,
{
    let slice = fetch_page(db, select.clone(), id, page).await?;
    Ok(Listing {
        slice,
        counter: Counter::new(db, select),
    })
}

/// Reads one page per parent in a single statement: the rows of `select` whose
/// `parent` expression is one of `parents`, numbered per parent and cut at the page
/// size (on PostgreSQL a `LATERAL` subquery per parent with `LIMIT`; on SQLite
/// `ROW_NUMBER() OVER (PARTITION BY parent ORDER BY id)` over them all).
/// This is how nested connections (a stakeholder's contributions, for a page of
/// stakeholders) avoid one query per parent.
pub async fn fetch_pages_by_parent<E, C>(
    db: &C,
    select: Select<E>,
    parent: Expr,
    id: E::Column,
    parents: &[i64],
    page: &Page,
) -> Result<HashMap<i64, Slice<E::Model>>, DbErr>
where
    E: EntityTrait,
    C: ConnectionTrait,
{
    const ROW_NUMBER: &str = "concord_row_number";
    const PARENT: &str = "concord_parent";
    let order = if page.backward {
        Order::Desc
    } else {
        Order::Asc
    };
    let mut window = WindowStatement::new();
    window.order_by((E::default(), id), order.clone());
    let mut inner = select.clone();
    if let Some(after) = page.after {
        inner = inner.filter(id.gt(after));
    }
    if let Some(before) = page.before {
        inner = inner.filter(id.lt(before));
    }
    let outer = if db.get_database_backend() == DbBackend::Postgres && !parents.is_empty() {
        // PostgreSQL: each parent's page through its own index range, stopping at the
        // page size (LATERAL … LIMIT), rather than numbering every row of every parent:
        // 2 ms instead of 47 ms for 50 stakeholders of 100 contributions each.
        const PARENTS: &str = "concord_parents";
        let parent_value = Expr::col((Alias::new(PARENTS), Alias::new("column1")));
        let mut per_parent = inner
            .filter(parent.clone().eq(parent_value.clone()))
            .order_by(id, order)
            .limit(page.size + 1)
            .into_query();
        per_parent.expr_window_as(Func::cust("ROW_NUMBER"), window, Alias::new(ROW_NUMBER));
        Query::select()
            .expr_as(parent_value, Alias::new(PARENT))
            .column((Alias::new("numbered"), Asterisk))
            .from_values(parents.iter().copied(), Alias::new(PARENTS))
            .join_lateral(
                JoinType::InnerJoin,
                per_parent,
                Alias::new("numbered"),
                Expr::val(true),
            )
            .take()
    } else {
        // SQLite has no LATERAL: number the rows of all the parents, keep the first ones.
        window.add_partition_by(parent.clone());
        let mut numbered = inner
            .filter(parent.clone().is_in(parents.iter().copied()))
            .into_query();
        numbered
            .expr_as(parent.clone(), Alias::new(PARENT))
            .expr_window_as(Func::cust("ROW_NUMBER"), window, Alias::new(ROW_NUMBER));
        Query::select()
            .column(Asterisk)
            .from_subquery(numbered, Alias::new("numbered"))
            .and_where(Expr::col(Alias::new(ROW_NUMBER)).lte(page.size as i64 + 1))
            .take()
    };
    let rows = db.query_all(&outer).await?;

    let mut numbered: HashMap<i64, Vec<(i64, E::Model)>> = HashMap::new();
    for row in rows {
        let parent: i64 = row.try_get("", PARENT)?;
        let number: i64 = row.try_get("", ROW_NUMBER)?;
        numbered
            .entry(parent)
            .or_default()
            .push((number, E::Model::from_query_result(&row, "")?));
    }
    let beyond = match (page.backward, page.after, page.before) {
        (false, Some(after), _) => {
            counts_by_parent(db, select.filter(id.lte(after)), parent, parents).await?
        }
        (true, _, Some(before)) => {
            counts_by_parent(db, select.filter(id.gte(before)), parent, parents).await?
        }
        _ => HashMap::new(),
    };
    Ok(parents
        .iter()
        .map(|&p| {
            let mut rows = numbered.remove(&p).unwrap_or_default();
            rows.sort_by_key(|(number, _)| *number);
            let more = rows.len() as u64 > page.size;
            let mut items: Vec<E::Model> = rows
                .into_iter()
                .take(page.size as usize)
                .map(|(_, m)| m)
                .collect();
            if page.backward {
                items.reverse();
            }
            let beyond = beyond.get(&p).is_some_and(|&n| n > 0);
            let (has_previous, has_next) = if page.backward {
                (more, beyond)
            } else {
                (beyond, more)
            };
            (
                p,
                Slice {
                    items,
                    has_previous,
                    has_next,
                },
            )
        })
        .collect())
}

/// Counts the rows of `select` per parent in one `GROUP BY` statement; parents
/// without rows are absent.
pub async fn counts_by_parent<E, C>(
    db: &C,
    select: Select<E>,
    parent: Expr,
    parents: &[i64],
) -> Result<HashMap<i64, u64>, DbErr>
where
    E: EntityTrait,
    C: ConnectionTrait,
{
    let rows: Vec<(i64, i64)> = select
        .select_only()
        .column_as(parent.clone(), "concord_parent")
        .column_as(Expr::cust("COUNT(*)"), "concord_count")
        .filter(parent.clone().is_in(parents.iter().copied()))
        .group_by(parent)
        .into_tuple()
        .all(db)
        .await?;
    Ok(rows
        .into_iter()
        .map(|(p, n)| (p, u64::try_from(n).unwrap_or(0)))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(first: Option<i32>, last: Option<i32>) -> PageArgs {
        PageArgs {
            first,
            last,
            ..PageArgs::default()
        }
    }

    #[test]
    fn bounds_page_sizes() {
        assert_eq!(
            Page::parse(&args(None, None)).unwrap().size,
            DEFAULT_PAGE_SIZE as u64
        );
        assert_eq!(Page::parse(&args(Some(100), None)).unwrap().size, 100);
        for bad in [
            args(Some(101), None),
            args(None, Some(-1)),
            args(Some(1), Some(1)),
        ] {
            assert_eq!(Page::parse(&bad).unwrap_err().code(), "BAD_USER_INPUT");
        }
    }

    #[test]
    fn cursors_round_trip_and_garbage_is_refused() {
        let page = Page::parse(&PageArgs {
            after: Some(encode_cursor(7)),
            ..PageArgs::default()
        });
        assert_eq!(page.unwrap().after, Some(7));
        let bad = Page::parse(&PageArgs {
            before: Some("bm9wZQ".into()),
            ..PageArgs::default()
        });
        assert_eq!(bad.unwrap_err().code(), "BAD_USER_INPUT");
    }
}
