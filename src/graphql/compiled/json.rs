//! JSON text written directly, as `serde_json` writes the same `async_graphql::Value`.

use super::GiveWay;
use async_graphql::resolver_utils::enum_value;
use async_graphql::{ScalarType, Value};

/// The JSON of a node or a nested connection, written before its parent is.
pub(super) type Piece = Vec<u8>;

/// JSON text being written: what `serde_json` writes for the same `async_graphql::Value`
/// (compact; strings escaped by `serde_json` itself), so the answer is the resolvers',
/// byte for byte.
pub(super) struct Json(Vec<u8>);

impl Json {
    pub(super) fn with_capacity(n: usize) -> Json {
        Json(Vec::with_capacity(n))
    }

    /// Opens an object.
    pub(super) fn open(&mut self) {
        self.0.push(b'{');
    }

    /// Closes an object.
    pub(super) fn close(&mut self) {
        self.0.push(b'}');
    }

    /// Writes a key (a GraphQL name: no character to escape) and its colon, after a
    /// comma unless it is the object's first.
    pub(super) fn key(&mut self, first: bool, key: &str) {
        if !first {
            self.0.push(b',');
        }
        self.0.push(b'"');
        self.0.extend_from_slice(key.as_bytes());
        self.0.extend_from_slice(b"\":");
    }

    pub(super) fn raw(&mut self, text: &[u8]) {
        self.0.extend_from_slice(text);
    }

    pub(super) fn str(&mut self, text: &str) {
        // Writing to a Vec cannot fail, nor can serialising a str.
        let _ = serde_json::to_writer(&mut self.0, text);
    }

    pub(super) fn opt_str(&mut self, text: Option<&str>) {
        match text {
            Some(text) => self.str(text),
            None => self.null(),
        }
    }

    pub(super) fn null(&mut self) {
        self.0.extend_from_slice(b"null");
    }

    pub(super) fn bool(&mut self, b: bool) {
        self.0.extend_from_slice(if b { b"true" } else { b"false" });
    }

    pub(super) fn int(&mut self, n: i64) {
        let _ = std::io::Write::write_fmt(&mut self.0, format_args!("{n}"));
    }

    /// A moment, as the `DateTime` scalar writes it.
    pub(super) fn moment(&mut self, at: Option<&chrono::DateTime<chrono::Utc>>) {
        match at.map(ScalarType::to_value) {
            Some(Value::String(text)) => self.str(&text),
            _ => self.null(),
        }
    }

    /// An enum value, by its GraphQL name.
    pub(super) fn enumeration<T: async_graphql::EnumType>(&mut self, value: T) {
        match enum_value(value) {
            Value::Enum(name) => self.str(name.as_str()),
            _ => self.null(),
        }
    }

    pub(super) fn opt_enumeration<T: async_graphql::EnumType>(&mut self, value: Option<T>) {
        match value {
            Some(value) => self.enumeration(value),
            None => self.null(),
        }
    }

    /// The bytes written: a nested piece, copied into its parent as it is.
    pub(super) fn into_piece(self) -> Piece {
        self.0
    }

    /// The whole text (checked as UTF-8 once, here: every piece is serde_json's output
    /// or a GraphQL name).
    pub(super) fn into_string(self) -> Result<String, GiveWay> {
        String::from_utf8(self.0).map_err(|_| GiveWay)
    }
}
