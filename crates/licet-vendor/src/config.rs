//! The vendor server's settings. The CLI (`licet vendor serve`) fills this from flags and environment.

use std::net::SocketAddr;

#[derive(Clone, Debug)]
pub struct VendorConfig {
    /// `sqlite://vendor.db` (default, created if missing; `?synchronous=normal` see `db::sqlite_synchronous`) or
    /// `postgres://…`.
    pub database_url: String,
    pub listen: SocketAddr,
    /// Bearer token for the admin JSON API and the console. Required; never logged.
    pub admin_token: String,
    /// This server's public base URL (`https://licenses.example.com`): licenses name `<public_url>/v1/renew`.
    pub public_url: String,
    /// `iss` of every license issued.
    pub issuer: String,
    /// `aud` for installs registered without one.
    pub default_audience: String,
    /// Connected renewal issues a new license when the latest one expires within this many days.
    pub renew_within_days: i64,
    /// Offline activation requests older than this many days are refused.
    pub activation_max_age_days: i64,
    /// Largest request body accepted, in bytes.
    pub max_body_bytes: usize,
}

impl VendorConfig {
    pub fn renewal_url(&self) -> String {
        format!("{}{}", self.public_url.trim_end_matches('/'), licet_proto::paths::RENEW)
    }
}

impl Default for VendorConfig {
    fn default() -> Self {
        VendorConfig {
            database_url: "sqlite://vendor.db".into(),
            listen: SocketAddr::from(([127, 0, 0, 1], 8470)),
            admin_token: String::new(),
            public_url: "http://127.0.0.1:8470".into(),
            issuer: "licet-vendor".into(),
            default_audience: "licet".into(),
            renew_within_days: 7,
            activation_max_age_days: 30,
            max_body_bytes: 256 * 1024,
        }
    }
}
