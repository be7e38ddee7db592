//! Honeyframe (seed 001): "names the customer org, the licensed tier, the licensed products, an expiry date, and
//! an optional user limit", plus "features (a list of feature flags scoped to the license)".

use licet_core::{Claims, Customer, Limit, UnixTime};

use super::{base, slug};
use crate::vendor::Seed;

/// A Honeyframe license as the manual describes it.
#[derive(Clone, Debug)]
pub struct HoneyframeLicense {
    /// The customer org's display name; its slug is the license's customer id (a per-org license is installed for
    /// the org whose `org_slug` it names).
    pub customer: String,
    /// `starter` / `professional` / `enterprise`.
    pub tier: String,
    /// e.g. `hub_platform`, `hub_intel_healthcare`, `hub_cloud`.
    pub products: Vec<String>,
    /// e.g. `chat_connector`, `ai_dashboard_generator`.
    pub features: Vec<String>,
    /// "an optional user limit": `None` sells no limit, which licet writes as `users: "unlimited"`.
    pub users_limit: Option<u64>,
    pub issued_at: UnixTime,
    pub expires: UnixTime,
}

impl HoneyframeLicense {
    pub fn claims(&self) -> Claims {
        let customer = Customer {
            id: slug(&self.customer),
            name: self.customer.clone(),
        };
        let mut c = base(
            Seed::Honeyframe,
            &self.customer,
            customer,
            self.issued_at,
            Some(self.expires),
        );
        c.lic.edition = Some(self.tier.clone());
        c.lic.products = self.products.clone();
        c.lic.features = self.features.clone();
        let users = self.users_limit.map_or(Limit::Unlimited, Limit::Count);
        c.lic.limits.insert("users".to_owned(), users);
        c
    }
}
