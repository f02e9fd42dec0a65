//! Loading rows for the batching loaders: by ids, and grouped by parent.

use crate::db::Db;
use crate::error::AppResult;
use crate::policy;
use sea_orm::{ColumnTrait, Condition, EntityTrait, QueryFilter};
use std::collections::HashMap;

/// A table whose rows a loader fetches by their key.
pub(crate) trait Keyed: EntityTrait {
    /// The key column.
    const ID: Self::Column;
    /// A row's key.
    fn key(row: &Self::Model) -> i64;
}

/// Every table fetched by key (each keyed by `id`).
macro_rules! keyed {
    ($($table:ident),* $(,)?) => {
        $(
            impl Keyed for entity::$table::Entity {
                const ID: entity::$table::Column = entity::$table::Column::Id;
                fn key(row: &entity::$table::Model) -> i64 {
                    row.id
                }
            }
        )*
    };
}

keyed!(
    account,
    api_client,
    audit_event,
    consultation,
    contribution,
    contribution_tombstone,
    document,
    mechanism,
    meeting,
    policy_issue,
    stakeholder,
);

/// What of a table a caller may read, as the read policy (`policy::readable_…`) says.
pub(crate) enum Reading {
    /// Every row.
    All,
    /// The rows that meet a condition.
    Where(Condition),
    /// No row.
    Nothing,
}

impl Reading {
    /// The reading of a table of principals (accounts, API clients): every row, one's
    /// own (by key), or none.
    pub(crate) fn principals<E: Keyed>(readable: policy::Readable) -> Reading {
        match readable {
            policy::Readable::All => Reading::All,
            policy::Readable::Only(id) => Reading::Where(Condition::all().add(E::ID.eq(id))),
            policy::Readable::Nothing => Reading::Nothing,
        }
    }
}

/// The rows of `E` with the given ids that `reading` lets the caller read, keyed by id:
/// every batch load by key goes through here.
pub(crate) async fn by_ids<E: Keyed>(
    db: &impl Db,
    reading: Reading,
    ids: &[i64],
) -> AppResult<HashMap<i64, E::Model>> {
    let select = E::find().filter(E::ID.is_in(ids.iter().copied()));
    let select = match reading {
        Reading::All => select,
        Reading::Where(condition) => select.filter(condition),
        Reading::Nothing => return Ok(HashMap::new()),
    };
    let rows = select.all(db).await?;
    Ok(rows.into_iter().map(|m| (E::key(&m), m)).collect())
}

/// Groups `(parent, child)` pairs into lists per parent, keeping their order.
pub(crate) fn group_by_parent<T>(
    pairs: impl IntoIterator<Item = (i64, T)>,
) -> HashMap<i64, Vec<T>> {
    let mut map: HashMap<i64, Vec<T>> = HashMap::new();
    for (parent, child) in pairs {
        map.entry(parent).or_default().push(child);
    }
    map
}

/// The condition that one of `columns`, in lower case, contains `text` (trimmed, any
/// case; `%`, `_` and `\\` taken literally): a search box's filter. `None` when the
/// text is blank.
pub(crate) fn containing<C>(text: Option<&str>, columns: &[C]) -> Option<sea_orm::Condition>
where
    C: sea_orm::sea_query::IntoColumnRef + Clone,
{
    use sea_orm::sea_query::{Expr, ExprTrait, Func, LikeExpr};
    let text = text.map(str::trim).filter(|t| !t.is_empty())?;
    let pattern = format!(
        "%{}%",
        text.to_lowercase()
            .replace('\\', "\\\\")
            .replace('%', "\\%")
            .replace('_', "\\_")
    );
    Some(columns.iter().fold(sea_orm::Condition::any(), |any, c| {
        any.add(
            Expr::expr(Func::lower(Expr::col(c.clone())))
                .like(LikeExpr::new(pattern.clone()).escape('\\')),
        )
    }))
}
