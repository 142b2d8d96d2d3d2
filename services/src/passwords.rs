//! Password hashing with argon2id (the `argon2` crate's defaults: m=19 MiB, t=2, p=1, the OWASP
//! recommendation), run on the blocking pool so sign-ins do not stall the async workers.

use anyhow::Context;
use argon2::Argon2;
use argon2::password_hash::{
    PasswordHash, PasswordHasher, PasswordVerifier, SaltString, rand_core::OsRng,
};

/// Shortest accepted password, in characters.
pub const MIN_LENGTH: usize = 10;

/// Checks a new password against the policy: at least [`MIN_LENGTH`] characters, at most 256.
///
/// # Errors
/// A message for the `password` field.
pub fn check_policy(password: &str) -> Result<(), String> {
    let len = password.chars().count();
    if len < MIN_LENGTH {
        return Err(format!("must be at least {MIN_LENGTH} characters"));
    }
    if len > 256 {
        return Err("must be at most 256 characters".to_owned());
    }
    Ok(())
}

/// Hashes `password` into a PHC string (`$argon2id$v=19$...`).
///
/// # Errors
/// Only if the blocking pool is gone or argon2 fails (a bug).
pub async fn hash(password: &str) -> anyhow::Result<String> {
    let password = password.to_owned();
    tokio::task::spawn_blocking(move || {
        let salt = SaltString::generate(&mut OsRng);
        Argon2::default()
            .hash_password(password.as_bytes(), &salt)
            .map(|h| h.to_string())
            .map_err(|e| anyhow::anyhow!("argon2: {e}"))
    })
    .await
    .context("hashing task")?
}

/// Whether `password` matches the PHC string `phc`. A malformed hash never matches.
pub async fn verify(password: &str, phc: &str) -> bool {
    let (password, phc) = (password.to_owned(), phc.to_owned());
    tokio::task::spawn_blocking(move || {
        PasswordHash::new(&phc)
            .map(|parsed| {
                Argon2::default()
                    .verify_password(password.as_bytes(), &parsed)
                    .is_ok()
            })
            .unwrap_or(false)
    })
    .await
    .unwrap_or(false)
}

/// A hash of a random password nobody knows, verified against when the account does not exist
/// so that a wrong e-mail takes as long as a wrong password.
pub async fn dummy_hash() -> &'static str {
    static DUMMY: tokio::sync::OnceCell<String> = tokio::sync::OnceCell::const_new();
    DUMMY
        .get_or_init(|| async {
            hash(&random_secret())
                .await
                .unwrap_or_else(|_| "$argon2id$invalid".to_owned())
        })
        .await
}

fn random_secret() -> String {
    use rand::Rng;
    rand::thread_rng()
        .sample_iter(&rand::distributions::Alphanumeric)
        .take(32)
        .map(char::from)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn hashes_verify_only_their_password() {
        let phc = hash("correct horse battery").await.unwrap();
        assert!(phc.starts_with("$argon2id$"));
        assert!(verify("correct horse battery", &phc).await);
        assert!(!verify("correct horse batterz", &phc).await);
        assert!(!verify("anything", "not a hash").await);
    }

    #[test]
    fn policy_names_the_rule() {
        assert_eq!(
            check_policy("short"),
            Err("must be at least 10 characters".to_owned())
        );
        assert_eq!(check_policy("long enough!"), Ok(()));
    }
}
