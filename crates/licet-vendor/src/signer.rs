//! Where signing keys live, and how the vendor gets a [`JwsSigner`] for one.
//!
//! A key's `private_ref` says where its private half is: `file:<path>` (a PKCS#8 PEM file, readable only by the
//! vendor service) or `pkcs11:<label>` (a key that never leaves an HSM). The database holds the reference and the
//! public PEM, never private key material.

use std::path::PathBuf;
use std::sync::Arc;

use licet_core::{Alg, FileSigner, JwsSigner, PrivateKey, SignError};

use crate::error::VendorError;
use crate::hsm::{HsmSigner, HsmToken, KeyLookup};
use crate::model::SigningKey;

pub type SharedSigner = Arc<dyn JwsSigner + Send + Sync>;

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum KeyRef {
    File(PathBuf),
    Pkcs11 { label: String },
}

impl KeyRef {
    pub fn parse(reference: &str) -> Result<KeyRef, VendorError> {
        match reference.split_once(':') {
            Some(("file", path)) if !path.is_empty() => Ok(KeyRef::File(PathBuf::from(path))),
            Some(("pkcs11", label)) if !label.is_empty() => Ok(KeyRef::Pkcs11 {
                label: label.to_owned(),
            }),
            _ => Err(VendorError::InvalidRequest(format!(
                "private key reference {reference:?} is neither file:<path> nor pkcs11:<label>"
            ))),
        }
    }
}

/// Opens signers for keys on record.
pub trait SignerSource: Send + Sync {
    fn open(&self, key: &SigningKey) -> Result<SharedSigner, VendorError>;

    /// The algorithm and SPKI public PEM of the key at `reference`, to register it.
    fn describe(&self, reference: &KeyRef) -> Result<(Alg, String), VendorError>;
}

/// The default source: `file:` keys (PKCS#8 PEM, EdDSA/ES256/RS256, through licet-core's `FileSigner`), and
/// `pkcs11:` keys when an HSM token is configured ([`Keys::with_hsm`]).
#[derive(Clone, Debug, Default)]
pub struct Keys {
    hsm: Option<HsmToken>,
}

impl Keys {
    pub fn with_hsm(token: HsmToken) -> Self {
        Keys { hsm: Some(token) }
    }

    fn read(path: &std::path::Path) -> Result<String, VendorError> {
        std::fs::read_to_string(path).map_err(|e| VendorError::SigningKey {
            kid: path.display().to_string(),
            message: format!("cannot read the key file: {e}"),
        })
    }

    fn token(&self, label: &str) -> Result<&HsmToken, VendorError> {
        self.hsm.as_ref().ok_or_else(|| VendorError::SigningKey {
            kid: label.to_owned(),
            message: "this vendor server was started without an HSM (PKCS#11) module".into(),
        })
    }
}

fn unusable(kid: &str, e: impl std::fmt::Display) -> VendorError {
    VendorError::SigningKey {
        kid: kid.to_owned(),
        message: e.to_string(),
    }
}

impl SignerSource for Keys {
    fn open(&self, key: &SigningKey) -> Result<SharedSigner, VendorError> {
        let signer: SharedSigner = match KeyRef::parse(&key.private_ref)? {
            KeyRef::File(path) => {
                Arc::new(FileSigner::from_pkcs8_pem(&key.kid, &Self::read(&path)?).map_err(|e| unusable(&key.kid, e))?)
            }
            KeyRef::Pkcs11 { label } => {
                let hsm = HsmSigner::open(self.token(&label)?, &label, KeyLookup::Label)
                    .map_err(|e| unusable(&key.kid, e))?;
                Arc::new(Named {
                    kid: key.kid.clone(),
                    inner: hsm,
                })
            }
        };
        if signer.alg() != key.alg {
            return Err(unusable(
                &key.kid,
                format!("the key is {}, the record says {}", signer.alg(), key.alg),
            ));
        }
        Ok(signer)
    }

    fn describe(&self, reference: &KeyRef) -> Result<(Alg, String), VendorError> {
        match reference {
            KeyRef::File(path) => {
                let what = path.display().to_string();
                let key = PrivateKey::from_pkcs8_pem(&Self::read(path)?).map_err(|e| unusable(&what, e))?;
                let pem = key.public_key().to_spki_pem().map_err(|e| unusable(&what, e))?;
                Ok((key.alg(), pem))
            }
            KeyRef::Pkcs11 { label } => {
                let public = self
                    .token(label)?
                    .public_key(label, KeyLookup::Label)
                    .map_err(|e| unusable(label, e))?;
                Ok((public.alg, public.spki_pem))
            }
        }
    }
}

/// An HSM key whose object label differs from the kid the vendor publishes.
struct Named<S> {
    kid: String,
    inner: S,
}

impl<S: JwsSigner> JwsSigner for Named<S> {
    fn alg(&self) -> Alg {
        self.inner.alg()
    }
    fn kid(&self) -> &str {
        &self.kid
    }
    fn sign(&self, signing_input: &[u8]) -> Result<Vec<u8>, SignError> {
        self.inner.sign(signing_input).map_err(|e| SignError {
            kid: self.kid.clone(),
            message: e.message,
        })
    }
}
