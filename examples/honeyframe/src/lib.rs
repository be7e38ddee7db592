//! Honeyframe (seed 001) as a licet example.
//!
//! - A gate on every request (licet's `GateLayer`) with an allowlist: login, the license endpoint, health.
//! - Resolution per request: the org's own license (org from the `x-org-slug` header) beats the instance-wide one
//!   (`LICENSE_KEY`, then `$DATA_DIR/license.json`, after the store).
//! - `GET /api/license` → `status` valid / grace / expired / missing / invalid with customer, tier, expires,
//!   days_remaining, users_limit, products, features. `POST /api/license` (paste) takes effect at once.
//! - Without a license the gate is off unless `LICENSE_ENFORCE=1`; `LICENSE_ENFORCE=0` switches it off.
//! - Feature routes answer 403 `feature_not_licensed`, kept apart from `license_invalid` / `license_expired`.

use std::path::PathBuf;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use licet_core::{Limit, State as LicState, Verifier};
use licet_runtime::{Clock, EnvFn, Feature, GateConfig, GateLayer, LicenseGuard, RequireFeature, Runtime};
use licet_store::{Scope, Store};
use serde_json::{json, Value};

pub const ORG_HEADER: &str = "x-org-slug";

#[derive(Clone)]
pub struct Config {
    pub verifier: Verifier,
    pub store: Arc<dyn Store>,
    pub clock: Arc<dyn Clock>,
    /// `LICENSE_KEY`, `LICENSE_ENFORCE`.
    pub env: EnvFn,
    /// `$DATA_DIR/license.json`.
    pub license_file: PathBuf,
}

pub struct ChatConnector;
impl Feature for ChatConnector {
    const NAME: &'static str = "chat_connector";
}
pub struct AiDashboards;
impl Feature for AiDashboards {
    const NAME: &'static str = "ai_dashboard_generator";
}

#[derive(Clone)]
pub struct Honeyframe {
    pub runtime: Runtime,
}

pub fn label(state: LicState) -> &'static str {
    match state {
        LicState::Active | LicState::ExpiringSoon => "valid",
        LicState::Grace => "grace",
        LicState::Expired => "expired",
        LicState::Missing | LicState::FreeTier | LicState::ActivationPending => "missing",
        LicState::Invalid => "invalid",
    }
}

fn org_of(headers: &HeaderMap) -> Option<String> {
    headers.get(ORG_HEADER).and_then(|v| v.to_str().ok()).map(str::to_owned)
}

impl Honeyframe {
    pub async fn start(config: Config) -> Result<Honeyframe, licet_runtime::Error> {
        let runtime = Runtime::builder(licet_core::profiles::HONEYFRAME, config.verifier, config.store)
            .clock(config.clock)
            .env(config.env)
            .license_file(config.license_file)
            .build()
            .await?;
        Ok(Honeyframe { runtime })
    }

    pub fn router(&self) -> Router {
        let gate = GateConfig::default()
            .allow("/api/auth/login")
            .allow("/api/license")
            .allow("/health")
            .org_from_header(ORG_HEADER);
        Router::new()
            .route("/api/dashboards", get(|| async { Json(json!(["sales", "ops"])) }))
            .route(
                "/api/chat",
                post(|_: RequireFeature<ChatConnector>| async { Json(json!({ "reply": "hello" })) }),
            )
            .route(
                "/api/ai/dashboards",
                post(|_: RequireFeature<AiDashboards>| async { Json(json!({ "dashboard": "generated" })) }),
            )
            .route(
                "/api/me/license",
                get(|g: LicenseGuard| async move { Json(json!({ "org": g.org() })) }),
            )
            .layer(GateLayer::new(self.runtime.clone(), gate))
            .route("/health", get(|| async { "ok" }))
            .route("/api/auth/login", post(|| async { Json(json!({ "session": "ok" })) }))
            .route("/api/license", get(status).post(paste))
            .with_state(self.clone())
    }
}

pub async fn app(config: Config) -> Result<Router, licet_runtime::Error> {
    Ok(Honeyframe::start(config).await?.router())
}

async fn status(State(app): State<Honeyframe>, headers: HeaderMap) -> Json<Value> {
    let snap = app.runtime.snapshot_full();
    let org = org_of(&headers);
    let scope = snap.scope(org.as_deref());
    let st = &scope.status;
    let lic = scope.license.as_ref().map(|l| l.claims());
    let users_limit = match st.limits().get("users") {
        Some(Limit::Count(n)) => json!(n),
        _ => Value::Null,
    };
    Json(json!({
        "status": label(st.state),
        "reason": st.reason.map(|r| r.code()),
        "message": st.sentence,
        "enforced": st.effect() != licet_core::Effect::Unenforced,
        "customer": lic.map(|c| c.lic.customer.name.clone()),
        "tier": st.edition,
        "expires": st.expires_at.map(|t| t.to_rfc3339()),
        "days_remaining": st.days_remaining,
        "users_limit": users_limit,
        "products": st.products().iter().collect::<Vec<_>>(),
        "features": lic.map(|c| c.lic.features.clone()).unwrap_or_default(),
        "org": org,
    }))
}

/// Settings → License: the pasted key replaces the license (of the org in `x-org-slug`, else the instance's).
async fn paste(State(app): State<Honeyframe>, headers: HeaderMap, body: Bytes) -> Response {
    let scope = match org_of(&headers).map(Scope::org) {
        None => Scope::Instance,
        Some(Ok(s)) => s,
        Some(Err(e)) => {
            return (
                StatusCode::BAD_REQUEST,
                Json(json!({ "code": "bad_org", "message": e.to_string() })),
            )
                .into_response()
        }
    };
    match app
        .runtime
        .install_from(&body, "admin", Some("pasted in Settings → License"), scope, "paste")
        .await
    {
        Ok(_) => status(State(app), headers).await.into_response(),
        Err(e) => (
            StatusCode::UNPROCESSABLE_ENTITY,
            Json(json!({ "code": e.code(), "message": e.to_string() })),
        )
            .into_response(),
    }
}
