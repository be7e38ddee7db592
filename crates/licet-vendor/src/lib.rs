//! licet-vendor: the vendor control plane. See README.md.
//!
//! The vendor keeps customers, their installs and each install's entitlements, holds the signing keys (by
//! reference: a PEM file or an HSM label), and issues licenses: on demand from the admin API or console, on
//! connected renewal (`GET /v1/renew` with the install's credential), and in answer to an offline activation
//! request (`POST /v1/activation`). Every issue bumps the install's sequence and is recorded and audited.

pub mod clock;
pub mod config;
pub mod credential;
pub mod db;
pub mod error;
pub mod hsm;
pub mod manual;
pub mod model;
mod routes;
pub mod service;
pub mod signer;
pub mod store;
pub mod token;
mod writer;

pub use clock::{system_clock, Clock};
pub use config::VendorConfig;
pub use db::Db;
pub use error::VendorError;
pub use model::{AuditEntry, Customer, Entitlements, Install, LicenseRecord, SigningKey};
pub use routes::{router, OPENAPI};
pub use service::Vendor;
pub use signer::{KeyRef, Keys, SharedSigner, SignerSource};

/// Connects to the database (migrating it), then serves the API and console on `config.listen` until Ctrl-C.
pub async fn serve(config: VendorConfig) -> Result<(), VendorError> {
    serve_with(config, Box::new(Keys::default())).await
}

/// As [`serve`], with a signer source of the caller's (e.g. one that also opens HSM keys).
pub async fn serve_with(config: VendorConfig, keys: Box<dyn SignerSource>) -> Result<(), VendorError> {
    let listener = tokio::net::TcpListener::bind(config.listen).await?;
    serve_on(listener, config, keys, |_| {}).await
}

/// As [`serve_with`], on a listener the caller bound (port 0 included). `on_ready` gets the bound address once the
/// admin token is judged and the database migrated, before the first request is accepted (e.g. to print the URL).
pub async fn serve_on(
    listener: tokio::net::TcpListener,
    config: VendorConfig,
    keys: Box<dyn SignerSource>,
    on_ready: impl FnOnce(std::net::SocketAddr),
) -> Result<(), VendorError> {
    if config.admin_token.len() < 16 {
        return Err(VendorError::InvalidRequest(
            "the admin token must be at least 16 characters (set LICET_VENDOR_ADMIN_TOKEN)".into(),
        ));
    }
    let db = Db::connect(&config.database_url).await?;
    let addr = listener.local_addr()?;
    tracing::info!(%addr, backend = db.backend(), "licet vendor server listening");
    on_ready(addr);
    let vendor = Vendor::new(db.clone(), config, system_clock(), keys);
    axum::serve(listener, router(vendor))
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await?;
    db.close().await;
    Ok(())
}
