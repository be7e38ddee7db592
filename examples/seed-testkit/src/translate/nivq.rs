//! nivq (seed 003): "an edition (e.g. enterprise) and an explicit features set … total workspaces
//! (maxWorkspaces), agents (maxAgents), and user accounts (maxUsers) … A ceiling left at 0 means unlimited", plus
//! host binding (fingerprint) and domain binding (with wildcard).

use licet_core::{Claims, Customer, UnixTime};

use super::{base, zero_is_unlimited};
use crate::vendor::Seed;

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
    /// Raised on every reissue; "Rolling back to an older licence is rejected."
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

    pub fn claims(&self) -> Claims {
        let customer = Customer {
            id: self.customer_id.clone(),
            name: self.customer_name.clone(),
        };
        let mut c = base(
            Seed::Nivq,
            &self.customer_name,
            customer,
            self.issued_at,
            Some(self.expires),
        );
        c.jti = Some(format!("nivq-{}-{}", self.customer_id, self.sequence));
        c.lic.edition = Some(self.edition.clone());
        c.lic.features = self.features.clone();
        for (kind, n) in [
            ("workspaces", self.max_workspaces),
            ("agents", self.max_agents),
            ("users", self.max_users),
        ] {
            c.lic.limits.insert(kind.to_owned(), zero_is_unlimited(n));
        }
        c.lic.binding.fingerprints = self.fingerprint.iter().cloned().collect();
        c.lic.binding.domains = self.domain.iter().cloned().collect();
        c.lic.sequence = self.sequence;
        c
    }
}
