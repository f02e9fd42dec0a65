//! A request, parsed once: its document, the document's digest, the operation it runs
//! and its variables. Everything that depends on the operation reads this value, on
//! HTTP and WebSocket alike: the method a mutation needs, persisted queries and the
//! allow-list, the limits and the cost, idempotent retries, the read replica, the
//! response order, the metrics, and the executor, which is handed the parsed document
//! (async-graphql parses a request's text only when it is not).
//!
//! [`Prepared::parse`] is the crate's only call of the GraphQL parser on a request (the
//! architecture test holds it to that), and each one is counted in the metrics
//! (`concord_graphql_documents_parsed_total`). A document sent again is not parsed
//! again: the last [`CACHED_DOCUMENTS`] documents of at most [`CACHED_TEXT`] bytes are
//! kept, parsed, by their text — those the limits admitted (so no kept document is
//! larger than they allow), and those that do not parse, with the reason. Parsing is a
//! pure function of the text, so the cache is the process's own, shared by every
//! server in it.

use super::limits::{Admission, Limits};
use super::selection::Walk;
use async_graphql::parser::types::{ExecutableDocument, OperationDefinition, OperationType};
use async_graphql::{Request, ServerError, Variables};
use std::num::NonZeroUsize;
use std::sync::{Arc, Mutex, OnceLock};

/// How many parsed documents are kept (see the module's documentation).
pub const CACHED_DOCUMENTS: usize = 512;
/// The longest document kept parsed, in bytes: longer ones are parsed each time.
pub const CACHED_TEXT: usize = 8 * 1024;

/// A document's text parsed once, and its digest.
struct Parsed {
    document: Result<ExecutableDocument, ServerError>,
    digest: String,
}

impl Parsed {
    fn of(text: &str) -> Parsed {
        crate::metrics::global().document_parsed();
        Parsed {
            document: async_graphql::parser::parse_query(text).map_err(Into::into),
            digest: crate::service::operations::hash(text),
        }
    }

    fn cache() -> &'static Mutex<lru::LruCache<String, Arc<Parsed>>> {
        static DOCUMENTS: OnceLock<Mutex<lru::LruCache<String, Arc<Parsed>>>> = OnceLock::new();
        DOCUMENTS.get_or_init(|| {
            Mutex::new(lru::LruCache::new(
                NonZeroUsize::new(CACHED_DOCUMENTS).unwrap_or(NonZeroUsize::MIN),
            ))
        })
    }

    /// The parse of `text`: the one kept (`true`), or a new one (`false`).
    fn cached(text: &str) -> (Arc<Parsed>, bool) {
        let kept = (text.len() <= CACHED_TEXT)
            .then(|| Parsed::cache().lock().ok()?.get(text).cloned())
            .flatten();
        match kept {
            Some(parsed) => (parsed, true),
            None => (Arc::new(Parsed::of(text)), false),
        }
    }

    /// Keeps a parse of `text`, when it is short enough.
    fn keep(text: &str, parsed: &Arc<Parsed>) {
        if text.len() <= CACHED_TEXT
            && let Ok(mut cache) = Parsed::cache().lock()
        {
            cache.put(text.to_owned(), parsed.clone());
        }
    }
}

/// A request, parsed (see the module's documentation).
pub struct Prepared {
    /// The request as sent (its document, once resolved from a persisted query), until
    /// it is handed to the executor.
    request: Option<Request>,
    /// The parsed document, or why it does not parse, and its digest.
    parsed: Arc<Parsed>,
    /// Whether `parsed` was kept from an earlier request.
    kept: bool,
    variables: Variables,
    operation_name: Option<String>,
    admission: Admission,
}

impl Prepared {
    /// Parses a request's document (once: see the module's documentation).
    pub fn parse(request: Request) -> Prepared {
        let (parsed, kept) = Parsed::cached(&request.query);
        Prepared {
            parsed,
            kept,
            variables: request.variables.clone(),
            operation_name: request.operation_name.clone(),
            admission: Admission::default(),
            request: Some(request),
        }
    }

    /// The same, its shape and cost measured by `limits`; a document they admit (or
    /// that does not parse) is kept parsed for the next request that sends it.
    pub fn admitted(mut self, limits: &Limits) -> Prepared {
        self.admission = limits.admit(self.document(), self.walk());
        if !self.kept && (self.document().is_none() || self.admission.refusal.is_none()) {
            Parsed::keep(self.text(), &self.parsed);
        }
        self
    }

    /// Measures the cost again, the `totalCount` of each search priced by the matches
    /// `estimates` gives for it (see [`Limits::admit_estimated`]).
    pub fn estimated(&mut self, limits: &Limits, estimates: &super::cost::Estimates) {
        self.admission = limits.admit_estimated(self.document(), self.walk(), estimates);
    }

    /// What the limits found (nothing before [`Prepared::admitted`]).
    pub fn admission(&self) -> &Admission {
        &self.admission
    }

    /// The SHA-256 of the document's text, in hexadecimal (a persisted query's hash).
    pub fn digest(&self) -> &str {
        &self.parsed.digest
    }

    /// The document's text, while the request has not been handed to the executor.
    pub fn text(&self) -> &str {
        self.request.as_ref().map_or("", |r| r.query.as_str())
    }

    /// The parsed document; `None` when it does not parse.
    pub fn document(&self) -> Option<&ExecutableDocument> {
        self.parsed.document.as_ref().ok()
    }

    /// The `operationName` the request sent.
    pub fn operation_name_sent(&self) -> Option<&str> {
        self.operation_name.as_deref()
    }

    /// The variables the request sent.
    pub fn variables(&self) -> &Variables {
        &self.variables
    }

    /// The operation the request runs, with its own name: the spec's `GetOperation`
    /// ([`super::operation::get`]); `None` when the document does not parse or selects
    /// none (the executor then says why).
    pub fn operation(&self) -> Option<(Option<&str>, &OperationDefinition)> {
        super::operation::get(self.document()?, self.operation_name.as_deref())
    }

    /// The type of the operation the request runs.
    pub fn operation_type(&self) -> Option<OperationType> {
        self.operation().map(|(_, op)| op.ty)
    }

    /// The own name of the operation the request runs (the one `operationName` names,
    /// or the only operation's name).
    pub fn name(&self) -> Option<&str> {
        self.operation().and_then(|(name, _)| name)
    }

    /// The walk over the operation that runs, its directives evaluated.
    pub fn walk(&self) -> Option<(Walk<'_>, &OperationDefinition)> {
        let doc = self.document()?;
        let (_, op) = self.operation()?;
        Some((Walk::new(doc, op, &self.variables), op))
    }

    /// The root fields the operation runs (through fragments; skipped ones left out).
    pub fn root_fields(&self) -> Vec<String> {
        let mut out = Vec::new();
        if let Some((walk, op)) = self.walk() {
            walk.fields("", &op.selection_set.node, 0, &mut |met| {
                out.push(met.field.name.node.to_string())
            });
        }
        out
    }

    /// The request to hand to the executor, with its parsed document (a copy: the
    /// response order reads the document after the execution); `Err` is why the
    /// document does not parse, the response's only error.
    pub fn take_request(&mut self) -> Result<Request, ServerError> {
        let document = self.parsed.document.clone()?;
        let mut request = self.request.take().unwrap_or_else(|| Request::new(""));
        request.set_parsed_query(document);
        Ok(request)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_operation_and_its_root_fields_are_read_from_one_parse() {
        let mut request = Request::new(
            "query A { a } mutation B { b ... @skip(if: true) { c } ...F } fragment F on Mutation { d }",
        );
        request.operation_name = Some("B".into());
        let mut prepared = Prepared::parse(request);
        assert_eq!(prepared.operation_type(), Some(OperationType::Mutation));
        assert_eq!(prepared.name(), Some("B"));
        assert_eq!(prepared.root_fields(), ["b", "d"]);
        assert_eq!(prepared.digest().len(), 64);
        assert!(prepared.take_request().is_ok());

        let mut broken = Prepared::parse(Request::new("{ a"));
        assert!(broken.document().is_none() && broken.operation().is_none());
        assert!(broken.take_request().is_err());
    }
}
