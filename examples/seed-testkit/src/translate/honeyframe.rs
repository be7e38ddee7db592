//! Honeyframe (seed 001): "names the customer org, the licensed tier, the licensed products, an expiry date, and
//! an optional user limit", plus "features (a list of feature flags scoped to the license)".

use super::insert;
use licet_core::UnixTime;
use serde_json::{json, Value};

/// A Honeyframe license as the manual describes it.
#[derive(Clone, Debug)]
pub struct HoneyframeLicense {
    /// The customer org, as the document names it; a per-org license is installed for the org whose `org_slug`
    /// is this name's slug (`Globex Health` → `globex-health`).
    pub customer: String,
    /// `starter` / `professional` / `enterprise`.
    pub tier: String,
    /// e.g. `hub_platform`, `hub_intel_healthcare`, `hub_cloud`.
    pub products: Vec<String>,
    /// e.g. `chat_connector`, `ai_dashboard_generator`.
    pub features: Vec<String>,
    /// "an optional user limit": `None` leaves `users_limit` out (no limit).
    pub users_limit: Option<u64>,
    pub issued_at: UnixTime,
    pub expires: UnixTime,
}

impl HoneyframeLicense {
    /// The document's payload: the manual's members, `expires` as an RFC 3339 date-time, `issued` beside it.
    pub fn claims(&self) -> Value {
        let mut payload = json!({
            "customer": self.customer,
            "tier": self.tier,
            "products": self.products,
            "features": self.features,
            "issued": self.issued_at.to_rfc3339(),
            "expires": self.expires.to_rfc3339(),
        });
        if let Some(n) = self.users_limit {
            insert(&mut payload, "users_limit", json!(n));
        }
        payload
    }
}
