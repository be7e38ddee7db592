//! licet-core: the trust core of licet.
//!
//! Threat model, in one line: **anyone can read a license, nobody but the vendor can forge one.** A license is a
//! JWS signed by a vendor key; the product carries the vendor's public keys and verifies offline. What this protects
//! against: edited claims, licenses from another vendor or product, keys smuggled in headers, algorithm confusion,
//! replay of an older license, moving a bound license to another install. What it cannot protect against: an
//! operator who patches the binary to skip the check. licet narrows that by keeping the check in one place and
//! making every decision observable, not by obfuscation.
//!
//! This crate is pure and synchronous: no I/O, no async, no clock reads. `now` is always a parameter.

pub mod alg;
pub mod claims;
pub mod fingerprint;
pub mod format;
pub mod header;
pub mod issue;
pub mod json;
pub mod keyring;
pub mod keys;
pub mod reason;
pub mod signature;
pub mod time;
pub mod token;
pub mod verify_error;

pub use alg::{Alg, JwsSigner, SignError};
pub use claims::{Audience, Binding, Claims, Customer, License, Limit, OrgEntitlement, Renewal, SchemaVersion};
pub use format::{ClaimMap, LicenseFormat, SignedDocument};
pub use header::Header;
pub use issue::{issue, IssueError};
pub use keyring::{Keyring, TrustedKey};
pub use keys::{FileSigner, Jwk, KeyError, PrivateKey, PublicKey};
pub use reason::Reason;
pub use signature::{read_unverified, UnverifiedToken, VerifiedLicense, Verifier};
pub use time::UnixTime;
pub use token::{Encoding, Jws, MAX_TOKEN_BYTES};
pub use verify_error::VerifyError;

// Lifecycle: what a verified license (or its absence) means for the install at `now`.
pub mod binding;
pub mod entitlement;
pub mod lifecycle;
pub mod policy;
pub mod profiles;
pub mod status;

pub use entitlement::{Denied, Entitlements, FeatureSet, NameSet, OrgRule};
pub use lifecycle::{evaluate, evaluate_org, Context, HighWater, LicenseInput, Loss, Lost, SequenceKey};
pub use policy::{Effect, Enforcement, Policy};
pub use status::{Change, OrgStatus, State, Status};
