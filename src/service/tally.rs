//! Contribution counts kept per bucket (consultation × stakeholder group × kind ×
//! status × visibility, and the same per stakeholder), moved in the same transaction
//! as every write that moves a contribution: [`moved`] is called by the only two
//! functions that write contribution rows (`contributions::store::insert_contribution`
//! and `contributions::store::save`) and by the seed. Statistics read these rows (a
//! few dozen per consultation whatever its size) instead of counting contributions.
//!
//! [`rebuild`] recounts them from the contributions, for data loaded around the API
//! (SQL by hand, a bulk load), and [`check`] says whether they agree.

use entity::contribution;
use entity::enums::{ContributionKind, ContributionStatus, Visibility};
use entity::{contribution_tally as ct, stakeholder, stakeholder_tally as st};
use sea_orm::sea_query::{
    Alias, Expr, ExprTrait, InsertStatement, IntoIden, OnConflict, Query, SelectStatement,
};
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait};

/// Where a contribution is counted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Bucket {
    consultation_id: i64,
    stakeholder_id: i64,
    kind: ContributionKind,
    status: ContributionStatus,
    visibility: Visibility,
}

impl Bucket {
    fn of(row: &contribution::Model) -> Self {
        Bucket {
            consultation_id: row.consultation_id,
            stakeholder_id: row.stakeholder_id,
            kind: row.kind,
            status: row.status,
            visibility: row.visibility,
        }
    }
}

/// Moves a contribution between buckets: out of `before`'s (none for a new row), into
/// `after`'s. Nothing is written when the bucket is the same.
pub async fn moved(
    db: &impl ConnectionTrait,
    before: Option<&contribution::Model>,
    after: Option<&contribution::Model>,
) -> Result<(), DbErr> {
    let (from, to) = (before.map(Bucket::of), after.map(Bucket::of));
    if from == to {
        return Ok(());
    }
    if let Some(from) = from {
        add(db, from, -1).await?;
    }
    if let Some(to) = to {
        add(db, to, 1).await?;
    }
    Ok(())
}

/// The key columns of the per-group tally, then its count.
const BY_GROUP: [ct::Column; 6] = [
    ct::Column::ConsultationId,
    ct::Column::StakeholderGroup,
    ct::Column::Kind,
    ct::Column::Status,
    ct::Column::Visibility,
    ct::Column::N,
];

/// The key columns of the per-stakeholder tally, then its count.
const BY_STAKEHOLDER: [st::Column; 6] = [
    st::Column::ConsultationId,
    st::Column::StakeholderId,
    st::Column::Kind,
    st::Column::Status,
    st::Column::Visibility,
    st::Column::N,
];

/// `INSERT INTO table (columns) <rows> ON CONFLICT (key) DO UPDATE SET n = n + excluded.n`.
fn upsert<C: IntoIden + Copy + 'static>(
    table: impl IntoIden,
    columns: [C; 6],
) -> (InsertStatement, OnConflict) {
    let table = table.into_iden();
    let mut insert = Query::insert();
    insert.into_table(table.clone()).columns(columns);
    let [key @ .., n] = columns;
    let n = n.into_iden();
    let mut on_conflict = OnConflict::columns(key);
    on_conflict.value(
        n.clone(),
        Expr::col((table, n.clone())).add(Expr::col((Alias::new("excluded"), n))),
    );
    (insert, on_conflict)
}

/// Adds `delta` to a bucket's two counts, creating them at need (an upsert on both
/// databases; the group comes from the stakeholder row, and the `WHERE` of that
/// `SELECT` is also what lets SQLite read `INSERT … SELECT … ON CONFLICT` right).
async fn add(db: &impl ConnectionTrait, b: Bucket, delta: i64) -> Result<(), DbErr> {
    let (mut by_group, on_conflict) = upsert(ct::Entity, BY_GROUP);
    by_group
        .select_from(
            Query::select()
                .expr(Expr::val(b.consultation_id))
                .column(stakeholder::Column::StakeholderGroup)
                .expr(Expr::val(b.kind.as_str()))
                .expr(Expr::val(b.status.as_str()))
                .expr(Expr::val(b.visibility.as_str()))
                .expr(Expr::val(delta))
                .from(stakeholder::Entity)
                .and_where(stakeholder::Column::Id.eq(b.stakeholder_id))
                .take(),
        )
        .map_err(|e| DbErr::Custom(format!("tally insert: {e}")))?
        .on_conflict(on_conflict);
    db.execute(&by_group).await?;
    let (mut by_stakeholder, on_conflict) = upsert(st::Entity, BY_STAKEHOLDER);
    by_stakeholder
        .values_panic([
            b.consultation_id.into(),
            b.stakeholder_id.into(),
            b.kind.as_str().into(),
            b.status.as_str().into(),
            b.visibility.as_str().into(),
            delta.into(),
        ])
        .on_conflict(on_conflict);
    db.execute(&by_stakeholder).await?;
    Ok(())
}

/// The per-group counts, counted from the contributions (the columns of [`BY_GROUP`]).
fn counted_by_group() -> SelectStatement {
    use contribution::Column as C;
    let c = |col: C| (contribution::Entity, col);
    Query::select()
        .column(c(C::ConsultationId))
        .column((stakeholder::Entity, stakeholder::Column::StakeholderGroup))
        .columns([c(C::Kind), c(C::Status), c(C::Visibility)])
        .expr(Expr::col(c(C::Id)).count())
        .from(contribution::Entity)
        .inner_join(
            stakeholder::Entity,
            Expr::col((stakeholder::Entity, stakeholder::Column::Id)).equals(c(C::StakeholderId)),
        )
        .group_by_columns([
            c(C::ConsultationId),
            c(C::Kind),
            c(C::Status),
            c(C::Visibility),
        ])
        .group_by_col((stakeholder::Entity, stakeholder::Column::StakeholderGroup))
        .take()
}

/// The per-stakeholder counts, counted from the contributions (the columns of
/// [`BY_STAKEHOLDER`]).
fn counted_by_stakeholder() -> SelectStatement {
    use contribution::Column as C;
    let key = [
        C::ConsultationId,
        C::StakeholderId,
        C::Kind,
        C::Status,
        C::Visibility,
    ];
    Query::select()
        .columns(key)
        .expr(Expr::col(C::Id).count())
        .from(contribution::Entity)
        .group_by_columns(key)
        .take()
}

/// Recounts every tally from the contributions (call it in a transaction).
pub async fn rebuild(db: &impl ConnectionTrait) -> Result<(), DbErr> {
    ct::Entity::delete_many().exec(db).await?;
    st::Entity::delete_many().exec(db).await?;
    let fill = |table: InsertStatement, counted: SelectStatement| {
        let mut table = table;
        table
            .select_from(counted)
            .map_err(|e| DbErr::Custom(format!("tally rebuild: {e}")))?;
        Ok::<_, DbErr>(table)
    };
    let (by_group, _) = upsert(ct::Entity, BY_GROUP);
    db.execute(&fill(by_group, counted_by_group())?).await?;
    let (by_stakeholder, _) = upsert(st::Entity, BY_STAKEHOLDER);
    db.execute(&fill(by_stakeholder, counted_by_stakeholder())?)
        .await?;
    Ok(())
}

/// Whether the tallies agree with a count of the contributions: one line for each
/// bucket that differs (empty when they agree).
pub async fn check(db: &impl ConnectionTrait) -> Result<Vec<String>, DbErr> {
    use std::collections::{BTreeMap, BTreeSet};
    /// The rows of a statement selecting a bucket's five key columns and its count,
    /// keyed by their text (zero counts left out: a kept bucket may fall to zero).
    /// The second key column is a stakeholder's id, or else its group's name.
    async fn buckets(
        db: &impl ConnectionTrait,
        statement: &SelectStatement,
        by_stakeholder: bool,
    ) -> Result<BTreeMap<String, i64>, DbErr> {
        let mut out = BTreeMap::new();
        for row in db.query_all(statement).await? {
            let id: i64 = row.try_get_by_index(0)?;
            let second: String = if by_stakeholder {
                row.try_get_by_index::<i64>(1)?.to_string()
            } else {
                row.try_get_by_index(1)?
            };
            let key = [2, 3, 4]
                .iter()
                .map(|&i| row.try_get_by_index::<String>(i))
                .collect::<Result<Vec<_>, _>>()?;
            let n: i64 = row.try_get_by_index(5)?;
            if n != 0 {
                out.insert(format!("({id}, {second}, {})", key.join(", ")), n);
            }
        }
        Ok(out)
    }
    let kept_group = Query::select().columns(BY_GROUP).from(ct::Entity).take();
    let kept_by_group = buckets(db, &kept_group, false).await?;
    let kept_stakeholder = Query::select()
        .columns(BY_STAKEHOLDER)
        .from(st::Entity)
        .take();
    let kept_by_stakeholder = buckets(db, &kept_stakeholder, true).await?;
    let counted_group = buckets(db, &counted_by_group(), false).await?;
    let counted_stakeholder = buckets(db, &counted_by_stakeholder(), true).await?;
    let mut out = Vec::new();
    for (what, kept, counted) in [
        ("by stakeholder", &kept_by_stakeholder, &counted_stakeholder),
        ("by group", &kept_by_group, &counted_group),
    ] {
        let keys: BTreeSet<&String> = kept.keys().chain(counted.keys()).collect();
        for k in keys {
            let (a, b) = (kept.get(k).unwrap_or(&0), counted.get(k).unwrap_or(&0));
            if a != b {
                out.push(format!("{what} {k}: kept {a}, counted {b}"));
            }
        }
    }
    Ok(out)
}
