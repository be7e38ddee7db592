//! `evaluate` (the lifecycle) on a typical verified license: 10 organizations, 20 features, under each reference
//! profile. Run: `cargo bench -p licet-core --bench evaluate -- --measurement-time 3`; figures in
//! docs/performance.md. Verification is done once, outside the timed loop: this is the cost of one re-evaluation
//! (a timer firing, a license swap), not of a request.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion};
use licet_core::{
    evaluate, issue, profiles, Alg, Claims, Context, Encoding, Keyring, LicenseInput, UnixTime, Verifier,
};

// The tests' fixtures: the test-only keys.
#[allow(dead_code)]
#[path = "../tests/it/common.rs"]
mod common;

const NOW: i64 = 1_750_000_000;

fn claims() -> Claims {
    let features: Vec<String> = (0..20).map(|i| format!("feature-{i:02}")).collect();
    let orgs: Vec<serde_json::Value> = (0..10)
        .map(|i| {
            serde_json::json!({
                "id": format!("org-{i}"), "plan": if i % 2 == 0 { "enterprise" } else { "team" },
                "features": &features[..(i * 2)], "limits": {"users": 50 + i},
                "valid_from": NOW - 86_400 * 30, "valid_until": NOW + 86_400 * (20 + 10 * i as i64)
            })
        })
        .collect();
    serde_json::from_value(serde_json::json!({
        "iss": common::ISS, "sub": "acme-corp", "aud": common::AUD,
        "iat": NOW - 86_400 * 30, "nbf": NOW - 86_400 * 30, "exp": NOW + 86_400 * 200, "jti": "lic-0001",
        "lic": {
            "schema": "1.0",
            "customer": {"id": "cus_8f2a", "name": "ACME Corporation"},
            "edition": "enterprise",
            "products": ["connector-sap", "connector-salesforce", "connector-jira", "reporting"],
            "features": features,
            "limits": {"users": 500, "tenants": 10, "workspaces": "unlimited", "agents": 50, "organizations": 20},
            "orgs": orgs,
            "max_orgs": 20,
            "sequence": 7
        }
    }))
    .unwrap()
}

fn bench(c: &mut Criterion) {
    let token = issue(&claims(), &common::signer(Alg::EdDSA), Encoding::Compact).unwrap();
    let keyring = Keyring::new(vec![common::trusted(Alg::EdDSA)]).unwrap();
    let verifier = Verifier::new(keyring, common::ISS, common::AUD);
    let license = verifier.verify(token.as_bytes()).unwrap();
    let ctx = Context::default();
    let now = UnixTime(NOW);

    let mut group = c.benchmark_group("evaluate");
    for policy in profiles::ALL {
        let status = evaluate(policy, &ctx, LicenseInput::Verified(&license), now);
        assert!(status.state.is_licensed(), "{}: {:?}", policy.name, status.reason);
        group.bench_function(policy.name.as_ref(), |b| {
            b.iter(|| {
                evaluate(
                    black_box(policy),
                    black_box(&ctx),
                    LicenseInput::Verified(&license),
                    black_box(now),
                )
            })
        });
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
