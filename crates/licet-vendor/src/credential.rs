//! Install credentials: the bearer secret an install presents to `GET /v1/renew`.
//!
//! 32 random bytes, shown once when made, stored only as their SHA-256. A plain hash (not a password hash) is
//! right here: the secret has 256 bits of entropy, so there is nothing to brute-force, and renewals stay cheap.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use licet_proto::INSTALL_CREDENTIAL_PREFIX;
use rand::rngs::OsRng;
use rand::RngCore;
use sha2::{Digest, Sha256};

/// A freshly made credential. Its text leaves the vendor exactly once, in the response that created it.
pub struct NewCredential {
    pub secret: String,
    pub hash: String,
}

pub fn generate() -> NewCredential {
    let mut bytes = [0u8; 32];
    OsRng.fill_bytes(&mut bytes);
    let secret = format!("{INSTALL_CREDENTIAL_PREFIX}{}", URL_SAFE_NO_PAD.encode(bytes));
    let hash = hash(&secret);
    NewCredential { secret, hash }
}

pub fn hash(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credentials_are_prefixed_unique_and_stored_as_their_hash() {
        let (a, b) = (generate(), generate());
        assert!(a.secret.starts_with(INSTALL_CREDENTIAL_PREFIX));
        assert_ne!(a.secret, b.secret);
        assert_eq!(a.hash, hash(&a.secret));
        assert!(!a.hash.contains(&a.secret));
        assert_eq!(a.hash.len(), 64);
    }
}
