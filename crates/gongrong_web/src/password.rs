//! Password rules and hashing: argon2id with the crate's default parameters (19 MiB, 2 passes),
//! stored as a PHC string. The store only ever sees the hash. The rules ([`check_password`]):
//! at least [`MIN_PASSWORD_CHARS`] characters (at most [`MAX_PASSWORD_CHARS`]), not the
//! username nor containing it, not one character repeated, and not in the embedded list of
//! common passwords (`common_passwords.txt`). The web's user management and `gongrong user`
//! both apply them.

use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use rand::RngCore;
use std::sync::OnceLock;

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum PasswordError {
    #[error("password must not be empty")]
    Empty,
    #[error("password must have at least {MIN_PASSWORD_CHARS} characters")]
    TooShort,
    #[error("password must have at most {MAX_PASSWORD_CHARS} characters")]
    TooLong,
    #[error("password must not contain the username")]
    ContainsUsername,
    #[error("password is too common (a known leaked password or one character repeated)")]
    Common,
    #[error("password hashing failed: {0}")]
    Hash(String),
}

pub const MIN_PASSWORD_CHARS: usize = 12;
pub const MAX_PASSWORD_CHARS: usize = 256;

const COMMON: &str = include_str!("common_passwords.txt");

fn is_common(password: &str) -> bool {
    let lower = password.to_lowercase();
    let mut chars = lower.chars();
    let first = chars.next();
    if first.is_some() && chars.all(|c| Some(c) == first) {
        return true;
    }
    COMMON
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .any(|l| l == lower)
}

/// A random password that passes the rules: 16 characters from an alphabet without look-alikes
/// (no 0/O, 1/l/I), for accounts an administrator creates or resets (shown once).
pub fn generate_password() -> String {
    use rand::Rng;
    const ALPHABET: &[u8] = b"abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let mut rng = rand::rng();
    (0..16)
        .map(|_| {
            let i = rng.random_range(0..ALPHABET.len());
            char::from(ALPHABET.get(i).copied().unwrap_or(b'x'))
        })
        .collect()
}

/// The password rules (see the module documentation).
pub fn check_password(username: &str, password: &str) -> Result<(), PasswordError> {
    let n = password.chars().count();
    if n == 0 {
        return Err(PasswordError::Empty);
    }
    if n < MIN_PASSWORD_CHARS {
        return Err(PasswordError::TooShort);
    }
    if n > MAX_PASSWORD_CHARS {
        return Err(PasswordError::TooLong);
    }
    let user = username.trim().to_lowercase();
    if !user.is_empty() && password.to_lowercase().contains(&user) {
        return Err(PasswordError::ContainsUsername);
    }
    if is_common(password) {
        return Err(PasswordError::Common);
    }
    Ok(())
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

    #[test]
    fn rules() {
        use PasswordError as E;
        assert_eq!(check_password("wang", "short"), Err(E::TooShort));
        assert_eq!(
            check_password("wang", "wang-long-enough"),
            Err(E::ContainsUsername)
        );
        assert_eq!(
            check_password("wang", "WANGlongenough"),
            Err(E::ContainsUsername)
        );
        assert_eq!(check_password("wang", "1qaz2wsx3edc"), Err(E::Common));
        assert_eq!(check_password("wang", "Password1234"), Err(E::Common));
        assert_eq!(check_password("wang", "zzzzzzzzzzzz"), Err(E::Common));
        assert_eq!(check_password("wang", &"x".repeat(20)), Err(E::Common));
        assert_eq!(check_password("wang", &"xy".repeat(129)), Err(E::TooLong));
        assert_eq!(check_password("wang", ""), Err(E::Empty));
        assert_eq!(check_password("wang", "correct horse 电池 staple"), Ok(()));
        // The demo accounts' password passes the rules as they are.
        assert_eq!(check_password("clerk", "gongrong-demo"), Ok(()));
        let g = generate_password();
        assert_eq!(g.chars().count(), 16);
        assert_ne!(g, generate_password());
    }
}
