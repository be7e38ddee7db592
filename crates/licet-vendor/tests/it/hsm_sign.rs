//! Keys generated in SoftHSM2 sign JWS signing input that the RustCrypto verifiers accept.

use std::sync::Arc;

use licet_core::{Alg, JwsSigner};
use licet_vendor::hsm::{HsmConfig, HsmSigner, HsmToken, KeyLookup, TokenSelector, MAX_SIGNING_INPUT};
use signature::Verifier;

use crate::softhsm::{self, skip};

const INPUT: &[u8] = b"eyJhbGciOiJFUzI1NiIsImtpZCI6ImsxIn0.eyJpc3MiOiJ2ZW5kb3IiLCJzdWIiOiJjdXN0LTEifQ";

/// Verifies `sig` over `input` with the exported SPKI PEM, using the RustCrypto crate for `alg` directly.
pub fn verify(alg: Alg, pem: &str, input: &[u8], sig: &[u8]) -> bool {
    match alg {
        Alg::ES256 => {
            use p256::pkcs8::DecodePublicKey;
            let key = p256::ecdsa::VerifyingKey::from_public_key_pem(pem).unwrap();
            let sig = p256::ecdsa::Signature::from_slice(sig).unwrap();
            key.verify(input, &sig).is_ok()
        }
        Alg::EdDSA => {
            use ed25519_dalek::pkcs8::DecodePublicKey;
            let key = ed25519_dalek::VerifyingKey::from_public_key_pem(pem).unwrap();
            let sig = ed25519_dalek::Signature::from_slice(sig).unwrap();
            key.verify_strict(input, &sig).is_ok()
        }
        Alg::RS256 => {
            use rsa::pkcs8::DecodePublicKey;
            let key = rsa::RsaPublicKey::from_public_key_pem(pem).unwrap();
            let key = rsa::pkcs1v15::VerifyingKey::<sha2::Sha256>::new(key);
            let sig = rsa::pkcs1v15::Signature::try_from(sig).unwrap();
            key.verify(input, &sig).is_ok()
        }
    }
}

fn round_trip(alg: Alg, token_label: &str) {
    let token = softhsm::open_new_token(token_label);
    let kid = format!("{token_label}-key");
    let public = token.generate_key_pair(alg, &kid).unwrap();
    assert_eq!((public.alg, public.kid.as_str()), (alg, kid.as_str()));
    assert!(
        public.spki_pem.starts_with("-----BEGIN PUBLIC KEY-----\n"),
        "{}",
        public.spki_pem
    );

    let signer = HsmSigner::open(&token, &kid, KeyLookup::Label).unwrap();
    assert_eq!((signer.alg(), signer.kid()), (alg, kid.as_str()));
    assert_eq!(signer.public_key().unwrap(), public);

    let sig = signer.sign(INPUT).unwrap();
    let expected_len = match alg {
        Alg::RS256 => 384,
        Alg::EdDSA | Alg::ES256 => 64,
    };
    assert_eq!(sig.len(), expected_len);
    assert!(
        verify(alg, &public.spki_pem, INPUT, &sig),
        "{alg} signature from the HSM does not verify"
    );
    // The same signature over different input must not verify: the check above is not vacuous.
    assert!(!verify(alg, &public.spki_pem, b"eyJ0YW1wZXJlZCI6dHJ1ZX0", &sig));
}

#[test]
fn es256_key_generated_in_the_token_signs_verifiable_jws() {
    if skip() {
        return;
    }
    round_trip(Alg::ES256, "sign-es256");
}

#[test]
fn eddsa_key_generated_in_the_token_signs_verifiable_jws() {
    if skip() {
        return;
    }
    round_trip(Alg::EdDSA, "sign-eddsa");
}

#[test]
fn rs256_key_generated_in_the_token_signs_verifiable_jws() {
    if skip() {
        return;
    }
    round_trip(Alg::RS256, "sign-rs256");
}

#[test]
fn softhsm_offers_all_three_algorithms() {
    if skip() {
        return;
    }
    let token = softhsm::open_new_token("mechanisms");
    assert_eq!(
        token.supported_algs().unwrap(),
        vec![Alg::EdDSA, Alg::RS256, Alg::ES256]
    );
}

#[test]
fn key_found_by_cka_id_and_token_by_slot() {
    if skip() {
        return;
    }
    let first = softhsm::open_new_token("by-id");
    let public = first.generate_key_pair(Alg::ES256, "kid-by-id").unwrap();
    let by_slot = HsmToken::open(HsmConfig {
        module: softhsm::module(),
        token: TokenSelector::Slot(first.slot_id()),
        pin: softhsm::USER_PIN.to_owned().into(),
    })
    .unwrap();
    assert_eq!(by_slot.label(), "by-id");
    let signer = HsmSigner::open(&by_slot, "kid-by-id", KeyLookup::Id).unwrap();
    let sig = signer.sign(INPUT).unwrap();
    assert!(verify(Alg::ES256, &public.spki_pem, INPUT, &sig));
}

#[test]
fn signer_is_shared_across_threads() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<HsmSigner>();
    assert_send_sync::<HsmToken>();
    if skip() {
        return;
    }
    let token = softhsm::open_new_token("threads");
    let public = token.generate_key_pair(Alg::ES256, "kid-threads").unwrap();
    let signer = Arc::new(HsmSigner::open(&token, "kid-threads", KeyLookup::Label).unwrap());
    let handles: Vec<_> = (0..4)
        .map(|t| {
            let signer = Arc::clone(&signer);
            std::thread::spawn(move || {
                (0..25)
                    .map(|i| {
                        let input = format!("header.payload-{t}-{i}").into_bytes();
                        let sig = signer.sign(&input).unwrap();
                        (input, sig)
                    })
                    .collect::<Vec<_>>()
            })
        })
        .collect();
    let mut count = 0;
    for handle in handles {
        for (input, sig) in handle.join().unwrap() {
            assert!(verify(Alg::ES256, &public.spki_pem, &input, &sig));
            count += 1;
        }
    }
    assert_eq!(count, 100);
}

#[test]
fn signer_logs_in_again_after_the_login_is_lost() {
    if skip() {
        return;
    }
    let token = softhsm::open_new_token("relogin");
    let public = token.generate_key_pair(Alg::EdDSA, "kid-relogin").unwrap();
    let signer = HsmSigner::open(&token, "kid-relogin", KeyLookup::Label).unwrap();
    assert!(verify(
        Alg::EdDSA,
        &public.spki_pem,
        INPUT,
        &signer.sign(INPUT).unwrap()
    ));

    // PKCS#11 login state is per application: a logout in any session logs every session out.
    let slot = softhsm::pkcs11()
        .get_slots_with_initialized_token()
        .unwrap()
        .into_iter()
        .find(|s| s.id() == token.slot_id())
        .unwrap();
    let session = softhsm::pkcs11().open_ro_session(slot).unwrap();
    session.logout().unwrap();
    assert!(matches!(
        session.get_session_info().unwrap().session_state(),
        cryptoki::session::SessionState::RoPublic
    ));
    drop(session);

    let sig = signer.sign(INPUT).unwrap();
    assert!(verify(Alg::EdDSA, &public.spki_pem, INPUT, &sig));
}

#[test]
fn oversized_signing_input_is_refused_before_the_token() {
    if skip() {
        return;
    }
    let token = softhsm::open_new_token("oversized");
    token.generate_key_pair(Alg::EdDSA, "kid-big").unwrap();
    let signer = HsmSigner::open(&token, "kid-big", KeyLookup::Label).unwrap();
    let err = signer.try_sign(&vec![b'a'; MAX_SIGNING_INPUT + 1]).unwrap_err();
    assert_eq!(err.code(), "hsm_sign_failed");
    assert!(signer.try_sign(&vec![b'a'; MAX_SIGNING_INPUT]).is_ok());
}
