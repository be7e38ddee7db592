//! Why a license was not verified. Every variant maps to one stable [`Reason`]; `Display` is the reason's operator
//! sentence followed by the specifics (which kid, which issuer), so a log line is actionable on its own.

use crate::alg::Alg;
use crate::reason::Reason;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum VerifyError {
    #[error("{} ({len} bytes; the limit is {limit})", Reason::LicenseTooLarge.sentence())]
    TooLarge { len: usize, limit: usize },
    #[error("{} ({detail})", Reason::LicenseMalformed.sentence())]
    Malformed { detail: String },
    #[error("{} (the {part} repeats {name:?})", Reason::LicenseDuplicateClaim.sentence())]
    DuplicateMember { part: &'static str, name: String },
    #[error("{} (alg {alg:?})", Reason::LicenseAlgForbidden.sentence())]
    AlgForbidden { alg: String },
    #[error("{} (header says {header}, key {kid:?} is pinned to {pinned})", Reason::LicenseAlgMismatch.sentence())]
    AlgMismatch { kid: String, header: Alg, pinned: Alg },
    #[error("{} ({})", Reason::LicenseUnknownKey.sentence(), unknown_key_detail(.kid, *.trusted))]
    UnknownKey { kid: Option<String>, trusted: usize },
    #[error("{} (header parameter {param:?})", Reason::LicenseEmbeddedKey.sentence())]
    EmbeddedKey { param: String },
    #[error("{} ({detail})", Reason::LicenseUnknownCrit.sentence())]
    UnknownCrit { detail: String },
    #[error("{} (checked with key {kid:?})", Reason::LicenseBadSignature.sentence())]
    BadSignature { kid: String },
    #[error("{} (license says {found:?}, this product expects {expected:?})", Reason::LicenseWrongIssuer.sentence())]
    WrongIssuer { expected: String, found: String },
    #[error("{} (license is for {found:?}, this product is {expected:?})", Reason::LicenseWrongAudience.sentence())]
    WrongAudience { expected: String, found: Vec<String> },
    #[error("{} (license schema {found}, this build reads {supported}.x)", Reason::LicenseUnsupportedSchema.sentence())]
    UnsupportedSchema { found: String, supported: u32 },
    #[error("{} ({detail})", Reason::LicenseInvalidClaims.sentence())]
    InvalidClaims { detail: String },
    /// A vendor-format license lacks a required member (`member` is its path, e.g. `max_users`).
    #[error("{} (the {format} format requires member {member:?})", Reason::LicenseClaimMissing.sentence())]
    ClaimMissing { format: &'static str, member: String },
    #[error("{} (in the {format} format, member {member:?} must be {expected})", Reason::LicenseClaimWrongType.sentence())]
    ClaimWrongType {
        format: &'static str,
        member: String,
        expected: String,
    },
}

fn unknown_key_detail(kid: &Option<String>, trusted: usize) -> String {
    match kid {
        Some(kid) => format!("kid {kid:?} is not among the {trusted} trusted key(s)"),
        None => {
            format!("the license names no kid and {trusted} keys are trusted; a kid is required unless exactly one is")
        }
    }
}

impl VerifyError {
    /// The stable machine code for this rejection.
    pub fn reason(&self) -> Reason {
        match self {
            VerifyError::TooLarge { .. } => Reason::LicenseTooLarge,
            VerifyError::Malformed { .. } => Reason::LicenseMalformed,
            VerifyError::DuplicateMember { .. } => Reason::LicenseDuplicateClaim,
            VerifyError::AlgForbidden { .. } => Reason::LicenseAlgForbidden,
            VerifyError::AlgMismatch { .. } => Reason::LicenseAlgMismatch,
            VerifyError::UnknownKey { .. } => Reason::LicenseUnknownKey,
            VerifyError::EmbeddedKey { .. } => Reason::LicenseEmbeddedKey,
            VerifyError::UnknownCrit { .. } => Reason::LicenseUnknownCrit,
            VerifyError::BadSignature { .. } => Reason::LicenseBadSignature,
            VerifyError::WrongIssuer { .. } => Reason::LicenseWrongIssuer,
            VerifyError::WrongAudience { .. } => Reason::LicenseWrongAudience,
            VerifyError::UnsupportedSchema { .. } => Reason::LicenseUnsupportedSchema,
            VerifyError::InvalidClaims { .. } => Reason::LicenseInvalidClaims,
            VerifyError::ClaimMissing { .. } => Reason::LicenseClaimMissing,
            VerifyError::ClaimWrongType { .. } => Reason::LicenseClaimWrongType,
        }
    }

    /// The specifics after the reason's sentence (which member, which kid, …), without the sentence itself, for
    /// callers that print the sentence on their own. `None` when there are none.
    pub fn detail(&self) -> Option<String> {
        let full = self.to_string();
        let rest = full.strip_prefix(self.reason().sentence()).unwrap_or(&full).trim();
        let rest = rest.strip_prefix('(').and_then(|r| r.strip_suffix(')')).unwrap_or(rest);
        (!rest.is_empty()).then(|| rest.to_owned())
    }

    /// A vendor format's mapping error, named with the format.
    pub(crate) fn mapping(format: &'static str, e: crate::format::MapError) -> Self {
        match e {
            crate::format::MapError::Missing { member } => VerifyError::ClaimMissing { format, member },
            crate::format::MapError::WrongType { member, expected } => VerifyError::ClaimWrongType {
                format,
                member,
                expected,
            },
        }
    }

    pub(crate) fn malformed(detail: impl Into<String>) -> Self {
        VerifyError::Malformed { detail: detail.into() }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_starts_with_the_sentence_and_adds_specifics() {
        let e = VerifyError::UnknownKey {
            kid: Some("2024-a".into()),
            trusted: 2,
        };
        let text = e.to_string();
        assert!(text.starts_with(Reason::LicenseUnknownKey.sentence()));
        assert!(text.contains("2024-a"));
        assert_eq!(e.reason().code(), "license_unknown_key");
        assert_eq!(
            e.detail().as_deref(),
            Some("kid \"2024-a\" is not among the 2 trusted key(s)")
        );
    }
}
