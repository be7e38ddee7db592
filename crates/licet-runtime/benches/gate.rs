//! The gate's per-request cost on the hot path: load the snapshot (lock-free) and decide. Target ≤ 100 ns.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;

use criterion::{black_box, criterion_group, criterion_main, Criterion};
use http::Method;
use licet_core::{profiles, Limit, UnixTime};
use licet_runtime::testkit::TestVendor;
use licet_runtime::{Gate, GateConfig, LicenseGuard, ManualClock, ModuleRegistry, Runtime};
use licet_store::Scope;

fn bench(c: &mut Criterion) {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let (gate, runtime) = rt.block_on(async {
        let store = licet_store::open_in_data_dir(dir.path()).await.unwrap();
        let vendor = TestVendor::new().unwrap();
        let now = UnixTime(1_750_000_000);
        let mut modules = ModuleRegistry::new("connector");
        modules.register_with_routes("Salesforce", "salesforce", ["/api/connectors/salesforce"]);
        modules.register_with_routes("SAP", "sap", ["/api/connectors/sap"]);
        let runtime = Runtime::builder(profiles::NIVQ.clone(), vendor.verifier(), store)
            .clock(Arc::new(ManualClock::new(now)))
            .modules(modules)
            .without_background_tasks()
            .build()
            .await
            .unwrap();
        let claims = vendor.claims_granting(
            now,
            Some(now.plus_days(365)),
            &["salesforce"],
            &["chat"],
            &[("users", Limit::Count(5))],
        );
        runtime
            .install(
                vendor.issue(&claims).unwrap().as_bytes(),
                "bench",
                None,
                Scope::Instance,
            )
            .await
            .unwrap();
        let config = GateConfig::default()
            .allow("/login")
            .allow("/health")
            .allow("/v1/license");
        (Gate::new(runtime.clone(), config), runtime)
    });
    c.bench_function("gate_decide_allow", |b| {
        b.iter(|| {
            let snap = runtime.snapshot();
            black_box(gate.decide(&snap, &Method::POST, black_box("/api/items/42"), None))
        })
    });
    c.bench_function("gate_decide_unloaded_module", |b| {
        b.iter(|| {
            let snap = runtime.snapshot();
            black_box(gate.decide(&snap, &Method::GET, black_box("/api/connectors/sap/sync"), None))
        })
    });
    c.bench_function("guard_feature_check", |b| {
        let g = LicenseGuard::from_runtime(&runtime, None);
        b.iter(|| black_box(g.feature(black_box("chat")).is_ok()))
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
