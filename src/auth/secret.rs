//! Opaque random tokens (refresh tokens, reset tokens, client secrets): 256 random
//! bits, base64url, stored only as their SHA-256.

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use sha2::{Digest, Sha256};

/// `n` random bytes from the operating system.
pub fn random_bytes(n: usize) -> anyhow::Result<Vec<u8>> {
    let mut bytes = vec![0u8; n];
    getrandom::fill(&mut bytes).map_err(|e| anyhow::anyhow!("no randomness: {e}"))?;
    Ok(bytes)
}

/// A new token with `prefix` (so a leaked one is recognisable, e.g. `crt_` for refresh).
pub fn new_token(prefix: &str) -> anyhow::Result<String> {
    Ok(format!(
        "{prefix}{}",
        URL_SAFE_NO_PAD.encode(random_bytes(32)?)
    ))
}

/// Lowercase hex SHA-256: how tokens are stored and looked up.
pub fn digest(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// Lowercase hex SHA-256 of raw bytes.
pub fn digest_bytes(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// Whether `a` and `b` are equal, in a time that does not tell where they differ (for
/// comparing secrets: CSRF tokens, MACs, one-time codes).
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// A new nonce for a link (hex), kept by the email that carries the link.
pub fn new_nonce() -> anyhow::Result<String> {
    Ok(hex::encode(random_bytes(16)?))
}

/// The token of a link, derived from `nonce` under the server's link key: the same on
/// every instance that shares the signing material, and unknown to anyone who reads
/// only the database. `prefix` names what it is for (`cri_` an invitation, `crs_` a
/// password reset) and enters the derivation, so one kind never passes for the other.
pub fn link_token(key: &[u8; 32], prefix: &str, nonce: &str) -> String {
    use hmac::{Hmac, KeyInit, Mac};
    let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(key).expect("HMAC takes any key");
    mac.update(prefix.as_bytes());
    mac.update(b"\0");
    mac.update(nonce.as_bytes());
    format!(
        "{prefix}{}",
        URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes())
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_link_token_depends_on_key_kind_and_nonce() {
        let key = [7u8; 32];
        let a = link_token(&key, "cri_", "00ff");
        assert_eq!(a, link_token(&key, "cri_", "00ff"));
        assert!(a.starts_with("cri_") && a.len() > 40);
        assert_ne!(a, link_token(&key, "cri_", "00fe"));
        assert_ne!(a[4..], link_token(&key, "crs_", "00ff")[4..]);
        assert_ne!(a, link_token(&[8u8; 32], "cri_", "00ff"));
    }
}
