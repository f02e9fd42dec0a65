//! Uploads: documents received and not yet attached. By the GraphQL multipart request
//! (`receive`, from the file async-graphql spooled the part to), or in two steps:
//! `begin` records what will come (a `PENDING` row, no blob), `put` streams the bytes
//! to a blob and makes the row `READY`. Only the uploader sees or attaches its uploads.

use super::{Attachments, IngestError, Stored, extract, too_large};
use crate::db::Db;
use crate::error::{AppError, MutationError, MutationResult, UserError, UserErrorCode};
use crate::policy;
use crate::viewer::Viewer;
use actix_web::web::Bytes;
use chrono::Utc;
use entity::upload::{ActiveModel, Column, Entity, Model};
use futures_util::Stream;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbBackend, EntityTrait, QueryFilter, Set,
    Statement,
};

pub const PENDING: &str = "PENDING";
pub const READY: &str = "READY";

/// Bytes the principal `owner` keeps stored: its uploads (a pending one by its
/// announced size) and the blobs of the attachments it uploaded, each blob once.
pub async fn used(db: &impl ConnectionTrait, owner: &str) -> Result<i64, sea_orm::DbErr> {
    let backend = db.get_database_backend();
    let (a, b) = match backend {
        DbBackend::Postgres => ("$1", "$2"),
        _ => ("?", "?"),
    };
    // SQL safe: only placeholders are formatted in; the owner is bound twice.
    let sql = format!(
        "SELECT CAST(COALESCE((SELECT SUM(size) FROM upload WHERE owner = {a}), 0) \
         + COALESCE((SELECT SUM(size) FROM (SELECT DISTINCT blob_key, size FROM attachment \
         WHERE owner = {b}) AS kept), 0) AS BIGINT) AS used"
    );
    let row = db
        .query_one_raw(Statement::from_sql_and_values(
            backend,
            sql,
            [owner.into(), owner.into()],
        ))
        .await?;
    Ok(row
        .map(|r| r.try_get::<i64>("", "used"))
        .transpose()?
        .unwrap_or(0))
}

/// `QUOTA_EXCEEDED` unless `owner` may keep `more` bytes besides what it keeps.
async fn check_quota(
    db: &impl ConnectionTrait,
    attachments: &Attachments,
    owner: &str,
    more: u64,
) -> MutationResult<()> {
    let quota = attachments.settings.quota_bytes;
    let used = used(db, owner).await? as u64;
    if used + more > quota {
        return Err(UserError::new(
            "file",
            UserErrorCode::QuotaExceeded,
            format!(
                "Your storage quota is {quota} bytes and {used} are used: this document \
                 ({more} bytes) does not fit. Uploads not attached expire; drafts' \
                 documents can be replaced"
            ),
        )
        .into());
    }
    Ok(())
}

/// Writes `row`, of `size` bytes, for `owner` if it fits the quota: the check and the
/// insert in one transaction holding the owner's lock (a PostgreSQL advisory lock keyed
/// by the owner; SQLite's write lock), so that uploads racing each other cannot pass
/// the quota together.
async fn within_quota(
    db: &impl Db,
    attachments: &Attachments,
    owner: &str,
    size: u64,
    row: ActiveModel,
) -> MutationResult<Model> {
    let txn = db.begin().await?;
    if txn.get_database_backend() == DbBackend::Postgres {
        txn.execute_raw(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "SELECT pg_advisory_xact_lock(hashtext($1))",
            [owner.into()],
        ))
        .await?;
    } else {
        crate::db::take_write_lock(&txn).await?;
    }
    check_quota(&txn, attachments, owner, size).await?;
    let row = row.insert(&txn).await?;
    txn.commit().await?;
    Ok(row)
}

/// What the GraphQL multipart request carried: the file async-graphql spooled it to.
pub async fn receive(
    db: &impl Db,
    attachments: &Attachments,
    viewer: &Viewer,
    name: &str,
    file: std::fs::File,
) -> MutationResult<Model> {
    let owner = policy::may_upload(viewer)?.subject.label();
    let name = super::kinds::parse_name(name)?;
    let length = file.metadata().map_err(anyhow::Error::from)?.len();
    if length > attachments.settings.max_bytes {
        return Err(too_large(attachments.settings.max_bytes).into());
    }
    check_quota(db, attachments, &owner, length).await?;
    let stored = ingested(attachments.ingest(file_chunks(file), &name).await)?;
    let text = match extract::text_of(attachments, &stored).await {
        Ok(text) => text,
        Err(refused) => {
            let _ = attachments.remove(&stored.key).await;
            return Err(refused.into());
        }
    };
    let now = Utc::now();
    let row = ActiveModel {
        owner: Set(owner.clone()),
        state: Set(READY.into()),
        blob_key: Set(stored.key.clone()),
        name: Set(name),
        content_type: Set(Some(stored.kind.mime.into())),
        size: Set(stored.size as i64),
        sha256: Set(Some(stored.sha256.clone())),
        text: Set(text),
        created_at: Set(now),
        expires_at: Set(now + attachments.settings.upload_ttl),
        ..Default::default()
    };
    let written = within_quota(db, attachments, &owner, stored.size, row).await;
    if written.is_err() {
        // No row names it: removed now (or by the sweeper).
        let _ = attachments.remove(&stored.key).await;
    }
    written
}

/// A file's bytes as a stream of chunks.
fn file_chunks(file: std::fs::File) -> impl Stream<Item = std::io::Result<Bytes>> + Unpin {
    use tokio::io::AsyncReadExt;
    let mut file = tokio::fs::File::from_std(file);
    Box::pin(async_stream::stream! {
        loop {
            let mut buf = vec![0u8; 64 * 1024];
            match file.read(&mut buf).await {
                Ok(0) => break,
                Ok(n) => {
                    buf.truncate(n);
                    yield Ok(Bytes::from(buf));
                }
                Err(err) => {
                    yield Err(err);
                    break;
                }
            }
        }
    })
}

fn ingested(result: Result<Stored, IngestError>) -> MutationResult<Stored> {
    match result {
        Ok(stored) => Ok(stored),
        Err(IngestError::Refused(err)) => Err(err.into()),
        Err(IngestError::Body(err)) => Err(MutationError::App(AppError::bad_input(format!(
            "The file could not be read: {err}"
        )))),
        Err(IngestError::Store(err)) => Err(MutationError::App(AppError::Internal(err))),
    }
}

/// The first step of a two-step upload: what will come (its name and size). The bytes
/// go to `PUT /uploads/{id}` with the same credentials.
pub async fn begin(
    db: &impl Db,
    attachments: &Attachments,
    viewer: &Viewer,
    name: &str,
    size: i64,
) -> MutationResult<Model> {
    let owner = policy::may_upload(viewer)?.subject.label();
    let name = super::kinds::parse_name(name)?;
    if size <= 0 {
        return Err(UserError::new(
            "size",
            UserErrorCode::Invalid,
            "The size is the document's length in bytes (at least 1)",
        )
        .into());
    }
    if size as u64 > attachments.settings.max_bytes {
        let mut err = too_large(attachments.settings.max_bytes);
        err.field = vec!["input".into(), "size".into()];
        return Err(err.into());
    }
    let now = Utc::now();
    let row = ActiveModel {
        owner: Set(owner.clone()),
        state: Set(PENDING.into()),
        blob_key: Set(String::new()),
        name: Set(name),
        content_type: Set(None),
        size: Set(size),
        sha256: Set(None),
        text: Set(None),
        created_at: Set(now),
        expires_at: Set(now + attachments.settings.upload_ttl),
        ..Default::default()
    };
    within_quota(db, attachments, &owner, size as u64, row).await
}

/// Why a `PUT /uploads/{id}` stored nothing.
#[derive(Debug)]
pub enum PutError {
    /// No pending upload of the caller's has this ID (or it is done already).
    NotFound,
    /// More bytes than announced (or than allowed).
    TooLarge(u64),
    /// Refused for what the bytes are, or because the body broke off.
    Refused(UserError),
    Body(String),
    Failed(AppError),
}

impl From<sea_orm::DbErr> for PutError {
    fn from(err: sea_orm::DbErr) -> Self {
        PutError::Failed(err.into())
    }
}

/// The caller's pending upload `id`, for its bytes.
pub async fn pending(
    db: &impl ConnectionTrait,
    viewer: &Viewer,
    id: i64,
) -> Result<Model, PutError> {
    let owner = match policy::may_upload(viewer) {
        Ok(p) => p.subject.label(),
        Err(err) => return Err(PutError::Failed(err)),
    };
    Entity::find_by_id(id)
        .filter(Column::Owner.eq(owner))
        .filter(Column::State.eq(PENDING))
        .one(db)
        .await?
        .ok_or(PutError::NotFound)
}

/// The second step: streams the bytes of `upload` (from [`pending`]) to a blob, then
/// makes the row `READY`, if it is still pending (a second `PUT` racing this one
/// stores nothing).
pub async fn put<S, E>(
    db: &impl ConnectionTrait,
    attachments: &Attachments,
    upload: Model,
    chunks: S,
) -> Result<Model, PutError>
where
    S: Stream<Item = Result<Bytes, E>> + Unpin,
    E: std::fmt::Display,
{
    let announced = upload.size as u64;
    let stored = match attachments.ingest(chunks, &upload.name).await {
        Ok(stored) => stored,
        Err(IngestError::Refused(err)) if err.code == UserErrorCode::TooLarge => {
            return Err(PutError::TooLarge(
                announced.min(attachments.settings.max_bytes),
            ));
        }
        Err(IngestError::Refused(err)) => return Err(PutError::Refused(err)),
        Err(IngestError::Body(err)) => return Err(PutError::Body(err)),
        Err(IngestError::Store(err)) => return Err(PutError::Failed(AppError::Internal(err))),
    };
    if stored.size != announced {
        let _ = attachments.remove(&stored.key).await;
        return Err(if stored.size > announced {
            PutError::TooLarge(announced)
        } else {
            PutError::Refused(UserError::new(
                "file",
                UserErrorCode::Invalid,
                format!(
                    "{} bytes arrived; the upload announced {announced}",
                    stored.size
                ),
            ))
        });
    }
    let text = match extract::text_of(attachments, &stored).await {
        Ok(text) => text,
        Err(refused) => {
            let _ = attachments.remove(&stored.key).await;
            return Err(PutError::Refused(refused));
        }
    };
    let done = Entity::update_many()
        .set(ActiveModel {
            state: Set(READY.into()),
            blob_key: Set(stored.key.clone()),
            content_type: Set(Some(stored.kind.mime.into())),
            sha256: Set(Some(stored.sha256.clone())),
            text: Set(text),
            ..Default::default()
        })
        .filter(Column::Id.eq(upload.id))
        .filter(Column::State.eq(PENDING))
        .exec(db)
        .await;
    match done {
        Ok(done) if done.rows_affected == 1 => Entity::find_by_id(upload.id)
            .one(db)
            .await?
            .ok_or(PutError::NotFound),
        Ok(_) => {
            let _ = attachments.remove(&stored.key).await;
            Err(PutError::NotFound)
        }
        Err(err) => {
            let _ = attachments.remove(&stored.key).await;
            Err(err.into())
        }
    }
}

/// The caller's ready uploads among `ids` (others' and unknown ones are left out).
pub async fn ready_of(
    db: &impl ConnectionTrait,
    owner: &str,
    ids: &[i64],
) -> Result<Vec<Model>, sea_orm::DbErr> {
    Entity::find()
        .filter(Column::Id.is_in(ids.iter().copied()))
        .filter(Column::Owner.eq(owner))
        .filter(Column::State.eq(READY))
        .all(db)
        .await
}
