//! The one web error type. Handlers return it; its response carries only an [`ErrorKind`]
//! marker, and the context middleware (which knows the language, the signed-in user and whether
//! the request was for the JSON API) turns the marker into a translated page or a JSON body.
//! Internal details are logged here and never reach the client.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use gongrong_domain::Lang;

use crate::i18n::strings;

#[derive(Debug, thiserror::Error)]
pub enum WebError {
    /// Missing, or outside the caller's scope: the two are indistinguishable on purpose.
    #[error("not found")]
    NotFound,
    /// No valid session.
    #[error("not signed in")]
    Unauthenticated,
    #[error("forbidden")]
    Forbidden,
    #[error("bad request: {0}")]
    BadRequest(String),
    #[error("request body too large")]
    PayloadTooLarge,
    /// Too many failed sign-ins: the username or the address is locked for a while.
    #[error("too many requests")]
    TooManyRequests,
    #[error("internal: {0}")]
    Internal(String),
}

/// The stable, client-visible kind of an error.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ErrorKind {
    NotFound,
    Unauthenticated,
    Forbidden,
    BadRequest,
    PayloadTooLarge,
    TooManyRequests,
    Internal,
}

impl ErrorKind {
    pub fn status(self) -> StatusCode {
        match self {
            ErrorKind::NotFound => StatusCode::NOT_FOUND,
            ErrorKind::Unauthenticated => StatusCode::UNAUTHORIZED,
            ErrorKind::Forbidden => StatusCode::FORBIDDEN,
            ErrorKind::BadRequest => StatusCode::BAD_REQUEST,
            ErrorKind::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            ErrorKind::TooManyRequests => StatusCode::TOO_MANY_REQUESTS,
            ErrorKind::Internal => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// Stable machine code, used in the JSON API.
    pub fn code(self) -> &'static str {
        match self {
            ErrorKind::NotFound => "not_found",
            ErrorKind::Unauthenticated => "unauthenticated",
            ErrorKind::Forbidden => "forbidden",
            ErrorKind::BadRequest => "bad_request",
            ErrorKind::PayloadTooLarge => "payload_too_large",
            ErrorKind::TooManyRequests => "too_many_requests",
            ErrorKind::Internal => "internal",
        }
    }

    pub fn message(self, lang: Lang) -> &'static str {
        let t = strings(lang);
        match self {
            ErrorKind::NotFound => t.error_not_found,
            ErrorKind::Unauthenticated => t.error_unauthenticated,
            ErrorKind::Forbidden => t.error_forbidden,
            ErrorKind::BadRequest => t.error_bad_request,
            ErrorKind::PayloadTooLarge => t.error_payload_too_large,
            ErrorKind::TooManyRequests => t.error_too_many_requests,
            ErrorKind::Internal => t.error_internal,
        }
    }
}

impl WebError {
    pub fn kind(&self) -> ErrorKind {
        match self {
            WebError::NotFound => ErrorKind::NotFound,
            WebError::Unauthenticated => ErrorKind::Unauthenticated,
            WebError::Forbidden => ErrorKind::Forbidden,
            WebError::BadRequest(_) => ErrorKind::BadRequest,
            WebError::PayloadTooLarge => ErrorKind::PayloadTooLarge,
            WebError::TooManyRequests => ErrorKind::TooManyRequests,
            WebError::Internal(_) => ErrorKind::Internal,
        }
    }

    pub fn internal(e: impl std::fmt::Display) -> Self {
        WebError::Internal(e.to_string())
    }
}

impl From<axum::extract::rejection::FormRejection> for WebError {
    fn from(e: axum::extract::rejection::FormRejection) -> Self {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            WebError::PayloadTooLarge
        } else {
            WebError::BadRequest(e.body_text())
        }
    }
}

impl From<axum::extract::rejection::JsonRejection> for WebError {
    fn from(e: axum::extract::rejection::JsonRejection) -> Self {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            WebError::PayloadTooLarge
        } else {
            WebError::BadRequest(e.body_text())
        }
    }
}

impl From<gongrong_store::StoreError> for WebError {
    fn from(e: gongrong_store::StoreError) -> Self {
        use gongrong_store::StoreError as S;
        match e {
            S::Forbidden(m) => {
                tracing::warn!(reason = %m, "refused by the access rules");
                WebError::Forbidden
            }
            S::Invalid(m) => WebError::BadRequest(m),
            S::NotFound(_) => WebError::NotFound,
            other => WebError::Internal(format!("store: {other}")),
        }
    }
}

impl From<askama::Error> for WebError {
    fn from(e: askama::Error) -> Self {
        WebError::Internal(format!("template: {e}"))
    }
}

impl IntoResponse for WebError {
    fn into_response(self) -> Response {
        match &self {
            WebError::Internal(detail) => tracing::error!(error = %detail, "internal error"),
            WebError::BadRequest(detail) => tracing::info!(error = %detail, "bad request refused"),
            _ => {}
        }
        let kind = self.kind();
        let mut resp = (kind.status(), kind.message(Lang::Zh)).into_response();
        resp.extensions_mut().insert(kind);
        resp
    }
}

pub type WebResult<T> = Result<T, WebError>;

/// A record id from a URL: anything but a number is the same 404 as a missing record.
pub fn record_id(id: &str) -> WebResult<i64> {
    id.parse::<i64>().map_err(|_| WebError::NotFound)
}
