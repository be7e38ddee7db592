//! `cargo run -p honeyframe-example`: serves Honeyframe on 127.0.0.1:8082 (or `HONEYFRAME_ADDR`); `DATA_DIR`
//! (default ./honeyframe-data) holds the store and `license.json`. Trusts seed-testkit's **test-only** key and
//! prints a demo license to paste into `POST /api/license`.

use std::sync::Arc;

use licet_runtime::{Clock, SystemClock};
use seed_testkit::translate::honeyframe::HoneyframeLicense;
use seed_testkit::{Seed, Vendor};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter("info")
        .with_ansi(licet_runtime::log_colour(&std::io::stdout()))
        .init();
    let dir = std::path::PathBuf::from(std::env::var("DATA_DIR").unwrap_or_else(|_| "./honeyframe-data".into()));
    let store = licet_store::open_in_data_dir(&dir).await?;
    // The admin's credential for Settings → License: HONEYFRAME_ADMIN_TOKEN, or one made now and printed once.
    let admin_token = std::env::var("HONEYFRAME_ADMIN_TOKEN").unwrap_or_else(|_| {
        let token = uuid::Uuid::new_v4().to_string();
        println!("admin token (HONEYFRAME_ADMIN_TOKEN): {token}");
        token
    });
    let app = honeyframe_example::Honeyframe::start(honeyframe_example::Config {
        verifier: Seed::Honeyframe.verifier()?,
        store,
        clock: Arc::new(SystemClock),
        env: Arc::new(|k| std::env::var(k).ok()),
        license_file: dir.join("license.json"),
        admin_token,
    })
    .await?;
    let now = SystemClock.now();
    let demo = HoneyframeLicense {
        customer: "Demo Org".into(),
        tier: "professional".into(),
        products: vec!["hub_platform".into()],
        features: vec!["chat_connector".into()],
        users_limit: Some(25),
        issued_at: now,
        expires: now.plus_days(30),
    };
    println!(
        "demo license (test-only key): {}",
        Vendor::new(Seed::Honeyframe)?.sign(&demo.claims())?
    );
    let addr = std::env::var("HONEYFRAME_ADDR").unwrap_or_else(|_| "127.0.0.1:8082".into());
    let listener = tokio::net::TcpListener::bind(&addr).await?;
    println!("Honeyframe listening on http://{}", listener.local_addr()?);
    axum::serve(listener, app.router()).await?;
    Ok(())
}
