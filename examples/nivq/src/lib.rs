//! nivq (seed 003) as a licet example.
//!
//! - No licence: activation-pending. The gate lets through only sign-in, health and `/v1/license/*`.
//! - `GET /v1/license/fingerprint` → `NIVQ-FP-…` (the runtime's host fingerprint, the same on every replica that
//!   shares the database); `POST /v1/license/upload` (multipart `file`, or the raw token) verifies, stores and
//!   activates at once. The first upload is open; once a licence exists only a workspace OWNER may replace it.
//! - A mounted licence file seeds the database once; after that the database is the truth.
//! - VALID → EXPIRING_SOON (banner) → GRACE_PERIOD (read-only) → LOCKED; an older licence or a clock rolled back
//!   is refused; host and domain bindings (wildcards included) are checked by licet-core.
//! - Features come from the signed edition + features only; quotas (workspaces, agents, users) are checked on
//!   creation. There is no environment variable that unlocks anything.

use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use axum::body::Bytes;
use axum::extract::{FromRequest, Multipart, Path, Request, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use licet_core::{State as LicState, Verifier};
use licet_runtime::{Clock, GateConfig, GateLayer, GuardError, LicenseGuard, Runtime};
use licet_store::{Scope, Store};
use serde_json::{json, Value};

#[derive(Clone)]
pub struct Config {
    /// The Nivorbit public key shipped in the build.
    pub verifier: Verifier,
    pub store: Arc<dyn Store>,
    pub clock: Arc<dyn Clock>,
    /// `nivq.licensing.license-file` (default `/etc/nivq/license.jwt`).
    pub license_file: Option<PathBuf>,
    /// `BACKEND_URL`: its host is the domain a domain-bound licence is checked against ("the host of
    /// BACKEND_URL, e.g. api.acme.com"; an IP when the API is reached by IP).
    pub backend_url: Option<String>,
    /// Environment lookups: given to the runtime only to prove none of them unlocks anything.
    pub env: licet_runtime::EnvFn,
}

/// The in-memory product: accounts, sessions, workspaces, agents.
#[derive(Default)]
struct Db {
    /// (name, role)
    users: Vec<(String, &'static str)>,
    sessions: Vec<(String, &'static str)>,
    workspaces: Vec<String>,
    agents: u64,
}

#[derive(Clone)]
pub struct Nivq {
    pub runtime: Runtime,
    db: Arc<Mutex<Db>>,
}

/// The manual's state names.
pub fn label(state: LicState) -> &'static str {
    match state {
        LicState::Active => "VALID",
        LicState::ExpiringSoon => "EXPIRING_SOON",
        LicState::Grace => "GRACE_PERIOD",
        LicState::Expired => "LOCKED",
        LicState::ActivationPending | LicState::Missing | LicState::FreeTier => "ACTIVATION_PENDING",
        LicState::Invalid => "INVALID",
    }
}

/// The host of a backend URL (`https://api.acme.com:8443/v1` → `api.acme.com`, `http://[::1]:80` → `::1`); `None`
/// for a URL without a host, which then binds to no domain and says so in the log.
pub fn backend_host(url: &str) -> Option<String> {
    let uri: axum::http::Uri = url.trim().parse().ok()?;
    let host = uri.host()?.trim_start_matches('[').trim_end_matches(']');
    (!host.is_empty()).then(|| host.to_ascii_lowercase())
}

fn err(status: StatusCode, code: &str, message: impl Into<String>) -> Response {
    (status, Json(json!({ "code": code, "message": message.into() }))).into_response()
}

impl Nivq {
    pub async fn start(config: Config) -> Result<Nivq, licet_runtime::Error> {
        let mut b = Runtime::builder(licet_core::profiles::NIVQ, config.verifier, config.store)
            .clock(config.clock)
            .env(config.env)
            .fingerprint_prefix("NIVQ-FP-");
        if let Some(f) = config.license_file {
            b = b.license_file(f);
        }
        match config.backend_url.as_deref().map(|u| (u, backend_host(u))) {
            Some((_, Some(host))) => b = b.domain(host),
            Some((url, None)) => {
                tracing::warn!("BACKEND_URL {url:?} has no host; a domain-bound licence will not match")
            }
            None => {}
        }
        let db = Db {
            users: vec![("owner".into(), "OWNER"), ("member".into(), "MEMBER")],
            ..Db::default()
        };
        Ok(Nivq {
            runtime: b.build().await?,
            db: Arc::new(Mutex::new(db)),
        })
    }

    pub fn router(&self) -> Router {
        let gate = GateConfig::default()
            .allow("/v1/auth")
            .allow("/v1/license")
            .allow("/health");
        Router::new()
            .route("/v1/workspaces", get(list_workspaces).post(create_workspace))
            .route("/v1/agents", post(create_agent))
            .route("/v1/users", post(create_user))
            .route("/v1/features/{name}", get(use_feature))
            .layer(GateLayer::new(self.runtime.clone(), gate))
            .route("/health", get(|| async { "ok" }))
            .route("/v1/auth/sign-in", post(sign_in))
            .route("/v1/license/fingerprint", get(fingerprint))
            .route("/v1/license/status", get(status))
            .route("/v1/license/upload", post(upload))
            .with_state(self.clone())
    }

    fn role(&self, headers: &HeaderMap) -> Option<&'static str> {
        let token = headers.get("authorization")?.to_str().ok()?.strip_prefix("Bearer ")?;
        let db = self.db.lock().ok()?;
        db.sessions.iter().find(|(t, _)| t == token).map(|(_, r)| *r)
    }
}

pub async fn app(config: Config) -> Result<Router, licet_runtime::Error> {
    Ok(Nivq::start(config).await?.router())
}

async fn sign_in(State(app): State<Nivq>, Json(body): Json<Value>) -> Response {
    let name = body.get("user").and_then(Value::as_str).unwrap_or_default();
    let Ok(mut db) = app.db.lock() else {
        return err(StatusCode::INTERNAL_SERVER_ERROR, "internal_error", "Internal error.");
    };
    let Some(role) = db.users.iter().find(|(n, _)| n == name).map(|(_, r)| *r) else {
        return err(StatusCode::UNAUTHORIZED, "bad_credentials", "Unknown user.");
    };
    let token = uuid::Uuid::new_v4().to_string();
    db.sessions.push((token.clone(), role));
    Json(json!({ "token": token, "role": role })).into_response()
}

async fn fingerprint(State(app): State<Nivq>) -> String {
    app.runtime.fingerprint().to_owned()
}

async fn status(State(app): State<Nivq>, headers: HeaderMap) -> Response {
    if app.role(&headers).is_none() {
        return err(
            StatusCode::UNAUTHORIZED,
            "sign_in_required",
            "Sign in to see the licence status.",
        );
    }
    let snap = app.runtime.snapshot_full();
    let st = &snap.instance.status;
    Json(json!({
        "state": label(st.state),
        "reason": st.reason.map(|r| r.code()),
        "message": st.sentence,
        "banner": st.effect().shows_banner(),
        "edition": st.edition,
        "expires_at": st.expires_at.map(|t| t.to_rfc3339()),
        "days_remaining": st.days_remaining,
        "limits": st.limits(),
    }))
    .into_response()
}

/// `curl -F "file=@license.jwt"`, or the token as the raw body.
async fn upload(State(app): State<Nivq>, headers: HeaderMap, req: Request) -> Response {
    let has_license = app.runtime.snapshot().instance.license.is_some();
    let role = app.role(&headers);
    if has_license && role != Some("OWNER") {
        return err(
            StatusCode::FORBIDDEN,
            "owner_required",
            "Replacing the licence requires a workspace OWNER.",
        );
    }
    let multipart = headers
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("multipart/form-data"));
    let token = if multipart {
        let Ok(mut form) = Multipart::from_request(req, &()).await else {
            return err(
                StatusCode::BAD_REQUEST,
                "bad_upload",
                "Expected a multipart form with a file field.",
            );
        };
        match form.next_field().await {
            Ok(Some(field)) => field.bytes().await.unwrap_or_default(),
            _ => Bytes::new(),
        }
    } else {
        Bytes::from_request(req, &()).await.unwrap_or_default()
    };
    let actor = if role.is_some() { "owner" } else { "installer" };
    match app
        .runtime
        .install(&token, actor, Some("licence upload"), Scope::Instance)
        .await
    {
        Ok(snap) => Json(json!({ "state": label(snap.instance.status.state) })).into_response(),
        Err(licet_runtime::Error::Refused { reason, detail }) => {
            let status = match reason {
                licet_core::Reason::LicenseRolledBack => StatusCode::CONFLICT,
                _ => StatusCode::UNPROCESSABLE_ENTITY,
            };
            err(
                status,
                reason.code(),
                detail.unwrap_or_else(|| reason.sentence().to_owned()),
            )
        }
        Err(e) => err(StatusCode::INTERNAL_SERVER_ERROR, e.code(), e.to_string()),
    }
}

async fn list_workspaces(State(app): State<Nivq>) -> Response {
    let names = app.db.lock().map(|db| db.workspaces.clone()).unwrap_or_default();
    Json(json!(names)).into_response()
}

fn created(v: Value) -> Response {
    (StatusCode::CREATED, Json(v)).into_response()
}

async fn create_workspace(State(app): State<Nivq>, guard: LicenseGuard, Json(b): Json<Value>) -> Response {
    let Ok(mut db) = app.db.lock() else {
        return err(StatusCode::INTERNAL_SERVER_ERROR, "internal_error", "Internal error.");
    };
    if let Err(e) = guard.quota("workspaces", db.workspaces.len() as u64) {
        return e.into_response();
    }
    db.workspaces
        .push(b.get("name").and_then(Value::as_str).unwrap_or("workspace").to_owned());
    created(json!({ "workspaces": db.workspaces.len() }))
}

async fn create_agent(State(app): State<Nivq>, guard: LicenseGuard) -> Response {
    let Ok(mut db) = app.db.lock() else {
        return err(StatusCode::INTERNAL_SERVER_ERROR, "internal_error", "Internal error.");
    };
    if let Err(e) = guard.quota("agents", db.agents) {
        return e.into_response();
    }
    db.agents += 1;
    created(json!({ "agents": db.agents }))
}

async fn create_user(State(app): State<Nivq>, guard: LicenseGuard, Json(b): Json<Value>) -> Response {
    let Ok(mut db) = app.db.lock() else {
        return err(StatusCode::INTERNAL_SERVER_ERROR, "internal_error", "Internal error.");
    };
    if let Err(e) = guard.quota("users", db.users.len() as u64) {
        return e.into_response();
    }
    db.users.push((
        b.get("user").and_then(Value::as_str).unwrap_or("user").to_owned(),
        "MEMBER",
    ));
    created(json!({ "users": db.users.len() }))
}

/// e.g. `self_learning`, `rbac`, `enterprise_sso`.
async fn use_feature(guard: LicenseGuard, Path(name): Path<String>) -> Result<Json<Value>, GuardError> {
    guard.feature(&name)?;
    Ok(Json(json!({ "feature": name, "enabled": true })))
}
