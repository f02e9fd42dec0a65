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
use entity::enums::{ContributionKind, ContributionStatus, StakeholderGroup, Visibility};
use entity::{contribution_tally as ct, stakeholder, stakeholder_tally as st};
use sea_orm::sea_query::{Alias, Expr, ExprTrait, IntoIden, OnConflict, Query};
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

/// Adds `delta` to a bucket's two counts, creating them at need (an upsert on both
/// databases; the group comes from the stakeholder row, and the `WHERE` of that
/// `SELECT` is also what lets SQLite read `INSERT … SELECT … ON CONFLICT` right).
async fn add(db: &impl ConnectionTrait, b: Bucket, delta: i64) -> Result<(), DbErr> {
    let by_group = Query::insert()
        .into_table(ct::Entity)
        .columns([
            ct::Column::ConsultationId,
            ct::Column::StakeholderGroup,
            ct::Column::Kind,
            ct::Column::Status,
            ct::Column::Visibility,
            ct::Column::N,
        ])
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
        .on_conflict(
            OnConflict::columns([
                ct::Column::ConsultationId,
                ct::Column::StakeholderGroup,
                ct::Column::Kind,
                ct::Column::Status,
                ct::Column::Visibility,
            ])
            .value(
                ct::Column::N,
                Expr::col((ct::Entity, ct::Column::N)).add(excluded(ct::Column::N)),
            )
            .to_owned(),
        )
        .to_owned();
    db.execute(&by_group).await?;
    let by_stakeholder = Query::insert()
        .into_table(st::Entity)
        .columns([
            st::Column::ConsultationId,
            st::Column::StakeholderId,
            st::Column::Kind,
            st::Column::Status,
            st::Column::Visibility,
            st::Column::N,
        ])
        .values_panic([
            b.consultation_id.into(),
            b.stakeholder_id.into(),
            b.kind.as_str().into(),
            b.status.as_str().into(),
            b.visibility.as_str().into(),
            delta.into(),
        ])
        .on_conflict(
            OnConflict::columns([
                st::Column::ConsultationId,
                st::Column::StakeholderId,
                st::Column::Kind,
                st::Column::Status,
                st::Column::Visibility,
            ])
            .value(
                st::Column::N,
                Expr::col((st::Entity, st::Column::N)).add(excluded(st::Column::N)),
            )
            .to_owned(),
        )
        .to_owned();
    db.execute(&by_stakeholder).await?;
    Ok(())
}

/// The value an upsert would have written (`excluded.col`, on both databases).
fn excluded(col: impl IntoIden) -> Expr {
    Expr::col((Alias::new("excluded"), col))
}

/// Recounts every tally from the contributions (call it in a transaction).
pub async fn rebuild(db: &impl ConnectionTrait) -> Result<(), DbErr> {
    ct::Entity::delete_many().exec(db).await?;
    st::Entity::delete_many().exec(db).await?;
    let fill_by_group = Query::insert()
        .into_table(ct::Entity)
        .columns([
            ct::Column::ConsultationId,
            ct::Column::StakeholderGroup,
            ct::Column::Kind,
            ct::Column::Status,
            ct::Column::Visibility,
            ct::Column::N,
        ])
        .select_from(
            Query::select()
                .column((contribution::Entity, contribution::Column::ConsultationId))
                .column((stakeholder::Entity, stakeholder::Column::StakeholderGroup))
                .column((contribution::Entity, contribution::Column::Kind))
                .column((contribution::Entity, contribution::Column::Status))
                .column((contribution::Entity, contribution::Column::Visibility))
                .expr(Expr::col((contribution::Entity, contribution::Column::Id)).count())
                .from(contribution::Entity)
                .inner_join(
                    stakeholder::Entity,
                    Expr::col((stakeholder::Entity, stakeholder::Column::Id))
                        .equals((contribution::Entity, contribution::Column::StakeholderId)),
                )
                .group_by_columns([
                    (contribution::Entity, contribution::Column::ConsultationId),
                    (contribution::Entity, contribution::Column::Kind),
                    (contribution::Entity, contribution::Column::Status),
                    (contribution::Entity, contribution::Column::Visibility),
                ])
                .group_by_col((stakeholder::Entity, stakeholder::Column::StakeholderGroup))
                .take(),
        )
        .map_err(|e| DbErr::Custom(format!("tally rebuild: {e}")))?
        .to_owned();
    db.execute(&fill_by_group).await?;
    let fill_by_stakeholder = Query::insert()
        .into_table(st::Entity)
        .columns([
            st::Column::ConsultationId,
            st::Column::StakeholderId,
            st::Column::Kind,
            st::Column::Status,
            st::Column::Visibility,
            st::Column::N,
        ])
        .select_from(
            Query::select()
                .columns([
                    contribution::Column::ConsultationId,
                    contribution::Column::StakeholderId,
                    contribution::Column::Kind,
                    contribution::Column::Status,
                    contribution::Column::Visibility,
                ])
                .expr(Expr::col(contribution::Column::Id).count())
                .from(contribution::Entity)
                .group_by_columns([
                    contribution::Column::ConsultationId,
                    contribution::Column::StakeholderId,
                    contribution::Column::Kind,
                    contribution::Column::Status,
                    contribution::Column::Visibility,
                ])
                .take(),
        )
        .map_err(|e| DbErr::Custom(format!("tally rebuild: {e}")))?
        .to_owned();
    db.execute(&fill_by_stakeholder).await?;
    Ok(())
}

/// Whether the tallies agree with a count of the contributions: one line for each
/// bucket that differs (empty when they agree).
pub async fn check(db: &impl ConnectionTrait) -> Result<Vec<String>, DbErr> {
    use sea_orm::{JoinType, QuerySelect, RelationTrait};
    use std::collections::BTreeMap;
    type ByStakeholder = (i64, i64, ContributionKind, ContributionStatus, Visibility);
    type ByGroup = (
        i64,
        StakeholderGroup,
        ContributionKind,
        ContributionStatus,
        Visibility,
    );
    fn nonzero<K: Ord>(rows: impl IntoIterator<Item = (K, i64)>) -> BTreeMap<K, i64> {
        rows.into_iter().filter(|(_, n)| *n != 0).collect()
    }
    fn differences<K: Ord + std::fmt::Debug>(
        what: &str,
        kept: &BTreeMap<K, i64>,
        counted: &BTreeMap<K, i64>,
    ) -> Vec<String> {
        let keys: std::collections::BTreeSet<&K> = kept.keys().chain(counted.keys()).collect();
        keys.into_iter()
            .filter_map(|k| {
                let (a, b) = (kept.get(k).unwrap_or(&0), counted.get(k).unwrap_or(&0));
                (a != b).then(|| format!("{what} {k:?}: kept {a}, counted {b}"))
            })
            .collect()
    }
    let kept_st = nonzero(st::Entity::find().all(db).await?.into_iter().map(|r| {
        let key: ByStakeholder = (
            r.consultation_id,
            r.stakeholder_id,
            r.kind,
            r.status,
            r.visibility,
        );
        (key, r.n)
    }));
    let kept_ct = nonzero(ct::Entity::find().all(db).await?.into_iter().map(|r| {
        let key: ByGroup = (
            r.consultation_id,
            r.stakeholder_group,
            r.kind,
            r.status,
            r.visibility,
        );
        (key, r.n)
    }));
    let counted_st: Vec<(
        i64,
        i64,
        ContributionKind,
        ContributionStatus,
        Visibility,
        i64,
    )> = contribution::Entity::find()
        .select_only()
        .column(contribution::Column::ConsultationId)
        .column(contribution::Column::StakeholderId)
        .column(contribution::Column::Kind)
        .column(contribution::Column::Status)
        .column(contribution::Column::Visibility)
        .column_as(contribution::Column::Id.count(), "n")
        .group_by(contribution::Column::ConsultationId)
        .group_by(contribution::Column::StakeholderId)
        .group_by(contribution::Column::Kind)
        .group_by(contribution::Column::Status)
        .group_by(contribution::Column::Visibility)
        .into_tuple()
        .all(db)
        .await?;
    let counted_ct: Vec<(
        i64,
        StakeholderGroup,
        ContributionKind,
        ContributionStatus,
        Visibility,
        i64,
    )> = contribution::Entity::find()
        .select_only()
        .column(contribution::Column::ConsultationId)
        .column(stakeholder::Column::StakeholderGroup)
        .column(contribution::Column::Kind)
        .column(contribution::Column::Status)
        .column(contribution::Column::Visibility)
        .column_as(contribution::Column::Id.count(), "n")
        .join(
            JoinType::InnerJoin,
            contribution::Relation::Stakeholder.def(),
        )
        .group_by(contribution::Column::ConsultationId)
        .group_by(stakeholder::Column::StakeholderGroup)
        .group_by(contribution::Column::Kind)
        .group_by(contribution::Column::Status)
        .group_by(contribution::Column::Visibility)
        .into_tuple()
        .all(db)
        .await?;
    let counted_st = nonzero(
        counted_st
            .into_iter()
            .map(|(c, s, k, st, v, n)| ((c, s, k, st, v), n)),
    );
    let counted_ct = nonzero(
        counted_ct
            .into_iter()
            .map(|(c, g, k, st, v, n)| ((c, g, k, st, v), n)),
    );
    let mut out = differences("by stakeholder", &kept_st, &counted_st);
    out.extend(differences("by group", &kept_ct, &counted_ct));
    Ok(out)
}
