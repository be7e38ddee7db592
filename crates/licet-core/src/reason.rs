//! Stable reason codes. These strings are an API: operators grep logs for them, products match on them, HTTP
//! bodies carry them. A code is never renamed or reused; `tests::codes_are_pinned` fails if one changes.

use serde::{Deserialize, Serialize};

/// Why a license was rejected, or why an action is refused under a license that is in force.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Reason {
    // --- no license
    LicenseMissing,
    ActivationPending,
    // --- the bytes (codec)
    LicenseTooLarge,
    LicenseMalformed,
    LicenseDuplicateClaim,
    // --- the header and the key
    LicenseAlgForbidden,
    LicenseAlgMismatch,
    LicenseUnknownKey,
    LicenseEmbeddedKey,
    LicenseUnknownCrit,
    LicenseBadSignature,
    // --- the claims against the verifier's configuration
    LicenseWrongIssuer,
    LicenseWrongAudience,
    LicenseUnsupportedSchema,
    LicenseInvalidClaims,
    /// A vendor-format license lacks a member its format requires.
    LicenseClaimMissing,
    /// A vendor-format license has a member of the wrong type or out of range.
    LicenseClaimWrongType,
    // --- the claims against the install and time (lifecycle)
    LicenseNotYetValid,
    LicenseExpired,
    LicenseInstanceMismatch,
    LicenseHostMismatch,
    LicenseDomainMismatch,
    LicenseRolledBack,
    ClockRollbackDetected,
    // --- enforcement under a license in force
    LicenseInvalid,
    LicenseLocked,
    LicenseReadOnly,
    FeatureNotLicensed,
    ModuleNotLicensed,
    QuotaExceeded,
    OrgNotLicensed,
    MaxOrgsReached,
    // --- replacing the license in force
    /// The new license would take something away from the one in force; it is installed only when acknowledged.
    LicenseChangeNeedsAck,
}

impl Reason {
    pub const ALL: &'static [Reason] = &[
        Reason::LicenseMissing,
        Reason::ActivationPending,
        Reason::LicenseTooLarge,
        Reason::LicenseMalformed,
        Reason::LicenseDuplicateClaim,
        Reason::LicenseAlgForbidden,
        Reason::LicenseAlgMismatch,
        Reason::LicenseUnknownKey,
        Reason::LicenseEmbeddedKey,
        Reason::LicenseUnknownCrit,
        Reason::LicenseBadSignature,
        Reason::LicenseWrongIssuer,
        Reason::LicenseWrongAudience,
        Reason::LicenseUnsupportedSchema,
        Reason::LicenseInvalidClaims,
        Reason::LicenseClaimMissing,
        Reason::LicenseClaimWrongType,
        Reason::LicenseNotYetValid,
        Reason::LicenseExpired,
        Reason::LicenseInstanceMismatch,
        Reason::LicenseHostMismatch,
        Reason::LicenseDomainMismatch,
        Reason::LicenseRolledBack,
        Reason::ClockRollbackDetected,
        Reason::LicenseInvalid,
        Reason::LicenseLocked,
        Reason::LicenseReadOnly,
        Reason::FeatureNotLicensed,
        Reason::ModuleNotLicensed,
        Reason::QuotaExceeded,
        Reason::OrgNotLicensed,
        Reason::MaxOrgsReached,
        Reason::LicenseChangeNeedsAck,
    ];

    /// The machine code, e.g. `license_bad_signature`.
    pub fn code(self) -> &'static str {
        match self {
            Reason::LicenseMissing => "license_missing",
            Reason::ActivationPending => "activation_pending",
            Reason::LicenseTooLarge => "license_too_large",
            Reason::LicenseMalformed => "license_malformed",
            Reason::LicenseDuplicateClaim => "license_duplicate_claim",
            Reason::LicenseAlgForbidden => "license_alg_forbidden",
            Reason::LicenseAlgMismatch => "license_alg_mismatch",
            Reason::LicenseUnknownKey => "license_unknown_key",
            Reason::LicenseEmbeddedKey => "license_embedded_key",
            Reason::LicenseUnknownCrit => "license_unknown_crit",
            Reason::LicenseBadSignature => "license_bad_signature",
            Reason::LicenseWrongIssuer => "license_wrong_issuer",
            Reason::LicenseWrongAudience => "license_wrong_audience",
            Reason::LicenseUnsupportedSchema => "license_unsupported_schema",
            Reason::LicenseInvalidClaims => "license_invalid_claims",
            Reason::LicenseClaimMissing => "license_claim_missing",
            Reason::LicenseClaimWrongType => "license_claim_wrong_type",
            Reason::LicenseNotYetValid => "license_not_yet_valid",
            Reason::LicenseExpired => "license_expired",
            Reason::LicenseInstanceMismatch => "license_instance_mismatch",
            Reason::LicenseHostMismatch => "license_host_mismatch",
            Reason::LicenseDomainMismatch => "license_domain_mismatch",
            Reason::LicenseRolledBack => "license_rolled_back",
            Reason::ClockRollbackDetected => "clock_rollback_detected",
            Reason::LicenseInvalid => "license_invalid",
            Reason::LicenseLocked => "license_locked",
            Reason::LicenseReadOnly => "license_read_only",
            Reason::FeatureNotLicensed => "feature_not_licensed",
            Reason::ModuleNotLicensed => "module_not_licensed",
            Reason::QuotaExceeded => "quota_exceeded",
            Reason::OrgNotLicensed => "org_not_licensed",
            Reason::MaxOrgsReached => "max_orgs_reached",
            Reason::LicenseChangeNeedsAck => "license_change_needs_ack",
        }
    }

    /// A sentence an operator can act on. Callers may append specifics (which kid, which audience).
    pub fn sentence(self) -> &'static str {
        match self {
            Reason::LicenseMissing => "No license is installed. Install the license file your vendor sent you.",
            Reason::ActivationPending => {
                "This install is waiting for activation: send its fingerprint to your vendor and upload the license you receive."
            }
            Reason::LicenseTooLarge => {
                "The license is larger than any real license can be; check that you pasted the license and nothing else."
            }
            Reason::LicenseMalformed => {
                "The license could not be read: it is truncated or not a license. Paste it again from the vendor's original delivery."
            }
            Reason::LicenseDuplicateClaim => {
                "The license repeats a field, which a genuine license never does; it was altered. Ask your vendor for a fresh copy."
            }
            Reason::LicenseAlgForbidden => {
                "The license uses a signature algorithm licet never accepts (none, HMAC or unknown); it was not issued by your vendor."
            }
            Reason::LicenseAlgMismatch => {
                "The license's algorithm is not the one its signing key is pinned to; it was altered or forged."
            }
            Reason::LicenseUnknownKey => {
                "The license is signed by a key this build does not trust. Ask your vendor for a license signed with a current key, or upgrade."
            }
            Reason::LicenseEmbeddedKey => {
                "The license tries to bring its own key (jwk, jku, x5u or x5c header); licet only trusts keys built into the product."
            }
            Reason::LicenseUnknownCrit => {
                "The license requires an extension (crit header) this build does not understand; upgrade the product or ask your vendor."
            }
            Reason::LicenseBadSignature => {
                "The license signature does not match its contents: it was altered or truncated. Paste it again from the vendor's original delivery."
            }
            Reason::LicenseWrongIssuer => "The license was issued by someone other than this product's vendor.",
            Reason::LicenseWrongAudience => {
                "The license is for a different product. Ask your vendor for a license for this product."
            }
            Reason::LicenseUnsupportedSchema => {
                "The license uses a newer format than this version understands. Upgrade the product, or ask your vendor for a compatible license."
            }
            Reason::LicenseInvalidClaims => {
                "The license is signed but its contents do not follow the license format. Ask your vendor for a fresh license."
            }
            Reason::LicenseClaimMissing => {
                "The license is signed but lacks a member its format requires. Ask your vendor for a corrected license."
            }
            Reason::LicenseClaimWrongType => {
                "The license is signed but a member has the wrong type or value for its format. Ask your vendor for a corrected license."
            }
            Reason::LicenseNotYetValid => {
                "The license is not valid yet. It starts on its not-before date; check the system clock or wait."
            }
            Reason::LicenseExpired => "The license has expired. Install a renewed license from your vendor.",
            Reason::LicenseInstanceMismatch => {
                "The license is bound to a different install id. Request a license for this install's id, shown on the license page."
            }
            Reason::LicenseHostMismatch => {
                "The license is bound to a different host fingerprint. Send this install's fingerprint to your vendor."
            }
            Reason::LicenseDomainMismatch => {
                "The license is bound to a different domain. Ask your vendor for a license for the domain this install is served on."
            }
            Reason::LicenseRolledBack => {
                "This license is older than one already installed here; installing an older license is refused. Install the newest license."
            }
            Reason::ClockRollbackDetected => {
                "The system clock is earlier than a time this install has already seen. Correct the clock (NTP) and retry."
            }
            Reason::LicenseInvalid => "The installed license is not valid. Open the license page to see why.",
            Reason::LicenseLocked => {
                "The product is locked: only sign-in, health and the license page work until a valid license is installed."
            }
            Reason::LicenseReadOnly => {
                "License expired: the product is read-only until a renewed license is installed. Your data is kept."
            }
            Reason::FeatureNotLicensed => {
                "This feature is not part of your license. Contact your vendor to upgrade."
            }
            Reason::ModuleNotLicensed => "This module is not part of your license.",
            Reason::QuotaExceeded => {
                "Your license's limit is reached. Remove unused items or ask your vendor for a higher limit."
            }
            Reason::OrgNotLicensed => {
                "This organization is not named in the license. Add it to your subscription, then refresh or import the new license."
            }
            Reason::MaxOrgsReached => {
                "The license's maximum number of organizations is reached. Ask your vendor for a higher limit."
            }
            Reason::LicenseChangeNeedsAck => {
                "This license would leave the install worse off than the license in force (see the changes listed); nothing was changed. Install it again with acknowledgement to accept the changes."
            }
        }
    }
}

impl std::fmt::Display for Reason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.code())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The codes are an API; this pins every one. Changing a string here is a breaking change.
    #[test]
    fn codes_are_pinned() {
        let codes: Vec<&str> = Reason::ALL.iter().map(|r| r.code()).collect();
        assert_eq!(
            codes,
            [
                "license_missing",
                "activation_pending",
                "license_too_large",
                "license_malformed",
                "license_duplicate_claim",
                "license_alg_forbidden",
                "license_alg_mismatch",
                "license_unknown_key",
                "license_embedded_key",
                "license_unknown_crit",
                "license_bad_signature",
                "license_wrong_issuer",
                "license_wrong_audience",
                "license_unsupported_schema",
                "license_invalid_claims",
                "license_claim_missing",
                "license_claim_wrong_type",
                "license_not_yet_valid",
                "license_expired",
                "license_instance_mismatch",
                "license_host_mismatch",
                "license_domain_mismatch",
                "license_rolled_back",
                "clock_rollback_detected",
                "license_invalid",
                "license_locked",
                "license_read_only",
                "feature_not_licensed",
                "module_not_licensed",
                "quota_exceeded",
                "org_not_licensed",
                "max_orgs_reached",
                "license_change_needs_ack",
            ]
        );
    }

    #[test]
    fn serde_form_is_the_code() {
        for r in Reason::ALL {
            let json = serde_json::to_string(r).unwrap();
            assert_eq!(json, format!("\"{}\"", r.code()));
            assert_eq!(serde_json::from_str::<Reason>(&json).unwrap(), *r);
            assert!(r.sentence().ends_with('.'), "{r}: sentence must be a sentence");
        }
    }
}
