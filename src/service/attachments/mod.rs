//! Attachments: the documents submitted with a contribution's revision, stored as blobs
//! through `object_store` (a folder on the filesystem by default, any S3-compatible
//! store by URL) and described by rows in the database.
//!
//! A document arrives as an upload (`uploads`): by the GraphQL multipart request, or in
//! two steps (asked for, then its bytes `PUT`). Its bytes are streamed to a new blob
//! while they are hashed, counted and their type read from their first bytes
//! (`kinds`); only when the blob is whole is a row written that names it. Attaching
//! uploads to a revision (`attach`) turns them into attachment rows; a later revision
//! carries them forward (rows of its own naming the same blob) or replaces them. Blobs
//! that no row names are removed after a grace period (`sweep`): an interrupted upload,
//! a failed transaction or a crash leaves nothing reachable and nothing lost.

pub mod attach;
pub mod extract;
pub mod kinds;
pub mod read;
pub mod sweep;
pub mod uploads;

use crate::error::{UserError, UserErrorCode};
use actix_web::web::Bytes;
use futures_util::{Stream, StreamExt};
use object_store::buffered::BufWriter;
use object_store::path::Path;
use object_store::{ObjectStore, ObjectStoreExt};
use sha2::{Digest, Sha256};
use std::sync::Arc;
use tokio::io::AsyncWriteExt;

pub use crate::config::{AttachmentSettings, DEFAULT_MAX_BYTES};

/// The store and the rules, shared by every worker.
pub struct Attachments {
    store: Arc<dyn ObjectStore>,
    /// Where the blobs live in the store (`…/blobs/<key>`).
    prefix: Path,
    /// The folder, for a `file://` store: the sweeper removes what an upload cut off
    /// left staged there (`<key>#<n>`), which the store does not list.
    folder: Option<std::path::PathBuf>,
    pub settings: AttachmentSettings,
}

impl std::fmt::Debug for Attachments {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Attachments")
            .field("store", &self.store.to_string())
            .finish_non_exhaustive()
    }
}

/// Why bytes were not stored.
#[derive(Debug)]
pub enum IngestError {
    /// Refused for what they are (type, size, emptiness): the message says why.
    Refused(UserError),
    /// The client's body could not be read (cut off, or too slow).
    Body(String),
    /// The store failed.
    Store(anyhow::Error),
}

impl From<UserError> for IngestError {
    fn from(err: UserError) -> Self {
        IngestError::Refused(err)
    }
}

impl From<object_store::Error> for IngestError {
    fn from(err: object_store::Error) -> Self {
        IngestError::Store(err.into())
    }
}

/// A blob written whole.
#[derive(Debug, Clone)]
pub struct Stored {
    pub key: String,
    pub size: u64,
    pub sha256: String,
    pub kind: kinds::Kind,
}

impl Attachments {
    /// Opens the store `settings.store` names (a folder is created if missing).
    pub fn open(settings: AttachmentSettings) -> anyhow::Result<Attachments> {
        let url = url::Url::parse(&settings.store)
            .map_err(|e| anyhow::anyhow!("CONCORD_ATTACHMENT_STORE is not a URL: {e}"))?;
        let mut local_folder = None;
        let (store, prefix): (Arc<dyn ObjectStore>, Path) = match url.scheme() {
            "file" => {
                let folder = url
                    .to_file_path()
                    .map_err(|()| anyhow::anyhow!("file:// needs an absolute folder"))?;
                std::fs::create_dir_all(&folder).map_err(|e| {
                    anyhow::anyhow!(
                        "cannot create the attachments folder {}: {e}",
                        folder.display()
                    )
                })?;
                let local = object_store::local::LocalFileSystem::new_with_prefix(&folder)?;
                local_folder = Some(folder);
                (Arc::new(local), Path::default())
            }
            "memory" => (
                Arc::new(object_store::memory::InMemory::new()),
                Path::default(),
            ),
            "s3" => {
                let mut builder = object_store::aws::AmazonS3Builder::from_env();
                let mut bare = url.clone();
                bare.set_query(None);
                builder = builder.with_url(bare.as_str());
                for (key, value) in url.query_pairs() {
                    let key: object_store::aws::AmazonS3ConfigKey =
                        key.to_ascii_lowercase().parse().map_err(|_| {
                            anyhow::anyhow!("CONCORD_ATTACHMENT_STORE: unknown S3 option `{key}`")
                        })?;
                    builder = builder.with_config(key, value.into_owned());
                }
                let prefix = Path::parse(url.path().trim_matches('/'))?;
                (Arc::new(builder.build()?), prefix)
            }
            other => anyhow::bail!(
                "CONCORD_ATTACHMENT_STORE: `{other}://` is not a store Concord knows \
                 (file://, s3:// or memory://)"
            ),
        };
        Ok(Attachments {
            store,
            prefix,
            folder: local_folder,
            settings,
        })
    }

    /// The store, for reads.
    pub fn store(&self) -> &Arc<dyn ObjectStore> {
        &self.store
    }

    /// Where the blob `key` is.
    pub fn path(&self, key: &str) -> Path {
        self.blobs().join(key)
    }

    /// The folder of every blob.
    pub fn blobs(&self) -> Path {
        self.prefix.clone().join("blobs")
    }

    /// Streams `chunks` to a new blob while hashing, counting and sniffing them: the
    /// blob once it is whole, or why not (the partial blob is removed).
    pub async fn ingest<S, E>(&self, chunks: S, name: &str) -> Result<Stored, IngestError>
    where
        S: Stream<Item = Result<Bytes, E>> + Unpin,
        E: std::fmt::Display,
    {
        // A new blob's key: 32 random hex digits.
        let key = crate::auth::secret::new_nonce().map_err(IngestError::Store)?;
        let path = self.path(&key);
        // S3 parts are at least 5 MiB; two in flight at most: memory stays bounded
        // whatever the document's size.
        let mut writer = BufWriter::with_capacity(self.store.clone(), path.clone(), 5 << 20)
            .with_max_concurrency(2);
        let outcome = self.copy(chunks, &mut writer, name).await;
        match outcome {
            Ok((size, sha256, kind)) => match writer.shutdown().await {
                Ok(()) => Ok(Stored {
                    key,
                    size,
                    sha256,
                    kind,
                }),
                Err(err) => {
                    let _ = self.store.delete(&path).await;
                    Err(IngestError::Store(err.into()))
                }
            },
            Err(err) => {
                let _ = writer.abort().await;
                let _ = self.store.delete(&path).await;
                Err(err)
            }
        }
    }

    async fn copy<S, E>(
        &self,
        mut chunks: S,
        writer: &mut BufWriter,
        name: &str,
    ) -> Result<(u64, String, kinds::Kind), IngestError>
    where
        S: Stream<Item = Result<Bytes, E>> + Unpin,
        E: std::fmt::Display,
    {
        let max = self.settings.max_bytes;
        let mut size: u64 = 0;
        let mut hash = Sha256::new();
        let mut head: Vec<u8> = Vec::with_capacity(kinds::SNIFF_BYTES);
        let mut text = kinds::TextCheck::default();
        let mut sniffed = false;
        while let Some(chunk) = chunks.next().await {
            let chunk = chunk.map_err(|e| IngestError::Body(e.to_string()))?;
            size += chunk.len() as u64;
            if size > max {
                return Err(too_large(max).into());
            }
            hash.update(&chunk);
            text.feed(&chunk);
            if head.len() < kinds::SNIFF_BYTES {
                let room = kinds::SNIFF_BYTES - head.len();
                head.extend_from_slice(&chunk[..chunk.len().min(room)]);
            } else if !sniffed {
                // Refused as soon as its type is known not to be accepted.
                sniffed = true;
                if infer::get(&head).is_some() {
                    kinds::sniff(&head, false)?;
                }
            }
            writer
                .write_all(&chunk)
                .await
                .map_err(|e| IngestError::Store(e.into()))?;
        }
        let kind = kinds::sniff(&head, text.is_text())?;
        kinds::check_label(name, kind)?;
        Ok((size, hex::encode(hash.finalize()), kind))
    }

    /// On a `file://` store, the staged parts of uploads cut off (`<key>#<n>`) whose
    /// last change is older than `before`.
    pub fn staged_leftovers(&self, before: std::time::SystemTime) -> Vec<std::path::PathBuf> {
        let Some(folder) = &self.folder else {
            return Vec::new();
        };
        let Ok(entries) = std::fs::read_dir(folder.join("blobs")) else {
            return Vec::new();
        };
        entries
            .filter_map(Result::ok)
            .filter(|e| {
                let name = e.file_name();
                let name = name.to_string_lossy();
                name.split_once('#')
                    .is_some_and(|(_, n)| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
            })
            .filter(|e| {
                e.metadata()
                    .and_then(|m| m.modified())
                    .is_ok_and(|at| at < before)
            })
            .map(|e| e.path())
            .collect()
    }

    /// Removes a blob; one already gone is not an error.
    pub async fn remove(&self, key: &str) -> object_store::Result<()> {
        match self.store.delete(&self.path(key)).await {
            Err(object_store::Error::NotFound { .. }) => Ok(()),
            other => other,
        }
    }
}

/// `TOO_LARGE`: over the size limit.
pub fn too_large(max: u64) -> UserError {
    UserError::new(
        "file",
        UserErrorCode::TooLarge,
        format!("A document may have at most {max} bytes"),
    )
}

/// Where a document is downloaded: `/attachments/{id}`, under the API's origin (the
/// GraphQL field, the compiled reads and the export all write it so).
pub fn url(attachment_id: i64) -> String {
    format!(
        "/attachments/{}",
        crate::ids::GlobalId::new(crate::ids::NodeType::Attachment, attachment_id).encode()
    )
}
