//! Issuing side: each seed manual's license, in the manual's own words, translated into licet claims.
//!
//! The manuals carry conventions licet's format refuses on purpose: JustIAM writes "unlimited" as `-1` users and
//! `0` tenants, nivq as a `0` ceiling. Read naively, a nivq `0` would grant nothing and a JustIAM `-1` would not
//! even parse. The translation happens once, here, at the vendor; the license itself says `"unlimited"`.

pub mod honeyframe;
pub mod justiam;
pub mod liberty;
pub mod nivq;
pub mod sovereign;

use std::collections::BTreeMap;

use licet_core::{Audience, Claims, Customer, License, Limit, UnixTime};

use crate::vendor::{Seed, VendorError};

/// Claims with the seed's issuer and audience and nothing granted; each translation fills in the rest.
pub(crate) fn base(seed: Seed, sub: &str, customer: Customer, iat: UnixTime, exp: Option<UnixTime>) -> Claims {
    Claims {
        iss: seed.issuer().to_owned(),
        sub: sub.to_owned(),
        aud: Audience::one(seed.audience()),
        iat,
        nbf: Some(iat),
        exp,
        jti: Some(format!("{}-{}-{}", seed.name(), customer.id, iat.0)),
        lic: License::new(customer, 1),
        extra: BTreeMap::new(),
    }
}

/// A customer id from a display name: lowercase ASCII letters and digits, dashes between words.
pub fn slug(name: &str) -> String {
    let mut out = String::new();
    for word in name
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
    {
        if !out.is_empty() {
            out.push('-');
        }
        out.push_str(&word.to_ascii_lowercase());
    }
    out
}

/// nivq's ceilings: "A ceiling left at 0 means unlimited."
pub fn zero_is_unlimited(n: u64) -> Limit {
    match n {
        0 => Limit::Unlimited,
        n => Limit::Count(n),
    }
}

/// JustIAM's `max_users`: "-1 = unlimited". Any other negative number is a typo the vendor must fix, not a grant.
pub fn minus_one_is_unlimited(field: &str, n: i64) -> Result<Limit, VendorError> {
    match n {
        -1 => Ok(Limit::Unlimited),
        n => u64::try_from(n).map(Limit::Count).map_err(|_| {
            VendorError::Translate(format!("{field} is {n}; only -1 (unlimited) or a count is meaningful"))
        }),
    }
}

/// JustIAM's `max_tenants`: "0 = unlimited". Negative numbers are refused.
pub fn signed_zero_is_unlimited(field: &str, n: i64) -> Result<Limit, VendorError> {
    u64::try_from(n)
        .map(zero_is_unlimited)
        .map_err(|_| VendorError::Translate(format!("{field} is {n}; only 0 (unlimited) or a count is meaningful")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn magic_numbers_become_words() {
        assert_eq!(zero_is_unlimited(0), Limit::Unlimited);
        assert_eq!(zero_is_unlimited(7), Limit::Count(7));
        assert_eq!(minus_one_is_unlimited("max_users", -1).ok(), Some(Limit::Unlimited));
        assert_eq!(minus_one_is_unlimited("max_users", 0).ok(), Some(Limit::Count(0)));
        assert_eq!(minus_one_is_unlimited("max_users", 250).ok(), Some(Limit::Count(250)));
        assert!(minus_one_is_unlimited("max_users", -2).is_err());
        assert_eq!(signed_zero_is_unlimited("max_tenants", 0).ok(), Some(Limit::Unlimited));
        assert_eq!(signed_zero_is_unlimited("max_tenants", 3).ok(), Some(Limit::Count(3)));
        assert!(signed_zero_is_unlimited("max_tenants", -1).is_err());
    }

    #[test]
    fn slugs() {
        assert_eq!(slug("ACME Corp"), "acme-corp");
        assert_eq!(slug("  Globex, Inc. "), "globex-inc");
    }
}
