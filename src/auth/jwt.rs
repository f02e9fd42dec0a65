//! Signed access tokens. An explicit allow-list: each verification key has one
//! algorithm and a `kid`; a token must name a known `kid` and use exactly that key's
//! algorithm. Every refusal looks the same to the caller.

use crate::ids::{GlobalId, NodeType};
use chrono::{DateTime, Duration, Utc};
use entity::enums::Role;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// The claims of a Concord access token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Claims {
    pub iss: String,
    pub aud: String,
    /// `account:<id>` or `client:<id>`.
    pub sub: String,
    pub exp: i64,
    pub nbf: i64,
    pub iat: i64,
    pub role: Role,
    /// Global ID of the stakeholder the principal speaks for.
    pub stakeholder: Option<String>,
    /// `read`, `submit`.
    pub scopes: Vec<String>,
    /// The session (an account's sign-in) or credential (an API client's secret) the
    /// token was issued under: ending the one refuses the token at once.
    pub sid: String,
}

impl Claims {
    /// The stakeholder's database id.
    pub fn stakeholder_id(&self) -> Option<i64> {
        let raw = self.stakeholder.as_deref()?;
        GlobalId::decode_as(raw, NodeType::Stakeholder).ok()
    }
}

/// Key material for signing.
pub enum SigningMaterial {
    /// A shared secret for HS256 (at least 32 bytes).
    Secret(Vec<u8>),
    /// An EdDSA or RS256 key pair, PEM-encoded.
    KeyPair {
        algorithm: Algorithm,
        private_pem: Vec<u8>,
        public_pem: Vec<u8>,
    },
}

/// A key that only verifies (an older key kept during rotation).
pub struct VerifyKey {
    pub kid: String,
    pub algorithm: Algorithm,
    pub key: DecodingKey,
}

/// The algorithms Concord accepts at all.
pub const ALLOWED: [Algorithm; 3] = [Algorithm::HS256, Algorithm::EdDSA, Algorithm::RS256];

/// Shortest HS256 secret accepted, in bytes.
pub const MIN_SECRET_BYTES: usize = 32;

/// Signing and verification keys, and what tokens must say.
pub struct Keys {
    kid: String,
    algorithm: Algorithm,
    encoding: EncodingKey,
    verifying: HashMap<String, (Algorithm, DecodingKey)>,
    pub issuer: String,
    pub audience: String,
    pub access_ttl: Duration,
}

/// A refused token; deliberately without detail.
#[derive(Debug, PartialEq, Eq)]
pub struct Refused;

impl Keys {
    pub fn new(
        kid: String,
        material: SigningMaterial,
        extra: Vec<VerifyKey>,
        issuer: String,
        audience: String,
        access_ttl: Duration,
    ) -> anyhow::Result<Keys> {
        let (algorithm, encoding, decoding) = match material {
            SigningMaterial::Secret(secret) => {
                if secret.len() < MIN_SECRET_BYTES {
                    anyhow::bail!("the JWT secret must have at least {MIN_SECRET_BYTES} bytes");
                }
                (
                    Algorithm::HS256,
                    EncodingKey::from_secret(&secret)?,
                    DecodingKey::from_secret(&secret)?,
                )
            }
            SigningMaterial::KeyPair {
                algorithm,
                private_pem,
                public_pem,
            } => match algorithm {
                Algorithm::EdDSA => (
                    algorithm,
                    EncodingKey::from_ed_pem(&private_pem)?,
                    DecodingKey::from_ed_pem(&public_pem)?,
                ),
                Algorithm::RS256 => (
                    algorithm,
                    EncodingKey::from_rsa_pem(&private_pem)?,
                    DecodingKey::from_rsa_pem(&public_pem)?,
                ),
                other => {
                    anyhow::bail!("unsupported signing algorithm {other:?}; use EdDSA or RS256")
                }
            },
        };
        let mut verifying = HashMap::new();
        for key in extra {
            if !ALLOWED.contains(&key.algorithm) {
                anyhow::bail!("unsupported verification algorithm {:?}", key.algorithm);
            }
            verifying.insert(key.kid, (key.algorithm, key.key));
        }
        verifying.insert(kid.clone(), (algorithm, decoding));
        Ok(Keys {
            kid,
            algorithm,
            encoding,
            verifying,
            issuer,
            audience,
            access_ttl,
        })
    }

    /// Signs an access token for `sub` under session or credential `sid`; returns it
    /// and its expiry.
    pub fn issue(
        &self,
        sub: String,
        sid: String,
        role: Role,
        stakeholder_id: Option<i64>,
        scopes: Vec<String>,
    ) -> anyhow::Result<(String, DateTime<Utc>)> {
        let now = Utc::now();
        let expires = now + self.access_ttl;
        let claims = Claims {
            iss: self.issuer.clone(),
            aud: self.audience.clone(),
            sub,
            exp: expires.timestamp(),
            nbf: now.timestamp(),
            iat: now.timestamp(),
            role,
            stakeholder: stakeholder_id.map(|id| GlobalId::new(NodeType::Stakeholder, id).encode()),
            scopes,
            sid,
        };
        Ok((self.sign(&claims)?, expires))
    }

    /// Signs arbitrary claims with the current key (tests forge tokens with this).
    pub fn sign(&self, claims: &Claims) -> anyhow::Result<String> {
        let mut header = Header::new(self.algorithm);
        header.kid = Some(self.kid.clone());
        Ok(jsonwebtoken::encode(&header, claims, &self.encoding)?)
    }

    /// Verifies a token: known `kid`, that key's algorithm, signature, `iss`, `aud`,
    /// `exp`, `nbf`. Any failure is the same [`Refused`].
    pub fn verify(&self, token: &str) -> Result<Claims, Refused> {
        let header = jsonwebtoken::decode_header(token).map_err(|_| Refused)?;
        let kid = header.kid.as_deref().ok_or(Refused)?;
        let (algorithm, key) = self.verifying.get(kid).ok_or(Refused)?;
        if header.alg != *algorithm {
            return Err(Refused);
        }
        let mut validation = Validation::new(*algorithm);
        validation.set_issuer(&[&self.issuer]);
        validation.set_audience(&[&self.audience]);
        validation.set_required_spec_claims(&["exp", "nbf", "iss", "aud", "sub"]);
        validation.validate_nbf = true;
        validation.leeway = 30;
        jsonwebtoken::decode::<Claims>(token, key, &validation)
            .map(|data| data.claims)
            .map_err(|_| Refused)
    }
}

/// A short key id derived from key material, when none is configured.
pub fn derive_kid(material: &[u8]) -> String {
    crate::auth::secret::digest_bytes(material)[..16].to_owned()
}
