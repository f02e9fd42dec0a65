//! Building the key set from settings, files and (for a generated secret) the database.

use super::Auth;
use super::jwt::{Keys, SigningMaterial, VerifyKey, derive_kid};
use crate::config::AuthSettings;
use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use chrono::{Duration, Utc};
use entity::signing_key;
use jsonwebtoken::{Algorithm, DecodingKey};
use sea_orm::{ActiveModelTrait, DatabaseConnection, EntityTrait, Set};

const GENERATED: &str = "jwt-hs256";

fn algorithm(name: &str) -> anyhow::Result<Algorithm> {
    match name {
        "HS256" => Ok(Algorithm::HS256),
        "EdDSA" => Ok(Algorithm::EdDSA),
        "RS256" => Ok(Algorithm::RS256),
        other => anyhow::bail!("unsupported JWT algorithm {other}; use HS256, EdDSA or RS256"),
    }
}

fn read(path: &std::path::Path) -> anyhow::Result<Vec<u8>> {
    std::fs::read(path).map_err(|e| anyhow::anyhow!("cannot read {}: {e}", path.display()))
}

/// Parses `KID=ALG:PATH`.
fn verify_key(spec: &str) -> anyhow::Result<VerifyKey> {
    let bad = || anyhow::anyhow!("--jwt-verify-key {spec:?}: expected KID=ALG:PATH");
    let (kid, rest) = spec.split_once('=').ok_or_else(bad)?;
    let (alg, path) = rest.split_once(':').ok_or_else(bad)?;
    let algorithm = algorithm(alg)?;
    let bytes = read(std::path::Path::new(path))?;
    let key = match algorithm {
        Algorithm::HS256 => DecodingKey::from_secret(trim_secret(&bytes))?,
        Algorithm::EdDSA => DecodingKey::from_ed_pem(&bytes)?,
        _ => DecodingKey::from_rsa_pem(&bytes)?,
    };
    Ok(VerifyKey {
        kid: kid.to_owned(),
        algorithm,
        key,
    })
}

/// A secret file's content without a trailing newline.
fn trim_secret(bytes: &[u8]) -> &[u8] {
    let end = bytes
        .iter()
        .rposition(|b| !b.is_ascii_whitespace())
        .map_or(0, |i| i + 1);
    &bytes[..end]
}

/// The generated HS256 secret, made by the first instance to start and shared by all.
async fn generated_secret(db: &DatabaseConnection) -> anyhow::Result<(String, Vec<u8>)> {
    if let Some(row) = signing_key::Entity::find_by_id(GENERATED).one(db).await? {
        return Ok((row.kid, URL_SAFE_NO_PAD.decode(row.secret)?));
    }
    let secret = super::secret::random_bytes(32)?;
    let kid = derive_kid(&secret);
    let inserted = signing_key::ActiveModel {
        purpose: Set(GENERATED.to_owned()),
        kid: Set(kid),
        secret: Set(URL_SAFE_NO_PAD.encode(&secret)),
        created_at: Set(Utc::now()),
    }
    .insert(db)
    .await;
    if inserted.is_ok() {
        tracing::warn!(
            "no JWT signing key configured: generated an HS256 secret and stored it in the database \
             (table signing_key); set CONCORD_JWT_SECRET or a key pair to manage keys yourself"
        );
    }
    // Another instance may have won the race: everyone uses the stored one.
    let row = signing_key::Entity::find_by_id(GENERATED)
        .one(db)
        .await?
        .ok_or_else(|| anyhow::anyhow!("the generated signing key vanished"))?;
    Ok((row.kid, URL_SAFE_NO_PAD.decode(row.secret)?))
}

/// Builds the server's [`Auth`] from its settings.
pub async fn load(db: &DatabaseConnection, s: &AuthSettings) -> anyhow::Result<Auth> {
    let (kid, material) = match (&s.jwt_secret, &s.jwt_private_key) {
        (Some(_), Some(_)) => {
            anyhow::bail!("configure either a JWT secret or a key pair, not both")
        }
        (Some(secret), None) => {
            let bytes = secrecy::ExposeSecret::expose_secret(secret)
                .as_bytes()
                .to_vec();
            (derive_kid(&bytes), SigningMaterial::Secret(bytes))
        }
        (None, Some(private)) => {
            let public = s.jwt_public_key.as_ref().ok_or_else(|| {
                anyhow::anyhow!("--jwt-public-key is required with --jwt-private-key")
            })?;
            let algorithm = algorithm(s.jwt_algorithm.as_deref().unwrap_or(""))?;
            if algorithm == Algorithm::HS256 {
                anyhow::bail!("a key pair signs with EdDSA or RS256");
            }
            let public_pem = read(public)?;
            (
                derive_kid(&public_pem),
                SigningMaterial::KeyPair {
                    algorithm,
                    private_pem: read(private)?,
                    public_pem,
                },
            )
        }
        (None, None) => {
            let (kid, secret) = generated_secret(db).await?;
            (kid, SigningMaterial::Secret(secret))
        }
    };
    let csrf_key = derived_key(b"concord console CSRF key\0", &material);
    let link_key = derived_key(b"concord link key\0", &material);
    let kid = s.jwt_kid.clone().unwrap_or(kid);
    let extra = s
        .jwt_verify_keys
        .iter()
        .map(|spec| verify_key(spec))
        .collect::<anyhow::Result<Vec<_>>>()?;
    for (name, value) in [
        ("access", s.access_token_ttl),
        ("refresh", s.refresh_token_ttl),
        ("reset", s.reset_token_ttl),
        ("invitation", s.invitation_ttl),
    ] {
        if value <= 0 {
            anyhow::bail!("the {name} token lifetime must be positive");
        }
    }
    let keys = Keys::new(
        kid,
        material,
        extra,
        s.jwt_issuer.clone(),
        s.jwt_audience.clone(),
        Duration::seconds(s.access_token_ttl),
    )?;
    Ok(Auth {
        keys,
        csrf_key,
        refresh_ttl: Duration::seconds(s.refresh_token_ttl),
        reset_ttl: Duration::seconds(s.reset_token_ttl),
        anonymous_access: s.anonymous_access,
        link_key,
        invitation_ttl: Duration::seconds(s.invitation_ttl),
    })
}

/// A key for `purpose` (the console's CSRF tokens, the links sent by email): derived
/// from the signing material, so that every instance that signs the same tokens makes
/// and checks the same ones.
fn derived_key(purpose: &[u8], material: &SigningMaterial) -> [u8; 32] {
    use sha2::Digest;
    let mut digest = sha2::Sha256::new();
    digest.update(purpose);
    match material {
        SigningMaterial::Secret(secret) => digest.update(secret),
        SigningMaterial::KeyPair { private_pem, .. } => digest.update(private_pem),
    }
    digest.finalize().into()
}
