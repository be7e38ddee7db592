//! One error type for the vendor control plane, mapped to HTTP status and a stable `{code, message}` body in one
//! place. Database and key-file details are logged, never sent.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use licet_proto::{ApiError, ProtoError};

#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum VendorError {
    #[error("{what} {id:?} does not exist")]
    NotFound { what: &'static str, id: String },
    #[error("{what} {id:?} already exists")]
    AlreadyExists { what: &'static str, id: String },
    #[error("customer {0:?} still has installs; delete or move them first")]
    CustomerHasInstalls(String),
    #[error("invalid request: {0}")]
    InvalidRequest(String),
    #[error("there is no such endpoint; see /v1/openapi.json")]
    RouteNotFound,
    #[error("this endpoint does not accept that method; see /v1/openapi.json")]
    MethodNotAllowed,
    #[error("this endpoint needs the vendor admin token as `Authorization: Bearer <token>`")]
    AdminTokenRequired,
    #[error("the install credential is missing, unknown or revoked; ask the vendor for a new one")]
    InstallCredentialInvalid,
    #[error("install {0:?} has no entitlements yet; set them before issuing")]
    EntitlementsMissing(String),
    #[error("no signing key is active; add one and activate it")]
    NoActiveSigningKey,
    #[error("signing key {kid:?} cannot be used: {message}")]
    SigningKey { kid: String, message: String },
    #[error(transparent)]
    Sign(#[from] licet_core::SignError),
    #[error(transparent)]
    ActivationRequest(#[from] ProtoError),
    #[error("the activation request was made {age_days} days ago, more than the {max_days} days accepted; export a fresh one")]
    ActivationRequestStale { age_days: i64, max_days: i64 },
    #[error("the activation request's created_at is in the future; check the install's clock")]
    ActivationRequestFromFuture,
    #[error("this activation request was already answered; export a fresh one from the install")]
    ActivationRequestReplayed,
    #[error("the activation request is signed by a different key than the one on record for install {0:?}; if the install was rebuilt, reset its activation key in the console")]
    ActivationKeyMismatch(String),
    #[error(
        "host fingerprint {fingerprint:?} is not registered for install {install_id:?}; add it to the install first"
    )]
    FingerprintNotRegistered { install_id: String, fingerprint: String },
    /// An install's entitlements cannot be written in the license format asked for (see `manual`).
    #[error("cannot issue in the {format} format: {detail}")]
    FormatCannotExpress { format: &'static str, detail: String },
    #[error("issuing is not running (the server is shutting down, or cannot reach its database); try again")]
    IssuingUnavailable,
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    #[error("database migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("stored data is corrupt: {0}")]
    Corrupt(String),
    #[error("I/O error: {0}")]
    Io(#[from] std::io::Error),
}

impl VendorError {
    /// Stable machine code: an API, never renamed or reused.
    pub fn code(&self) -> &'static str {
        match self {
            VendorError::NotFound { what, .. } => match *what {
                "customer" => "customer_not_found",
                "install" => "install_not_found",
                "signing key" => "signing_key_not_found",
                "license" => "license_not_found",
                _ => "not_found",
            },
            VendorError::AlreadyExists { what, .. } => match *what {
                "customer" => "customer_exists",
                "install" => "install_exists",
                "signing key" => "signing_key_exists",
                _ => "already_exists",
            },
            VendorError::CustomerHasInstalls(_) => "customer_has_installs",
            VendorError::InvalidRequest(_) => "invalid_request",
            VendorError::RouteNotFound => "route_not_found",
            VendorError::MethodNotAllowed => "method_not_allowed",
            VendorError::AdminTokenRequired => "admin_token_required",
            VendorError::InstallCredentialInvalid => "install_credential_invalid",
            VendorError::EntitlementsMissing(_) => "entitlements_missing",
            VendorError::NoActiveSigningKey => "no_active_signing_key",
            VendorError::SigningKey { .. } => "signing_key_unusable",
            VendorError::Sign(_) => "signing_failed",
            VendorError::ActivationRequest(e) => e.code(),
            VendorError::ActivationRequestStale { .. } => "activation_request_stale",
            VendorError::ActivationRequestFromFuture => "activation_request_from_future",
            VendorError::ActivationRequestReplayed => "activation_request_replayed",
            VendorError::ActivationKeyMismatch(_) => "activation_key_mismatch",
            VendorError::FingerprintNotRegistered { .. } => "fingerprint_not_registered",
            VendorError::FormatCannotExpress { .. } => "license_format_cannot_express",
            VendorError::IssuingUnavailable => "issuing_unavailable",
            VendorError::Database(_) | VendorError::Migrate(_) | VendorError::Corrupt(_) | VendorError::Io(_) => {
                "internal_error"
            }
        }
    }

    pub fn status(&self) -> StatusCode {
        match self {
            VendorError::NotFound { .. } | VendorError::RouteNotFound => StatusCode::NOT_FOUND,
            VendorError::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            VendorError::AlreadyExists { .. }
            | VendorError::CustomerHasInstalls(_)
            | VendorError::EntitlementsMissing(_)
            | VendorError::NoActiveSigningKey
            | VendorError::ActivationRequestReplayed
            | VendorError::FingerprintNotRegistered { .. }
            | VendorError::FormatCannotExpress { .. } => StatusCode::CONFLICT,
            VendorError::InvalidRequest(_)
            | VendorError::SigningKey { .. }
            | VendorError::ActivationRequest(_)
            | VendorError::ActivationRequestStale { .. }
            | VendorError::ActivationRequestFromFuture => StatusCode::BAD_REQUEST,
            VendorError::AdminTokenRequired | VendorError::InstallCredentialInvalid => StatusCode::UNAUTHORIZED,
            VendorError::ActivationKeyMismatch(_) => StatusCode::FORBIDDEN,
            VendorError::IssuingUnavailable => StatusCode::SERVICE_UNAVAILABLE,
            VendorError::Sign(_)
            | VendorError::Database(_)
            | VendorError::Migrate(_)
            | VendorError::Corrupt(_)
            | VendorError::Io(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    pub(crate) fn not_found(what: &'static str, id: impl Into<String>) -> Self {
        VendorError::NotFound { what, id: id.into() }
    }
}

impl IntoResponse for VendorError {
    fn into_response(self) -> Response {
        let status = self.status();
        let body = if status == StatusCode::INTERNAL_SERVER_ERROR {
            tracing::error!(code = self.code(), error = %self, "vendor request failed");
            ApiError::new(self.code(), "the vendor server failed; the details are in its log")
        } else {
            ApiError::new(self.code(), self.to_string())
        };
        let mut response = (status, Json(body)).into_response();
        if status == StatusCode::UNAUTHORIZED {
            response.headers_mut().insert(
                axum::http::header::WWW_AUTHENTICATE,
                axum::http::HeaderValue::from_static("Bearer"),
            );
        }
        response
    }
}
