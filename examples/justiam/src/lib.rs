//! JustIAM (seed 004) as a licet example.
//!
//! - No license: free tier (10 active users per tenant, 2 tenants). An invalid or foreign-bound key also shows
//!   `free_tier`, with the reason.
//! - The deployment id is the runtime's install id, a UUID made on first start; a license with `instance_id`
//!   activates only there.
//! - `max_users` (all tenants) and `max_tenants` come from the license (translated at the vendor: -1 and 0 mean
//!   "unlimited"); the control plane may also cap one tenant, never below its current active users.
//! - active → expiring_soon → grace_period (everything works, banner) → expired (new users refused, logins fine).
//! - The control plane holds one license for every tenant (`/control/license`): setting or clearing it applies to
//!   all tenants at once, because every tenant reads the same runtime scope.
//! - `POST /control/license/refresh` fetches the license's `renewal_url` now (the runtime also does it on schedule).

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use axum::{Json, Router};
use licet_core::{Limit, State as LicState, Verifier};
use licet_runtime::{Clock, GateConfig, GateLayer, LicenseGuard, RenewalConfig, Runtime};
use licet_store::{Scope, Store};
use serde_json::{json, Value};

#[derive(Clone)]
pub struct Config {
    pub verifier: Verifier,
    pub store: Arc<dyn Store>,
    pub clock: Arc<dyn Clock>,
    /// Run the hourly renewal scheduler (tests drive `refresh` by hand).
    pub auto_renewal: bool,
}

#[derive(Default)]
struct Tenant {
    users: Vec<String>,
    /// The control plane's per-tenant cap.
    allocation: Option<u64>,
}

#[derive(Clone)]
pub struct Justiam {
    pub runtime: Runtime,
    tenants: Arc<Mutex<BTreeMap<String, Tenant>>>,
}

pub fn label(state: LicState) -> &'static str {
    match state {
        LicState::Active => "active",
        LicState::ExpiringSoon => "expiring_soon",
        LicState::Grace => "grace_period",
        LicState::Expired => "expired",
        LicState::Missing | LicState::FreeTier | LicState::ActivationPending | LicState::Invalid => "free_tier",
    }
}

fn err(status: StatusCode, code: &str, message: impl Into<String>) -> Response {
    (status, Json(json!({ "code": code, "message": message.into() }))).into_response()
}

fn field<'a>(v: &'a Value, name: &str) -> &'a str {
    v.get(name).and_then(Value::as_str).unwrap_or_default()
}

impl Justiam {
    pub async fn start(config: Config) -> Result<Justiam, licet_runtime::Error> {
        let renewal = RenewalConfig {
            enabled: config.auto_renewal,
            ..RenewalConfig::default()
        };
        let runtime = Runtime::builder(licet_core::profiles::JUSTIAM, config.verifier, config.store)
            .clock(config.clock)
            .renewal(renewal)
            .build()
            .await?;
        Ok(Justiam {
            runtime,
            tenants: Arc::default(),
        })
    }

    pub fn router(&self) -> Router {
        Router::new()
            .route("/api/tenants", post(create_tenant))
            .route("/api/tenants/{t}/users", post(create_user))
            .route("/api/tenants/{t}/login", post(login))
            .route("/api/tenants/{t}/allocation", put(allocate))
            .route("/api/tenants/{t}/license", get(tenant_license))
            .layer(GateLayer::new(self.runtime.clone(), GateConfig::default()))
            .route("/control/license", get(control_license).post(activate).delete(clear))
            .route("/control/license/refresh", post(refresh))
            .with_state(self.clone())
    }

    fn view(&self) -> Value {
        let snap = self.runtime.snapshot_full();
        let st = &snap.instance.status;
        let lim = |l: Option<Limit>| l.map(|l| l.to_string());
        json!({
            "status": label(st.state),
            "reason": st.reason.map(|r| r.code()),
            "message": st.sentence,
            "banner": st.effect().shows_banner(),
            "deployment_id": self.runtime.install_id(),
            "sub": snap.instance.license.as_ref().map(|l| l.claims().sub.clone()),
            "max_users": lim(st.limits().get("users").copied()),
            "max_tenants": lim(st.entitlements.max_orgs),
            "users_per_tenant": lim(st.limits().get("users_per_tenant").copied()),
            "expires_at": st.expires_at.map(|t| t.to_rfc3339()),
        })
    }
}

pub async fn app(config: Config) -> Result<Router, licet_runtime::Error> {
    Ok(Justiam::start(config).await?.router())
}

async fn control_license(State(app): State<Justiam>) -> Json<Value> {
    Json(app.view())
}

/// What a tenant's settings show: the control plane's license, fanned out.
async fn tenant_license(State(app): State<Justiam>, Path(t): Path<String>) -> Response {
    let known = app.tenants.lock().map(|ts| ts.contains_key(&t)).unwrap_or(false);
    if !known {
        return err(StatusCode::NOT_FOUND, "no_such_tenant", "No such tenant.");
    }
    Json(app.view()).into_response()
}

async fn activate(State(app): State<Justiam>, body: Bytes) -> Response {
    match app
        .runtime
        .install(&body, "control-plane", Some("activate"), Scope::Instance)
        .await
    {
        Ok(_) => Json(app.view()).into_response(),
        Err(e) => err(StatusCode::UNPROCESSABLE_ENTITY, e.code(), e.to_string()),
    }
}

async fn clear(State(app): State<Justiam>) -> Response {
    match app.runtime.clear(Scope::Instance, "control-plane", Some("clear")).await {
        Ok(_) => Json(app.view()).into_response(),
        Err(e) => err(StatusCode::INTERNAL_SERVER_ERROR, e.code(), e.to_string()),
    }
}

async fn refresh(State(app): State<Justiam>) -> Response {
    match app.runtime.refresh_now().await {
        Ok(outcome) => Json(json!({ "outcome": format!("{outcome:?}"), "license": app.view() })).into_response(),
        Err(e) => err(StatusCode::BAD_GATEWAY, e.code(), e.to_string()),
    }
}

async fn create_tenant(State(app): State<Justiam>, guard: LicenseGuard, Json(b): Json<Value>) -> Response {
    let Ok(mut ts) = app.tenants.lock() else {
        return err(StatusCode::INTERNAL_SERVER_ERROR, "internal_error", "Internal error.");
    };
    let id = field(&b, "id").to_owned();
    if let Err(e) = guard.create_org(&id, ts.len() as u64) {
        return e.into_response();
    }
    ts.entry(id.clone()).or_default();
    (StatusCode::CREATED, Json(json!({ "id": id, "tenants": ts.len() }))).into_response()
}

async fn create_user(
    State(app): State<Justiam>,
    guard: LicenseGuard,
    Path(t): Path<String>,
    Json(b): Json<Value>,
) -> Response {
    let Ok(mut ts) = app.tenants.lock() else {
        return err(StatusCode::INTERNAL_SERVER_ERROR, "internal_error", "Internal error.");
    };
    let total: u64 = ts.values().map(|t| t.users.len() as u64).sum();
    let Some(tenant) = ts.get_mut(&t) else {
        return err(StatusCode::NOT_FOUND, "no_such_tenant", "No such tenant.");
    };
    let here = tenant.users.len() as u64;
    let checks = guard
        .quota("users", total)
        .and_then(|()| guard.quota("users_per_tenant", here));
    if let Err(e) = checks {
        return e.into_response();
    }
    if tenant.allocation.is_some_and(|cap| here >= cap) {
        return err(
            StatusCode::FORBIDDEN,
            "allocation_exceeded",
            "This tenant's user allocation is used up.",
        );
    }
    tenant.users.push(field(&b, "name").to_owned());
    (StatusCode::CREATED, Json(json!({ "users": tenant.users.len() }))).into_response()
}

async fn login(State(app): State<Justiam>, Path(t): Path<String>, Json(b): Json<Value>) -> Response {
    let ok = app
        .tenants
        .lock()
        .map(|ts| {
            ts.get(&t)
                .is_some_and(|tn| tn.users.iter().any(|u| u == field(&b, "name")))
        })
        .unwrap_or(false);
    if ok {
        Json(json!({ "session": "ok" })).into_response()
    } else {
        err(StatusCode::UNAUTHORIZED, "bad_credentials", "Unknown user.")
    }
}

/// "The allocation is validated against the tenant's current active user count."
async fn allocate(State(app): State<Justiam>, Path(t): Path<String>, Json(b): Json<Value>) -> Response {
    let Ok(mut ts) = app.tenants.lock() else {
        return err(StatusCode::INTERNAL_SERVER_ERROR, "internal_error", "Internal error.");
    };
    let Some(tenant) = ts.get_mut(&t) else {
        return err(StatusCode::NOT_FOUND, "no_such_tenant", "No such tenant.");
    };
    let Some(cap) = b.get("max_users").and_then(Value::as_u64) else {
        return err(
            StatusCode::BAD_REQUEST,
            "bad_request",
            "max_users must be a non-negative number.",
        );
    };
    let active = tenant.users.len() as u64;
    if cap < active {
        let msg = format!("{active} users are active in this tenant; the allocation cannot be below that.");
        return err(StatusCode::CONFLICT, "allocation_below_active_users", msg);
    }
    tenant.allocation = Some(cap);
    Json(json!({ "tenant": t, "max_users": cap })).into_response()
}
