//! `cargo run -p sovereign-example`: serves Sovereign on 127.0.0.1:8085 (or `SOVEREIGN_ADDR`), read-only until the
//! first license is imported (System → License at `/settings/license`, or `POST /v1/license/import` with a reason).
//! Trusts seed-testkit's **test-only** Novantra key and prints a demo license bound to this install.
//!
//! Env: `SOVEREIGN_DATA_DIR` (default `./sovereign-data`); `SOVEREIGN_INSTALL_CREDENTIAL` (connected installs: the
//! control plane's credential, turns on the hourly `reconcile-license-state`); `SOVEREIGN_RECOVERY_LICENSE_FILE` +
//! `SOVEREIGN_RECOVERY_REASON` (replace a stored license that no longer verifies).

use std::sync::Arc;

use licet_runtime::{Clock, SystemClock};
use seed_testkit::translate::sovereign::{SovereignLicense, SovereignOrg};
use seed_testkit::{Seed, Vendor};
use sovereign_example::{Config, Recovery, Sovereign};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter("info")
        .with_ansi(licet_runtime::log_colour(&std::io::stdout()))
        .init();
    let dir = std::env::var("SOVEREIGN_DATA_DIR").unwrap_or_else(|_| "./sovereign-data".into());
    let store = licet_store::open_in_data_dir(std::path::Path::new(&dir)).await?;
    let recovery = match std::env::var("SOVEREIGN_RECOVERY_LICENSE_FILE") {
        Ok(path) => Some(Recovery {
            license: std::fs::read_to_string(path)?,
            actor: "recovery".into(),
            reason: std::env::var("SOVEREIGN_RECOVERY_REASON")
                .map_err(|_| anyhow::anyhow!("SOVEREIGN_RECOVERY_REASON is required with a recovery license"))?,
        }),
        Err(_) => None,
    };
    let app = Sovereign::start(Config {
        verifier: Seed::Sovereign.verifier()?,
        store,
        clock: Arc::new(SystemClock),
        install_credential: std::env::var("SOVEREIGN_INSTALL_CREDENTIAL").ok(),
        recovery,
    })
    .await?;
    let now = SystemClock.now();
    let demo = SovereignLicense {
        customer_id: "cust-demo".into(),
        customer_name: "Demo Corp".into(),
        install_id: app.runtime.install_id().to_owned(),
        app_keys: vec!["ledger".into()],
        orgs: vec![SovereignOrg {
            id: "org-demo".into(),
            plan: "enterprise".into(),
            features: vec!["reports".into()],
            limits: vec![("members".into(), 25)],
            valid_from: None,
            valid_until: None,
        }],
        valid_from: now,
        valid_until: now.plus_days(365),
        max_orgs: 3,
        renewal_url: None,
        sequence: 1,
    };
    println!(
        "install id: {}\ndemo license (test-only key): {}",
        app.runtime.install_id(),
        Vendor::new(Seed::Sovereign)?.sign(&demo.claims())?
    );
    let addr = std::env::var("SOVEREIGN_ADDR").unwrap_or_else(|_| "127.0.0.1:8085".into());
    let listener = tokio::net::TcpListener::bind(&addr).await?;
    println!(
        "Sovereign listening on http://{}/settings/license",
        listener.local_addr()?
    );
    axum::serve(listener, app.router()).await?;
    Ok(())
}
