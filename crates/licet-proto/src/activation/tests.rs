use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use ed25519_dalek::{Signer, SigningKey};
use licet_core::{Alg, JwsSigner, SignError, UnixTime};

use super::*;

/// Test-only signer over a fixed Ed25519 seed.
struct TestKey(SigningKey);

impl JwsSigner for TestKey {
    fn alg(&self) -> Alg {
        Alg::EdDSA
    }
    fn kid(&self) -> &str {
        "install"
    }
    fn sign(&self, input: &[u8]) -> Result<Vec<u8>, SignError> {
        Ok(self.0.sign(input).to_bytes().to_vec())
    }
}

struct Rs256Pretender;

impl JwsSigner for Rs256Pretender {
    fn alg(&self) -> Alg {
        Alg::RS256
    }
    fn kid(&self) -> &str {
        "rsa"
    }
    fn sign(&self, _: &[u8]) -> Result<Vec<u8>, SignError> {
        Ok(vec![0; 256])
    }
}

fn key(seed: u8) -> TestKey {
    TestKey(SigningKey::from_bytes(&[seed; 32]))
}

fn request(key: &TestKey) -> ActivationRequest {
    ActivationRequest {
        v: FORMAT_VERSION,
        install_id: "9d0c3a5e-0000-4000-8000-000000000001".into(),
        fingerprint: "LICET-FP-ABCD".into(),
        license_fingerprint: Some("ab".repeat(32)),
        products: vec!["sso".into()],
        created_at: UnixTime(1_700_000_000),
        nonce: "n-1".into(),
        public_key: Ed25519Jwk::from_public_key_bytes(key.0.verifying_key().as_bytes()),
    }
}

fn reencode(compact: &str, edit: impl FnOnce(&mut serde_json::Value)) -> String {
    let parts: Vec<&str> = compact.split('.').collect();
    let mut payload: serde_json::Value = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts[1]).unwrap()).unwrap();
    edit(&mut payload);
    let p = URL_SAFE_NO_PAD.encode(serde_json::to_vec(&payload).unwrap());
    format!("{}.{}.{}", parts[0], p, parts[2])
}

#[test]
fn signed_request_round_trips_through_the_armored_file() {
    let k = key(1);
    let signed = request(&k).sign(&k).unwrap();
    let file = signed.armored();
    assert!(file.starts_with("-----BEGIN LICET ACTIVATION REQUEST-----\n"));
    assert!(file.trim_end().ends_with("-----END LICET ACTIVATION REQUEST-----"));
    let verified = SignedActivationRequest::parse(&file).unwrap().verify().unwrap();
    assert_eq!(verified.request(), &request(&k));
    assert_eq!(verified.key_thumbprint(), request(&k).public_key.thumbprint());
    // The bare compact form parses too.
    assert!(SignedActivationRequest::parse(signed.compact())
        .unwrap()
        .verify()
        .is_ok());
}

#[test]
fn an_edited_payload_fails_the_signature() {
    let k = key(1);
    let signed = request(&k).sign(&k).unwrap();
    let edited = reencode(signed.compact(), |p| p["install_id"] = "someone-else".into());
    let err = SignedActivationRequest::parse(&edited).unwrap().verify().unwrap_err();
    assert_eq!(err.code(), "activation_request_bad_signature");
}

#[test]
fn a_request_signed_by_another_key_than_it_names_fails() {
    let (named, actual) = (key(1), key(2));
    let signed = request(&named).sign(&actual).unwrap();
    let err = SignedActivationRequest::parse(signed.compact())
        .unwrap()
        .verify()
        .unwrap_err();
    assert!(matches!(err, ProtoError::BadSignature));
}

#[test]
fn swapping_in_the_attackers_key_changes_the_thumbprint() {
    // An attacker can re-sign a copied request with their own key, but then it names their key: the vendor's
    // trust-on-first-use check (key on record) is what stops it, and the thumbprint is what it compares.
    let (victim, attacker) = (key(1), key(9));
    let mut forged = request(&victim);
    forged.public_key = Ed25519Jwk::from_public_key_bytes(attacker.0.verifying_key().as_bytes());
    let verified = forged.sign(&attacker).unwrap().verify().unwrap();
    assert_ne!(verified.key_thumbprint(), request(&victim).public_key.thumbprint());
}

#[test]
fn only_eddsa_is_signed_or_accepted() {
    let k = key(1);
    assert!(matches!(
        request(&k).sign(&Rs256Pretender),
        Err(ProtoError::AlgForbidden { .. })
    ));
    let signed = request(&k).sign(&k).unwrap();
    let header = URL_SAFE_NO_PAD.encode(br#"{"alg":"none","typ":"licet-activation-request+jws"}"#);
    let rest = signed.compact().split_once('.').unwrap().1;
    let err = SignedActivationRequest::parse(&format!("{header}.{rest}"))
        .unwrap()
        .verify()
        .unwrap_err();
    assert_eq!(err.code(), "activation_request_alg_forbidden");
}

#[test]
fn header_with_extra_members_or_wrong_typ_is_malformed() {
    let k = key(1);
    let signed = request(&k).sign(&k).unwrap();
    let rest = signed.compact().split_once('.').unwrap().1;
    for header in [
        r#"{"alg":"EdDSA","typ":"licet-activation-request+jws","jwk":{}}"#,
        r#"{"alg":"EdDSA","typ":"JWT"}"#,
        r#"{"alg":"EdDSA","typ":"licet-activation-request+jws","alg":"EdDSA"}"#,
    ] {
        let h = URL_SAFE_NO_PAD.encode(header);
        let err = SignedActivationRequest::parse(&format!("{h}.{rest}"))
            .unwrap()
            .verify()
            .unwrap_err();
        assert_eq!(err.code(), "activation_request_malformed", "{header}");
    }
}

/// Found by the `activation_request` fuzz target: the limit used to count the armor, so a request within about
/// 340 bytes of it was accepted bare and refused armored.
#[test]
fn a_request_at_the_limit_is_accepted_in_either_form() {
    let compact = format!("{}.b.c", "a".repeat(MAX_REQUEST_BYTES - 4));
    let signed = SignedActivationRequest::parse(&compact).unwrap();
    assert!(signed.armored().len() > MAX_REQUEST_BYTES);
    assert_eq!(SignedActivationRequest::parse(&signed.armored()).unwrap(), signed);
    let over = format!("a{compact}");
    let armored = format!("-----BEGIN {ARMOR_LABEL}-----\n{over}\n-----END {ARMOR_LABEL}-----\n");
    for text in [over.as_str(), armored.as_str()] {
        assert_eq!(
            SignedActivationRequest::parse(text).unwrap_err().code(),
            "activation_request_too_large"
        );
    }
}

#[test]
fn oversized_wrong_armor_and_wrong_shape_are_refused_before_decoding() {
    let huge = "a".repeat(MAX_REQUEST_BYTES + 1);
    assert_eq!(
        SignedActivationRequest::parse(&huge).unwrap_err().code(),
        "activation_request_too_large"
    );
    // The limit counts the request, not the whitespace around it; the text as received has its own, larger cap.
    let spaced = format!("a.b.c{}", " ".repeat(MAX_REQUEST_BYTES));
    assert_eq!(SignedActivationRequest::parse(&spaced).unwrap().compact(), "a.b.c");
    let flood = format!("a.b.c{}", " ".repeat(MAX_TEXT_BYTES));
    assert_eq!(
        SignedActivationRequest::parse(&flood).unwrap_err().code(),
        "activation_request_too_large"
    );
    let license = "-----BEGIN LICENSE-----\nabc.def.ghi\n-----END LICENSE-----\n";
    assert_eq!(
        SignedActivationRequest::parse(license).unwrap_err().code(),
        "activation_request_malformed"
    );
    assert!(SignedActivationRequest::parse("a.b").is_err());
    assert!(SignedActivationRequest::parse("a.b.c").unwrap().verify().is_err());
}

#[test]
fn unknown_format_version_is_refused() {
    let k = key(1);
    let mut r = request(&k);
    r.v = 2;
    let err = r.sign(&k).unwrap().verify().unwrap_err();
    assert_eq!(err.code(), "activation_request_malformed");
}
