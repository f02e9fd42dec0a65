//! Credentials: password hashing, opaque random tokens, and signed access tokens.

pub mod jwt;
pub mod password;
pub mod secret;
pub mod setup;

use chrono::Duration;

/// Everything the server needs to authenticate callers.
pub struct Auth {
    pub keys: jwt::Keys,
    /// Signs the console's CSRF tokens (an HMAC of the session under this key).
    pub csrf_key: [u8; 32],
    /// Lifetime of a refresh token (each use rotates it).
    pub refresh_ttl: Duration,
    /// Lifetime of a password-reset token.
    pub reset_ttl: Duration,
    /// Whether callers without a token may read the public parts of the API.
    pub anonymous_access: bool,
    /// Derives the tokens of the links sent by email from the nonce their email keeps
    /// (`secret::link_token`): the outbox never holds a working link.
    pub link_key: [u8; 32],
    /// Lifetime of an invitation's link.
    pub invitation_ttl: Duration,
}
