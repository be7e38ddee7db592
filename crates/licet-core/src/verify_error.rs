//! Why a license was not verified. Every variant maps to one stable [`Reason`]; `Display` is the reason's operator
//! sentence followed by the specifics (which kid, which issuer), so a log line is actionable on its own.

use crate::alg::Alg;
use crate::reason::Reason;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum VerifyError {
    #[error("{} ({})", self.reason().sentence(), self.detail())]
    TooLarge { len: usize, limit: usize },
    #[error("{} ({})", self.reason().sentence(), self.detail())]
    Malformed { detail: String },
    #[error("{} ({})", self.reason().sentence(), self.detail())]
    DuplicateMember { part: &'static str, name: String },
    #[error("{} ({})", self.reason().sentence(), self.detail())]
    AlgForbidden { alg: String },
    #[error("{} ({})", self.reason().sentence(), self.detail())]
    AlgMismatch { kid: String, header: Alg, pinned: Alg },
    #[error("{} ({})", self.reason().sentence(), self.detail())]
    UnknownKey { kid: Option<String>, trusted: usize },
    #[error("{} ({})", self.reason().sentence(), self.detail())]
    EmbeddedKey { param: String },
    #[error("{} ({})", self.reason().sentence(), self.detail())]
    UnknownCrit { detail: String },
    #[error("{} ({})", self.reason().sentence(), self.detail())]
    BadSignature { kid: String },
    #[error("{} ({})", self.reason().sentence(), self.detail())]
    WrongIssuer { expected: String, found: String },
    #[error("{} ({})", self.reason().sentence(), self.detail())]
    WrongAudience { expected: String, found: Vec<String> },
    #[error("{} ({})", self.reason().sentence(), self.detail())]
    UnsupportedSchema { found: String, supported: u32 },
    #[error("{} ({})", self.reason().sentence(), self.detail())]
    InvalidClaims { detail: String },
    /// A vendor-format license lacks a required member (`member` is its path, e.g. `max_users`).
    #[error("{} ({})", self.reason().sentence(), self.detail())]
    ClaimMissing { format: &'static str, member: String },
    #[error("{} ({})", self.reason().sentence(), self.detail())]
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

    /// The specifics behind the reason, in words an operator can act on: which kid, which issuer, which part did
    /// not decode and why. `Display` is the reason's sentence followed by this in parentheses; the server's error
    /// body carries it as `detail`, so an API client learns what `licet verify` prints.
    pub fn detail(&self) -> String {
        match self {
            VerifyError::TooLarge { len, limit } => format!("{len} bytes; the limit is {limit}"),
            VerifyError::Malformed { detail }
            | VerifyError::UnknownCrit { detail }
            | VerifyError::InvalidClaims { detail } => detail.clone(),
            VerifyError::DuplicateMember { part, name } => format!("the {part} repeats {name:?}"),
            VerifyError::AlgForbidden { alg } => format!("alg {alg:?}"),
            VerifyError::AlgMismatch { kid, header, pinned } => {
                format!("header says {header}, key {kid:?} is pinned to {pinned}")
            }
            VerifyError::UnknownKey { kid, trusted } => unknown_key_detail(kid, *trusted),
            VerifyError::EmbeddedKey { param } => format!("header parameter {param:?}"),
            VerifyError::BadSignature { kid } => format!("checked with key {kid:?}"),
            VerifyError::WrongIssuer { expected, found } => {
                format!("license says {found:?}, this product expects {expected:?}")
            }
            VerifyError::WrongAudience { expected, found } => {
                format!("license is for {found:?}, this product is {expected:?}")
            }
            VerifyError::UnsupportedSchema { found, supported } => {
                format!("license schema {found}, this build reads {supported}.x")
            }
            VerifyError::ClaimMissing { format, member } => format!("the {format} format requires member {member:?}"),
            VerifyError::ClaimWrongType {
                format,
                member,
                expected,
            } => format!("in the {format} format, member {member:?} must be {expected}"),
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
        assert_eq!(e.detail(), "kid \"2024-a\" is not among the 2 trusted key(s)");
        assert_eq!(text, format!("{} ({})", e.reason().sentence(), e.detail()));
    }

    #[test]
    fn detail_is_the_specifics_without_the_sentence() {
        let e = VerifyError::malformed("payload is not unpadded base64url: invalid symbol '*' at offset 3");
        assert_eq!(
            e.detail(),
            "payload is not unpadded base64url: invalid symbol '*' at offset 3"
        );
        assert!(!e.detail().contains(Reason::LicenseMalformed.sentence()));
        let big = VerifyError::TooLarge {
            len: 70_000,
            limit: 65_536,
        };
        assert_eq!(big.detail(), "70000 bytes; the limit is 65536");
    }
}
