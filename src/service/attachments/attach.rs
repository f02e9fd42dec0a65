//! A revision's documents: fixed with the revision. A new revision carries the one
//! before's forward (rows of its own naming the same blobs) unless it is given a list,
//! which replaces them: uploads of the caller's, attached now, and attachments of the
//! contribution's earlier revisions, kept.

use crate::error::{MutationResult, UserError, UserErrorCode};
use crate::viewer::Viewer;
use chrono::{DateTime, Utc};
use entity::attachment::{ActiveModel, Column, Entity, Model};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseTransaction, EntityTrait, QueryFilter,
    QueryOrder, Set,
};
use std::collections::HashMap;

/// A document named for a revision.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Pick {
    /// An upload of the caller's, attached now.
    Upload(i64),
    /// An attachment of one of the contribution's revisions, kept.
    Attachment(i64),
}

/// What a write does to a revision's documents.
#[derive(Debug, Clone, Copy)]
pub struct Change<'a> {
    pub contribution_id: i64,
    /// The revision whose documents are carried forward when `picks` is `None` (the one
    /// before; the same one for a draft edited in place; `None` for a new contribution).
    pub previous: Option<i32>,
    /// The revision written.
    pub revision: i32,
    /// The documents it has, in order; `None`: the previous revision's.
    pub picks: Option<&'a [Pick]>,
    /// Most documents a revision may have.
    pub max: usize,
    pub now: DateTime<Utc>,
}

/// The documents of revision `number` of a contribution, in order.
pub async fn of_revision(
    db: &impl ConnectionTrait,
    contribution_id: i64,
    number: i32,
) -> Result<Vec<Model>, sea_orm::DbErr> {
    Entity::find()
        .filter(Column::ContributionId.eq(contribution_id))
        .filter(Column::RevisionNumber.eq(number))
        .order_by_asc(Column::Position)
        .all(db)
        .await
}

/// The documents of each `(contribution, revision number)`, in one statement.
pub async fn of_revisions(
    db: &impl ConnectionTrait,
    keys: &[(i64, i32)],
) -> Result<HashMap<(i64, i32), Vec<Model>>, sea_orm::DbErr> {
    let mut out: HashMap<(i64, i32), Vec<Model>> = HashMap::new();
    if keys.is_empty() {
        return Ok(out);
    }
    let contributions: Vec<i64> = keys.iter().map(|k| k.0).collect();
    let rows = Entity::find()
        .filter(Column::ContributionId.is_in(contributions))
        .order_by_asc(Column::ContributionId)
        .order_by_asc(Column::RevisionNumber)
        .order_by_asc(Column::Position)
        .all(db)
        .await?;
    for row in rows {
        let key = (row.contribution_id, row.revision_number);
        if keys.contains(&key) {
            out.entry(key).or_default().push(row);
        }
    }
    for key in keys {
        out.entry(*key).or_default();
    }
    Ok(out)
}

fn entry(code: UserErrorCode, message: String) -> UserError {
    UserError::new("attachments", code, message)
}

/// Writes the documents of `change.revision` in `txn`. Uploads attached are removed
/// from the caller's uploads; the blobs stay (rows name them now).
pub async fn apply(
    txn: &DatabaseTransaction,
    viewer: &Viewer,
    change: Change<'_>,
) -> MutationResult<Vec<Model>> {
    let Change {
        contribution_id,
        previous,
        revision,
        picks,
        max,
        now,
    } = change;
    let before = match previous {
        Some(number) => of_revision(txn, contribution_id, number).await?,
        None => Vec::new(),
    };
    let Some(picks) = picks else {
        if previous == Some(revision) || before.is_empty() {
            return Ok(before);
        }
        let mut out = Vec::with_capacity(before.len());
        for (position, kept) in before.iter().enumerate() {
            out.push(insert_copy(txn, kept, revision, position as i32, now).await?);
        }
        return Ok(out);
    };
    if picks.len() > max {
        return Err(entry(
            UserErrorCode::TooLarge,
            format!("A revision may have at most {max} documents"),
        )
        .into());
    }
    let mut seen = std::collections::HashSet::new();
    if picks.iter().any(|p| !seen.insert(*p)) {
        return Err(entry(
            UserErrorCode::Invalid,
            "The same document is named twice".into(),
        )
        .into());
    }
    let owner = match viewer {
        Viewer::Principal(p) => p.subject.label(),
        Viewer::Anonymous => String::new(),
    };
    let upload_ids: Vec<i64> = picks
        .iter()
        .filter_map(|p| match p {
            Pick::Upload(id) => Some(*id),
            Pick::Attachment(_) => None,
        })
        .collect();
    let attachment_ids: Vec<i64> = picks
        .iter()
        .filter_map(|p| match p {
            Pick::Attachment(id) => Some(*id),
            Pick::Upload(_) => None,
        })
        .collect();
    let uploads: HashMap<i64, entity::upload::Model> =
        super::uploads::ready_of(txn, &owner, &upload_ids)
            .await?
            .into_iter()
            .map(|u| (u.id, u))
            .collect();
    let kept: HashMap<i64, Model> = if attachment_ids.is_empty() {
        HashMap::new()
    } else {
        Entity::find()
            .filter(Column::Id.is_in(attachment_ids))
            .filter(Column::ContributionId.eq(contribution_id))
            .all(txn)
            .await?
            .into_iter()
            .map(|a| (a.id, a))
            .collect()
    };
    for pick in picks {
        let found = match pick {
            Pick::Upload(id) => uploads.contains_key(id),
            Pick::Attachment(id) => kept.contains_key(id),
        };
        if !found {
            return Err(entry(
                UserErrorCode::NotFound,
                match pick {
                    Pick::Upload(_) => {
                        "No such upload of yours ready to attach (uploads are attached once; \
                         send the bytes of a two-step upload first)"
                            .into()
                    }
                    Pick::Attachment(_) => "No such document on this contribution".into(),
                },
            )
            .into());
        }
    }
    if previous == Some(revision) {
        Entity::delete_many()
            .filter(Column::ContributionId.eq(contribution_id))
            .filter(Column::RevisionNumber.eq(revision))
            .exec(txn)
            .await?;
    }
    let mut out = Vec::with_capacity(picks.len());
    for (position, pick) in picks.iter().enumerate() {
        let position = position as i32;
        let row = match pick {
            Pick::Attachment(id) => insert_copy(txn, &kept[id], revision, position, now).await?,
            Pick::Upload(id) => {
                let u = &uploads[id];
                ActiveModel {
                    contribution_id: Set(contribution_id),
                    revision_number: Set(revision),
                    position: Set(position),
                    owner: Set(u.owner.clone()),
                    blob_key: Set(u.blob_key.clone()),
                    name: Set(u.name.clone()),
                    content_type: Set(u.content_type.clone().unwrap_or_default()),
                    size: Set(u.size),
                    sha256: Set(u.sha256.clone().unwrap_or_default()),
                    text: Set(u.text.clone()),
                    created_at: Set(now),
                    ..Default::default()
                }
                .insert(txn)
                .await?
            }
        };
        out.push(row);
    }
    if !upload_ids.is_empty() {
        entity::upload::Entity::delete_many()
            .filter(entity::upload::Column::Id.is_in(upload_ids))
            .exec(txn)
            .await?;
    }
    Ok(out)
}

async fn insert_copy(
    txn: &DatabaseTransaction,
    kept: &Model,
    revision: i32,
    position: i32,
    now: DateTime<Utc>,
) -> Result<Model, sea_orm::DbErr> {
    ActiveModel {
        contribution_id: Set(kept.contribution_id),
        revision_number: Set(revision),
        position: Set(position),
        owner: Set(kept.owner.clone()),
        blob_key: Set(kept.blob_key.clone()),
        name: Set(kept.name.clone()),
        content_type: Set(kept.content_type.clone()),
        size: Set(kept.size),
        sha256: Set(kept.sha256.clone()),
        text: Set(kept.text.clone()),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(txn)
    .await
}

/// The text a search finds the revision's documents by, run together.
pub fn search_text(rows: &[Model]) -> String {
    rows.iter()
        .filter_map(|a| a.text.as_deref())
        .collect::<Vec<_>>()
        .join("\n\n")
}
