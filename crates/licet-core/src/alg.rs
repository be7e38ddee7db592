//! The signature algorithms licet accepts, and the signing side's one abstraction.
//!
//! Exactly three, all asymmetric. `none`, HMAC and everything else are not representable, so "accept any alg the
//! header names" cannot be written.

use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Alg {
    /// Ed25519 (RFC 8037). The default.
    EdDSA,
    /// RSASSA-PKCS1-v1_5 with SHA-256, keys of 2048 bits or more.
    RS256,
    /// ECDSA P-256 with SHA-256, signature as the 64-byte `r || s` of RFC 7518 §3.4.
    ES256,
}

impl Alg {
    /// The JOSE `alg` header value.
    pub fn as_str(self) -> &'static str {
        match self {
            Alg::EdDSA => "EdDSA",
            Alg::RS256 => "RS256",
            Alg::ES256 => "ES256",
        }
    }

    /// Parses a JOSE `alg` value; exact, case-sensitive, as RFC 7515 §4.1.1 says.
    pub fn from_jose(s: &str) -> Option<Alg> {
        match s {
            "EdDSA" => Some(Alg::EdDSA),
            "RS256" => Some(Alg::RS256),
            "ES256" => Some(Alg::ES256),
            _ => None,
        }
    }
}

impl std::fmt::Display for Alg {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Something that signs JWS signing input with one key: a private key in memory, or a key that never leaves an
/// HSM (PKCS#11, in licet-vendor). The signature is in JWS form (for ES256, `r || s`, 64 bytes).
pub trait JwsSigner {
    fn alg(&self) -> Alg;
    fn kid(&self) -> &str;
    fn sign(&self, signing_input: &[u8]) -> Result<Vec<u8>, SignError>;
}

#[derive(Debug, thiserror::Error)]
#[error("signing with key {kid:?} failed: {message}")]
pub struct SignError {
    pub kid: String,
    pub message: String,
}
