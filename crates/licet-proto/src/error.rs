//! The error body every licet HTTP API answers, and this crate's own rejections.

use serde::{Deserialize, Serialize};

/// The body of every non-2xx answer: a stable machine `code` (snake_case; never renamed or reused) and a `message`
/// an operator can act on. Internal details (SQL errors, file paths) are logged, never put here.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiError {
    pub code: String,
    pub message: String,
}

impl ApiError {
    pub fn new(code: impl Into<String>, message: impl Into<String>) -> Self {
        ApiError {
            code: code.into(),
            message: message.into(),
        }
    }
}

impl From<licet_core::Reason> for ApiError {
    fn from(reason: licet_core::Reason) -> Self {
        ApiError::new(reason.code(), reason.sentence())
    }
}

impl From<&ProtoError> for ApiError {
    fn from(e: &ProtoError) -> Self {
        ApiError::new(e.code(), e.to_string())
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.code, self.message)
    }
}

impl std::error::Error for ApiError {}

/// Why an activation request (or another signed wire object) was rejected.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ProtoError {
    #[error("the activation request is larger than {limit} bytes; it is not a licet activation request")]
    TooLarge { limit: usize },
    #[error("the activation request is malformed ({detail}); export a fresh one from the install")]
    Malformed { detail: String },
    #[error("the activation request uses alg {alg:?}; only EdDSA (Ed25519) is accepted")]
    AlgForbidden { alg: String },
    #[error("the activation request's signature does not verify with the key it names; it was altered")]
    BadSignature,
    #[error("signing the activation request failed: {0}")]
    Sign(#[from] licet_core::SignError),
}

impl ProtoError {
    /// Stable machine code, as [`ApiError::code`] carries it.
    pub fn code(&self) -> &'static str {
        match self {
            ProtoError::TooLarge { .. } => "activation_request_too_large",
            ProtoError::Malformed { .. } => "activation_request_malformed",
            ProtoError::AlgForbidden { .. } => "activation_request_alg_forbidden",
            ProtoError::BadSignature => "activation_request_bad_signature",
            ProtoError::Sign(_) => "activation_request_sign_failed",
        }
    }

    pub(crate) fn malformed(detail: impl Into<String>) -> Self {
        ProtoError::Malformed { detail: detail.into() }
    }
}
