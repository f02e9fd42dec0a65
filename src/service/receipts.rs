//! Signed receipts: a stakeholder can show a third party that the secretariat received
//! its text. Each receipt is a compact JWS (a JWT, `alg` `EdDSA`, Ed25519) over the
//! receipt's claims, signed with a key whose public half is published at
//! `/.well-known/jwks.json`. Keys are made by the server and kept in `signing_key`
//! (`receipt:<kid>`); rotating adds a new one and keeps the old ones published, so
//! every receipt ever issued still verifies. The claims (version 2 of the receipt):
//!
//! ```text
//! { "v": 2, "iss": "concord", "sub": <stakeholder ID>, "contribution": <ID>,
//!   "revision": <ID>, "number": <revision number>, "contentHash": <SHA-256 hex of
//!   the canonical revision, version 1 of the receipt>, "attachments": [],
//!   "iat": <unix seconds>, "serverTime": <RFC 3339> }
//! ```

use crate::auth::secret;
use crate::error::AppResult;
use crate::ids::{GlobalId, NodeType};
use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use chrono::{DateTime, SecondsFormat, Utc};
use ed25519_dalek::{Signer, SigningKey};
use entity::{contribution, contribution_revision, signing_key};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set,
};
use serde_json::{Value, json};

/// The version of the receipt's claims (version 1: the bare content hash).
pub const VERSION: u8 = 2;
const PURPOSE: &str = "receipt:";

fn key_of(row: &signing_key::Model) -> anyhow::Result<SigningKey> {
    let seed = URL_SAFE_NO_PAD.decode(&row.secret)?;
    let seed: [u8; 32] = seed
        .try_into()
        .map_err(|_| anyhow::anyhow!("receipt key {} is not 32 bytes", row.kid))?;
    Ok(SigningKey::from_bytes(&seed))
}

/// Makes a new receipt key, the one receipts are signed with from now on; returns its
/// `kid`. The older keys stay published.
pub async fn rotate<C: ConnectionTrait>(db: &C) -> AppResult<String> {
    let seed: [u8; 32] = secret::random_bytes(32)?
        .try_into()
        .map_err(|_| anyhow::anyhow!("32 random bytes"))?;
    let key = SigningKey::from_bytes(&seed);
    let kid = secret::digest_bytes(key.verifying_key().as_bytes())[..16].to_owned();
    signing_key::ActiveModel {
        purpose: Set(format!("{PURPOSE}{kid}")),
        kid: Set(kid.clone()),
        secret: Set(URL_SAFE_NO_PAD.encode(seed)),
        created_at: Set(Utc::now()),
    }
    .insert(db)
    .await?;
    Ok(kid)
}

async fn keys<C: ConnectionTrait>(db: &C) -> AppResult<Vec<signing_key::Model>> {
    Ok(signing_key::Entity::find()
        .filter(signing_key::Column::Purpose.starts_with(PURPOSE))
        .order_by_desc(signing_key::Column::CreatedAt)
        .order_by_desc(signing_key::Column::Kid)
        .all(db)
        .await?)
}

/// The key receipts are signed with now (the newest; made on first use).
async fn current<C: ConnectionTrait>(db: &C) -> AppResult<(String, SigningKey)> {
    if let Some(row) = keys(db).await?.into_iter().next() {
        return Ok((row.kid.clone(), key_of(&row)?));
    }
    rotate(db).await?;
    let row = keys(db)
        .await?
        .into_iter()
        .next()
        .ok_or_else(|| anyhow::anyhow!("the receipt key vanished"))?;
    Ok((row.kid.clone(), key_of(&row)?))
}

/// Every receipt key's public half, as a JSON Web Key Set (RFC 7517, RFC 8037).
pub async fn jwks<C: ConnectionTrait>(db: &C) -> AppResult<Value> {
    let mut out = Vec::new();
    for row in keys(db).await? {
        let key = key_of(&row)?;
        out.push(json!({
            "kty": "OKP",
            "crv": "Ed25519",
            "x": URL_SAFE_NO_PAD.encode(key.verifying_key().as_bytes()),
            "kid": row.kid,
            "alg": "EdDSA",
            "use": "sig",
        }));
    }
    Ok(json!({ "keys": out }))
}

/// The claims of a revision's receipt.
pub fn claims(
    c: &contribution::Model,
    r: &contribution_revision::Model,
    documents: &[entity::attachment::Model],
    server_time: DateTime<Utc>,
) -> Value {
    let attachments: Vec<Value> = documents
        .iter()
        .map(|a| {
            json!({
                "id": GlobalId::new(NodeType::Attachment, a.id).encode(),
                "name": a.name,
                "contentType": a.content_type,
                "size": a.size,
                "sha256": a.sha256,
            })
        })
        .collect();
    json!({
        "v": VERSION,
        "iss": "concord",
        "sub": GlobalId::new(NodeType::Stakeholder, c.stakeholder_id).encode(),
        "contribution": GlobalId::new(NodeType::Contribution, c.id).encode(),
        "revision": GlobalId::new(NodeType::ContributionRevision, r.id).encode(),
        "number": r.number,
        "contentHash": r.content_hash,
        "attachments": attachments,
        "iat": server_time.timestamp(),
        "serverTime": server_time.to_rfc3339_opts(SecondsFormat::Millis, true),
    })
}

/// Signs `claims` with the current receipt key: a compact JWS.
pub async fn sign<C: ConnectionTrait>(db: &C, claims: &Value) -> AppResult<String> {
    let (kid, key) = current(db).await?;
    let header = json!({ "alg": "EdDSA", "typ": "JWT", "kid": kid });
    let input = format!(
        "{}.{}",
        URL_SAFE_NO_PAD.encode(header.to_string()),
        URL_SAFE_NO_PAD.encode(claims.to_string())
    );
    let signature = key.sign(input.as_bytes());
    Ok(format!(
        "{input}.{}",
        URL_SAFE_NO_PAD.encode(signature.to_bytes())
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use ed25519_dalek::Verifier;

    #[test]
    fn a_signature_verifies_with_the_public_key_and_fails_on_a_changed_claim() {
        let key = SigningKey::from_bytes(&[9u8; 32]);
        let input = "eyJhbGciOiJFZERTQSJ9.eyJ2IjoyfQ";
        let signature = key.sign(input.as_bytes());
        assert!(
            key.verifying_key()
                .verify(input.as_bytes(), &signature)
                .is_ok()
        );
        assert!(
            key.verifying_key()
                .verify(b"eyJhbGciOiJFZERTQSJ9.eyJ2IjozfQ", &signature)
                .is_err()
        );
    }
}
