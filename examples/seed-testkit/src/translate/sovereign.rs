//! Sovereign (seed 002): "Customer identity (customerId) … Install identity (installId) … App keys … Per-organization
//! entitlements … each with their plan, feature flags, limits, and validity window … Validity window (validFrom,
//! validUntil) … Maximum organizations".

use super::insert;
use licet_core::UnixTime;
use serde_json::{json, Map, Value};

#[derive(Clone, Debug)]
pub struct SovereignOrg {
    pub id: String,
    pub plan: String,
    pub features: Vec<String>,
    /// Per-org limits, e.g. `members`.
    pub limits: Vec<(String, u64)>,
    pub valid_from: Option<UnixTime>,
    pub valid_until: Option<UnixTime>,
}

/// A Sovereign license as the manual describes it.
#[derive(Clone, Debug)]
pub struct SovereignLicense {
    pub customer_id: String,
    pub customer_name: String,
    pub install_id: String,
    pub app_keys: Vec<String>,
    pub orgs: Vec<SovereignOrg>,
    pub valid_from: UnixTime,
    pub valid_until: UnixTime,
    pub max_orgs: u64,
    /// The control plane's renewal endpoint for this install (connected installs).
    pub renewal_url: Option<String>,
    /// Raised by the control plane on every reissue, so that an older license is never taken back.
    pub sequence: u64,
}

impl SovereignLicense {
    /// The license in Sovereign's members (`customerId`, `installId`, `apps`, `organizations`, `validFrom`,
    /// `validUntil`, `maxOrgs`; RFC 3339 times), as the SOVEREIGN profile reads them.
    pub fn claims(&self) -> Value {
        let orgs: Vec<Value> = self
            .orgs
            .iter()
            .map(|o| {
                let mut org = json!({
                    "orgId": o.id,
                    "plan": o.plan,
                    "features": o.features,
                    "limits": o.limits.iter().map(|(k, v)| (k.clone(), json!(v))).collect::<Map<String, Value>>(),
                });
                if let Some(t) = o.valid_from {
                    insert(&mut org, "validFrom", json!(t.to_rfc3339()));
                }
                if let Some(t) = o.valid_until {
                    insert(&mut org, "validUntil", json!(t.to_rfc3339()));
                }
                org
            })
            .collect();
        let mut c = json!({
            "customerId": self.customer_id,
            "customerName": self.customer_name,
            "installId": self.install_id,
            "apps": self.app_keys,
            "organizations": orgs,
            "validFrom": self.valid_from.to_rfc3339(),
            "validUntil": self.valid_until.to_rfc3339(),
            "maxOrgs": self.max_orgs,
            "sequence": self.sequence,
            "jti": format!("sovereign-{}-{}", self.install_id, self.sequence),
        });
        if let Some(url) = &self.renewal_url {
            insert(&mut c, "renewalUrl", json!(url));
        }
        c
    }
}
