//! Liberty (seed 000) as a licet example: an open framework whose bundled vendor connectors (`nomasx1`, `nomajde`,
//! `nomaubl`) load only under a valid license naming them in its `connectors` claim (licet: `lic.products`).
//!
//! - The license comes from `LIBERTY_LICENSE_KEY`, else `[license] key` in `app.toml` (`${VAR}` expanded): the
//!   runtime's env and config sources, in the LIBERTY profile's order.
//! - It is checked at load and on reload (`POST /admin/reload`, or [`Liberty::reload`]), never per request: a
//!   license that expires while the framework runs keeps its connectors until the next reload. The profile's
//!   `Reevaluate::OnLoad` makes the runtime decide the connectors again on each reload, as a restart would.
//! - A source that cannot be read (`${LIBERTY_LICENSE_KEY}` unset in `app.toml`) or holds no license does not stop
//!   the framework: it runs with every licensed connector skipped and `GET /api/license` says what is wrong. On a
//!   reload, a broken source keeps the license already in force (licet's rule) and `source_error` says why.
//! - A skipped connector's screens answer 404 and its menus are pruned; the rest of the framework is never gated.

use std::path::PathBuf;
use std::sync::Arc;

use arc_swap::ArcSwap;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use licet_core::{Reason, State as LicState, Verifier};
use licet_runtime::{Clock, EnvFn, ModuleRegistry, Runtime, Snapshot};
use licet_store::Store;
use serde_json::{json, Value};

/// The licensed connectors this build ships (Nomana-IT classifies them at build time).
pub const LICENSED: [&str; 3] = ["nomasx1", "nomajde", "nomaubl"];
/// An open connector: the operator's own SQL connector, never licensed.
pub const OPEN_CONNECTOR: &str = "crm_sql";

/// How the framework is started.
#[derive(Clone)]
pub struct Config {
    /// Built from the public key embedded in the framework build (`liberty/licensing/public.pem`).
    pub verifier: Verifier,
    pub store: Arc<dyn Store>,
    /// `config/app.toml`; its `[license] key` is the fallback source.
    pub app_toml: Option<PathBuf>,
    pub env: EnvFn,
    pub clock: Arc<dyn Clock>,
}

/// What the last load decided; requests read it and never re-check the license.
pub struct Loaded {
    pub snapshot: Arc<Snapshot>,
    /// One line per licensed connector, in the manual's words.
    pub lines: Vec<String>,
}

/// The framework: its license runtime and the result of the last (re)load.
#[derive(Clone)]
pub struct Liberty {
    runtime: Runtime,
    loaded: Arc<ArcSwap<Loaded>>,
}

fn registry() -> ModuleRegistry {
    // "A line per skipped connector: Skipping licensed connector nomasx1 — no valid license."
    let mut r = ModuleRegistry::new("connector").skip_phrase("no valid license");
    for key in LICENSED {
        r.register_with_routes(key, key, [format!("/screen/{key}")]);
    }
    r
}

/// What the runtime decided at its last load, logged in the manual's words.
fn decided(runtime: &Runtime) -> Loaded {
    let lines = runtime
        .module_decisions()
        .into_iter()
        .map(|d| d.line)
        .collect::<Vec<_>>();
    // The runtime's module registry has already logged one line per connector, in these words.
    let snapshot = runtime.snapshot_full();
    match (&snapshot.source_error, &snapshot.instance.license) {
        // "Without a license, the framework refuses to start. | No": an unreadable source means no license.
        (Some(problem), None) => tracing::error!("License not loaded: {}", problem.message),
        (Some(problem), Some(_)) => {
            tracing::warn!(
                "License source unusable; keeping the license loaded before: {}",
                problem.message
            )
        }
        (None, _) => {}
    }
    // The manual's diagnostics, whether the refused license replaced nothing (restart) or a kept license
    // (reload with a broken source).
    let kept_back = snapshot.source_error.as_ref().map(|p| p.code);
    let refused = snapshot.instance.status.reason.map(Reason::code);
    for code in [refused, kept_back].into_iter().flatten() {
        match code {
            "license_bad_signature" => tracing::error!("License signature invalid."),
            "license_expired" => tracing::error!("License expired."),
            _ => {}
        }
    }
    Loaded { snapshot, lines }
}

impl Liberty {
    /// Starts the framework: reads the license once and decides every connector.
    pub async fn start(config: Config) -> Result<Liberty, licet_runtime::Error> {
        let mut builder = Runtime::builder(licet_core::profiles::LIBERTY, config.verifier, config.store)
            .clock(config.clock)
            .env(config.env)
            .modules(registry())
            // Checked at load only: no timers, no renewal.
            .without_background_tasks();
        if let Some(path) = config.app_toml {
            builder = builder.config_file(path);
        }
        let runtime = builder.build().await?;
        let loaded = decided(&runtime);
        Ok(Liberty {
            runtime,
            loaded: Arc::new(ArcSwap::from_pointee(loaded)),
        })
    }

    /// Re-reads the sources and decides every connector again, as a restart would.
    pub async fn reload(&self) -> Result<(), licet_runtime::Error> {
        self.runtime.reload().await?;
        self.loaded.store(Arc::new(decided(&self.runtime)));
        Ok(())
    }

    pub fn loaded(&self) -> Arc<Loaded> {
        self.loaded.load_full()
    }

    fn connector_loaded(&self, key: &str) -> bool {
        key == OPEN_CONNECTOR || self.runtime.module_active(key)
    }

    pub fn router(&self) -> Router {
        Router::new()
            .route("/health", get(|| async { "ok" }))
            .route("/api/license", get(license))
            .route("/api/menus", get(menus))
            .route("/api/connectors", get(connectors))
            .route("/screen/{connector}/{screen}", get(screen))
            .route("/admin/reload", post(reload))
            .with_state(self.clone())
    }
}

/// `Liberty::start` then its router.
pub async fn app(config: Config) -> Result<Router, licet_runtime::Error> {
    Ok(Liberty::start(config).await?.router())
}

/// The reason in the manual's words ("expired, wrong audience, bad signature"), then the code and the sentence.
fn reason_words(reason: Reason) -> &'static str {
    match reason {
        Reason::LicenseExpired => "expired",
        Reason::LicenseWrongAudience => "wrong audience",
        Reason::LicenseBadSignature => "bad signature",
        Reason::LicenseMissing => "no license",
        Reason::LicenseNotYetValid => "not yet valid",
        Reason::LicenseWrongIssuer => "wrong issuer",
        _ => "invalid license",
    }
}

async fn license(State(app): State<Liberty>) -> Json<Value> {
    let loaded = app.loaded();
    let st = &loaded.snapshot.instance.status;
    if matches!(st.state, LicState::Active | LicState::ExpiringSoon) {
        let connectors: Vec<&str> = st.products().iter().collect();
        return Json(json!({
            "valid": true,
            "subject": loaded.snapshot.instance.license.as_ref().map(|l| l.claims().sub.clone()),
            "expires_at": st.expires_at.map(|t| t.to_rfc3339()),
            "connectors": connectors,
            // The license in force was kept because the configured source is now broken; say so.
            "source_error": loaded.snapshot.source_error.as_ref().map(|p| json!({ "code": p.code, "message": p.message })),
        }));
    }
    let reason = st.reason.unwrap_or(Reason::LicenseInvalid);
    let message = match &loaded.snapshot.source_error {
        Some(problem) => problem.message.clone(),
        None => st.sentence.clone(),
    };
    Json(json!({ "valid": false, "reason": reason_words(reason), "code": reason.code(), "message": message }))
}

async fn connectors(State(app): State<Liberty>) -> Json<Value> {
    let loaded = app.loaded();
    let list: Vec<Value> = LICENSED
        .iter()
        .zip(&loaded.lines)
        .map(|(key, line)| json!({ "key": key, "loaded": app.connector_loaded(key), "log": line }))
        .collect();
    Json(json!({ "licensed": list, "open": [OPEN_CONNECTOR] }))
}

/// The open framework's menus, plus one per loaded licensed connector; the others are pruned.
async fn menus(State(app): State<Liberty>) -> Json<Value> {
    let mut menus = vec![
        json!({ "id": "dashboards", "screen": "/screen/crm_sql/dashboards" }),
        json!({ "id": "nomaflow", "screen": "/screen/crm_sql/jobs" }),
    ];
    for key in LICENSED.iter().filter(|k| app.connector_loaded(k)) {
        menus.push(json!({ "id": key, "screen": format!("/screen/{key}/security_users") }));
    }
    Json(json!(menus))
}

async fn screen(State(app): State<Liberty>, Path((connector, screen)): Path<(String, String)>) -> Response {
    if !app.connector_loaded(&connector) {
        return (StatusCode::NOT_FOUND, Json(json!({ "code": "not_found" }))).into_response();
    }
    Json(json!({ "connector": connector, "screen": screen, "rows": [] })).into_response()
}

async fn reload(State(app): State<Liberty>) -> Response {
    match app.reload().await {
        Ok(()) => license(State(app)).await.into_response(),
        Err(e) => (
            StatusCode::INTERNAL_SERVER_ERROR,
            Json(json!({ "code": e.code(), "message": e.to_string() })),
        )
            .into_response(),
    }
}
