//! `cargo run -p liberty-example`: serves Liberty on 127.0.0.1:8081 (or `LIBERTY_ADDR`).
//!
//! The verifier trusts seed-testkit's **test-only** Nomana-IT key. Without `LIBERTY_LICENSE_KEY` (or `[license] key`
//! in `LIBERTY_APP_TOML`), the framework starts with every licensed connector skipped, and prints a demo license
//! signed with that test-only key that you can export and restart with.

use std::sync::Arc;

use licet_runtime::SystemClock;
use seed_testkit::translate::liberty::LibertyLicense;
use seed_testkit::{Seed, Vendor};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter("info")
        .with_ansi(licet_runtime::log_colour(&std::io::stdout()))
        .init();
    let dir = std::env::var("LIBERTY_DATA_DIR").unwrap_or_else(|_| "./liberty-data".into());
    let store = licet_store::open_in_data_dir(std::path::Path::new(&dir)).await?;
    let clock = Arc::new(SystemClock);
    let config = liberty_example::Config {
        verifier: Seed::Liberty.verifier()?,
        store,
        app_toml: std::env::var("LIBERTY_APP_TOML").ok().map(Into::into),
        env: Arc::new(|k| std::env::var(k).ok()),
        clock: clock.clone(),
    };
    let router = liberty_example::app(config).await?;
    if std::env::var("LIBERTY_LICENSE_KEY").is_err() {
        let now = licet_runtime::Clock::now(&*clock);
        let demo = LibertyLicense::new("Demo Corp", &["nomasx1", "nomajde"], now, now.plus_days(30));
        println!(
            "demo license (test-only key):\nLIBERTY_LICENSE_KEY={}",
            Vendor::new(Seed::Liberty)?.sign(&demo.claims())?
        );
    }
    let addr = std::env::var("LIBERTY_ADDR").unwrap_or_else(|_| "127.0.0.1:8081".into());
    let listener = tokio::net::TcpListener::bind(&addr).await?;
    println!("Liberty listening on http://{}", listener.local_addr()?);
    axum::serve(listener, router).await?;
    Ok(())
}
