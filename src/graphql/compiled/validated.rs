//! Operations async-graphql has validated and a plan has answered: the same operation
//! sent again (the same document, `operationName` and variables) runs its plan without
//! the executor, which would only validate it again (`http/pipeline.rs`).
//!
//! async-graphql's validation is a function of the schema, the document, the operation
//! and the variables' values (its rules check them against their types); the schema is
//! fixed for a server's life, so a key of the other three stands for the outcome. Only
//! a success is kept (a plan runs only after validation passed), never a failure.

use crate::graphql::prepared::Prepared;
use std::num::NonZeroUsize;
use std::sync::Mutex;

/// How many validated operations a server keeps.
pub const KEPT: usize = 1024;
/// The longest key kept (the document's digest, the operation's name and the
/// variables' JSON), in bytes: operations with larger variables are validated each time.
pub const LONGEST_KEY: usize = 2048;

/// The operations a server has seen validated (see the module's documentation).
pub struct Validated(Mutex<lru::LruCache<Key, ()>>);

/// What identifies an operation's validation.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Key(String);

impl Key {
    /// The key of `prepared`'s operation; `None` when it is too long to keep.
    pub fn of(prepared: &Prepared) -> Option<Key> {
        let variables = match prepared.variables().is_empty() {
            true => std::borrow::Cow::Borrowed("{}"),
            false => serde_json::to_string(prepared.variables()).ok()?.into(),
        };
        let name = prepared.operation_name_sent().unwrap_or("");
        let length = prepared.digest().len() + name.len() + variables.len() + 2;
        if length > LONGEST_KEY {
            return None;
        }
        // The name cannot hold a newline (it is a GraphQL name when it matches any
        // operation); the digest is hexadecimal.
        let mut key = String::with_capacity(length);
        for part in [prepared.digest(), "\n", name, "\n", &variables] {
            key.push_str(part);
        }
        Some(Key(key))
    }
}

impl Default for Validated {
    fn default() -> Self {
        Validated(Mutex::new(lru::LruCache::new(
            NonZeroUsize::new(KEPT).unwrap_or(NonZeroUsize::MIN),
        )))
    }
}

impl Validated {
    /// Whether the operation was validated before.
    pub fn contains(&self, key: &Key) -> bool {
        self.0.lock().is_ok_and(|mut seen| seen.get(key).is_some())
    }

    /// Records that the operation passed validation.
    pub fn insert(&self, key: Key) {
        if let Ok(mut seen) = self.0.lock() {
            seen.put(key, ());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(query: &str, variables: serde_json::Value, name: Option<&str>) -> Option<Key> {
        let mut request = async_graphql::Request::new(query)
            .variables(async_graphql::Variables::from_json(variables));
        request.operation_name = name.map(str::to_owned);
        Key::of(&Prepared::parse(request))
    }

    #[test]
    fn an_operation_is_known_by_its_document_name_and_variables() {
        let q = "query Q($n: Int) { contributions(first: $n) { nodes { id } } }";
        let seen = Validated::default();
        let first = key(q, serde_json::json!({ "n": 5 }), None).unwrap();
        assert!(!seen.contains(&first));
        seen.insert(first.clone());
        assert!(seen.contains(&first));
        assert!(seen.contains(&key(q, serde_json::json!({ "n": 5 }), None).unwrap()));
        // Other variables, another name, another document: not validated yet.
        for other in [
            key(q, serde_json::json!({ "n": "5" }), None),
            key(q, serde_json::json!({}), None),
            key(q, serde_json::json!({ "n": 5 }), Some("Q")),
            key(&format!("{q} "), serde_json::json!({ "n": 5 }), None),
        ] {
            assert!(!seen.contains(&other.unwrap()));
        }
        // Variables too large to keep.
        let large = "x".repeat(LONGEST_KEY);
        assert!(key(q, serde_json::json!({ "s": large }), None).is_none());
    }
}
