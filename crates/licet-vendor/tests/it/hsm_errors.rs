//! Each failure an operator can cause gets its stable code.

use cryptoki::mechanism::Mechanism;
use cryptoki::object::{Attribute, ObjectClass};
use cryptoki::session::UserType;
use cryptoki::types::AuthPin;
use der::Encode;
use licet_core::{Alg, JwsSigner};
use licet_vendor::hsm::{HsmConfig, HsmError, HsmSigner, HsmToken, KeyLookup, TokenSelector};

use crate::softhsm::{self, skip};

fn code<T: std::fmt::Debug>(r: Result<T, HsmError>) -> &'static str {
    r.unwrap_err().code()
}

#[test]
fn missing_module_is_hsm_unavailable() {
    // No SoftHSM2 needed: the path is checked before anything is loaded.
    let err = HsmToken::open(HsmConfig {
        module: "/nonexistent/libpkcs11-test-only.so".into(),
        token: TokenSelector::Label("any".into()),
        pin: AuthPin::new("x".into()),
    })
    .unwrap_err();
    assert_eq!(err.code(), "hsm_unavailable");
    assert!(err.to_string().contains("/nonexistent/libpkcs11-test-only.so"), "{err}");
}

#[test]
fn a_file_that_is_not_a_pkcs11_module_is_hsm_unavailable() {
    let dir = tempfile::tempdir().unwrap();
    let bogus = dir.path().join("not-a-module.so");
    std::fs::write(&bogus, b"not an ELF file").unwrap();
    let config = HsmConfig {
        module: bogus,
        token: TokenSelector::Slot(0),
        pin: AuthPin::new("x".into()),
    };
    assert_eq!(code(HsmToken::open(config)), "hsm_unavailable");
}

#[test]
fn unknown_token_is_hsm_unavailable() {
    if skip() {
        return;
    }
    softhsm::new_token("errors-present");
    let err = HsmToken::open(softhsm::config("errors-absent", softhsm::USER_PIN)).unwrap_err();
    assert_eq!(err.code(), "hsm_unavailable");
    assert!(err.to_string().contains("errors-absent"), "{err}");
}

#[test]
fn wrong_pin_is_hsm_login_failed_and_not_echoed() {
    if skip() {
        return;
    }
    softhsm::new_token("errors-pin");
    let err = HsmToken::open(softhsm::config("errors-pin", "wrong-pin-test-only")).unwrap_err();
    assert_eq!(err.code(), "hsm_login_failed");
    assert!(!format!("{err} {err:?}").contains("wrong-pin-test-only"), "{err:?}");
    // The right PIN still works: one wrong attempt did not lock the token.
    HsmToken::open(softhsm::config("errors-pin", softhsm::USER_PIN)).unwrap();
}

#[test]
fn config_debug_does_not_show_the_pin() {
    let config = softhsm::config("any", "secret-pin-test-only");
    assert!(!format!("{config:?}").contains("secret-pin-test-only"));
}

#[test]
fn unknown_kid_is_hsm_key_not_found() {
    if skip() {
        return;
    }
    let token = softhsm::open_new_token("errors-kid");
    token.generate_key_pair(Alg::ES256, "present").unwrap();
    assert_eq!(
        code(HsmSigner::open(&token, "absent", KeyLookup::Label)),
        "hsm_key_not_found"
    );
    assert_eq!(
        code(HsmSigner::open(&token, "absent", KeyLookup::Id)),
        "hsm_key_not_found"
    );
    assert_eq!(code(token.public_key("absent", KeyLookup::Label)), "hsm_key_not_found");
    assert!(HsmSigner::open(&token, "present", KeyLookup::Label).is_ok());
}

#[test]
fn keygen_refuses_a_kid_already_on_the_token() {
    if skip() {
        return;
    }
    let token = softhsm::open_new_token("errors-dup");
    let first = token.generate_key_pair(Alg::ES256, "dup").unwrap();
    assert_eq!(code(token.generate_key_pair(Alg::EdDSA, "dup")), "hsm_keygen_failed");
    assert_eq!(code(token.generate_key_pair(Alg::ES256, "")), "hsm_keygen_failed");
    // The first key is untouched.
    assert_eq!(token.public_key("dup", KeyLookup::Label).unwrap(), first);
}

/// Creates, with raw PKCS#11, a key licet would not generate: a P-384 key, or a second key under an existing label.
fn raw_ec_key(label: &str, curve_oid: &str) {
    raw_ec_key_with(label, curve_oid, true);
}

fn raw_ec_key_with(label: &str, curve_oid: &str, sign: bool) {
    let slot = softhsm::pkcs11()
        .get_slots_with_initialized_token()
        .unwrap()
        .into_iter()
        .find(|s| softhsm::pkcs11().get_token_info(*s).unwrap().label() == label)
        .unwrap();
    let session = softhsm::pkcs11().open_rw_session(slot).unwrap();
    session
        .login(UserType::User, Some(&AuthPin::new(softhsm::USER_PIN.into())))
        .ok();
    let oid = der::asn1::ObjectIdentifier::new(curve_oid).unwrap().to_der().unwrap();
    let kid = b"raw".to_vec();
    let public = [
        Attribute::Token(true),
        Attribute::EcParams(oid),
        Attribute::Label(kid.clone()),
    ];
    let private = [
        Attribute::Token(true),
        Attribute::Private(true),
        Attribute::Sign(sign),
        Attribute::Label(kid),
        Attribute::Class(ObjectClass::PRIVATE_KEY),
    ];
    session
        .generate_key_pair(&Mechanism::EccKeyPairGen, &public, &private)
        .unwrap();
}

#[test]
fn p384_key_is_hsm_mechanism_unsupported() {
    if skip() {
        return;
    }
    let token = softhsm::open_new_token("errors-p384");
    raw_ec_key("errors-p384", "1.3.132.0.34");
    let err = HsmSigner::open(&token, "raw", KeyLookup::Label).unwrap_err();
    assert_eq!(err.code(), "hsm_mechanism_unsupported");
    assert!(err.to_string().contains("1.3.132.0.34"), "{err}");
}

#[test]
fn two_keys_under_one_kid_are_hsm_key_ambiguous() {
    if skip() {
        return;
    }
    let token = softhsm::open_new_token("errors-twice");
    raw_ec_key("errors-twice", "1.2.840.10045.3.1.7");
    assert!(HsmSigner::open(&token, "raw", KeyLookup::Label).is_ok());
    raw_ec_key("errors-twice", "1.2.840.10045.3.1.7");
    assert_eq!(
        code(HsmSigner::open(&token, "raw", KeyLookup::Label)),
        "hsm_key_ambiguous"
    );
}

#[test]
fn sign_error_carries_the_code_in_core_sign_error() {
    if skip() {
        return;
    }
    let token = softhsm::open_new_token("errors-core");
    token.generate_key_pair(Alg::ES256, "k").unwrap();
    let signer = HsmSigner::open(&token, "k", KeyLookup::Label).unwrap();
    let err = signer
        .sign(&vec![0; licet_vendor::hsm::MAX_SIGNING_INPUT + 1])
        .unwrap_err();
    assert_eq!(err.kid, "k");
    assert!(err.message.starts_with("hsm_sign_failed: "), "{}", err.message);
}

#[test]
fn second_open_with_a_different_pin_is_refused_even_while_logged_in() {
    if skip() {
        return;
    }
    // PKCS#11 login is per process: SoftHSM2 answers CKR_USER_ALREADY_LOGGED_IN before it looks at the PIN, so
    // without licet's own check a wrong PIN would be accepted here and fail only later, after a lost login.
    let first = softhsm::open_new_token("errors-second-pin");
    let err = HsmToken::open(softhsm::config("errors-second-pin", "other-pin-test-only")).unwrap_err();
    assert_eq!(err.code(), "hsm_login_failed");
    let again = HsmToken::open(softhsm::config("errors-second-pin", softhsm::USER_PIN)).unwrap();
    assert_eq!(again.slot_id(), first.slot_id());
}

#[test]
fn key_that_may_not_sign_is_refused_at_open() {
    if skip() {
        return;
    }
    let token = softhsm::open_new_token("errors-nosign");
    raw_ec_key_with("errors-nosign", "1.2.840.10045.3.1.7", false);
    let err = HsmSigner::open(&token, "raw", KeyLookup::Label).unwrap_err();
    assert_eq!(err.code(), "hsm_mechanism_unsupported");
    assert!(err.to_string().contains("CKA_SIGN"), "{err}");
}
