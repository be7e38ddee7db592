//! JustIAM (seed 004): the license fields table, "sub | instance_id | max_users (-1 = unlimited) | max_tenants
//! (0 = unlimited) | renewal_url | iat | exp".

use licet_core::{Claims, Customer, Limit, Renewal, UnixTime};

use super::{base, minus_one_is_unlimited, signed_zero_is_unlimited, slug};
use crate::vendor::{Seed, VendorError};

/// A JustIAM license exactly as its manual's field table describes it, magic numbers included.
#[derive(Clone, Debug)]
pub struct JustiamLicense {
    /// "Licensee name (displayed in the UI)".
    pub sub: String,
    /// "If set, locks the license to a specific deployment. Leave empty for universal licenses".
    pub instance_id: String,
    /// "Maximum active users across all tenants. -1 = unlimited".
    pub max_users: i64,
    /// "Maximum tenants. 0 = unlimited".
    pub max_tenants: i64,
    /// "HTTPS URL for automatic license renewal"; empty for none.
    pub renewal_url: String,
    pub iat: UnixTime,
    pub exp: UnixTime,
}

impl JustiamLicense {
    /// Translates the fields. JustIAM's license has no sequence; the issue time is one (a later license is a
    /// newer license), which is what renewal and anti-rollback compare.
    pub fn claims(&self) -> Result<Claims, VendorError> {
        let customer = Customer {
            id: slug(&self.sub),
            name: self.sub.clone(),
        };
        let mut c = base(Seed::Justiam, &self.sub, customer, self.iat, Some(self.exp));
        let users = minus_one_is_unlimited("max_users", self.max_users)?;
        c.lic.limits.insert("users".to_owned(), users);
        // JustIAM sells no per-tenant cap: the control plane allocates one per tenant. An absent kind would grant
        // nothing, so the license says so explicitly.
        c.lic.limits.insert("users_per_tenant".to_owned(), Limit::Unlimited);
        c.lic.max_orgs = Some(signed_zero_is_unlimited("max_tenants", self.max_tenants)?);
        if !self.instance_id.trim().is_empty() {
            c.lic.binding.install_id = Some(self.instance_id.trim().to_owned());
        }
        if !self.renewal_url.trim().is_empty() {
            c.lic.renewal = Some(Renewal {
                url: self.renewal_url.trim().to_owned(),
            });
        }
        c.lic.sequence = u64::try_from(self.iat.0).unwrap_or(0);
        Ok(c)
    }
}
