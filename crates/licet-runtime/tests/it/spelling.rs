//! Issue #15: a fingerprint names the license, not its spelling. ECDSA is malleable: anyone can turn a valid
//! ES256 signature (r, s) into (r, n − s), which verifies too. Installing that second spelling is the license
//! already installed: one fingerprint, one history row, one audit entry.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use licet_core::{issue, Alg, Encoding, FileSigner, Keyring, PrivateKey, TrustedKey, Verifier};
use licet_runtime::testkit::{AUDIENCE, ISSUER};
use licet_runtime::Runtime;
use licet_store::Scope;

use crate::common::{policy, World};

/// The same token with its ES256 signature's s replaced by n − s (p256's arithmetic, not licet's).
fn respell(token: &str) -> String {
    let (signing_input, sig) = token.rsplit_once('.').unwrap();
    let sig = p256::ecdsa::Signature::from_slice(&URL_SAFE_NO_PAD.decode(sig).unwrap()).unwrap();
    let (r, s) = sig.split_scalars();
    let other = p256::ecdsa::Signature::from_scalars(r, -*s).unwrap();
    format!("{signing_input}.{}", URL_SAFE_NO_PAD.encode(other.to_bytes()))
}

#[tokio::test]
async fn both_spellings_of_an_es256_license_are_one_license() {
    let w = World::new().await;
    let key = PrivateKey::generate(Alg::ES256, &mut rand_core::OsRng).unwrap();
    let keyring = Keyring::new(vec![TrustedKey::new("es", Alg::ES256, key.public_key()).unwrap()]).unwrap();
    let signer = FileSigner::new("es", key).unwrap();
    let verifier = Verifier::new(keyring, ISSUER, AUDIENCE);
    let token = issue(&w.claims(365, 1), &signer, Encoding::Compact).unwrap();
    let other = respell(&token);
    assert_ne!(token, other);

    // Both verify, under one name.
    let (a, b) = (
        verifier.verify(token.as_bytes()).unwrap(),
        verifier.verify(other.as_bytes()).unwrap(),
    );
    assert_eq!(a.fingerprint(), b.fingerprint());

    let rt = Runtime::builder(policy(), verifier, w.store.clone())
        .clock(std::sync::Arc::new(w.clock.clone()))
        .build()
        .await
        .unwrap();
    let first = rt
        .install(token.as_bytes(), "owner", None, Scope::Instance)
        .await
        .unwrap();
    let audit_before = w.store.list_audit(None, 100).await.unwrap().len();
    let second = rt
        .install(other.as_bytes(), "owner", None, Scope::Instance)
        .await
        .unwrap();

    let fp = |s: &licet_runtime::Snapshot| s.instance.status.license.as_ref().unwrap().fingerprint.clone();
    assert_eq!(fp(&first), a.fingerprint());
    assert_eq!(fp(&second), a.fingerprint());
    let history = w.store.license_history(Some(&Scope::Instance), None, 10).await.unwrap();
    assert_eq!(history.len(), 1, "the second spelling made a history row of its own");
    assert_eq!(history[0].fingerprint, a.fingerprint());
    assert_eq!(history[0].token, token, "the spelling first installed is kept");
    assert_eq!(w.store.list_audit(None, 100).await.unwrap().len(), audit_before);
}
