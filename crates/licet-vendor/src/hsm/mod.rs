//! Signing with keys that live in an HSM and never leave it, over PKCS#11 (the `cryptoki` crate).
//!
//! ```text
//! HsmConfig { module, token, pin } ──HsmToken::open──▶ HsmToken ──HsmSigner::open(kid)──▶ HsmSigner: JwsSigner
//!                                                         └── generate_key_pair(alg, kid) / public_key(kid) ──▶ SPKI PEM
//! ```
//! Algorithms follow the key: `CKK_EC_EDWARDS` on Ed25519 signs EdDSA (`CKM_EDDSA`), `CKK_EC` on P-256 signs ES256
//! (`CKM_ECDSA` over a SHA-256 computed here), `CKK_RSA` of 2048 bits or more signs RS256 (`CKM_SHA256_RSA_PKCS`).
//! Errors are one [`HsmError`] with stable codes. The PIN is a secret string and is never logged.

mod config;
mod error;
mod key;
mod keygen;
mod public_key;
mod signer;
mod token;

pub use config::{HsmConfig, HsmPin, KeyLookup, TokenSelector};
pub use error::HsmError;
pub use keygen::RSA_KEYGEN_BITS;
pub use public_key::HsmPublicKey;
pub use signer::{HsmSigner, MAX_SIGNING_INPUT};
pub use token::HsmToken;
