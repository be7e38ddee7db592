//! Checks inside handlers: features and quotas.
//!
//! ```ignore
//! async fn create_user(guard: LicenseGuard, State(db): State<Db>) -> Result<Json<User>, ApiError> {
//!     guard.quota("users", db.count_users().await?)?;
//!     ...
//! }
//! async fn chat(_: RequireFeature<Chat>) -> &'static str { "…" }
//! ```
//! `feature_not_licensed` and `quota_exceeded` are kept apart from `license_invalid` down to the HTTP body.

use std::marker::PhantomData;
use std::sync::Arc;

use axum::extract::FromRequestParts;
use axum::response::{IntoResponse, Response};
use http::request::Parts;
use http::StatusCode;
use licet_core::{Denied, Entitlements, Status};

use crate::gate::{json_error, RequestLicense};
use crate::runtime::Runtime;
use crate::snapshot::{ScopeSnapshot, Snapshot};

/// A refusal from a guard; answers 403 with `{code, message, …details}`.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum GuardError {
    #[error(transparent)]
    Denied(Denied),
    /// The guard was used on a route the gate layer does not cover (a wiring bug, not a license problem).
    #[error("the license guard needs the license gate layer on this route")]
    NotGated,
}

impl GuardError {
    pub fn code(&self) -> &'static str {
        match self {
            GuardError::Denied(d) => d.reason().code(),
            GuardError::NotGated => "license_guard_not_configured",
        }
    }
}

impl IntoResponse for GuardError {
    fn into_response(self) -> Response {
        match self {
            GuardError::Denied(d) => {
                let mut body = serde_json::to_value(&d).unwrap_or_else(|_| serde_json::json!({}));
                if let Some(obj) = body.as_object_mut() {
                    obj.insert("code".into(), d.reason().code().into());
                    obj.insert("message".into(), d.reason().sentence().into());
                }
                json_error(StatusCode::FORBIDDEN, body)
            }
            GuardError::NotGated => {
                tracing::error!("LicenseGuard used on a route without GateLayer");
                json_error(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    serde_json::json!({ "code": "internal_error", "message": "Internal error." }),
                )
            }
        }
    }
}

/// The license as it applies to this request (its org's status when it has one).
#[derive(Clone, Debug)]
pub struct LicenseGuard {
    snapshot: Arc<Snapshot>,
    org: Option<String>,
}

impl LicenseGuard {
    /// For code outside axum handlers (jobs, CLIs).
    pub fn from_runtime(runtime: &Runtime, org: Option<String>) -> Self {
        LicenseGuard {
            snapshot: runtime.snapshot_full(),
            org,
        }
    }

    pub fn scope(&self) -> &ScopeSnapshot {
        self.snapshot.scope(self.org.as_deref())
    }

    pub fn status(&self) -> &Status {
        &self.scope().status
    }

    pub fn entitlements(&self) -> &Entitlements {
        &self.scope().status.entitlements
    }

    pub fn org(&self) -> Option<&str> {
        self.org.as_deref()
    }

    /// 403 `feature_not_licensed` unless the license grants `name`.
    pub fn feature(&self, name: &str) -> Result<(), GuardError> {
        self.entitlements().check_feature(name).map_err(GuardError::Denied)
    }

    /// 403 `quota_exceeded` (with `kind`, `limit`, `current`) unless one more `kind` may be created.
    pub fn quota(&self, kind: &str, current: u64) -> Result<(), GuardError> {
        self.entitlements()
            .check_quota(kind, current)
            .map_err(GuardError::Denied)
    }

    pub fn module(&self, product_key: &str) -> Result<(), GuardError> {
        self.entitlements()
            .check_module(product_key)
            .map_err(GuardError::Denied)
    }

    /// 403 `license_read_only` / `license_locked` for writes the effect in force refuses.
    pub fn write(&self) -> Result<(), GuardError> {
        self.entitlements().guard_write().map_err(GuardError::Denied)
    }

    /// 403 `org_not_licensed` / `max_orgs_reached` unless org `id` may be created.
    pub fn create_org(&self, id: &str, current_org_count: u64) -> Result<(), GuardError> {
        self.entitlements()
            .can_create_org(id, current_org_count)
            .map_err(GuardError::Denied)
    }
}

impl<S: Send + Sync> FromRequestParts<S> for LicenseGuard {
    type Rejection = GuardError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        let rl = parts.extensions.get::<RequestLicense>().ok_or(GuardError::NotGated)?;
        Ok(LicenseGuard::from_runtime(&rl.runtime, rl.org.clone()))
    }
}

/// A feature name known at compile time, for [`RequireFeature`].
pub trait Feature: Send + Sync + 'static {
    const NAME: &'static str;
}

/// Extractor that refuses the request with 403 `feature_not_licensed` unless `F` is licensed.
#[derive(Debug)]
pub struct RequireFeature<F: Feature>(pub LicenseGuard, PhantomData<F>);

impl<S: Send + Sync, F: Feature> FromRequestParts<S> for RequireFeature<F> {
    type Rejection = GuardError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let guard = LicenseGuard::from_request_parts(parts, state).await?;
        guard.feature(F::NAME)?;
        Ok(RequireFeature(guard, PhantomData))
    }
}
