//! One error type for every route, mapped to a status code in one match. Bodies are always `{code, message}`,
//! plus `detail` when a refused license's specifics are known (what `licet verify` prints: which part did not
//! decode, which kid); internal details are logged, never shown.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use licet_core::{Loss, Reason};
use serde::{Deserialize, Serialize};

use crate::service::{Role, ServiceError};

/// The wire form of every error.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorBody {
    pub code: String,
    pub message: String,
    /// The specifics of a refused license, when they say more than `message`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    /// For `license_change_needs_ack`: what the license would take away from the one in force.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub changes: Vec<Loss>,
}

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// The license was judged and refused; the code is the reason code, `detail` the verifier's specifics.
    #[error("{reason}")]
    License { reason: Reason, detail: Option<String> },
    /// The license would take away what the one in force grants; resubmitting with `acknowledge=true` accepts it.
    #[error("{}", Reason::LicenseChangeNeedsAck)]
    ChangeNeedsAck(Vec<Loss>),
    #[error("a bearer token is required")]
    Unauthorized,
    #[error("the token's role is too low")]
    Forbidden { needed: Role },
    #[error("reason required")]
    ReasonRequired,
    #[error("bad request: {0}")]
    BadRequest(String),
    #[error("payload too large")]
    PayloadTooLarge,
    #[error("unsupported media type")]
    UnsupportedMediaType,
    #[error("not found: {0}")]
    NotFound(String),
    #[error("route not found")]
    RouteNotFound,
    #[error("method not allowed")]
    MethodNotAllowed,
    #[error("unavailable: {0}")]
    Unavailable(String),
    /// The profile does not take licenses this way; nothing was changed.
    #[error("source not allowed: {0}")]
    SourceNotAllowed(String),
    #[error("upstream: {0}")]
    Upstream(String),
    /// The license's renewal URL is plain http to a host that is not loopback (or not https at all).
    #[error("renewal URL refused: {0}")]
    RenewalUrlRefused(String),
    /// The store cannot be reached; the detail is logged, not shown.
    #[error("store unavailable: {0}")]
    StoreUnavailable(String),
    #[error("internal: {0}")]
    Internal(String),
}

impl ApiError {
    pub fn status(&self) -> StatusCode {
        match self {
            ApiError::License {
                reason: Reason::LicenseRolledBack,
                ..
            } => StatusCode::CONFLICT,
            ApiError::License { .. } => StatusCode::UNPROCESSABLE_ENTITY,
            // The license itself is fine; it conflicts with the one in force until the caller says it may.
            ApiError::ChangeNeedsAck(_) => StatusCode::CONFLICT,
            ApiError::Unauthorized => StatusCode::UNAUTHORIZED,
            ApiError::Forbidden { .. } => StatusCode::FORBIDDEN,
            ApiError::ReasonRequired | ApiError::BadRequest(_) => StatusCode::BAD_REQUEST,
            ApiError::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ApiError::NotFound(_) | ApiError::RouteNotFound => StatusCode::NOT_FOUND,
            ApiError::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            ApiError::Unavailable(_) | ApiError::SourceNotAllowed(_) | ApiError::RenewalUrlRefused(_) => {
                StatusCode::CONFLICT
            }
            ApiError::Upstream(_) => StatusCode::BAD_GATEWAY,
            ApiError::StoreUnavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            ApiError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    pub fn body(&self) -> ErrorBody {
        let (code, message): (&str, String) = match self {
            ApiError::License { reason, .. } => (reason.code(), reason.sentence().to_owned()),
            ApiError::ChangeNeedsAck(_) => (
                Reason::LicenseChangeNeedsAck.code(),
                Reason::LicenseChangeNeedsAck.sentence().to_owned(),
            ),
            ApiError::Unauthorized => (
                "unauthorized",
                "This change needs a bearer token. Enter an API token (Authorization: Bearer …) and retry.".into(),
            ),
            ApiError::Forbidden { needed } => (
                "forbidden",
                format!("This change needs a token with the {} role.", needed.as_str()),
            ),
            ApiError::ReasonRequired => (
                "reason_required",
                "An offline import must say why: fill in the reason and retry.".into(),
            ),
            ApiError::BadRequest(why) => ("malformed_request", format!("The request could not be read: {why}.")),
            ApiError::PayloadTooLarge => (
                "payload_too_large",
                "The upload is larger than any license can be; send the license file and nothing else.".into(),
            ),
            ApiError::UnsupportedMediaType => (
                "unsupported_media_type",
                "Send the license as text/plain, application/jwt, JSON {\"license\": …} or a multipart file upload."
                    .into(),
            ),
            ApiError::NotFound(what) => ("not_found", format!("{what} was not found.")),
            ApiError::RouteNotFound => (
                "route_not_found",
                "There is no such endpoint; see /v1/openapi.json.".into(),
            ),
            ApiError::MethodNotAllowed => (
                "method_not_allowed",
                "This endpoint does not accept that method; see /v1/openapi.json.".into(),
            ),
            ApiError::Unavailable(why) => ("unavailable", format!("{why}.")),
            ApiError::SourceNotAllowed(why) => ("license_source_not_allowed", format!("{why}.")),
            ApiError::Upstream(why) => (
                "renewal_failed",
                format!("The renewal server could not be used: {why}."),
            ),
            ApiError::RenewalUrlRefused(why) => (
                "renewal_url_insecure",
                format!("{why}; {}.", licet_runtime::error::RENEWAL_URL_RULE),
            ),
            ApiError::StoreUnavailable(_) => (
                "store_unavailable",
                "The license store cannot be reached right now; nothing was changed and the license in force stays in \
                 force. Check that the database is up and reachable, then retry."
                    .into(),
            ),
            ApiError::Internal(_) => (
                "internal",
                "Something went wrong on the server; the details are in its log.".into(),
            ),
        };
        let detail = match self {
            ApiError::License { detail, .. } => detail.clone().filter(|d| !d.is_empty() && *d != message),
            _ => None,
        };
        let changes = match self {
            ApiError::ChangeNeedsAck(losses) => losses.clone(),
            _ => Vec::new(),
        };
        ErrorBody {
            code: code.to_owned(),
            message,
            detail,
            changes,
        }
    }
}

impl From<ServiceError> for ApiError {
    fn from(e: ServiceError) -> Self {
        match e {
            ServiceError::Rejected { reason, detail } => ApiError::License { reason, detail },
            ServiceError::ChangeNeedsAck(losses) => ApiError::ChangeNeedsAck(losses),
            ServiceError::NotFound(what) => ApiError::NotFound(what),
            ServiceError::Unavailable(why) => ApiError::Unavailable(why),
            ServiceError::NotAllowed(why) => ApiError::SourceNotAllowed(why),
            ServiceError::Upstream(why) => ApiError::Upstream(why),
            ServiceError::RenewalUrlRefused(why) => ApiError::RenewalUrlRefused(why),
            ServiceError::StoreUnavailable(why) => ApiError::StoreUnavailable(why),
            ServiceError::Internal(why) => ApiError::Internal(why),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = self.status();
        match &self {
            ApiError::Internal(detail) => tracing::error!(%detail, "internal error"),
            ApiError::Upstream(detail) => tracing::warn!(%detail, "renewal failed"),
            ApiError::StoreUnavailable(detail) => tracing::warn!(%detail, "license store unavailable"),
            other => tracing::debug!(code = %other.body().code, "request refused"),
        }
        let mut response = (status, Json(self.body())).into_response();
        if matches!(self, ApiError::Unauthorized) {
            response.headers_mut().insert(
                axum::http::header::WWW_AUTHENTICATE,
                axum::http::HeaderValue::from_static("Bearer realm=\"licet\""),
            );
        }
        response
    }
}

pub type ApiResult<T> = Result<T, ApiError>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn internal_details_are_not_shown() {
        let e = ApiError::Internal("sqlite: disk I/O error at /secret/path".into());
        assert_eq!(e.status(), StatusCode::INTERNAL_SERVER_ERROR);
        assert!(!e.body().message.contains("/secret/path"));
    }

    #[test]
    fn license_rejections_carry_the_reason_code() {
        let e = ApiError::from(ServiceError::rejected(Reason::LicenseBadSignature));
        assert_eq!(e.status(), StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(e.body().code, "license_bad_signature");
        assert_eq!(e.body().detail, None);
        let rb = ApiError::from(ServiceError::rejected(Reason::LicenseRolledBack));
        assert_eq!(rb.status(), StatusCode::CONFLICT);
        assert_eq!(rb.body().code, "license_rolled_back");
    }

    #[test]
    fn every_message_is_a_sentence() {
        let all = [
            ApiError::from(ServiceError::rejected(Reason::LicenseExpired)),
            ApiError::Unauthorized,
            ApiError::Forbidden { needed: Role::Owner },
            ApiError::ReasonRequired,
            ApiError::BadRequest("no license field".into()),
            ApiError::PayloadTooLarge,
            ApiError::UnsupportedMediaType,
            ApiError::NotFound("Org acme".into()),
            ApiError::RouteNotFound,
            ApiError::MethodNotAllowed,
            ApiError::Unavailable("The license has no renewal URL".into()),
            ApiError::SourceNotAllowed("The liberty profile does not accept uploads".into()),
            ApiError::Upstream("timeout".into()),
            ApiError::RenewalUrlRefused("the renewal URL http://x.example/ is plain http".into()),
            ApiError::StoreUnavailable("pool timed out".into()),
            ApiError::Internal("x".into()),
        ];
        for e in all {
            let b = e.body();
            assert!(b.message.ends_with('.'), "{}: {:?}", b.code, b.message);
            assert!(e.status().is_client_error() || e.status().is_server_error());
        }
    }

    /// A refused license's specifics travel beside the sentence, as `licet verify` prints them; a detail that
    /// only repeats the sentence is left out.
    #[test]
    fn license_refusals_carry_their_detail() {
        let e = ApiError::from(ServiceError::Rejected {
            reason: Reason::LicenseMalformed,
            detail: Some("payload is not unpadded base64url: invalid symbol '*' at offset 3".into()),
        });
        let body = e.body();
        assert_eq!(
            (body.code.as_str(), body.message.as_str()),
            ("license_malformed", Reason::LicenseMalformed.sentence())
        );
        assert_eq!(
            body.detail.as_deref(),
            Some("payload is not unpadded base64url: invalid symbol '*' at offset 3")
        );
        let json = serde_json::to_value(&body).unwrap();
        assert_eq!(
            json["detail"],
            "payload is not unpadded base64url: invalid symbol '*' at offset 3"
        );
        let same = ApiError::from(ServiceError::Rejected {
            reason: Reason::LicenseExpired,
            detail: Some(Reason::LicenseExpired.sentence().to_owned()),
        });
        assert_eq!(same.body().detail, None);
        let plain = serde_json::to_value(ApiError::Unauthorized.body()).unwrap();
        assert!(plain.get("detail").is_none(), "{plain}");
    }

    /// A database outage is a retryable 503 with its own code, not a 500: clients and the page can say "try
    /// again" and show the license in force meanwhile.
    #[test]
    fn store_outage_is_503_store_unavailable_without_details() {
        let e = ApiError::from(ServiceError::StoreUnavailable(
            "connection refused to 10.0.0.5:5432".into(),
        ));
        assert_eq!(e.status(), StatusCode::SERVICE_UNAVAILABLE);
        let body = e.body();
        assert_eq!(body.code, "store_unavailable");
        assert!(!body.message.contains("10.0.0.5"), "{}", body.message);
    }
}
