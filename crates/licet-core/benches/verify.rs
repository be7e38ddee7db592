//! Full license verification vs the bare Ed25519 signature check on the same bytes. Target: full ≤ 1.3 × raw.
//! Run: `cargo bench -p licet-core --bench verify -- --measurement-time 3`; figures in docs/performance.md.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion};
use ed25519_dalek::Verifier as _;
use licet_core::{issue, Claims, Encoding, FileSigner, Jws, Keyring, TrustedKey, Verifier, MAX_TOKEN_BYTES};

const PRIVATE: &str = include_str!("../tests/vectors/keys/eddsa-a-test-only.private.pem");
const PUBLIC: &str = include_str!("../tests/vectors/keys/eddsa-a-test-only.public.pem");

/// About 1 KB of claims JSON: what a real enterprise license carries.
fn claims() -> Claims {
    serde_json::from_value(serde_json::json!({
        "iss": "https://licenses.vendor.example", "sub": "acme-corp", "aud": "liberty",
        "iat": 1_735_689_600, "nbf": 1_735_689_600, "exp": 1_767_225_600, "jti": "lic-2025-0001",
        "lic": {
            "schema": "1.0",
            "customer": {"id": "cus_8f2a", "name": "ACME Corporation"},
            "binding": {"install_id": "6f1c1f8e-9a47-4c5e-a0c4-0b8f4f6f2b1d", "domains": ["*.acme.example"]},
            "edition": "enterprise",
            "products": ["connector-sap", "connector-salesforce", "connector-jira", "reporting"],
            "features": ["sso", "audit-log", "scim", "custom-branding", "api-access", "webhooks", "ha"],
            "limits": {"users": 500, "tenants": 10, "workspaces": "unlimited", "agents": 50},
            "orgs": [
                {"id": "org-eu", "plan": "enterprise", "features": ["sso", "scim"], "limits": {"users": 300},
                 "valid_from": 1_735_689_600, "valid_until": 1_767_225_600},
                {"id": "org-us", "plan": "team", "features": ["sso"], "limits": {"users": 200},
                 "valid_from": 1_735_689_600, "valid_until": 1_767_225_600}
            ],
            "max_orgs": 5,
            "renewal": {"url": "https://licenses.vendor.example/v1/renew"},
            "sequence": 7
        }
    }))
    .unwrap()
}

fn bench(c: &mut Criterion) {
    let signer = FileSigner::from_pkcs8_pem("vendor-2025", PRIVATE).unwrap();
    let token = issue(&claims(), &signer, Encoding::Compact).unwrap();
    let keyring = Keyring::new(vec![TrustedKey::from_spki_pem(
        "vendor-2025",
        licet_core::Alg::EdDSA,
        PUBLIC,
    )
    .unwrap()])
    .unwrap();
    let verifier = Verifier::new(keyring, "https://licenses.vendor.example", "liberty");
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
