//! Loading rows for the batching loaders: by ids, and grouped by parent.

use crate::db::Db;
use crate::error::AppResult;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use std::collections::HashMap;

/// Loads the rows of `E` with the given ids, keyed by id (a loader's batch query).
pub(crate) async fn by_ids<E>(
    db: &impl Db,
    id: E::Column,
    ids: &[i64],
    key: fn(&E::Model) -> i64,
) -> AppResult<HashMap<i64, E::Model>>
where
    E: EntityTrait,
{
    let rows = E::find()
        .filter(id.is_in(ids.iter().copied()))
        .all(db)
        .await?;
    Ok(rows.into_iter().map(|m| (key(&m), m)).collect())
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
