//! Honeyframe (seed 001) as a licet example.
//!
//! - A gate on every request (licet's `GateLayer`) with an allowlist: login, the license endpoint, health.
//! - Resolution per request: the org's own license (org from the `x-org-slug` header) beats the instance-wide one
//!   (`LICENSE_KEY`, then `$DATA_DIR/license.json`, after the store).
//! - `GET /api/license` → `status` valid / grace / expired / missing / invalid with customer, tier, expires,
//!   days_remaining, users_limit, products, features. `POST /api/license` (paste) takes effect at once.
//! - Without a license the gate is off unless `LICENSE_ENFORCE=1`; `LICENSE_ENFORCE=0` switches it off.
//! - Feature routes answer 403 `feature_not_licensed`, kept apart from `license_invalid` / `license_expired`.
//! - Licenses are the manual's Ed25519-signed JSON documents (the HONEYFRAME profile's format; docs/profiles.md).
//! - "Sign in as an admin … Settings → License": `POST /api/license` needs the admin credential
//!   (`Authorization: Bearer …`, `HONEYFRAME_ADMIN_TOKEN`). A per-org license must name its org: its `customer`,
//!   as a slug, is the `x-org-slug` it is pasted under; anywhere else it is refused (`license_wrong_org`).
//! - The instance license lives in `$DATA_DIR/license.json`, as the manual says: a paste writes the file, and a
//!   file the operator overwrote takes effect at the next start (or `POST /api/license`), with a log line that
//!   says which copy is in force and why.

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
    /// The admin's credential (`HONEYFRAME_ADMIN_TOKEN`): Settings → License is an admin page.
    pub admin_token: String,
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
    verifier: Verifier,
    license_file: Arc<PathBuf>,
    admin_token: Arc<str>,
}

/// The manual's UI badge for a status.
pub fn badge(state: LicState) -> &'static str {
    match label(state) {
        "valid" => "Active",
        "grace" => "Grace Period",
        "expired" => "Expired",
        "missing" => "No License",
        _ => "Invalid",
    }
}

/// The org a license may serve: its customer as a slug (`Globex Health` → `globex-health`).
pub fn org_slug_of(customer: &str) -> String {
    let words: Vec<String> = customer
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_ascii_lowercase)
        .collect();
    words.join("-")
}

fn error(status: StatusCode, code: &str, message: impl Into<String>) -> Response {
    (status, Json(json!({ "code": code, "message": message.into() }))).into_response()
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
        let verifier = config.verifier.with_format(licet_core::profiles::HONEYFRAME.format);
        let runtime = Runtime::builder(licet_core::profiles::HONEYFRAME, verifier.clone(), config.store)
            .clock(config.clock)
            .env(config.env)
            .license_file(config.license_file.clone())
            .build()
            .await?;
        let app = Honeyframe {
            runtime,
            verifier,
            license_file: Arc::new(config.license_file),
            admin_token: config.admin_token.into(),
        };
        app.adopt_license_file().await;
        Ok(app)
    }

    /// "CLI — overwrite `$DATA_DIR/license.json` and restart": a file that differs from the license in force
    /// was written by the operator after the last paste, so it is installed; if it cannot be, the log says why
    /// and which license stays in force. Never silent.
    async fn adopt_license_file(&self) {
        let path = self.license_file.as_path();
        let Ok(bytes) = std::fs::read(path) else {
            if let Some(lic) = &self.runtime.snapshot().instance.license {
                tracing::warn!(
                    "{} is absent; the license of {} last pasted in Settings → License stays in force (paste a new one to replace it)",
                    path.display(),
                    lic.claims().lic.customer.name
                );
            }
            return;
        };
        let in_force = self
            .runtime
            .snapshot()
            .instance
            .license
            .as_ref()
            .map(|l| l.fingerprint().to_owned());
        let on_disk = self.verifier.verify(&bytes).map(|v| v.fingerprint().to_owned());
        if on_disk.as_ref().ok() == in_force.as_ref() {
            return;
        }
        match self
            .runtime
            .install_from(
                &bytes,
                "operator",
                Some("license.json replaced on disk"),
                Scope::Instance,
                "file",
            )
            .await
        {
            Ok(_) => tracing::info!(
                "{} was replaced on disk; it is the license in force now",
                path.display()
            ),
            Err(e) => tracing::error!(
                "{} differs from the license in force but cannot be installed ({e}); the license in force stays",
                path.display()
            ),
        }
    }

    fn is_admin(&self, headers: &HeaderMap) -> bool {
        let given = headers
            .get(axum::http::header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "));
        !self.admin_token.is_empty() && given == Some(&*self.admin_token)
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
        "badge": badge(st.state),
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

/// Settings → License (admins only): the pasted key replaces the license of the org in `x-org-slug`, which it
/// must name, else the instance's, which is also written to `$DATA_DIR/license.json`. An empty body re-reads the
/// file ("hit POST /api/license to invalidate the cache").
async fn paste(State(app): State<Honeyframe>, headers: HeaderMap, body: Bytes) -> Response {
    if !app.is_admin(&headers) {
        return error(
            StatusCode::UNAUTHORIZED,
            "admin_required",
            "Sign in as an admin: Settings → License needs the admin credential (Authorization: Bearer …).",
        );
    }
    let org = org_of(&headers);
    let scope = match org.clone().map(Scope::org) {
        None => Scope::Instance,
        Some(Ok(s)) => s,
        Some(Err(e)) => return error(StatusCode::BAD_REQUEST, "bad_org", e.to_string()),
    };
    if body.iter().all(u8::is_ascii_whitespace) && org.is_none() {
        app.adopt_license_file().await;
        return status(State(app), headers).await.into_response();
    }
    if let (Some(org), Ok(v)) = (&org, app.verifier.verify(&body)) {
        let named = &v.claims().lic.customer.name;
        if org_slug_of(named) != *org {
            return error(
                StatusCode::UNPROCESSABLE_ENTITY,
                "license_wrong_org",
                format!(
                    "This license is for the org {named:?} ({}); it cannot be installed for the org {org:?}. The license in force is unchanged.",
                    org_slug_of(named)
                ),
            );
        }
    }
    match app
        .runtime
        .install_from(
            &body,
            "admin",
            Some("pasted in Settings → License"),
            scope.clone(),
            "paste",
        )
        .await
    {
        Ok(_) => {
            if scope == Scope::Instance {
                if let Err(e) = write_private(&app.license_file, &body) {
                    tracing::error!(
                        "the pasted license is in force but {} could not be written: {e}",
                        app.license_file.display()
                    );
                }
            }
            status(State(app), headers).await.into_response()
        }
        Err(licet_runtime::Error::Refused { reason, detail }) => {
            let mut message = reason.sentence().to_owned();
            if let Some(d) = detail {
                message = format!("{message} ({d})");
            }
            message.push_str(" The license in force is unchanged.");
            error(StatusCode::UNPROCESSABLE_ENTITY, reason.code(), message)
        }
        Err(e) => error(StatusCode::UNPROCESSABLE_ENTITY, e.code(), e.to_string()),
    }
}

/// Writes the license file as the install script does (`chmod 600`), through a temporary file so that a crash
/// never leaves half a license on disk.
fn write_private(path: &std::path::Path, bytes: &[u8]) -> std::io::Result<()> {
    let tmp = path.with_extension("json.tmp");
    std::fs::write(&tmp, bytes)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&tmp, std::fs::Permissions::from_mode(0o600))?;
    }
    std::fs::rename(&tmp, path)
}
