//! Tampering with the bytes: any change to a token must be refused.

use licet_core::issue::sign_payload;
use licet_core::{Alg, Encoding, Jws, MAX_TOKEN_BYTES};
use proptest::prelude::*;

use crate::common::*;

fn small_token() -> String {
    let claims = serde_json::json!({
        "iss": ISS, "sub": "s", "aud": AUD, "iat": 1,
        "lic": {"schema": "1.0", "customer": {"id": "c", "name": "C"}}
    });
    sign_payload(&serde_json::to_vec(&claims).unwrap(), &signer(Alg::EdDSA)).unwrap()
}

/// Exhaustive: every bit of every byte of a small compact token.
#[test]
fn every_single_bit_flip_is_rejected() {
    let token = small_token();
    let verifier = verifier();
    verifier.verify(token.as_bytes()).unwrap();
    let mut bytes = token.into_bytes();
    for i in 0..bytes.len() {
        for bit in 0..8 {
            bytes[i] ^= 1 << bit;
            assert!(
                verifier.verify(&bytes).is_err(),
                "flip of bit {bit} at byte {i} was accepted"
            );
            bytes[i] ^= 1 << bit;
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// Sampled: bit flips in the other two encodings (their non-token bytes included).
    #[test]
    fn bit_flips_in_json_and_armored_forms_are_rejected(pos in any::<prop::sample::Index>(), bit in 0u8..8, json in any::<bool>()) {
        let compact = small_token();
        let encoding = if json { Encoding::Json } else { Encoding::Armored };
        let original = Jws::decode(compact.as_bytes(), MAX_TOKEN_BYTES).unwrap();
        let mut bytes = original.encode(encoding).into_bytes();
        let i = pos.index(bytes.len());
        bytes[i] ^= 1 << bit;
        match verifier().verify(&bytes) {
            Err(_) => {}
            // A flip can only be harmless where it lands on layout (whitespace or a trailing newline change);
            // then the license must be the very same one.
            Ok(v) => prop_assert_eq!(v.fingerprint(), original.fingerprint()),
        }
    }
}

#[test]
fn unverified_view_shows_header_and_claims_without_verifying() {
    let token = small_token();
    let mut bytes = token.clone().into_bytes();
    let last = bytes.len() - 2;
    bytes[last] ^= 1; // break the signature: the view must still decode
    let view = licet_core::read_unverified(&bytes).unwrap();
    assert_eq!(view.header["alg"], "EdDSA");
    assert_eq!(view.payload.as_ref().unwrap()["sub"], "s");
    assert!(verifier().verify(&bytes).is_err());
}
