//! Linking a contribution to the policy issues it raises and the mechanisms it
//! discusses, each mechanism with a stance.

use super::store::{check_version, readable, save};
use crate::db::Db;
use crate::error::{MutationResult, UserError, UserErrorCode};
use crate::policy::{self, Action};
use crate::service::audit::{self, Actor, Change};
use crate::service::policy_issues;
use crate::viewer::Viewer;
use entity::contribution::{ActiveModel, Model};
use entity::enums::Stance;
use entity::{contribution_issue, contribution_mechanism, mechanism};
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, Set};

/// Replaces a contribution's links to policy issues and mechanisms (with stances):
/// its own stakeholder's principals, or the secretariat.
pub async fn tag(
    db: &impl Db,
    viewer: &Viewer,
    id: i64,
    version: i32,
    issues: &[i64],
    mechanisms: &[(i64, Stance)],
) -> MutationResult<Model> {
    policy::may_write(viewer)?;
    let before = readable(db, viewer, id).await?;
    policy::may(
        viewer,
        Action::Tag {
            stakeholder_id: before.stakeholder_id,
        },
    )?;
    check_version(&before, version)?;
    let issue_ids = policy_issues::require_all(db, "issues", issues).await?;
    let mut mechanism_ids: Vec<i64> = mechanisms.iter().map(|(m, _)| *m).collect();
    mechanism_ids.sort_unstable();
    mechanism_ids.dedup();
    if mechanism_ids.len() != mechanisms.len() {
        return Err(UserError::new(
            "mechanisms",
            UserErrorCode::Invalid,
            "Give each mechanism once, with one stance",
        )
        .into());
    }
    let found = mechanism::Entity::find()
        .filter(mechanism::Column::Id.is_in(mechanism_ids.iter().copied()))
        .all(db)
        .await?;
    if found.len() != mechanism_ids.len() {
        return Err(UserError::new(
            "mechanisms",
            UserErrorCode::NotFound,
            "A mechanism given does not exist",
        )
        .into());
    }
    let txn = db.begin().await?;
    let after = save(&txn, &before, <ActiveModel as Default>::default()).await?;
    contribution_issue::Entity::delete_many()
        .filter(contribution_issue::Column::ContributionId.eq(id))
        .exec(&txn)
        .await?;
    contribution_mechanism::Entity::delete_many()
        .filter(contribution_mechanism::Column::ContributionId.eq(id))
        .exec(&txn)
        .await?;
    for issue in issue_ids {
        contribution_issue::ActiveModel {
            contribution_id: Set(id),
            policy_issue_id: Set(issue),
        }
        .insert(&txn)
        .await?;
    }
    for (mechanism_id, stance) in mechanisms {
        contribution_mechanism::ActiveModel {
            contribution_id: Set(id),
            mechanism_id: Set(*mechanism_id),
            stance: Set(*stance),
        }
        .insert(&txn)
        .await?;
    }
    audit::append(
        &txn,
        &Actor::of(viewer),
        Change {
            action: "contribution.tag",
            target_type: "Contribution",
            target_id: Some(id),
            before: Some(audit::state_hash(&before)),
            after: Some(audit::state_hash(&(
                issues,
                mechanisms
                    .iter()
                    .map(|(m, s)| (m, s.as_str()))
                    .collect::<Vec<_>>(),
            ))),
        },
    )
    .await?;
    txn.commit().await?;
    Ok(after)
}
