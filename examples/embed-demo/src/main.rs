//! embed-demo: a small product that embeds licet-runtime.
//!
//! It shows every piece a product wires: a profile (nivq's windows, env + config + store sources), a store in a
//! data directory, a module registry ("connectors"), the gate layer with its allowlist, a feature guard and a quota
//! guard. For the demo only, it issues itself a license with a throwaway in-process key (`testkit`); a real
//! product builds its `Verifier` from the vendor's public keys and never holds a signing key.
//!
//! Env: `DEMO_ADDR` (default 127.0.0.1:8080), `DEMO_DATA_DIR` (default: a fresh temporary directory),
//! `DEMO_CONFIG` (a TOML file with `[license] key = "…"`, `${VAR}` expanded), `DEMO_LICENSE` (a license token).

use std::borrow::Cow;
use std::sync::Arc;

use axum::extract::State;
use axum::routing::{get, post};
use axum::{Json, Router};
use licet_core::policy::{Source, Sources};
use licet_core::{profiles, Limit, Policy};
use licet_runtime::testkit::TestVendor;
use licet_runtime::{
    Feature, GateConfig, GateLayer, GuardError, LicenseGuard, ModuleRegistry, RequireFeature, Runtime,
};
use licet_store::Scope;

struct Reports;
impl Feature for Reports {
    const NAME: &'static str = "reports";
}

fn policy() -> Policy {
    Policy {
        name: Cow::Borrowed("embed-demo"),
        sources: Sources {
            order: Cow::Borrowed(&[Source::Env, Source::ConfigFile, Source::Store]),
            env_var: Some(Cow::Borrowed("DEMO_LICENSE")),
            config_key: Some(Cow::Borrowed("license.key")),
            file: None,
            file_seeds_store_once: false,
            upload: true,
            offline_import: false,
            renewal: false,
        },
        ..profiles::NIVQ
    }
}

#[derive(Clone)]
struct App {
    rt: Runtime,
    users: Arc<std::sync::atomic::AtomicU64>,
}

async fn status(State(app): State<App>) -> Json<serde_json::Value> {
    let snap = app.rt.snapshot_full();
    Json(serde_json::json!({
        "status": snap.instance.status,
        "source": snap.instance.source_name(),
        "fingerprint": app.rt.fingerprint(),
        "modules": app.rt.active_modules(),
    }))
}

async fn create_user(State(app): State<App>, guard: LicenseGuard) -> Result<Json<serde_json::Value>, GuardError> {
    use std::sync::atomic::Ordering;
    let current = app.users.load(Ordering::SeqCst);
    guard.quota("users", current)?;
    let n = app.users.fetch_add(1, Ordering::SeqCst) + 1;
    Ok(Json(serde_json::json!({ "users": n })))
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()))
        .with_ansi(licet_runtime::log_colour(&std::io::stdout()))
        .init();
    let temp = tempfile::tempdir()?;
    let data_dir = std::env::var("DEMO_DATA_DIR")
        .map(Into::into)
        .unwrap_or_else(|_| temp.path().to_path_buf());
    std::fs::create_dir_all(&data_dir)?;
    let store = licet_store::open_in_data_dir(&data_dir).await?;
    let vendor = TestVendor::new()?;

    let mut modules = ModuleRegistry::new("connector");
    modules.register_with_routes("Salesforce", "salesforce", ["/api/connectors/salesforce"]);
    modules.register_with_routes("SAP", "sap", ["/api/connectors/sap"]);
    let mut builder = Runtime::builder(policy(), vendor.verifier(), store).modules(modules);
    if let Ok(cfg) = std::env::var("DEMO_CONFIG") {
        builder = builder.config_file(cfg);
    }
    let rt = builder.build().await?;

    if rt.snapshot().instance.status.license.is_none() {
        let now = rt.clock().now();
        let claims = vendor.claims_granting(
            now,
            Some(now.plus_days(365)),
            &["salesforce"],
            &["reports"],
            &[("users", Limit::Count(3))],
        );
        rt.install(
            vendor.issue(&claims)?.as_bytes(),
            "demo",
            Some("demo license"),
            Scope::Instance,
        )
        .await?;
    }

    let app = App {
        rt: rt.clone(),
        users: Arc::default(),
    };
    let gated = Router::new()
        .route("/api/items", get(|| async { "items\n" }).post(|| async { "created\n" }))
        .route(
            "/api/connectors/salesforce/sync",
            get(|| async { "salesforce synced\n" }),
        )
        .route("/api/connectors/sap/sync", get(|| async { "sap synced\n" }))
        .route("/api/reports", get(|_: RequireFeature<Reports>| async { "report\n" }))
        .route("/api/users", post(create_user))
        .route("/v1/license/status", get(status))
        .route("/health", get(|| async { "ok\n" }))
        .layer(GateLayer::new(
            rt.clone(),
            GateConfig::default().allow("/health").allow("/v1/license"),
        ));
    // The same handler outside the gate, so that the load test can compare gated and ungated throughput.
    let router = gated
        .route("/ungated/items", get(|| async { "items\n" }))
        .with_state(app);

    let addr = std::env::var("DEMO_ADDR").unwrap_or_else(|_| "127.0.0.1:8080".into());
    let listener = tokio::net::TcpListener::bind(&addr).await?;
    println!("embed-demo listening on http://{}", listener.local_addr()?);
    println!(
        "  state: {}  fingerprint: {}",
        rt.snapshot().instance.status.state,
        rt.fingerprint()
    );
    axum::serve(listener, router).await?;
    Ok(())
}
