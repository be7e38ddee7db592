//! The one error type of the HSM modules. Each variant has a stable machine code (an API, like licet-core's
//! reason codes: never renamed or reused) and a sentence an operator can act on. PINs never appear in errors.

use licet_core::SignError;

#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum HsmError {
    /// The PKCS#11 module could not be loaded or initialised, or the token is not there.
    #[error("{}: {detail}", self.sentence())]
    Unavailable { detail: String },
    /// The token refused the user PIN (wrong, locked, expired, or never set).
    #[error("{}: {detail}", self.sentence())]
    LoginFailed { detail: String },
    /// No private (or public) key on the token carries this kid as its label or id.
    #[error("{} (kid {kid:?}, looked up by {by})", self.sentence())]
    KeyNotFound { kid: String, by: &'static str },
    /// More than one key carries this kid; signing with "whichever comes first" is not acceptable.
    #[error("{} (kid {kid:?}, {count} matches)", self.sentence())]
    KeyAmbiguous { kid: String, count: usize },
    /// The key's type or curve is not one licet signs with, or the token lacks the mechanism.
    #[error("{}: {detail}", self.sentence())]
    MechanismUnsupported { detail: String },
    /// The token failed to sign, or returned something that is not a signature of the expected shape.
    #[error("{}: {detail}", self.sentence())]
    SignFailed { detail: String },
    /// Generating a key pair on the token failed.
    #[error("{}: {detail}", self.sentence())]
    KeygenFailed { detail: String },
    /// The public key read from the token is not a valid key of its type.
    #[error("{}: {detail}", self.sentence())]
    PublicKeyInvalid { detail: String },
}

impl HsmError {
    /// The stable machine code.
    pub fn code(&self) -> &'static str {
        match self {
            HsmError::Unavailable { .. } => "hsm_unavailable",
            HsmError::LoginFailed { .. } => "hsm_login_failed",
            HsmError::KeyNotFound { .. } => "hsm_key_not_found",
            HsmError::KeyAmbiguous { .. } => "hsm_key_ambiguous",
            HsmError::MechanismUnsupported { .. } => "hsm_mechanism_unsupported",
            HsmError::SignFailed { .. } => "hsm_sign_failed",
            HsmError::KeygenFailed { .. } => "hsm_keygen_failed",
            HsmError::PublicKeyInvalid { .. } => "hsm_public_key_invalid",
        }
    }

    /// What happened and what to check, for an operator.
    pub fn sentence(&self) -> &'static str {
        match self {
            HsmError::Unavailable { .. } => {
                "The HSM is unavailable: check the PKCS#11 module path, that the token is present and its label or \
                 slot is right, and that the HSM is reachable"
            }
            HsmError::LoginFailed { .. } => {
                "The HSM refused the user PIN: check the configured PIN and that the user PIN is initialised and not \
                 locked"
            }
            HsmError::KeyNotFound { .. } => {
                "No key with this kid was found on the HSM token: check the kid and that the key was generated or \
                 imported on this token"
            }
            HsmError::KeyAmbiguous { .. } => {
                "Several keys on the HSM token carry this kid: give each signing key a unique label and id"
            }
            HsmError::MechanismUnsupported { .. } => {
                "The HSM key or token does not support a licet algorithm: use an Ed25519, P-256 or RSA (2048 bits or \
                 more) key on a token offering EdDSA, ECDSA or SHA256-RSA-PKCS"
            }
            HsmError::SignFailed { .. } => "The HSM failed to sign: check the HSM's logs and the key's CKA_SIGN flag",
            HsmError::KeygenFailed { .. } => {
                "The HSM could not generate the key pair: check that the token is writable and supports the algorithm"
            }
            HsmError::PublicKeyInvalid { .. } => {
                "The public key read from the HSM is not valid for its algorithm: check the key objects on the token"
            }
        }
    }

    /// Every code, for the pinning test and for documentation.
    pub const CODES: &'static [&'static str] = &[
        "hsm_unavailable",
        "hsm_login_failed",
        "hsm_key_not_found",
        "hsm_key_ambiguous",
        "hsm_mechanism_unsupported",
        "hsm_sign_failed",
        "hsm_keygen_failed",
        "hsm_public_key_invalid",
    ];

    /// Core's `SignError` has no code field; the code leads the message so logs stay greppable.
    pub(crate) fn into_sign_error(self, kid: &str) -> SignError {
        SignError {
            kid: kid.to_owned(),
            message: format!("{}: {self}", self.code()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_pinned_and_distinct_per_variant() {
        let all = [
            HsmError::Unavailable { detail: String::new() },
            HsmError::LoginFailed { detail: String::new() },
            HsmError::KeyNotFound {
                kid: "k".into(),
                by: "label",
            },
            HsmError::KeyAmbiguous {
                kid: "k".into(),
                count: 2,
            },
            HsmError::MechanismUnsupported { detail: String::new() },
            HsmError::SignFailed { detail: String::new() },
            HsmError::KeygenFailed { detail: String::new() },
            HsmError::PublicKeyInvalid { detail: String::new() },
        ];
        let codes: Vec<&str> = all.iter().map(HsmError::code).collect();
        assert_eq!(codes, HsmError::CODES);
        for e in &all {
            assert!(e.to_string().starts_with(e.sentence()), "{e}");
        }
    }

    #[test]
    fn sign_error_leads_with_the_code() {
        let e = HsmError::SignFailed {
            detail: "CKR_DEVICE_ERROR".into(),
        }
        .into_sign_error("kid-1");
        assert_eq!(e.kid, "kid-1");
        assert!(e.message.starts_with("hsm_sign_failed: "), "{}", e.message);
    }
}
