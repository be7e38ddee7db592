//! Two runtimes on one PostgreSQL store see each other's install (LISTEN/NOTIFY through licet-store).

use std::time::Duration;

use licet_core::State;
use licet_runtime::testkit::TestVendor;
use licet_runtime::{ManualClock, Runtime};
use licet_store::Scope;

use crate::common::{policy, T0};

#[tokio::test]
async fn replicas_follow_each_others_install() {
    let Ok(url) = std::env::var("LICET_TEST_DATABASE_URL") else {
        eprintln!("note: LICET_TEST_DATABASE_URL unset; skipping the two-replica PostgreSQL test");
        return;
    };
    let store_a = match licet_store::open(&url).await {
        Ok(s) => s,
        Err(e) => {
            eprintln!("note: PostgreSQL at LICET_TEST_DATABASE_URL unreachable ({e}); skipping");
            return;
        }
    };
    let store_b = licet_store::open(&url).await.unwrap();
    // A fresh schema per run is the store's business; here both replicas share whatever is there, so start clean.
    store_a
        .clear_license(&Scope::Instance, licet_store::Change::new("test", T0))
        .await
        .unwrap();
    let vendor = TestVendor::new().unwrap();
    let clock = ManualClock::new(T0);
    let mk = |store| {
        Runtime::builder(policy(), vendor.verifier(), store)
            .clock(std::sync::Arc::new(clock.clone()))
            .env(std::sync::Arc::new(|_| None))
            .build()
    };
    let a = mk(store_a).await.unwrap();
    let b = mk(store_b).await.unwrap();
    assert_eq!(a.fingerprint(), b.fingerprint());
    let mut claims = vendor.claims(T0, Some(T0.plus_days(365)));
    claims.lic.customer.id = format!("pg-{}", uuid::Uuid::new_v4());
    a.install(
        vendor.issue(&claims).unwrap().as_bytes(),
        "owner",
        None,
        Scope::Instance,
    )
    .await
    .unwrap();
    for _ in 0..300 {
        if b.snapshot().instance.status.state == State::Active {
            return;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("replica b never saw a's install");
}
