//! Sovereign (seed 002): "Customer identity (customerId) … Install identity (installId) … App keys … Per-organization
//! entitlements … each with their plan, feature flags, limits, and validity window … Validity window (validFrom,
//! validUntil) … Maximum organizations".

use std::collections::BTreeMap;

use licet_core::{Claims, Customer, Limit, OrgEntitlement, Renewal, UnixTime};

use super::base;
use crate::vendor::Seed;

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
    pub fn claims(&self) -> Claims {
        let customer = Customer {
            id: self.customer_id.clone(),
            name: self.customer_name.clone(),
        };
        let mut c = base(
            Seed::Sovereign,
            &self.customer_name,
            customer,
            self.valid_from,
            Some(self.valid_until),
        );
        c.jti = Some(format!("sovereign-{}-{}", self.install_id, self.sequence));
        c.lic.binding.install_id = Some(self.install_id.clone());
        c.lic.products = self.app_keys.clone();
        c.lic.max_orgs = Some(Limit::Count(self.max_orgs));
        c.lic.renewal = self.renewal_url.clone().map(|url| Renewal { url });
        c.lic.sequence = self.sequence;
        c.lic.orgs = self
            .orgs
            .iter()
            .map(|o| OrgEntitlement {
                id: o.id.clone(),
                plan: Some(o.plan.clone()),
                features: o.features.clone(),
                limits: o.limits.iter().map(|(k, v)| (k.clone(), Limit::Count(*v))).collect(),
                valid_from: o.valid_from,
                valid_until: o.valid_until,
                extra: BTreeMap::new(),
            })
            .collect();
        c
    }
}
