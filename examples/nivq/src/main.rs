//! `cargo run -p nivq-example`: serves nivq on 127.0.0.1:8083 (or `NIVQ_ADDR`), activation-pending until a licence
//! is uploaded or mounted at `NIVQ_LICENSE_FILE`. Trusts seed-testkit's **test-only** Nivorbit key; prints a demo
//! licence bound to this deployment's fingerprint.

use std::sync::Arc;

use licet_runtime::{Clock, SystemClock};
use seed_testkit::translate::nivq::NivqLicense;
use seed_testkit::{Seed, Vendor};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter("info")
        .with_ansi(licet_runtime::log_colour(&std::io::stdout()))
        .init();
    let dir = std::env::var("NIVQ_DATA_DIR").unwrap_or_else(|_| "./nivq-data".into());
    let store = licet_store::open_in_data_dir(std::path::Path::new(&dir)).await?;
    let app = nivq_example::Nivq::start(nivq_example::Config {
        verifier: Seed::Nivq.verifier()?,
        store,
        clock: Arc::new(SystemClock),
        license_file: Some(
            std::env::var("NIVQ_LICENSE_FILE")
                .unwrap_or_else(|_| "/etc/nivq/license.jwt".into())
                .into(),
        ),
        backend_url: std::env::var("BACKEND_URL").ok(),
        env: Arc::new(|k| std::env::var(k).ok()),
    })
    .await?;
    let mut demo = NivqLicense::team(SystemClock.now(), 1);
    demo.fingerprint = Some(app.runtime.fingerprint().to_owned());
    println!(
        "fingerprint: {}\ndemo licence (test-only key): {}",
        app.runtime.fingerprint(),
        Vendor::new(Seed::Nivq)?.sign(&demo.claims())?
    );
    let addr = std::env::var("NIVQ_ADDR").unwrap_or_else(|_| "127.0.0.1:8083".into());
    let listener = tokio::net::TcpListener::bind(&addr).await?;
    println!("nivq listening on http://{}", listener.local_addr()?);
    axum::serve(listener, app.router()).await?;
    Ok(())
}
