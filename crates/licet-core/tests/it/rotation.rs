//! Key rotation: two Ed25519 keys under two kids.

use licet_core::issue::sign_raw;
use licet_core::{issue, Alg, Encoding, FileSigner, KeyError, Keyring, Reason, TrustedKey, Verifier};

use crate::common::*;

fn key(b: bool) -> (FileSigner, TrustedKey) {
    let stem = key_stem(Alg::EdDSA, b);
    let kid = if b { "vendor-2026" } else { "vendor-2025" };
    let signer = FileSigner::from_pkcs8_pem(kid, &read_vector(&format!("keys/{stem}.private.pem"))).unwrap();
    let trusted = TrustedKey::from_spki_pem(kid, Alg::EdDSA, &read_vector(&format!("keys/{stem}.public.pem"))).unwrap();
    (signer, trusted)
}

#[test]
fn both_generations_verify_and_a_kid_cannot_borrow_another_key() {
    let (old_signer, old_key) = key(false);
    let (new_signer, new_key) = key(true);
    let keyring = Keyring::new(vec![old_key, new_key]).unwrap();
    // The JWKS form round-trips to a keyring that behaves the same.
    let keyring = Keyring::from_jwks(&keyring.to_jwks()).unwrap();
    let verifier = Verifier::new(keyring, ISS, AUD);
    for (signer, kid) in [(&old_signer, "vendor-2025"), (&new_signer, "vendor-2026")] {
        let token = issue(&claims(), signer, Encoding::Compact).unwrap();
        assert_eq!(verifier.verify(token.as_bytes()).unwrap().kid(), kid);
    }
    // Claims kid A (the old key) but is signed by B.
    let payload = serde_json::to_vec(&claims()).unwrap();
    let forged = sign_raw(br#"{"alg":"EdDSA","kid":"vendor-2025"}"#, &payload, &new_signer).unwrap();
    assert_reason(verifier.verify(forged.as_bytes()), Reason::LicenseBadSignature);
    // After the old key is retired, its licenses name an unknown key.
    let (_, new_only) = key(true);
    let retired = Verifier::new(Keyring::new(vec![new_only]).unwrap(), ISS, AUD);
    let old_token = issue(&claims(), &old_signer, Encoding::Compact).unwrap();
    assert_reason(retired.verify(old_token.as_bytes()), Reason::LicenseUnknownKey);
}

#[test]
fn a_keyring_refuses_duplicate_kids_and_emptiness() {
    let (_, a) = key(false);
    let (_, b) = key(true);
    let b_as_a = TrustedKey::new("vendor-2025", Alg::EdDSA, b.public_key().clone()).unwrap();
    assert_eq!(
        Keyring::new(vec![a, b_as_a]).unwrap_err(),
        KeyError::DuplicateKid("vendor-2025".into())
    );
    assert_eq!(Keyring::new(vec![]).unwrap_err(), KeyError::EmptyKeyring);
}
