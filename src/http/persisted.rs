//! Persisted queries, before a request runs (HTTP and WebSocket alike).
//!
//! - Apollo's automatic persisted queries: a request may carry
//!   `extensions.persistedQuery = {"version": 1, "sha256Hash": "…"}` and no `query`. A
//!   hash the server knows runs its document; an unknown one gets
//!   `PERSISTED_QUERY_NOT_FOUND` (HTTP 200, message `PersistedQueryNotFound`, as Apollo's
//!   clients expect), and the client sends the query with its hash, which registers it.
//!   A hash that is not the query's SHA-256 is `BAD_REQUEST`.
//! - The allow-list: with `CONCORD_ONLY_PERSISTED=true` only the documents an operator
//!   put on it (`concord operations add`) run, by hash or in full; anything else is
//!   `OPERATION_NOT_ALLOWED`, and clients cannot register.
//!
//! Documents are kept in the database (every instance knows every hash) and cached
//! here.

use super::format::ResponseFormat;
use crate::graphql::cost::{Types, unknown_fields};
use crate::graphql::limits::Limits;
use crate::graphql::prepared::Prepared;
use crate::service::operations;
use async_graphql::{Request, Value};
use sea_orm::DatabaseConnection;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// Most documents kept in memory.
const CACHE_SIZE: usize = 20_000;

/// Why a request's persisted query cannot run: its code and message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    pub code: &'static str,
    pub message: String,
}

impl Refusal {
    fn new(code: &'static str, message: impl Into<String>) -> Refusal {
        Refusal {
            code,
            message: message.into(),
        }
    }

    /// As a GraphQL error.
    pub fn server_error(&self) -> async_graphql::ServerError {
        crate::graphql::error_codes::coded(self.message.clone(), self.code)
    }
}

/// A document known by its hash.
struct Known {
    document: Arc<str>,
    allowed: bool,
}

/// The persisted queries of a server.
pub struct Persisted {
    /// Only the allow-list runs.
    only: bool,
    cache: Mutex<HashMap<String, Arc<Known>>>,
}

impl Persisted {
    pub fn new(only_persisted: bool) -> Persisted {
        Persisted {
            only: only_persisted,
            cache: Mutex::new(HashMap::new()),
        }
    }

    /// Whether only the allow-list runs.
    pub fn only_allow_list(&self) -> bool {
        self.only
    }

    /// Puts the document of `request`'s persisted query in it, or registers a new one,
    /// and parses and measures it ([`Prepared`]); or says why the request may not run. A
    /// request without `extensions.persistedQuery` passes unchanged, unless only the
    /// allow-list runs.
    pub async fn prepare(
        &self,
        db: &DatabaseConnection,
        limits: &Limits,
        mut request: Request,
    ) -> Result<Prepared, Refusal> {
        let asked = requested_hash(&request).map_err(|m| Refusal::new("BAD_REQUEST", m))?;
        if request.query.is_empty() {
            let Some(hash) = asked else {
                // Nothing to look up: the executor says the document is empty.
                return Ok(Prepared::parse(request).admitted(limits));
            };
            let known = self.known(db, &hash).await?;
            return match known {
                Some(known) if known.allowed || !self.only => {
                    request.query = known.document.to_string();
                    let prepared = Prepared::parse(request).admitted(limits);
                    self.check_operation_name(&prepared)?;
                    Ok(prepared)
                }
                _ if self.only => Err(not_allowed()),
                _ => Err(Refusal::new(
                    "PERSISTED_QUERY_NOT_FOUND",
                    "PersistedQueryNotFound",
                )),
            };
        }
        let prepared = Prepared::parse(request).admitted(limits);
        let hash = prepared.digest();
        if let Some(asked) = &asked
            && asked != hash
        {
            return Err(Refusal::new(
                "BAD_REQUEST",
                format!(
                    "extensions.persistedQuery.sha256Hash is not the query's SHA-256 \
                     (the query's is {hash})"
                ),
            ));
        }
        if self.only {
            return match self.known(db, hash).await? {
                Some(known) if known.allowed => {
                    self.check_operation_name(&prepared)?;
                    Ok(prepared)
                }
                _ => Err(not_allowed()),
            };
        }
        if asked.is_some() {
            self.register(db, limits.types(), &prepared).await?;
        }
        Ok(prepared)
    }

    /// The document stored under `hash`, from the cache or the database.
    async fn known(
        &self,
        db: &DatabaseConnection,
        hash: &str,
    ) -> Result<Option<Arc<Known>>, Refusal> {
        if let Some(known) = self.cache().get(hash) {
            return Ok(Some(known.clone()));
        }
        let found = operations::find(db, hash).await.map_err(unavailable)?;
        Ok(found.map(|row| {
            let known = Arc::new(Known {
                document: row.document.into(),
                allowed: row.allowed,
            });
            // In allow-list mode only allowed documents are kept: one the operator
            // allows later is then read afresh.
            if known.allowed || !self.only {
                self.remember(hash, known.clone());
            }
            known
        }))
    }

    /// Stores a document a client registered, if it parses, has a shape the limits allow
    /// and names only fields the schema has (else the executor reports the error when it runs, and
    /// nothing is kept).
    async fn register(
        &self,
        db: &DatabaseConnection,
        types: &Types,
        prepared: &Prepared,
    ) -> Result<(), Refusal> {
        let hash = prepared.digest();
        if self.cache().contains_key(hash) {
            return Ok(());
        }
        let document = prepared.text();
        if document.len() > operations::MAX_DOCUMENT_BYTES {
            return Err(Refusal::new(
                "BAD_REQUEST",
                format!(
                    "A persisted query may have at most {} bytes; send this one without \
                     extensions.persistedQuery",
                    operations::MAX_DOCUMENT_BYTES
                ),
            ));
        }
        let Some(doc) = prepared.document() else {
            return Ok(());
        };
        // A shape the limits refuse is not walked (whatever its variables, it never runs).
        let misshapen =
            prepared.admission().cost.is_none() && prepared.admission().refusal.is_some();
        if misshapen || !unknown_fields(types, doc).is_empty() {
            return Ok(());
        }
        if operations::register(db, document)
            .await
            .map_err(unavailable)?
        {
            self.remember(
                hash,
                Arc::new(Known {
                    document: document.into(),
                    allowed: false,
                }),
            );
        }
        Ok(())
    }

    /// In allow-list mode, the operation a request names must be in its document.
    fn check_operation_name(&self, prepared: &Prepared) -> Result<(), Refusal> {
        let Some(name) = prepared.operation_name_sent() else {
            return Ok(());
        };
        if !self.only {
            return Ok(());
        }
        let named = prepared.document().is_some_and(|doc| {
            doc.operations
                .iter()
                .any(|(n, _)| n.map(|n| n.as_str()) == Some(name))
        });
        if named {
            Ok(())
        } else {
            Err(Refusal::new(
                "OPERATION_NOT_ALLOWED",
                format!("The allowed document has no operation named {name:?}"),
            ))
        }
    }

    fn cache(&self) -> std::sync::MutexGuard<'_, HashMap<String, Arc<Known>>> {
        self.cache
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn remember(&self, hash: &str, known: Arc<Known>) {
        let mut cache = self.cache();
        if cache.len() < CACHE_SIZE {
            cache.insert(hash.to_owned(), known);
        }
    }
}

/// The HTTP answer to a refusal: `PERSISTED_QUERY_NOT_FOUND` with 200 whatever the
/// media type (Apollo's clients give up persisted queries on a 400), a malformed
/// extension with 400, the database's trouble with 503 or 500, and a refused operation as
/// any request error (400 under `application/graphql-response+json`, else 200).
pub fn reply(format: ResponseFormat, refusal: Refusal) -> actix_web::HttpResponse {
    use actix_web::http::StatusCode;
    let status = match refusal.code {
        "PERSISTED_QUERY_NOT_FOUND" => StatusCode::OK,
        "BAD_REQUEST" => StatusCode::BAD_REQUEST,
        "SERVICE_UNAVAILABLE" => StatusCode::SERVICE_UNAVAILABLE,
        "INTERNAL_SERVER_ERROR" => StatusCode::INTERNAL_SERVER_ERROR,
        _ if format == ResponseFormat::GraphQlResponseJson => StatusCode::BAD_REQUEST,
        _ => StatusCode::OK,
    };
    format.reply(
        status,
        super::error::error_body(&refusal.message, refusal.code),
    )
}

fn not_allowed() -> Refusal {
    Refusal::new(
        "OPERATION_NOT_ALLOWED",
        "This server runs only the operations on its allow-list (CONCORD_ONLY_PERSISTED); \
         this one is not on it: ask its operator to add it with `concord operations add`",
    )
}

fn unavailable(err: sea_orm::DbErr) -> Refusal {
    let err = crate::error::AppError::from(err);
    match err {
        crate::error::AppError::Unavailable => Refusal::new(
            "SERVICE_UNAVAILABLE",
            "The database cannot be reached; try again shortly",
        ),
        other => {
            tracing::error!(error = ?other, "persisted queries: reading the store");
            Refusal::new("INTERNAL_SERVER_ERROR", "Internal server error")
        }
    }
}

/// The hash `extensions.persistedQuery` names, checked: Apollo's shape, version 1, a
/// SHA-256 as 64 hexadecimal digits (any case). `Err` says what is wrong.
pub fn requested_hash(request: &Request) -> Result<Option<String>, String> {
    let Some(extension) = request.extensions.get("persistedQuery") else {
        return Ok(None);
    };
    let Value::Object(fields) = extension else {
        return Err("extensions.persistedQuery must be an object: \
                    {\"version\": 1, \"sha256Hash\": \"<64 hex digits>\"}"
            .to_owned());
    };
    match fields.get("version") {
        Some(Value::Number(n)) if n.as_u64() == Some(1) => {}
        _ => {
            return Err(
                "extensions.persistedQuery.version must be 1 (the only version there is)"
                    .to_owned(),
            );
        }
    }
    match fields.get("sha256Hash") {
        Some(Value::String(hash))
            if hash.len() == 64 && hash.bytes().all(|b| b.is_ascii_hexdigit()) =>
        {
            Ok(Some(hash.to_ascii_lowercase()))
        }
        _ => Err(
            "extensions.persistedQuery.sha256Hash must be a SHA-256 as 64 hexadecimal digits"
                .to_owned(),
        ),
    }
}
