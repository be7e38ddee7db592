//! Full license verification vs the bare Ed25519 signature check on the same bytes, and vs `jsonwebtoken`'s
//! EdDSA decode. Target: full ≤ 1.3 × raw (instruction counts: scripts/verify-instructions.sh).
//! Run: `cargo bench -p licet-core --bench verify -- --measurement-time 3`; figures in docs/performance.md.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion};
use ed25519_dalek::Verifier as _;
use licet_core::{issue, Alg, Claims, Encoding, Jws, Keyring, Verifier, MAX_TOKEN_BYTES};

// The tests' fixtures: the test-only keys and their typical license (about 1 KB of claims JSON).
#[allow(dead_code)]
#[path = "../tests/it/common.rs"]
mod common;

fn bench(c: &mut Criterion) {
    let signer = common::signer(Alg::EdDSA);
    let token = issue(&common::claims(), &signer, Encoding::Compact).unwrap();
    let keyring = Keyring::new(vec![common::trusted(Alg::EdDSA)]).unwrap();
    let verifier = Verifier::new(keyring, common::ISS, common::AUD);
    verifier.verify(token.as_bytes()).unwrap();

    let jws = Jws::decode(token.as_bytes(), MAX_TOKEN_BYTES).unwrap();
    let raw_key = signer.key().public_key();
    let licet_core::PublicKey::Ed25519(raw_key) = raw_key else {
        unreachable!()
    };
    let signing_input = jws.signing_input().to_vec();
    let sig = ed25519_dalek::Signature::from_slice(jws.signature()).unwrap();
    eprintln!("token {} bytes, claims {} bytes", token.len(), jws.payload().len());

    let mut group = c.benchmark_group("verify");
    group.bench_function("raw_ed25519_dalek_verify", |b| {
        b.iter(|| raw_key.verify(black_box(&signing_input), black_box(&sig)).unwrap())
    });
    group.bench_function("licet_full_verify", |b| {
        b.iter(|| verifier.verify(black_box(token.as_bytes())).unwrap())
    });
    // The crate a user would pick instead: jsonwebtoken's EdDSA decode, issuer and audience checked.
    let jwt_key = jsonwebtoken::DecodingKey::from_ed_pem(common::public_pem(Alg::EdDSA).as_bytes()).unwrap();
    let mut validation = jsonwebtoken::Validation::new(jsonwebtoken::Algorithm::EdDSA);
    validation.set_issuer(&[common::ISS]);
    validation.set_audience(&[common::AUD]);
    validation.validate_exp = false;
    group.bench_function("jsonwebtoken_decode_typed", |b| {
        b.iter(|| jsonwebtoken::decode::<Claims>(black_box(&token), &jwt_key, &validation).unwrap())
    });
    group.bench_function("jsonwebtoken_decode_value", |b| {
        b.iter(|| jsonwebtoken::decode::<serde_json::Value>(black_box(&token), &jwt_key, &validation).unwrap())
    });
    group.finish();

    // Where the time goes: the steps of a full verify, one by one.
    let mut parts = c.benchmark_group("verify_parts");
    parts.bench_function("decode", |b| {
        b.iter(|| Jws::decode(black_box(token.as_bytes()), MAX_TOKEN_BYTES).unwrap())
    });
    let public = signer.key().public_key();
    parts.bench_function("signature_layer", |b| {
        b.iter(|| public.verify(black_box(&signing_input), black_box(jws.signature())))
    });
    parts.bench_function("raw_verify_strict", |b| {
        b.iter(|| {
            raw_key
                .verify_strict(black_box(&signing_input), black_box(&sig))
                .unwrap()
        })
    });
    parts.bench_function("strict_json_claims", |b| {
        b.iter(|| licet_core::json::from_slice_strict::<Claims>(black_box(jws.payload())).unwrap())
    });
    parts.bench_function("typed_claims_only", |b| {
        b.iter(|| serde_json::from_slice::<Claims>(black_box(jws.payload())).unwrap())
    });
    parts.bench_function("fingerprint", |b| b.iter(|| jws.fingerprint()));
    parts.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
