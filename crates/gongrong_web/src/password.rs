//! Password hashing: argon2id with the crate's default parameters (19 MiB, 2 passes), stored as
//! a PHC string. The store only ever sees the hash.

use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use rand::RngCore;
use std::sync::OnceLock;

#[derive(Debug, thiserror::Error)]
pub enum PasswordError {
    #[error("password must not be empty")]
    Empty,
    #[error("password hashing failed: {0}")]
    Hash(String),
}

/// Hashes a password into an argon2id PHC string (`$argon2id$v=19$…`).
pub fn hash_password(password: &str) -> Result<String, PasswordError> {
    if password.is_empty() {
        return Err(PasswordError::Empty);
    }
    let mut salt = [0u8; 16];
    rand::rng().fill_bytes(&mut salt);
    let salt = SaltString::encode_b64(&salt).map_err(|e| PasswordError::Hash(e.to_string()))?;
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| PasswordError::Hash(e.to_string()))
}

/// Whether `password` matches the PHC string. A malformed hash never matches (and is logged).
pub fn verify_password(password: &str, phc: &str) -> bool {
    match PasswordHash::new(phc) {
        Ok(parsed) => Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok(),
        Err(e) => {
            tracing::warn!(error = %e, "stored password hash is malformed");
            false
        }
    }
}

/// Verifies against a fixed hash so that a login for an unknown user costs as much time as one
/// for a known user (no user enumeration by timing).
pub(crate) fn burn_verify(password: &str) {
    static DUMMY: OnceLock<Option<String>> = OnceLock::new();
    if let Some(phc) = DUMMY
        .get_or_init(|| hash_password("gongrong-dummy-password").ok())
        .as_deref()
    {
        let _ = verify_password(password, phc);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_and_verifies() {
        let h = hash_password("s3cret 密码").unwrap();
        assert!(h.starts_with("$argon2id$"));
        assert!(verify_password("s3cret 密码", &h));
        assert!(!verify_password("s3cret", &h));
        assert!(!verify_password("s3cret 密码", "not a hash"));
        assert_ne!(h, hash_password("s3cret 密码").unwrap(), "salted");
        assert!(matches!(hash_password(""), Err(PasswordError::Empty)));
    }
}
