//! CSRF protection: a synchronizer token per session (stored with the session, rotated with
//! it at every sign-in), required on every state-changing request of a signed-in user, in the
//! form field `csrf` or the `X-CSRF-Token` header (the JSON API). Before sign-in, the login
//! form carries a token that must equal the `gongrong_login` cookie set with the form
//! (double submit), so that no other site can sign a browser in. A missing or wrong token is
//! answered 403 and recorded in the audit log (`csrf.rejected`).
//!
//! The check runs in the context middleware, before any handler: a new form gets the
//! protection by rendering `{{ l.csrf_field() }}`-style hidden input (`Layout::csrf`), nothing
//! else. Multipart bodies (uploads) must send the header; the middleware reads only URL-encoded
//! form bodies.

use axum::body::{Body, to_bytes};
use axum::extract::Request;
use axum::http::{HeaderMap, Method, header};
use sha2::{Digest, Sha256};

pub const FIELD: &str = "csrf";
pub const HEADER: &str = "x-csrf-token";
pub const LOGIN_COOKIE: &str = "gongrong_login";

/// Whether a request changes state and so needs a token.
pub fn state_changing(method: &Method) -> bool {
    !matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
}

/// Compares two tokens in time independent of where they differ.
pub fn same(a: &str, b: &str) -> bool {
    // Comparing digests keeps the time independent of the lengths too.
    let (x, y) = (Sha256::digest(a.as_bytes()), Sha256::digest(b.as_bytes()));
    let diff = x
        .iter()
        .zip(y.iter())
        .fold(0u8, |acc, (p, q)| acc | (p ^ q));
    diff == 0 && !a.is_empty()
}

fn is_form(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.split(';').next().is_some_and(|t| {
                t.trim()
                    .eq_ignore_ascii_case("application/x-www-form-urlencoded")
            })
        })
}

/// Why a request's token could not be read.
pub enum Unreadable {
    TooLarge,
    Broken,
}

/// The token a request presents (header first, then the form field), and the request rebuilt
/// with its body (which had to be read for a form).
pub async fn presented(
    req: Request,
    body_limit: usize,
) -> Result<(Option<String>, Request), Unreadable> {
    if let Some(v) = req.headers().get(HEADER) {
        let token = v.to_str().ok().map(str::to_owned);
        return Ok((token, req));
    }
    if !is_form(req.headers()) {
        return Ok((None, req));
    }
    let (parts, body) = req.into_parts();
    let bytes = to_bytes(body, body_limit).await.map_err(|e| {
        // `to_bytes` fails on a body over the limit, or on a broken stream.
        let mut source: Option<&(dyn std::error::Error + 'static)> = Some(&e);
        while let Some(s) = source {
            if s.is::<http_body_util::LengthLimitError>() {
                return Unreadable::TooLarge;
            }
            source = s.source();
        }
        Unreadable::Broken
    })?;
    let token = serde_urlencoded::from_bytes::<Vec<(String, String)>>(&bytes)
        .ok()
        .and_then(|pairs| pairs.into_iter().find(|(k, _)| k == FIELD).map(|(_, v)| v));
    Ok((token, Request::from_parts(parts, Body::from(bytes))))
}

/// A well-formed login token (what [`crate::ctx::new_token`] makes).
pub fn well_formed(token: &str) -> bool {
    token.len() == 64 && token.bytes().all(|b| b.is_ascii_hexdigit())
}

/// The `Set-Cookie` value of the login form's token: only sent back to `/login`.
pub fn login_cookie(token: &str, secure: bool) -> String {
    format!(
        "{LOGIN_COOKIE}={token}; Path=/login; HttpOnly; SameSite=Strict; Max-Age=3600{}",
        if secure { "; Secure" } else { "" }
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_compare_exactly() {
        assert!(same("abc", "abc"));
        assert!(!same("abc", "abd"));
        assert!(!same("abc", "abcd"));
        assert!(!same("", ""), "an empty token never matches");
        assert!(well_formed(&"a".repeat(64)));
        assert!(!well_formed("abc"));
        assert!(!well_formed(&"g".repeat(64)));
    }

    #[test]
    fn only_state_changing_methods_need_tokens() {
        assert!(!state_changing(&Method::GET));
        assert!(!state_changing(&Method::HEAD));
        assert!(state_changing(&Method::POST));
        assert!(state_changing(&Method::DELETE));
    }
}
