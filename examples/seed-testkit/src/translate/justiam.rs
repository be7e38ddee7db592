//! JustIAM (seed 004): the license fields table, "sub | instance_id | max_users (-1 = unlimited) | max_tenants
//! (0 = unlimited) | renewal_url | iat | exp".

use licet_core::UnixTime;
use serde_json::{json, Value};

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
    /// The license fields exactly as the manual's table lists them, magic numbers and empty strings included:
    /// the JUSTIAM profile reads `-1` users and `0` tenants as unlimited, an empty `instance_id` as universal.
    pub fn claims(&self) -> Value {
        json!({
            "sub": self.sub,
            "instance_id": self.instance_id,
            "max_users": self.max_users,
            "max_tenants": self.max_tenants,
            "renewal_url": self.renewal_url,
            "iat": self.iat.0,
            "exp": self.exp.0,
        })
    }
}
