//! The relations that the schema lists as nested connections, each described once:
//! which rows, and which expression names each row's parent. Paging and counting are
//! generic ([`crate::paging::fetch_pages_by_parent`], [`crate::paging::counts_by_parent`]),
//! so every relation is batched the same way: one statement per level of a query.

use crate::db::Db;
use crate::error::AppResult;
use crate::paging::{self, Page, Slice};
use crate::policy::readable_contribution_ids;
use crate::viewer::Viewer;
use entity::{
    consultation_document, contribution_issue, contribution_mechanism, contribution_revision,
    document, mechanism, mechanism_issue, meeting, policy_issue,
};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ColumnTrait, EntityTrait, JoinType, QueryFilter, QuerySelect, RelationTrait, Select,
};
use std::collections::HashMap;
use std::hash::Hash;

/// A parent-to-children relation listed as a connection.
pub trait Relation: Copy + Eq + Hash + Send + Sync + 'static {
    type Entity: EntityTrait<Model: Sync>;

    /// The children `viewer` may read, with the expression that gives each row's parent.
    fn select(viewer: &Viewer) -> (Select<Self::Entity>, Expr);

    /// The unique, indexed key children are ordered and paged by.
    fn key() -> <Self::Entity as EntityTrait>::Column;
}

/// Model of a relation's child rows.
pub type Child<R> = <<R as Relation>::Entity as EntityTrait>::Model;

/// One page of children for each parent, in one statement.
pub async fn pages<R: Relation>(
    db: &impl Db,
    viewer: &Viewer,
    parent_ids: &[i64],
    page: &Page,
) -> AppResult<HashMap<i64, Slice<Child<R>>>> {
    let (select, parent) = R::select(viewer);
    paging::fetch_pages_by_parent(db, select, parent, R::key(), parent_ids, page).await
}

/// How many children each parent has, in one statement.
pub async fn counts<R: Relation>(
    db: &impl Db,
    viewer: &Viewer,
    parent_ids: &[i64],
) -> AppResult<HashMap<i64, u64>> {
    let (select, parent) = R::select(viewer);
    Ok(paging::counts_by_parent(db, select, parent, parent_ids).await?)
}

/// Declares a relation.
macro_rules! relation {
    ($(#[$doc:meta])* $name:ident: $entity:ident by $key:expr, |$viewer:ident| $select:expr, parent $parent:expr) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
        pub struct $name;

        impl Relation for $name {
            type Entity = $entity::Entity;

            fn select($viewer: &Viewer) -> (Select<Self::Entity>, Expr) {
                ($select, $parent)
            }

            fn key() -> $entity::Column {
                $key
            }
        }
    };
}

relation!(
    /// A consultation's meetings.
    MeetingsOfConsultation: meeting by meeting::Column::Id,
    |_viewer| meeting::Entity::find(),
    parent Expr::col((meeting::Entity, meeting::Column::ConsultationId))
);

relation!(
    /// The documents a consultation cites.
    DocumentsOfConsultation: document by document::Column::Id,
    |_viewer| document::Entity::find()
        .join(JoinType::InnerJoin, consultation_document::Relation::Document.def().rev()),
    parent Expr::col((consultation_document::Entity, consultation_document::Column::ConsultationId))
);

relation!(
    /// The policy issues a mechanism addresses.
    IssuesOfMechanism: policy_issue by policy_issue::Column::Id,
    |_viewer| policy_issue::Entity::find()
        .join(JoinType::InnerJoin, mechanism_issue::Relation::PolicyIssue.def().rev()),
    parent Expr::col((mechanism_issue::Entity, mechanism_issue::Column::MechanismId))
);

relation!(
    /// The mechanisms that address a policy issue.
    MechanismsOfIssue: mechanism by mechanism::Column::Id,
    |_viewer| mechanism::Entity::find()
        .join(JoinType::InnerJoin, mechanism_issue::Relation::Mechanism.def().rev()),
    parent Expr::col((mechanism_issue::Entity, mechanism_issue::Column::PolicyIssueId))
);

relation!(
    /// The mechanisms a stakeholder hosts.
    MechanismsHostedBy: mechanism by mechanism::Column::Id,
    |_viewer| mechanism::Entity::find(),
    parent Expr::col((mechanism::Entity, mechanism::Column::HostStakeholderId))
);

relation!(
    /// The policy issues a contribution raises, if the viewer may read the contribution.
    IssuesOfContribution: policy_issue by policy_issue::Column::Id,
    |viewer| policy_issue::Entity::find()
        .join(JoinType::InnerJoin, contribution_issue::Relation::PolicyIssue.def().rev())
        .filter(contribution_issue::Column::ContributionId.in_subquery(readable_contribution_ids(viewer))),
    parent Expr::col((contribution_issue::Entity, contribution_issue::Column::ContributionId))
);

relation!(
    /// The mechanisms a contribution discusses, with its stance, if the viewer may read
    /// the contribution. Paged by mechanism id.
    MechanismsOfContribution: contribution_mechanism by contribution_mechanism::Column::MechanismId,
    |viewer| contribution_mechanism::Entity::find()
        .filter(contribution_mechanism::Column::ContributionId.in_subquery(readable_contribution_ids(viewer))),
    parent Expr::col((contribution_mechanism::Entity, contribution_mechanism::Column::ContributionId))
);

relation!(
    /// A contribution's revisions, oldest first, if the viewer may read the contribution.
    RevisionsOfContribution: contribution_revision by contribution_revision::Column::Id,
    |viewer| contribution_revision::Entity::find()
        .filter(contribution_revision::Column::ContributionId.in_subquery(readable_contribution_ids(viewer))),
    parent Expr::col((contribution_revision::Entity, contribution_revision::Column::ContributionId))
);
