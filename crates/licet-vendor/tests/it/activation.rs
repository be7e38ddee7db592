//! Offline exchange: `POST /v1/activation` with a request signed in the test, as an install would sign it.

use axum::body::Body;
use axum::http::StatusCode;
use ed25519_dalek::Signer as _;
use licet_core::{Alg, JwsSigner, SignError, UnixTime};
use licet_proto::{ActivationRequest, Ed25519Jwk};
use serde_json::json;

use crate::both;
use crate::env::{dearmor_license, Env, T0};

/// The install's own activation key (test-only, fixed seed).
struct InstallKey(ed25519_dalek::SigningKey);

impl JwsSigner for InstallKey {
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

fn install_key(seed: u8) -> InstallKey {
    InstallKey(ed25519_dalek::SigningKey::from_bytes(&[seed; 32]))
}

fn request(key: &InstallKey, nonce: &str, created_at: i64) -> ActivationRequest {
    ActivationRequest {
        v: licet_proto::activation::FORMAT_VERSION,
        install_id: "inst-1".into(),
        fingerprint: "LICET-FP-1".into(),
        license_fingerprint: None,
        products: vec!["sso".into()],
        created_at: UnixTime(created_at),
        nonce: nonce.into(),
        public_key: Ed25519Jwk::from_public_key_bytes(key.0.verifying_key().as_bytes()),
    }
}

async fn post(env: &Env, file: String) -> crate::env::Reply {
    env.call("POST", "/v1/activation", None, Some(Body::from(file)), "text/plain")
        .await
}

both!(
    activation_answers_a_license_and_records_the_key,
    |env: Env| async move {
        env.seed().await;
        let key = install_key(7);
        let file = request(&key, "n1", T0 - 60).sign(&key).unwrap().armored();
        let r = post(&env, file).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        assert!(r.text.starts_with("-----BEGIN LICENSE-----"));
        let (_, claims) = env.open(&dearmor_license(&r.text)).await;
        assert_eq!(claims.lic.binding.install_id.as_deref(), Some("inst-1"));
        assert_eq!(claims.lic.sequence, 1);

        let view = env.admin("GET", "/v1/installs/inst-1", None).await.json();
        assert_eq!(
            view["activation_key_thumbprint"],
            request(&key, "", 0).public_key.thumbprint()
        );
        let audit = env.admin("GET", "/v1/audit?install_id=inst-1", None).await.json();
        let by_activation: Vec<&str> = audit
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| e["actor"] == "activation")
            .map(|e| e["action"].as_str().unwrap())
            .collect();
        assert_eq!(by_activation, ["license.issue", "install.activation_key_record"]);

        // The same key, a fresh nonce: answered again.
        let r = post(&env, request(&key, "n2", T0).sign(&key).unwrap().armored()).await;
        assert_eq!(r.status, StatusCode::OK);
    }
);

both!(activation_refusals, |env: Env| async move {
    env.seed().await;
    let key = install_key(7);
    assert_eq!(
        post(&env, request(&key, "n1", T0).sign(&key).unwrap().armored())
            .await
            .status,
        StatusCode::OK
    );

    let replay = post(&env, request(&key, "n1", T0).sign(&key).unwrap().armored()).await;
    assert_eq!(
        (replay.status, replay.code().as_str()),
        (StatusCode::CONFLICT, "activation_request_replayed")
    );

    // Another machine's key, once the install's key is on record (trust on first use).
    let intruder = install_key(8);
    let r = post(&env, request(&intruder, "n3", T0).sign(&intruder).unwrap().armored()).await;
    assert_eq!(
        (r.status, r.code().as_str()),
        (StatusCode::FORBIDDEN, "activation_key_mismatch")
    );

    let stale = post(
        &env,
        request(&key, "n4", T0 - 31 * 86_400).sign(&key).unwrap().armored(),
    )
    .await;
    assert_eq!(
        (stale.status, stale.code().as_str()),
        (StatusCode::BAD_REQUEST, "activation_request_stale")
    );
    let future = post(&env, request(&key, "n5", T0 + 3600).sign(&key).unwrap().armored()).await;
    assert_eq!(future.code(), "activation_request_from_future");

    let mut unknown = request(&key, "n6", T0);
    unknown.install_id = "ghost".into();
    let r = post(&env, unknown.sign(&key).unwrap().armored()).await;
    assert_eq!(
        (r.status, r.code().as_str()),
        (StatusCode::NOT_FOUND, "install_not_found")
    );

    let mut elsewhere = request(&key, "n7", T0);
    elsewhere.fingerprint = "LICET-FP-OTHER".into();
    let r = post(&env, elsewhere.sign(&key).unwrap().armored()).await;
    assert_eq!(
        (r.status, r.code().as_str()),
        (StatusCode::CONFLICT, "fingerprint_not_registered")
    );

    // Signed by one key, naming another: the signature check fails before anything is looked up.
    let r = post(&env, request(&key, "n8", T0).sign(&intruder).unwrap().armored()).await;
    assert_eq!(
        (r.status, r.code().as_str()),
        (StatusCode::BAD_REQUEST, "activation_request_bad_signature")
    );
    assert_eq!(post(&env, "hello".into()).await.code(), "activation_request_malformed");

    // After the vendor resets the key (install rebuilt), the new key is recorded on its first request.
    assert_eq!(
        env.admin("POST", "/v1/installs/inst-1/activation-key/reset", None)
            .await
            .status,
        StatusCode::NO_CONTENT
    );
    let r = post(&env, request(&intruder, "n9", T0).sign(&intruder).unwrap().armored()).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let r = post(&env, request(&key, "n10", T0).sign(&key).unwrap().armored()).await;
    assert_eq!(r.code(), "activation_key_mismatch");

    let view = env.admin("GET", "/v1/installs/inst-1", None).await.json();
    assert_eq!(view["sequence"], 2, "only the two accepted requests issued");
    let _ = json!(null);
});
