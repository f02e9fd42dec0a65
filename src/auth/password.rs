//! Argon2id password hashes (PHC strings), with the crate's default cost
//! (19 MiB, 2 passes, 1 lane: the OWASP recommendation). Hashing and verifying run on
//! the blocking pool: a hash takes tens of milliseconds of CPU, which on an async worker
//! would hold up every other request of that worker. At most one hash per core but one
//! runs at a time, so that a burst of sign-ins leaves a core to everything else.

use argon2::Argon2;
use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use std::sync::LazyLock;
use tokio::sync::Semaphore;

/// Shortest password accepted.
pub const MIN_LENGTH: usize = 12;
/// Longest password accepted (hashing cost grows with length).
pub const MAX_LENGTH: usize = 256;

/// Runs `work` on the blocking pool, once one of the hashing slots is free.
async fn off_the_workers<T: Send + 'static>(
    work: impl FnOnce() -> T + Send + 'static,
) -> anyhow::Result<T> {
    static SLOTS: LazyLock<Semaphore> = LazyLock::new(|| {
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        Semaphore::new(cores.saturating_sub(1).max(1))
    });
    let _slot = SLOTS.acquire().await?;
    Ok(tokio::task::spawn_blocking(work).await?)
}

/// Hashes a password with a fresh salt.
pub async fn hash(password: &str) -> anyhow::Result<String> {
    let password = password.to_owned();
    off_the_workers(move || hash_now(&password)).await?
}

/// Whether `password` matches `phc`. A malformed stored hash never matches.
pub async fn verify(password: &str, phc: &str) -> bool {
    let (password, phc) = (password.to_owned(), phc.to_owned());
    off_the_workers(move || verify_now(&password, &phc))
        .await
        .unwrap_or(false)
}

/// Spends the time of one verification, so that an unknown email takes as long to
/// refuse as a wrong password.
pub async fn verify_dummy(password: &str) {
    static DUMMY: LazyLock<String> =
        LazyLock::new(|| hash_now("concord-dummy-password").unwrap_or_default());
    let password = password.to_owned();
    let _ = off_the_workers(move || verify_now(&password, &DUMMY)).await;
}

fn hash_now(password: &str) -> anyhow::Result<String> {
    Ok(Argon2::default()
        .hash_password(password.as_bytes())
        .map_err(|e| anyhow::anyhow!("hashing a password: {e}"))?
        .to_string())
}

fn verify_now(password: &str, phc: &str) -> bool {
    PasswordHash::new(phc)
        .map(|parsed| {
            Argon2::default()
                .verify_password(password.as_bytes(), &parsed)
                .is_ok()
        })
        .unwrap_or(false)
}

/// Why a new password is refused, if it is.
pub fn check_strength(password: &str) -> Result<(), String> {
    let length = password.chars().count();
    if length < MIN_LENGTH {
        return Err(format!(
            "The password must have at least {MIN_LENGTH} characters"
        ));
    }
    if length > MAX_LENGTH {
        return Err(format!(
            "The password must have at most {MAX_LENGTH} characters"
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn hashes_verify_and_salts_differ() {
        let a = hash("correct horse battery").await.unwrap();
        let b = hash("correct horse battery").await.unwrap();
        assert!(a.starts_with("$argon2id$"));
        assert_ne!(a, b);
        assert!(verify("correct horse battery", &a).await);
        assert!(!verify("wrong horse battery", &a).await);
        assert!(!verify("anything", "not a phc string").await);
    }
}
