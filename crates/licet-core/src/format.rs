//! License formats: licet's own claims, or a vendor's format that a profile maps onto them.
//!
//! A license in licet's own format has a `lic` member; every profile accepts it. A profile may add one foreign
//! format ([`ClaimMap`]), so that licenses a vendor already has in the field, written as its manual says, verify
//! unchanged. After reading, every license is the same [`crate::Claims`] and goes through the same evaluation.
//! Which of the two a payload is follows from the payload alone (`lic` present or not), so no input is read two
//! ways; which envelope it came in follows from its first byte and shape ([`document`]).

pub mod document;
pub mod mapping;

pub use document::SignedDocument;
pub use mapping::{Absent, ClaimMap, Envelope, Field, Implied, MapError, OrgField, OrgRule, Rule, Time, Unlimited};

/// The license format a profile reads.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum LicenseFormat {
    /// licet's own claims only.
    #[default]
    Licet,
    /// licet's own claims, and this vendor format.
    Mapped(&'static ClaimMap),
}

impl LicenseFormat {
    /// The vendor format, if any.
    pub fn mapping(self) -> Option<&'static ClaimMap> {
        match self {
            LicenseFormat::Licet => None,
            LicenseFormat::Mapped(map) => Some(map),
        }
    }

    /// The format's name: `licet` or the vendor format's.
    pub fn name(self) -> &'static str {
        self.mapping().map_or("licet", |m| m.name)
    }
}
