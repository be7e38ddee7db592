//! Install, rollback, timer-driven transitions, events, seeding, fingerprint.

use std::time::Duration;

use licet_core::{Reason, State};
use licet_runtime::{Runtime, Source, StateChange};
use licet_store::Scope;

use crate::common::{World, DAY, T0};

async fn wait_for_state(rt: &Runtime, want: State) {
    for _ in 0..200 {
        if rt.snapshot().instance.status.state == want {
            return;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("state never became {want}; is {}", rt.snapshot().instance.status.state);
}

#[tokio::test]
async fn install_swaps_the_snapshot_at_once() {
    let w = World::new().await;
    let rt = w.runtime().await;
    assert_eq!(rt.snapshot().instance.status.state, State::ActivationPending);
    let before = rt.snapshot_full();
    let snap = rt
        .install(w.token(365, 1).as_bytes(), "owner", Some("first"), Scope::Instance)
        .await
        .unwrap();
    assert_eq!(snap.instance.status.state, State::Active);
    assert_eq!(snap.instance.source, Some(Source::Store));
    assert!(snap.instance.license.is_some());
    assert_eq!(rt.snapshot().instance.status.state, State::Active);
    assert_eq!(
        before.instance.status.state,
        State::ActivationPending,
        "old snapshots are immutable"
    );
    let rec = w.store.current_license(&Scope::Instance).await.unwrap().unwrap();
    assert_eq!((rec.actor.as_str(), rec.sequence), ("owner", Some(1)));
}

/// Regression: sequence marks were kept per customer, so renewing a customer's org license made its instance
/// license (same customer, lower sequence) look rolled back, and an org's first license below the instance's
/// sequence was refused.
#[tokio::test]
async fn one_customers_instance_and_org_licenses_keep_their_own_sequences() {
    let w = World::new().await;
    let rt = w.runtime().await;
    let eu = Scope::org("eu").unwrap();
    let install = |days, seq, scope: &Scope| {
        let (rt, token, scope) = (&rt, w.token(days, seq), scope.clone());
        async move { rt.install(token.as_bytes(), "owner", None, scope).await }
    };
    install(365, 3, &Scope::Instance).await.unwrap();
    install(365, 1, &eu).await.unwrap();
    install(365, 9, &eu).await.unwrap();
    install(365, 4, &Scope::Instance).await.unwrap();
    assert_eq!(install(365, 8, &eu).await.unwrap_err().code(), "license_rolled_back");
    assert_eq!(
        install(365, 2, &Scope::Instance).await.unwrap_err().code(),
        "license_rolled_back"
    );

    let seq = |s: &licet_core::Status| (s.state, s.license.as_ref().map(|l| l.sequence));
    // The same after a restart, when every mark is read back from the store.
    for rt in [rt.clone(), w.runtime().await] {
        rt.reload().await.unwrap();
        let snap = rt.snapshot();
        assert_eq!(seq(&snap.instance.status), (State::Active, Some(4)));
        assert_eq!(seq(&snap.orgs["eu"].status), (State::Active, Some(9)));
    }
}

#[tokio::test]
async fn rollback_and_invalid_licenses_are_refused_and_the_current_kept() {
    let w = World::new().await;
    let rt = w.runtime().await;
    rt.install(w.token(365, 5).as_bytes(), "owner", None, Scope::Instance)
        .await
        .unwrap();
    let e = rt
        .install(w.token(900, 4).as_bytes(), "owner", None, Scope::Instance)
        .await
        .unwrap_err();
    assert_eq!(e.code(), "license_rolled_back");
    let e = rt
        .install(b"not.a.license", "owner", None, Scope::Instance)
        .await
        .unwrap_err();
    assert_eq!(e.code(), "license_malformed");
    // Flip a character well inside the signature (the last one may only carry padding bits).
    let token = w.token(900, 9);
    let i = token.len() - 10;
    let flipped = if &token[i..=i] == "A" { "B" } else { "A" };
    let tampered = format!("{}{}{}", &token[..i], flipped, &token[i + 1..]);
    assert!(rt
        .install(tampered.as_bytes(), "owner", None, Scope::Instance)
        .await
        .is_err());
    let snap = rt.snapshot();
    assert_eq!(snap.instance.status.state, State::Active);
    assert_eq!(snap.instance.status.license.as_ref().unwrap().sequence, 5);
    let rec = w.store.current_license(&Scope::Instance).await.unwrap().unwrap();
    assert_eq!(rec.sequence, Some(5));
    // A newer one is fine.
    rt.install(w.token(900, 6).as_bytes(), "owner", None, Scope::Instance)
        .await
        .unwrap();
    assert_eq!(rt.snapshot().instance.status.license.as_ref().unwrap().sequence, 6);
}

#[tokio::test]
async fn timer_walks_active_expiring_grace_expired_without_requests() {
    let w = World::new().await;
    let rt = w.runtime().await;
    let mut events = rt.subscribe();
    rt.install(w.token(100, 1).as_bytes(), "owner", None, Scope::Instance)
        .await
        .unwrap();
    let first: StateChange = events.recv().await.unwrap();
    assert_eq!(
        (first.from, first.to, first.cause),
        (State::ActivationPending, State::Active, "install")
    );
    let next = rt.snapshot().next_change.unwrap();
    assert_eq!(
        next,
        T0.plus_seconds(70 * DAY),
        "30-day warn window before a 100-day license ends"
    );

    // Jump to one second before the change: nothing happens.
    w.clock.set(next.plus_seconds(-1));
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert_eq!(rt.snapshot().instance.status.state, State::Active);
    // Cross it: the timer task alone moves the state.
    w.clock.set(next);
    wait_for_state(&rt, State::ExpiringSoon).await;
    let ev = events.recv().await.unwrap();
    assert_eq!(
        (ev.from, ev.to, ev.cause, ev.license_changed),
        (State::Active, State::ExpiringSoon, "timer", false)
    );

    w.clock.set(T0.plus_seconds(100 * DAY));
    wait_for_state(&rt, State::Grace).await;
    assert!(!rt.snapshot().instance.status.entitlements.allows_write());
    w.clock.set(T0.plus_seconds(114 * DAY));
    wait_for_state(&rt, State::Expired).await;
    let ev = events.recv().await.unwrap();
    assert_eq!(ev.to, State::Grace);
    let ev = events.recv().await.unwrap();
    assert_eq!((ev.to, ev.reason), (State::Expired, Some(Reason::LicenseExpired)));
}

#[tokio::test]
async fn clock_rollback_is_detected() {
    let w = World::new().await;
    let rt = w.runtime().await;
    rt.install(w.token(365, 1).as_bytes(), "owner", None, Scope::Instance)
        .await
        .unwrap();
    w.clock.set(T0.plus_seconds(10 * DAY));
    rt.reevaluate().await.unwrap();
    w.clock.set(T0.plus_seconds(5 * DAY));
    let snap = rt.reevaluate().await.unwrap();
    assert_eq!(snap.instance.status.reason, Some(Reason::ClockRollbackDetected));
}

#[tokio::test]
async fn env_override_wins_over_the_store_and_says_so() {
    let mut w = World::new().await;
    let rt = w.runtime().await;
    rt.install(w.token(365, 1).as_bytes(), "owner", None, Scope::Instance)
        .await
        .unwrap();
    drop(rt);
    w.env.insert("TEST_LICENSE".into(), w.token(30, 2));
    let rt = w.runtime().await;
    let snap = rt.snapshot();
    assert_eq!(snap.instance.source, Some(Source::Env));
    assert_eq!(snap.instance.status.license.as_ref().unwrap().sequence, 2);
}

#[tokio::test]
async fn module_registry_logs_and_reports_each_decision() {
    let w = World::new().await;
    let rt = w.runtime().await;
    let lines: Vec<String> = rt.module_decisions().into_iter().map(|d| d.line).collect();
    assert_eq!(
        lines,
        [
            "Skipping licensed connector Salesforce — no valid license",
            "Skipping licensed connector SAP — no valid license"
        ]
    );
    rt.install(w.token(10, 1).as_bytes(), "owner", None, Scope::Instance)
        .await
        .unwrap();
    let lines: Vec<String> = rt.module_decisions().into_iter().map(|d| d.line).collect();
    assert_eq!(
        lines,
        [
            "Loaded licensed connector Salesforce",
            "Skipping licensed connector SAP — not in license"
        ]
    );
    assert_eq!(rt.active_modules(), ["Salesforce"]);
    assert!(rt.module_active("Salesforce") && !rt.module_active("SAP"));
    w.clock.set(T0.plus_seconds(30 * DAY));
    rt.reevaluate().await.unwrap();
    let lines: Vec<String> = rt.module_decisions().into_iter().map(|d| d.line).collect();
    assert_eq!(lines[0], "Skipping licensed connector Salesforce — license expired");
}

#[tokio::test]
async fn fingerprint_is_shared_by_runtimes_on_one_store() {
    let w = World::new().await;
    let a = w.runtime().await;
    let b = w.runtime().await;
    assert_eq!(a.install_id(), b.install_id());
    assert_eq!(a.fingerprint(), b.fingerprint());
    assert!(licet_runtime::fingerprint::is_well_formed("LICET-FP-", a.fingerprint()));
    assert_eq!(
        a.fingerprint(),
        licet_runtime::fingerprint::fingerprint("LICET-FP-", a.install_id())
    );
}

#[tokio::test]
async fn mounted_file_seeds_the_store_once() {
    let w = World::new().await;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("license.jwt");
    std::fs::write(&file, w.token(365, 1)).unwrap();
    let policy = licet_core::profiles::NIVQ.clone();
    let build = || {
        Runtime::builder(policy.clone(), w.vendor.verifier(), w.store.clone())
            .clock(std::sync::Arc::new(w.clock.clone()))
            .license_file(&file)
            .build()
    };
    let rt = build().await.unwrap();
    assert_eq!(rt.snapshot().instance.status.state, State::Active);
    assert!(w
        .store
        .get_setting(licet_runtime::SEED_SETTING)
        .await
        .unwrap()
        .is_some());
    // Upload a newer one; a later start must not re-seed from the (older) file.
    rt.install(w.token(365, 2).as_bytes(), "owner", None, Scope::Instance)
        .await
        .unwrap();
    drop(rt);
    let rt = build().await.unwrap();
    assert_eq!(rt.snapshot().instance.status.license.as_ref().unwrap().sequence, 2);
    assert_eq!(rt.snapshot().instance.source, Some(Source::Store));
}

#[tokio::test]
async fn clear_goes_back_to_the_profiles_no_license_state() {
    let w = World::new().await;
    let rt = w.runtime().await;
    let mut events = rt.subscribe();
    rt.install(w.token(365, 1).as_bytes(), "owner", None, Scope::Instance)
        .await
        .unwrap();
    let ev = events.recv().await.unwrap();
    assert_eq!((ev.cause, ev.license_changed), ("install", true));
    let snap = rt.clear(Scope::Instance, "owner", Some("moving hosts")).await.unwrap();
    assert_eq!(snap.instance.status.state, State::ActivationPending);
    assert_eq!(snap.instance.source, None);
    let ev = events.recv().await.unwrap();
    assert_eq!(
        (ev.from, ev.to, ev.cause),
        (State::Active, State::ActivationPending, "clear")
    );
}

/// Issue #4, Liberty's `Reevaluate::OnLoad`: the module set is decided at load. Time passing (the timer) does not
/// change it; an explicit reload does, and so does a new license (installed here or by another replica).
#[tokio::test]
async fn on_load_modules_change_on_reload_and_new_license_but_not_on_the_timer() {
    let w = World::new().await;
    let on_load = licet_core::Policy {
        reevaluate: licet_core::policy::Reevaluate::OnLoad,
        ..crate::common::policy()
    };
    let build = || {
        Runtime::builder(on_load.clone(), w.vendor.verifier(), w.store.clone())
            .clock(std::sync::Arc::new(w.clock.clone()))
            .env(std::sync::Arc::new(|_| None))
            .modules(World::registry())
            .without_background_tasks()
            .build()
    };
    let rt = build().await.unwrap();
    rt.install(w.token(10, 1).as_bytes(), "owner", None, Scope::Instance)
        .await
        .unwrap();
    assert_eq!(rt.active_modules(), ["Salesforce"]);

    w.clock.set(T0.plus_seconds(60 * DAY));
    let snap = rt.reevaluate().await.unwrap();
    assert_eq!(snap.instance.status.state, State::Expired);
    assert_eq!(rt.active_modules(), ["Salesforce"], "kept until the next load");
    let snap = rt.reload().await.unwrap();
    assert_eq!(snap.instance.status.state, State::Expired);
    assert!(rt.active_modules().is_empty(), "a reload after expiry unloads");

    // Another replica installs a license naming SAP: picked up at this replica's next reload.
    let sap = w
        .vendor
        .claims_granting(T0, Some(T0.plus_seconds(365 * DAY)), &["sap"], &[], &[]);
    let mut sap = sap;
    sap.lic.sequence = 2;
    let other = build().await.unwrap();
    other
        .install(w.vendor.issue(&sap).unwrap().as_bytes(), "owner", None, Scope::Instance)
        .await
        .unwrap();
    assert!(rt.active_modules().is_empty());
    rt.reload().await.unwrap();
    assert_eq!(rt.active_modules(), ["SAP"]);

    // A license installed here takes effect at once (it drops SAP, so the operator acknowledges that).
    rt.install_with(
        w.token(365, 3).as_bytes(),
        "owner",
        None,
        Scope::Instance,
        "upload",
        true,
    )
    .await
    .unwrap();
    assert_eq!(rt.active_modules(), ["Salesforce"]);
    let lines: Vec<String> = rt.module_decisions().into_iter().map(|d| d.line).collect();
    assert_eq!(lines[1], "Skipping licensed connector SAP — not in license");
}

/// A mounted armored (or JSON) file once seeded the store with the file's text, so the audit log named the license
/// by the SHA-256 of that text while the status and the vendor name it by the compact form's. Every form is stored
/// compact now: one license, one fingerprint.
#[tokio::test]
async fn seeded_armored_file_is_audited_under_the_status_fingerprint() {
    for encoding in [licet_core::Encoding::Armored, licet_core::Encoding::Json] {
        let w = World::new().await;
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("license.lic");
        let compact = w.token(365, 1);
        let written = licet_core::Jws::decode(compact.as_bytes(), licet_core::MAX_TOKEN_BYTES)
            .unwrap()
            .encode(encoding);
        assert_ne!(written, compact);
        std::fs::write(&file, &written).unwrap();
        let rt = Runtime::builder(licet_core::profiles::NIVQ.clone(), w.vendor.verifier(), w.store.clone())
            .clock(std::sync::Arc::new(w.clock.clone()))
            .license_file(&file)
            .build()
            .await
            .unwrap();
        let status_fp = rt
            .snapshot()
            .instance
            .status
            .license
            .as_ref()
            .unwrap()
            .fingerprint
            .clone();
        let audit = w.store.list_audit(None, 10).await.unwrap();
        let installed = audit.iter().find(|e| e.action == "license.install").unwrap();
        assert_eq!(
            installed.fingerprint.as_deref(),
            Some(status_fp.as_str()),
            "{encoding:?}"
        );
        let stored = w.store.current_license(&Scope::Instance).await.unwrap().unwrap();
        assert_eq!(
            (stored.token.as_str(), stored.source.as_str()),
            (compact.as_str(), "file")
        );
        assert_eq!(stored.fingerprint, status_fp, "{encoding:?}");
    }
}
