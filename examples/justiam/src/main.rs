//! `cargo run -p justiam-example`: serves JustIAM on 127.0.0.1:8084 (or `JUSTIAM_ADDR`) in free-tier mode; trusts
//! seed-testkit's **test-only** JustIAM key and prints a demo license bound to this deployment.

use std::sync::Arc;

use licet_runtime::{Clock, SystemClock};
use seed_testkit::translate::justiam::JustiamLicense;
use seed_testkit::{Seed, Vendor};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter("info")
        .with_ansi(licet_runtime::log_colour(&std::io::stdout()))
        .init();
    let dir = std::env::var("JUSTIAM_DATA_DIR").unwrap_or_else(|_| "./justiam-data".into());
    let store = licet_store::open_in_data_dir(std::path::Path::new(&dir)).await?;
    // The control-plane admin's credential: JUSTIAM_ADMIN_TOKEN, or one made now and printed once.
    let admin_token = std::env::var("JUSTIAM_ADMIN_TOKEN").unwrap_or_else(|_| {
        let token = uuid::Uuid::new_v4().to_string();
        println!("control-plane admin token (JUSTIAM_ADMIN_TOKEN): {token}");
        token
    });
    let app = justiam_example::Justiam::start(justiam_example::Config {
        verifier: Seed::Justiam.verifier()?,
        store,
        clock: Arc::new(SystemClock),
        auto_renewal: true,
        admin_token: admin_token.clone(),
        self_managed: std::env::var("LICENSE_SELF_MANAGED").is_ok_and(|v| v.eq_ignore_ascii_case("true")),
    })
    .await?;
    let now = SystemClock.now();
    let demo = JustiamLicense {
        sub: "Demo Corp".into(),
        instance_id: app.runtime.install_id().to_owned(),
        max_users: -1,
        max_tenants: 0,
        renewal_url: String::new(),
        iat: now,
        exp: now.plus_days(90),
    };
    println!(
        "deployment id: {}\ndemo license (test-only key): {}",
        app.runtime.install_id(),
        Vendor::new(Seed::Justiam)?.sign(&demo.claims())?
    );
    let addr = std::env::var("JUSTIAM_ADDR").unwrap_or_else(|_| "127.0.0.1:8084".into());
    let listener = tokio::net::TcpListener::bind(&addr).await?;
    println!("JustIAM listening on http://{}", listener.local_addr()?);
    axum::serve(listener, app.router()).await?;
    Ok(())
}
