//! RFC 8037 appendix A: the Ed25519 key (A.1, A.2) and the JWS (A.4), through licet's signature layer.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use licet_core::issue::sign_raw;
use licet_core::{Alg, FileSigner, Jwk, Jws, Keyring, PrivateKey, Reason, TrustedKey, Verifier, MAX_TOKEN_BYTES};

const D: &str = "nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A";
const X: &str = "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo";
const JWS: &str = "eyJhbGciOiJFZERTQSJ9.RXhhbXBsZSBvZiBFZDI1NTE5IHNpZ25pbmc.hgyY0il_MGCjP0JzlnLWG1PPOt7-09PGcvMg3AIbQR6dWbhijcNR4ki4iylGjg5BhVsPt9g7sVvpAr_MuM0KAg";

fn rfc_key() -> TrustedKey {
    let jwk: Jwk = serde_json::from_value(serde_json::json!({
        "kty": "OKP", "crv": "Ed25519", "x": X, "kid": "rfc8037", "alg": "EdDSA"
    }))
    .unwrap();
    TrustedKey::from_jwk(&jwk).unwrap()
}

#[test]
fn the_rfc_signature_verifies_at_the_signature_layer() {
    let jws = Jws::decode(JWS.as_bytes(), MAX_TOKEN_BYTES).unwrap();
    assert_eq!(jws.payload(), b"Example of Ed25519 signing");
    let keyring = Keyring::new(vec![rfc_key()]).unwrap();
    // No kid in the RFC header: the one-key keyring rule applies.
    let key = keyring
        .verify_signature(None, Alg::EdDSA, jws.signing_input(), jws.signature())
        .unwrap();
    assert_eq!(key.kid(), "rfc8037");
    let mut sig = jws.signature().to_vec();
    sig[0] ^= 1;
    assert_eq!(
        keyring
            .verify_signature(None, Alg::EdDSA, jws.signing_input(), &sig)
            .unwrap_err()
            .reason(),
        Reason::LicenseBadSignature
    );
}

#[test]
fn signing_with_the_rfc_private_key_reproduces_the_rfc_jws() {
    let d: [u8; 32] = URL_SAFE_NO_PAD.decode(D).unwrap().try_into().unwrap();
    let key = PrivateKey::Ed25519(ed25519_dalek::SigningKey::from_bytes(&d));
    assert_eq!(key.public_key().to_jwk("k").x.as_deref(), Some(X));
    let signer = FileSigner::new("rfc8037", key).unwrap();
    let token = sign_raw(br#"{"alg":"EdDSA"}"#, b"Example of Ed25519 signing", &signer).unwrap();
    assert_eq!(token, JWS);
}

#[test]
fn the_license_verifier_refuses_it_as_not_a_license_not_as_forged() {
    let verifier = Verifier::new(Keyring::new(vec![rfc_key()]).unwrap(), "iss", "aud");
    let reason = verifier.verify(JWS.as_bytes()).unwrap_err().reason();
    assert!(
        matches!(reason, Reason::LicenseMalformed | Reason::LicenseInvalidClaims),
        "{reason}"
    );
    assert_ne!(reason, Reason::LicenseBadSignature);
}
