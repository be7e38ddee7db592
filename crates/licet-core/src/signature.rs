//! Verification: the only place a [`VerifiedLicense`] is made.
//!
//! (Skeleton: the verifier itself lands with issue 2. The type and its accessors are fixed here so that the
//! lifecycle can be written against them.)

use crate::claims::Claims;

/// A license whose signature checked out against a trusted key, whose header passed the policy, and whose
/// issuer and audience match the verifier's configuration. Time and binding are *not* judged here: that is the
/// lifecycle's job. There is no public constructor: the only way to get one is to verify.
#[derive(Clone, Debug, PartialEq)]
pub struct VerifiedLicense {
    claims: Claims,
    kid: String,
    fingerprint: String,
}

impl VerifiedLicense {
    /// Only verification (and this crate's own tests) may call this.
    #[cfg_attr(not(test), allow(dead_code))]
    pub(crate) fn new(claims: Claims, kid: String, fingerprint: String) -> Self {
        VerifiedLicense {
            claims,
            kid,
            fingerprint,
        }
    }

    pub fn claims(&self) -> &Claims {
        &self.claims
    }

    /// The `kid` of the trusted key that verified the signature.
    pub fn kid(&self) -> &str {
        &self.kid
    }

    /// SHA-256 of the token as verified (lowercase hex): what audit logs and activation requests name.
    pub fn fingerprint(&self) -> &str {
        &self.fingerprint
    }
}
