//! Where signing keys live, and how the vendor gets a [`JwsSigner`] for one.
//!
//! A key's `private_ref` says where its private half is: `file:<path>` (a PKCS#8 PEM file, readable only by the
//! vendor service) or `pkcs11:<label>` (a key that never leaves an HSM). The database holds the reference and the
//! public PEM, never private key material.

use std::path::PathBuf;
use std::sync::Arc;

use ed25519_dalek::pkcs8::{DecodePrivateKey, EncodePublicKey};
use ed25519_dalek::Signer as _;
use licet_core::{Alg, JwsSigner, SignError};

use crate::error::VendorError;
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

/// Opens signers for keys on record. The default opens `file:` keys; an HSM-backed source adds `pkcs11:`.
pub trait SignerSource: Send + Sync {
    fn open(&self, key: &SigningKey) -> Result<SharedSigner, VendorError>;

    /// The algorithm and SPKI public PEM of the key at `reference`, to register it.
    fn describe(&self, reference: &KeyRef) -> Result<(Alg, String), VendorError>;
}

/// `file:` keys. Interim: Ed25519 only until licet-core's `FileSigner` (all three algs) lands with `trust`.
#[derive(Clone, Copy, Debug, Default)]
pub struct FileKeys;

impl FileKeys {
    fn read(path: &std::path::Path) -> Result<ed25519_dalek::SigningKey, VendorError> {
        let pem = std::fs::read_to_string(path).map_err(|e| VendorError::SigningKey {
            kid: path.display().to_string(),
            message: format!("cannot read the key file: {e}"),
        })?;
        ed25519_dalek::SigningKey::from_pkcs8_pem(&pem).map_err(|e| VendorError::SigningKey {
            kid: path.display().to_string(),
            message: format!("not an Ed25519 PKCS#8 PEM: {e}"),
        })
    }
}

impl SignerSource for FileKeys {
    fn open(&self, key: &SigningKey) -> Result<SharedSigner, VendorError> {
        match KeyRef::parse(&key.private_ref)? {
            KeyRef::File(path) => Ok(Arc::new(Ed25519FileSigner {
                kid: key.kid.clone(),
                key: Self::read(&path)?,
            })),
            KeyRef::Pkcs11 { .. } => Err(pkcs11_unavailable(&key.kid)),
        }
    }

    fn describe(&self, reference: &KeyRef) -> Result<(Alg, String), VendorError> {
        match reference {
            KeyRef::File(path) => {
                let pem = Self::read(path)?
                    .verifying_key()
                    .to_public_key_pem(Default::default())
                    .map_err(|e| VendorError::Corrupt(format!("public key PEM: {e}")))?;
                Ok((Alg::EdDSA, pem))
            }
            KeyRef::Pkcs11 { label } => Err(pkcs11_unavailable(label)),
        }
    }
}

fn pkcs11_unavailable(kid: &str) -> VendorError {
    VendorError::SigningKey {
        kid: kid.to_owned(),
        message: "this vendor server was started without an HSM (PKCS#11) module".into(),
    }
}

struct Ed25519FileSigner {
    kid: String,
    key: ed25519_dalek::SigningKey,
}

impl JwsSigner for Ed25519FileSigner {
    fn alg(&self) -> Alg {
        Alg::EdDSA
    }
    fn kid(&self) -> &str {
        &self.kid
    }
    fn sign(&self, signing_input: &[u8]) -> Result<Vec<u8>, SignError> {
        Ok(self.key.sign(signing_input).to_bytes().to_vec())
    }
}
