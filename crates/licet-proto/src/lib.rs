//! licet-proto: the request and response types that cross a process boundary between licet's parts.
//!
//! The install side (licet-server, licet-runtime's renewal client), the vendor control plane (licet-vendor) and the
//! CLI all speak these. This crate holds data and the checks that belong to the data (an activation request's
//! signature); it has no HTTP framework and no database, so both sides can depend on it.

pub mod activation;
pub mod armor;
pub mod error;
pub mod jwk;
pub mod license;

pub use activation::{ActivationRequest, SignedActivationRequest, VerifiedActivationRequest};
pub use error::{ApiError, ProtoError};
pub use jwk::Ed25519Jwk;
pub use license::{IssuedLicense, INSTALL_CREDENTIAL_PREFIX};

/// Paths of the vendor control plane that the install side calls.
pub mod paths {
    /// Connected renewal: `GET` with `Authorization: Bearer <install credential>`, answers the license as text.
    pub const RENEW: &str = "/v1/renew";
    /// Offline exchange: `POST` a signed activation request, answers an armored license file.
    pub const ACTIVATION: &str = "/v1/activation";
}

/// Media types used on the wire.
pub mod media {
    /// A license (compact JWS, JSON serialization or armored file) as the body of a response.
    pub const LICENSE: &str = "text/plain; charset=utf-8";
    /// An armored activation request as the body of a request.
    pub const ACTIVATION_REQUEST: &str = "text/plain; charset=utf-8";
    pub const JSON: &str = "application/json";
}
