//! nivq (seed 003): "an edition (e.g. enterprise) and an explicit features set … total workspaces
//! (maxWorkspaces), agents (maxAgents), and user accounts (maxUsers) … A ceiling left at 0 means unlimited", plus
//! host binding (fingerprint) and domain binding (with wildcard).

use super::insert;
use licet_core::UnixTime;
use serde_json::{json, Value};

/// A nivq licence as the manual describes it.
#[derive(Clone, Debug)]
pub struct NivqLicense {
    pub customer_id: String,
    pub customer_name: String,
    pub edition: String,
    pub features: Vec<String>,
    /// `maxWorkspaces`; 0 = unlimited.
    pub max_workspaces: u64,
    /// `maxAgents`; 0 = unlimited.
    pub max_agents: u64,
    /// `maxUsers`; 0 = unlimited.
    pub max_users: u64,
    /// Host binding: `NIVQ-FP-…` of the deployment.
    pub fingerprint: Option<String>,
    /// Domain binding: `api.acme.com` or `*.acme.com`, or an IP.
    pub domain: Option<String>,
    pub issued_at: UnixTime,
    pub expires: UnixTime,
    /// Raised on every reissue (`sequence`); "Rolling back to an older licence is rejected."
    pub sequence: u64,
}

impl NivqLicense {
    /// A `team` licence for ACME, unbound, 2/0/5 ceilings, issued at `iat` for 365 days.
    pub fn team(iat: UnixTime, sequence: u64) -> Self {
        NivqLicense {
            customer_id: "acme".into(),
            customer_name: "ACME".into(),
            edition: "team".into(),
            features: vec!["rbac".into()],
            max_workspaces: 2,
            max_agents: 0,
            max_users: 5,
            fingerprint: None,
            domain: None,
            issued_at: iat,
            expires: iat.plus_days(365),
            sequence,
        }
    }

    /// The licence's claims: `sub` is the customer, the ceilings keep their `0 = unlimited`, bindings are
    /// `hostFingerprint` and `domain` (the names docs/profiles.md fixes), `sequence` orders reissues.
    pub fn claims(&self) -> Value {
        let mut c = json!({
            "sub": self.customer_id,
            "customerName": self.customer_name,
            "edition": self.edition,
            "features": self.features,
            "maxWorkspaces": self.max_workspaces,
            "maxAgents": self.max_agents,
            "maxUsers": self.max_users,
            "iat": self.issued_at.0,
            "exp": self.expires.0,
            "jti": format!("nivq-{}-{}", self.customer_id, self.sequence),
            "sequence": self.sequence,
        });
        if let Some(fp) = &self.fingerprint {
            insert(&mut c, "hostFingerprint", json!(fp));
        }
        if let Some(domain) = &self.domain {
            insert(&mut c, "domain", json!(domain));
        }
        c
    }
}
