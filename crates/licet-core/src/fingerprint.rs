//! A license's fingerprint: the one name that status, history, audit, activation requests, the vendor and
//! `licet verify` use for a signed license.
//!
//! It names the license, not its spelling. It is SHA-256 over the algorithm and the signature in its one normal
//! form, so the same license has the same fingerprint as a compact token, as flattened JSON, armored, with line
//! breaks, or as a signed document re-spelled with other member order and whitespace.
//!
//! Why the signature and not the token text: a signature that verifies under a trusted key binds the signing
//! input, so it already names the license; hashing the ~80 signature bytes costs one SHA-256 block where a
//! second hash of the whole token cost about an eighth of a verification. Why a *normal form*: ECDSA is
//! malleable, `(r, s)` and `(r, n − s)` both verify, and an outside party can turn one into the other without the
//! key; the fingerprint takes the lower `s`. Refusing high-S is not an option: signers (HSMs, OpenSSL) write
//! either. Ed25519 has one accepted encoding per (key, message) (canonical S and R, see
//! [`crate::PublicKey::verify`]) and RSA PKCS#1 v1.5 is deterministic, so their bytes are taken as they are.
//!
//! Only a **verified** license's fingerprint names it: an unverified token can carry a copied signature over
//! other content. Compare fingerprints of verified licenses; show an unverified one only as what it claims.

use sha2::{Digest, Sha256};

use crate::alg::Alg;

/// Separates this hash from any other SHA-256 licet computes over signature bytes.
const DOMAIN: &[u8] = b"licet-license-fingerprint-v2\0";

/// The fingerprint of a license signed with `alg` whose signature bytes are `signature`: lowercase hex SHA-256.
pub fn of_signature(alg: Alg, signature: &[u8]) -> String {
    let mut hash = Sha256::new();
    hash.update(DOMAIN);
    hash.update(alg.as_str().as_bytes());
    hash.update([0]);
    match normal_es256(alg, signature) {
        Some(normal) => hash.update(normal.to_bytes()),
        None => hash.update(signature),
    }
    hex::encode(hash.finalize())
}

/// An ES256 signature with its `s` in the lower half; `None` when `alg` is not ES256, the bytes are not a P-256
/// signature (then they are hashed as they are: such a token never verifies) or `s` is already low.
fn normal_es256(alg: Alg, signature: &[u8]) -> Option<p256::ecdsa::Signature> {
    if alg != Alg::ES256 {
        return None;
    }
    p256::ecdsa::Signature::from_slice(signature).ok()?.normalize_s()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The P-256 group order n, big-endian.
    const N: [u8; 32] = [
        0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x00, 0x00, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xbc, 0xe6,
        0xfa, 0xad, 0xa7, 0x17, 0x9e, 0x84, 0xf3, 0xb9, 0xca, 0xc2, 0xfc, 0x63, 0x25, 0x51,
    ];

    /// n − s, by schoolbook subtraction: independent of the p256 arithmetic the fingerprint uses.
    fn negate(s: &[u8]) -> Vec<u8> {
        let mut out = vec![0u8; 32];
        let mut borrow = 0i16;
        for i in (0..32).rev() {
            let mut d = i16::from(N[i]) - i16::from(s[i]) - borrow;
            borrow = i16::from(d < 0);
            if d < 0 {
                d += 256;
            }
            out[i] = u8::try_from(d).unwrap_or_default();
        }
        out
    }

    #[test]
    fn both_es256_spellings_share_one_fingerprint() {
        let mut low = vec![0x11u8; 32];
        low.extend_from_slice(&[0x22u8; 32]);
        let mut high = low[..32].to_vec();
        high.extend(negate(&low[32..]));
        assert_ne!(low, high);
        assert_eq!(of_signature(Alg::ES256, &low), of_signature(Alg::ES256, &high));
    }

    #[test]
    fn algorithm_and_bytes_both_count() {
        let sig = [7u8; 64];
        assert_ne!(of_signature(Alg::EdDSA, &sig), of_signature(Alg::ES256, &sig));
        assert_ne!(of_signature(Alg::EdDSA, &sig), of_signature(Alg::EdDSA, &[8u8; 64]));
        // Ed25519 bytes are not normalized: a different S is a different (and, under strict checks, invalid) token.
        let mut other = sig;
        other[63] ^= 1;
        assert_ne!(of_signature(Alg::EdDSA, &sig), of_signature(Alg::EdDSA, &other));
    }

    #[test]
    fn pinned() {
        // A change of this value changes every fingerprint in every store: it must be deliberate.
        assert_eq!(
            of_signature(Alg::EdDSA, &[0u8; 64]),
            hex::encode(Sha256::digest([DOMAIN, b"EdDSA\0", &[0u8; 64]].concat()))
        );
    }
}
