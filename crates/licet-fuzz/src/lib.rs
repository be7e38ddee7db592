//! Fuzz target bodies. Each `fn(&[u8])` takes attacker-controlled bytes, runs them through one licet parser, and
//! panics only when an invariant the parser promises is broken (a panic inside the parser counts too).
//!
//! They live in a normal workspace crate, not in `fuzz/`, so that `cargo test -p licet-fuzz` can replay every
//! checked-in corpus and regression file through exactly the code the fuzzer runs, with no fuzz tooling installed.
//! `fuzz/fuzz_targets/<name>.rs` is one line: `fuzz_target!(|data| licet_fuzz::<name>(data))`.
//!
//! Invariants asserted here are the ones the rest of licet relies on:
//! - a decoded token re-encodes in every encoding to the same canonical compact form and fingerprint;
//! - claims that parse survive a serialize/parse round trip unchanged;
//! - a token that verifies has the fingerprint of its decoded form and a kid from the keyring;
//! - an activation request that verifies is exactly its signed payload, and any change to it breaks the signature;
//! - an upload never hands on more than the body limit, and hands on exactly the license the body carries;
//! - a signed document re-encodes to the same signed bytes; a vendor format's mapping reads deterministically and
//!   keeps exactly the unread members; a license verified in a vendor format reads back the same (`formats.rs`).

#![allow(clippy::panic)]

mod activation;
mod config;
pub mod fixtures;
mod formats;
mod upload;

pub use activation::activation_request;
pub use config::config;
pub use formats::{document, mapping, verify_mapped};
pub use upload::{upload_body, upload_status, BODY_LIMIT};

use licet_core::json::{from_slice_strict, parse_strict_object};
use licet_core::{Claims, Encoding, Jws, MAX_TOKEN_BYTES};

/// A fuzz target body.
pub type Target = fn(&[u8]);

/// Every target by name (the names of fuzz/Cargo.toml's binaries), for the replay and libFuzzer tests.
pub const TARGETS: [(&str, Target); 9] = [
    ("token", token),
    ("claims", claims),
    ("verify", verify),
    ("config", config),
    ("activation_request", activation_request),
    ("upload_body", upload_body),
    ("document", document),
    ("mapping", mapping),
    ("verify_mapped", verify_mapped),
];

/// The codec entry point: compact, flattened JSON and armored input.
pub fn token(data: &[u8]) {
    let Ok(jws) = Jws::decode(data, MAX_TOKEN_BYTES) else {
        return;
    };
    for encoding in [Encoding::Compact, Encoding::Json, Encoding::Armored] {
        let text = jws.encode(encoding);
        let again = match Jws::decode(text.as_bytes(), usize::MAX) {
            Ok(again) => again,
            Err(e) => panic!(
                "{} re-encoding of a decoded token does not decode: {e}",
                encoding.as_str()
            ),
        };
        assert_eq!(
            again.compact(),
            jws.compact(),
            "{} changed the token",
            encoding.as_str()
        );
        assert_eq!(again.encoding(), encoding);
        assert_eq!(again.payload(), jws.payload());
        assert_eq!(again.signature(), jws.signature());
    }
    assert_eq!(jws.fingerprint().len(), 64);
    // The unverified view must never fail where the codec succeeded.
    if let Err(e) = licet_core::read_unverified(data) {
        panic!("read_unverified refused what Jws::decode accepted: {e}");
    }
}

/// The claims JSON, through the verifier's own path: strict check (duplicates, depth) then the typed claims.
pub fn claims(data: &[u8]) {
    let Ok(claims) = from_slice_strict::<Claims>(data) else {
        return;
    };
    let text = match serde_json::to_vec(&claims) {
        Ok(text) => text,
        Err(e) => panic!("parsed claims do not serialize: {e}"),
    };
    match from_slice_strict::<Claims>(&text) {
        Ok(again) => assert_eq!(again, claims, "claims changed in a serialize/parse round trip"),
        Err(e) => panic!("serialized claims do not parse again: {e}"),
    }
    // The generic strict parser must accept whatever the typed one accepted.
    assert!(
        parse_strict_object(data).is_ok(),
        "parse_strict_object refused claims from_slice_strict accepted"
    );
}

/// Verification end to end, against the fixed test-only keyring (all three algorithms).
pub fn verify(data: &[u8]) {
    let verifier = fixtures::verifier();
    let result = verifier.verify(data);
    let vendor = fixtures::vendor_verifier().verify(data);
    match result {
        Ok(license) => {
            let jws = match Jws::decode(data, MAX_TOKEN_BYTES) {
                Ok(jws) => jws,
                Err(e) => panic!("verified a token the codec refuses: {e}"),
            };
            assert_eq!(license.fingerprint(), jws.fingerprint());
            assert!(verifier.keyring().get(license.kid()).is_some());
            assert_eq!(license.claims().iss, fixtures::ISS);
            assert!(license.claims().aud.contains(fixtures::AUD));
            assert_eq!(vendor.ok().as_ref(), Some(&license), "vendor tooling disagrees");
        }
        Err(e) => {
            // Every rejection maps to a stable code and an operator sentence.
            assert!(!e.reason().code().is_empty());
            assert!(!e.to_string().is_empty());
            // The vendor verifier skips only the iss/aud checks; anything else refused must be refused by both.
            if let Ok(v) = vendor {
                let iss_or_aud = v.claims().iss != fixtures::ISS || !v.claims().aud.contains(fixtures::AUD);
                assert!(iss_or_aud, "vendor tooling accepted what the product refused for {e}");
            }
        }
    }
}
