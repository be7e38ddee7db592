//! JustIAM (seed 004) as a licet example.
//!
//! - No license: free tier (10 active users per tenant, 2 tenants). An invalid or foreign-bound key also shows
//!   `free_tier`, with the reason.
//! - The deployment id is the runtime's install id, a UUID made on first start; a license with `instance_id`
//!   activates only there.
//! - `max_users` (all tenants) and `max_tenants` come from the license as the manual writes it (-1 and 0 mean
//!   "unlimited": the JUSTIAM profile's claim mapping reads them so); the control plane may also cap one tenant, never below its current active users.
//! - active → expiring_soon → grace_period (everything works, banner) → expired (new users refused, logins fine).
//! - The control plane holds one license for every tenant (`/control/license`): setting or clearing it applies to
//!   all tenants at once, because every tenant reads the same runtime scope.
//! - `POST /control/license/refresh` fetches the license's `renewal_url` now (the runtime also does it on schedule).
//! - The control plane's license endpoints need the control-plane admin credential (`Authorization: Bearer …`,
//!   `JUSTIAM_ADMIN_TOKEN`); without it nobody who merely reaches the port can clear the license and drop every
//!   tenant to the free tier. With `LICENSE_SELF_MANAGED=true` a tenant's admin (the credential its creation
//!   returned) manages the license at `/api/tenants/{t}/license` instead, as the manual's self-managed mode says.
//! - Every sentence an operator reads is in the manual's words ("Instance ID mismatch", "License expired", "Max
//!   users exceeded", `free_tier`, "deployment ID"), beside licet's stable code.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use axum::{Json, Router};
use licet_core::{Denied, Limit, Reason, State as LicState, Status, Verifier};
use licet_runtime::{Clock, GateConfig, GateLayer, GuardError, LicenseGuard, RefreshOutcome, RenewalConfig, Runtime};
use licet_store::{Scope, Store};
use serde_json::{json, Value};

#[derive(Clone)]
pub struct Config {
    pub verifier: Verifier,
    pub store: Arc<dyn Store>,
    pub clock: Arc<dyn Clock>,
    /// Run the hourly renewal scheduler (tests drive `refresh` by hand).
    pub auto_renewal: bool,
    /// The control-plane admin's credential (`JUSTIAM_ADMIN_TOKEN`).
    pub admin_token: String,
    /// `LICENSE_SELF_MANAGED=true`: tenant admins manage the license, not the control plane.
    pub self_managed: bool,
}

#[derive(Default)]
struct Tenant {
    users: Vec<String>,
    /// The control plane's per-tenant cap.
    allocation: Option<u64>,
    /// The tenant admin's credential, returned once when the tenant is created.
    admin_token: String,
}

#[derive(Clone)]
pub struct Justiam {
    pub runtime: Runtime,
    tenants: Arc<Mutex<BTreeMap<String, Tenant>>>,
    admin_token: Arc<str>,
    self_managed: bool,
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

/// The manual's troubleshooting words for a license problem, with what to do.
fn problem_words(reason: Reason) -> String {
    match reason {
        Reason::LicenseInstanceMismatch => "Instance ID mismatch: the license is bound to a different deployment. \
            Request a license for this deployment's ID, visible in Settings → License."
            .to_owned(),
        Reason::LicenseExpired => "License expired: past the grace period, new user creation is blocked; existing \
            users and logins continue to work. Renew or replace the license key."
            .to_owned(),
        Reason::LicenseMissing => {
            "No license key installed: free tier (10 active users per tenant, 2 tenants).".to_owned()
        }
        // The generic sentences say "install id" where JustIAM says "deployment ID".
        other => other
            .sentence()
            .replace("install id", "deployment ID")
            .replace("install's id", "deployment's ID"),
    }
}

/// What the license page says, in the manual's words, once.
fn status_words(st: &Status) -> String {
    let date = |t: Option<licet_core::UnixTime>| t.map(|t| t.to_rfc3339()).unwrap_or_default();
    match st.state {
        LicState::Active => "License active.".to_owned(),
        LicState::ExpiringSoon => format!(
            "License expiring soon: it expires on {}. Plan the renewal now.",
            date(st.expires_at)
        ),
        LicState::Grace => format!(
            "License in its grace period: it expired on {}; everything still works until {}. Renew or replace the license key.",
            date(st.expires_at),
            date(st.grace_ends_at)
        ),
        LicState::Expired => problem_words(Reason::LicenseExpired),
        LicState::Missing | LicState::FreeTier | LicState::ActivationPending => problem_words(Reason::LicenseMissing),
        LicState::Invalid => format!(
            "{} The license shows free_tier until a valid key is activated.",
            problem_words(st.reason.unwrap_or(Reason::LicenseInvalid))
        ),
    }
}

/// A guard's refusal with the manual's words; the body keeps licet's code and details (`kind`, `limit`, …).
fn refused(e: GuardError) -> Response {
    let GuardError::Denied(d) = &e else {
        return e.into_response();
    };
    let message = match d {
        Denied::QuotaExceeded { kind, limit, current } if kind == "users" => format!(
            "Max users exceeded: {current} active users across all tenants reach the license's max_users ({limit}). \
             Deactivate unused accounts or upgrade the license."
        ),
        Denied::QuotaExceeded { limit, .. } => {
            format!("Free tier: at most {limit} active users per tenant. Activate a license key to add more.")
        }
        Denied::MaxOrgsReached { limit, .. } => {
            format!("Max tenants reached: this deployment may have {limit} tenants. Upgrade the license for more.")
        }
        Denied::LicenseExpired => problem_words(Reason::LicenseExpired),
        other => other.reason().sentence().to_owned(),
    };
    let mut body = serde_json::to_value(d).unwrap_or_else(|_| json!({}));
    if let Some(obj) = body.as_object_mut() {
        obj.insert("code".into(), d.reason().code().into());
        obj.insert("message".into(), message.into());
    }
    (StatusCode::FORBIDDEN, Json(body)).into_response()
}

fn bearer(headers: &HeaderMap) -> Option<&str> {
    headers
        .get(axum::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
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
            admin_token: config.admin_token.into(),
            self_managed: config.self_managed,
        })
    }

    /// The refusal, if any, for the control plane's license endpoints: they need the admin credential, unless
    /// tenants manage the license.
    fn control_admin(&self, headers: &HeaderMap) -> Option<Response> {
        if self.self_managed {
            return Some(err(
                StatusCode::FORBIDDEN,
                "license_self_managed",
                "LICENSE_SELF_MANAGED=true: tenant admins manage the license at /api/tenants/{tenant}/license.",
            ));
        }
        self.admin(headers, &self.admin_token)
    }

    /// The refusal, if any, for a tenant admin managing the license (self-managed mode only).
    fn tenant_admin(&self, headers: &HeaderMap, tenant: &str) -> Option<Response> {
        if !self.self_managed {
            return Some(err(
                StatusCode::FORBIDDEN,
                "license_managed_by_control_plane",
                "The control plane manages the license; set LICENSE_SELF_MANAGED=true to let tenant admins manage it.",
            ));
        }
        let token = self
            .tenants
            .lock()
            .ok()
            .and_then(|ts| ts.get(tenant).map(|t| t.admin_token.clone()));
        match token {
            Some(token) => self.admin(headers, &token),
            None => Some(err(StatusCode::NOT_FOUND, "no_such_tenant", "No such tenant.")),
        }
    }

    fn admin(&self, headers: &HeaderMap, expected: &str) -> Option<Response> {
        // Constant-time enough for a demo product: both sides are random UUIDs of equal length.
        if !expected.is_empty() && bearer(headers) == Some(expected) {
            None
        } else {
            Some(err(
                StatusCode::UNAUTHORIZED,
                "admin_required",
                "Sign in as an admin: managing the license needs the admin credential (Authorization: Bearer …).",
            ))
        }
    }

    pub fn router(&self) -> Router {
        Router::new()
            .route("/api/tenants", post(create_tenant))
            .route("/api/tenants/{t}/users", post(create_user))
            .route("/api/tenants/{t}/login", post(login))
            .route("/api/tenants/{t}/allocation", put(allocate))
            .route(
                "/api/tenants/{t}/license",
                get(tenant_license).post(tenant_activate).delete(tenant_clear),
            )
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
            "message": status_words(st),
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

/// `?acknowledge=true`: the admin accepts what the new key takes away from the one in force.
async fn activate(
    State(app): State<Justiam>,
    Query(query): Query<BTreeMap<String, String>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if let Some(denied) = app.control_admin(&headers) {
        return denied;
    }
    let acknowledge = query.get("acknowledge").is_some_and(|v| v == "true");
    install(&app, &body, "control-plane", acknowledge).await
}

async fn tenant_activate(
    State(app): State<Justiam>,
    Path(t): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if let Some(denied) = app.tenant_admin(&headers, &t) {
        return denied;
    }
    install(&app, &body, &format!("tenant-admin:{t}"), false).await
}

/// Installs a key for every tenant; a refused key changes nothing and says why in the manual's words, once.
/// A key that takes something away from the one in force (fewer users, another customer, …) is refused with what
/// it would take away until the admin acknowledges it.
async fn install(app: &Justiam, body: &[u8], actor: &str, acknowledge: bool) -> Response {
    match app
        .runtime
        .install_with(body, actor, Some("activate"), Scope::Instance, "upload", acknowledge)
        .await
    {
        Ok(_) => Json(app.view()).into_response(),
        Err(licet_runtime::Error::ChangeNeedsAck { losses }) => {
            let reason = Reason::LicenseChangeNeedsAck;
            let body = json!({ "code": reason.code(), "message": reason.sentence(), "changes": losses });
            (StatusCode::CONFLICT, Json(body)).into_response()
        }
        Err(licet_runtime::Error::Refused { reason, detail }) => {
            let mut message = problem_words(reason);
            if let Some(detail) = detail {
                message = format!("{message} ({})", detail.replace("install id", "deployment ID"));
            }
            message.push_str(" The license in force is unchanged.");
            err(StatusCode::UNPROCESSABLE_ENTITY, reason.code(), message)
        }
        Err(e) => err(StatusCode::UNPROCESSABLE_ENTITY, e.code(), e.to_string()),
    }
}

async fn clear(State(app): State<Justiam>, headers: HeaderMap) -> Response {
    if let Some(denied) = app.control_admin(&headers) {
        return denied;
    }
    clear_for_all(&app, "control-plane").await
}

async fn tenant_clear(State(app): State<Justiam>, Path(t): Path<String>, headers: HeaderMap) -> Response {
    if let Some(denied) = app.tenant_admin(&headers, &t) {
        return denied;
    }
    clear_for_all(&app, &format!("tenant-admin:{t}")).await
}

async fn clear_for_all(app: &Justiam, actor: &str) -> Response {
    match app.runtime.clear(Scope::Instance, actor, Some("clear")).await {
        Ok(_) => Json(app.view()).into_response(),
        Err(e) => err(StatusCode::INTERNAL_SERVER_ERROR, e.code(), e.to_string()),
    }
}

async fn refresh(State(app): State<Justiam>, headers: HeaderMap) -> Response {
    if let Some(denied) = app.control_admin(&headers) {
        return denied;
    }
    let (outcome, message) = match app.runtime.refresh_now().await {
        Ok(RefreshOutcome::Installed { .. }) => (
            "installed",
            "The renewal URL returned a newer license; it is active now.",
        ),
        Ok(RefreshOutcome::NotNewer) => (
            "not_newer",
            "The renewal URL returned no newer license; nothing changed.",
        ),
        Ok(RefreshOutcome::NoRenewalUrl) => ("no_renewal_url", "The license has no renewal_url to refresh from."),
        Err(e) => return err(StatusCode::BAD_GATEWAY, e.code(), e.to_string()),
    };
    Json(json!({ "outcome": outcome, "message": message, "license": app.view() })).into_response()
}

async fn create_tenant(State(app): State<Justiam>, guard: LicenseGuard, Json(b): Json<Value>) -> Response {
    let Ok(mut ts) = app.tenants.lock() else {
        return err(StatusCode::INTERNAL_SERVER_ERROR, "internal_error", "Internal error.");
    };
    let id = field(&b, "id").to_owned();
    if let Err(e) = guard.create_org(&id, ts.len() as u64) {
        return refused(e);
    }
    let tenant = ts.entry(id.clone()).or_insert_with(|| Tenant {
        admin_token: uuid::Uuid::new_v4().to_string(),
        ..Tenant::default()
    });
    let admin_token = tenant.admin_token.clone();
    (
        StatusCode::CREATED,
        Json(json!({ "id": id, "tenants": ts.len(), "admin_token": admin_token })),
    )
        .into_response()
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
        return refused(e);
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
