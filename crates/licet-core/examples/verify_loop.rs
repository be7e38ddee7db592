//! Runs one verification `N` times, for counting instructions with callgrind (`scripts/verify-instructions.sh`):
//! licet's full verify, the bare ed25519-dalek signature check on the same bytes, and `jsonwebtoken`'s EdDSA
//! `decode` (what a user would pick instead) into licet's typed claims and into a `serde_json::Value`.
//!
//!   cargo run --release -p licet-core --example verify_loop -- licet 1000
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use std::hint::black_box;

use ed25519_dalek::Verifier as _;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use licet_core::{issue, Alg, Claims, Encoding, Jws, Keyring, Verifier, MAX_TOKEN_BYTES};

#[allow(dead_code)]
#[path = "../tests/it/common.rs"]
mod common;

fn main() {
    let mut args = std::env::args().skip(1);
    let which = args.next().unwrap_or_else(|| "licet".into());
    let n: u64 = args.next().and_then(|s| s.parse().ok()).unwrap_or(1000);

    let signer = common::signer(Alg::EdDSA);
    let token = issue(&common::claims(), &signer, Encoding::Compact).unwrap();
    let verifier = Verifier::new(
        Keyring::new(vec![common::trusted(Alg::EdDSA)]).unwrap(),
        common::ISS,
        common::AUD,
    );
    let jws = Jws::decode(token.as_bytes(), MAX_TOKEN_BYTES).unwrap();
    let licet_core::PublicKey::Ed25519(raw_key) = signer.key().public_key() else {
        unreachable!()
    };
    let signing_input = jws.signing_input().to_vec();
    let sig = ed25519_dalek::Signature::from_slice(jws.signature()).unwrap();
    let jwt_key = DecodingKey::from_ed_pem(common::public_pem(Alg::EdDSA).as_bytes()).unwrap();
    let mut validation = Validation::new(Algorithm::EdDSA);
    validation.set_issuer(&[common::ISS]);
    validation.set_audience(&[common::AUD]);
    validation.validate_exp = false;

    for _ in 0..n {
        match which.as_str() {
            "licet" => {
                black_box(verifier.verify(black_box(token.as_bytes())).unwrap());
            }
            "raw" => raw_key.verify(black_box(&signing_input), black_box(&sig)).unwrap(),
            "jwt-typed" => {
                black_box(jsonwebtoken::decode::<Claims>(black_box(&token), &jwt_key, &validation).unwrap());
            }
            "jwt-value" => {
                black_box(jsonwebtoken::decode::<serde_json::Value>(black_box(&token), &jwt_key, &validation).unwrap());
            }
            other => panic!("unknown measurement {other:?}: licet, raw, jwt-typed or jwt-value"),
        }
    }
}
