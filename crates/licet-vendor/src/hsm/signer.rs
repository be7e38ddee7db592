//! `JwsSigner` over a private key that stays in the token.

use std::sync::{PoisonError, RwLock};

use cryptoki::error::{Error as CkError, RvError};
use cryptoki::mechanism::eddsa::{EddsaParams, EddsaSignatureScheme};
use cryptoki::mechanism::Mechanism;
use cryptoki::object::{Attribute, AttributeType, ObjectClass};
use licet_core::{Alg, JwsSigner, SignError};
use sha2::{Digest, Sha256};

use super::config::KeyLookup;
use super::error::HsmError;
use super::key::{self, KeyObject};
use super::public_key::{self, HsmPublicKey};
use super::token::{is_login_lost, unavailable, HsmToken};

/// Signing input larger than this is refused before it reaches the token. A license's JWS signing input is a few
/// kilobytes; EdDSA sends the whole input to the HSM, so the bound also bounds what one call can make it chew on.
pub const MAX_SIGNING_INPUT: usize = 256 * 1024;

/// A private key on a token, found by its kid. `Send + Sync`: each `sign` opens its own PKCS#11 session (see
/// `token.rs` for why), so concurrent calls sign in parallel.
#[derive(Debug)]
pub struct HsmSigner {
    token: HsmToken,
    kid: String,
    lookup: KeyLookup,
    /// Refreshed only when the token lost the handle (after a relogin); read on every signature.
    key: RwLock<KeyObject>,
}

impl HsmSigner {
    /// Finds the private key whose label (or id) is `kid` and checks that licet can sign with it.
    ///
    /// Errors: `hsm_key_not_found`, `hsm_key_ambiguous`, `hsm_mechanism_unsupported` (key type or curve is not
    /// Ed25519/P-256/RSA-2048+, `CKA_SIGN` is false, `CKA_ALWAYS_AUTHENTICATE` is true, or the token lacks the
    /// mechanism), `hsm_unavailable`.
    pub fn open(token: &HsmToken, kid: &str, lookup: KeyLookup) -> Result<HsmSigner, HsmError> {
        let key = find_private(token, kid, lookup)?;
        if !token.supported_algs()?.contains(&key.alg) {
            return Err(HsmError::MechanismUnsupported {
                detail: format!("the token does not offer the {} signing mechanism", key.alg),
            });
        }
        Ok(HsmSigner {
            token: token.clone(),
            kid: kid.to_owned(),
            lookup,
            key: RwLock::new(key),
        })
    }

    /// The matching public key (the token's public key object with the same kid), as SPKI PEM.
    pub fn public_key(&self) -> Result<HsmPublicKey, HsmError> {
        self.token.public_key(&self.kid, self.lookup)
    }

    /// `sign` with the HSM error kept whole, for callers that want its code.
    pub fn try_sign(&self, signing_input: &[u8]) -> Result<Vec<u8>, HsmError> {
        if signing_input.len() > MAX_SIGNING_INPUT {
            return Err(HsmError::SignFailed {
                detail: format!(
                    "signing input of {} bytes exceeds the {MAX_SIGNING_INPUT}-byte limit",
                    signing_input.len()
                ),
            });
        }
        let key = *self.key.read().unwrap_or_else(PoisonError::into_inner);
        match self.sign_with(key, signing_input) {
            Err(e) if is_login_lost(&e) => {
                tracing::warn!(kid = %self.kid, error = %e, "HSM session or login lost; logging in again");
                self.token.relogin()?;
                let fresh = find_private(&self.token, &self.kid, self.lookup)?;
                if fresh.alg != key.alg {
                    return Err(HsmError::SignFailed {
                        detail: format!(
                            "the key under kid {:?} changed from {} to {}",
                            self.kid, key.alg, fresh.alg
                        ),
                    });
                }
                *self.key.write().unwrap_or_else(PoisonError::into_inner) = fresh;
                check_len(self.sign_with(fresh, signing_input).map_err(sign_error)?, fresh)
            }
            other => check_len(other.map_err(sign_error)?, key),
        }
    }

    fn sign_with(&self, key: KeyObject, signing_input: &[u8]) -> Result<Vec<u8>, CkError> {
        let session = self.token.raw_session()?;
        match key.alg {
            // CKM_ECDSA signs a digest, so the hash is computed here; its output for P-256 is r || s, 32 bytes
            // each, which is exactly the JWS ES256 form.
            Alg::ES256 => session.sign(&Mechanism::Ecdsa, key.handle, &Sha256::digest(signing_input)),
            // Pure Ed25519 (no context, no prehash), as RFC 8037 requires.
            Alg::EdDSA => {
                let params = EddsaParams::new(EddsaSignatureScheme::Pure);
                session.sign(&Mechanism::Eddsa(params), key.handle, signing_input)
            }
            Alg::RS256 => session.sign(&Mechanism::Sha256RsaPkcs, key.handle, signing_input),
        }
    }
}

impl JwsSigner for HsmSigner {
    fn alg(&self) -> Alg {
        self.key.read().unwrap_or_else(PoisonError::into_inner).alg
    }

    fn kid(&self) -> &str {
        &self.kid
    }

    fn sign(&self, signing_input: &[u8]) -> Result<Vec<u8>, SignError> {
        self.try_sign(signing_input).map_err(|e| e.into_sign_error(&self.kid))
    }
}

fn find_private(token: &HsmToken, kid: &str, lookup: KeyLookup) -> Result<KeyObject, HsmError> {
    let session = token.session(false)?;
    let handle = key::find(&session, ObjectClass::PRIVATE_KEY, kid, lookup)?;
    let key = key::describe(&session, handle)?;
    // Checked here so that a misconfigured key is found when the vendor service starts, not at the first license.
    let flags = session
        .get_attributes(handle, &[AttributeType::Sign, AttributeType::AlwaysAuthenticate])
        .map_err(unavailable)?;
    for flag in flags {
        let refused = match flag {
            Attribute::Sign(false) => "the key's CKA_SIGN is false",
            // Would need a context-specific login (the PIN again) inside every signature.
            Attribute::AlwaysAuthenticate(true) => "keys with CKA_ALWAYS_AUTHENTICATE are not supported",
            _ => continue,
        };
        return Err(HsmError::MechanismUnsupported {
            detail: format!("kid {kid:?}: {refused}"),
        });
    }
    Ok(key)
}

fn sign_error(e: CkError) -> HsmError {
    match e {
        CkError::Pkcs11(RvError::MechanismInvalid | RvError::MechanismParamInvalid, _) => {
            HsmError::MechanismUnsupported { detail: e.to_string() }
        }
        other => HsmError::SignFailed {
            detail: other.to_string(),
        },
    }
}

/// A signature of the wrong length would make a token the verifier rejects; better to fail here, loudly.
fn check_len(sig: Vec<u8>, key: KeyObject) -> Result<Vec<u8>, HsmError> {
    if sig.len() == key.signature_len {
        Ok(sig)
    } else {
        Err(HsmError::SignFailed {
            detail: format!(
                "the token returned {} bytes for {}, expected {}",
                sig.len(),
                key.alg,
                key.signature_len
            ),
        })
    }
}

impl HsmToken {
    /// The public key object whose label (or id) is `kid`, as SPKI PEM.
    pub fn public_key(&self, kid: &str, lookup: KeyLookup) -> Result<HsmPublicKey, HsmError> {
        let session = self.session(false)?;
        let handle = key::find(&session, ObjectClass::PUBLIC_KEY, kid, lookup)?;
        public_key::read(&session, handle, kid)
    }
}
