//! The behaviour both backends must share. Each function is run once per backend (see `main.rs`).

use std::sync::Arc;
use std::time::Duration;

use licet_core::time::UnixTime;
use licet_store::{
    ChainProblem, Change, NewApiToken, NewAuditEntry, NewLicense, RenewalError, Role, Scope, Store, StoreError,
    StoreEvent, TokenHash,
};
use serde_json::json;
use tokio::sync::broadcast;

use crate::harness::Harness;

const T0: UnixTime = UnixTime(1_700_000_000);

/// A stand-in for the verified license's fingerprint, which the caller gives the store: any 64 hex digits, one
/// per token.
pub fn fingerprint(token: &str) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(token.as_bytes()))
}

pub fn license(scope: Scope, token: &str, customer: &str, sequence: i64, at: i64) -> NewLicense {
    NewLicense {
        scope,
        token: token.to_owned(),
        fingerprint: fingerprint(token),
        source: "upload".to_owned(),
        customer_id: Some(customer.to_owned()),
        sequence: Some(sequence),
        expires_at: Some(UnixTime(at + 86_400 * 365)),
        change: Change::new("alice", UnixTime(at)).with_details(json!({"note": token})),
    }
}

/// The next change event on `rx`; fails the test if none comes within `secs` seconds.
pub async fn next_event(rx: &mut broadcast::Receiver<StoreEvent>, secs: u64) -> StoreEvent {
    tokio::time::timeout(Duration::from_secs(secs), rx.recv())
        .await
        .unwrap_or_else(|_| panic!("no event within {secs} s"))
        .unwrap()
}

/// The event an install of `token` in `scope` sends.
pub fn installed(scope: Scope, token: &str) -> StoreEvent {
    StoreEvent::LicenseInstalled {
        scope,
        fingerprint: fingerprint(token),
    }
}

pub async fn installation_is_made_once(h: &Harness) {
    let s = &h.store;
    assert_eq!(s.installation().await.unwrap(), None);
    let first = s.ensure_installation(T0).await.unwrap();
    assert_eq!(first.install_id.get_version_num(), 4);
    assert_eq!(first.created_at, T0);
    let again = h.reopen().await.ensure_installation(T0.plus_days(3)).await.unwrap();
    assert_eq!(again, first);
    assert_eq!(s.installation().await.unwrap(), Some(first));
}

pub async fn concurrent_first_starts_agree(h: &Harness) {
    let other = h.reopen().await;
    let (a, b) = tokio::join!(
        h.store.ensure_installation(T0),
        other.ensure_installation(T0.plus_seconds(1))
    );
    assert_eq!(a.unwrap().install_id, b.unwrap().install_id);
    let (ka, kb) = tokio::join!(
        h.store.ensure_install_key("KEY-A", T0),
        other.ensure_install_key("KEY-B", T0)
    );
    let (ka, kb) = (ka.unwrap(), kb.unwrap());
    assert_eq!(ka, kb);
    assert!(ka == "KEY-A" || ka == "KEY-B");
}

pub async fn install_key_is_get_or_insert(h: &Harness) {
    let s = &h.store;
    let pem = "-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEIFirst\n-----END PRIVATE KEY-----\n";
    assert_eq!(s.ensure_install_key(pem, T0).await.unwrap(), pem);
    assert_eq!(s.ensure_install_key("another", T0.plus_days(1)).await.unwrap(), pem);
}

pub async fn install_replace_and_history(h: &Harness) {
    let s = &h.store;
    assert!(s.current_license(&Scope::Instance).await.unwrap().is_none());
    let a = s
        .install_license(license(Scope::Instance, "tok-a", "cust", 1, 100))
        .await
        .unwrap();
    assert_eq!(a.replaced, None);
    assert_eq!(a.license.fingerprint, fingerprint("tok-a"));
    assert_eq!(a.license.fingerprint.len(), 64);
    let b = s
        .install_license(license(Scope::Instance, "tok-b", "cust", 2, 200))
        .await
        .unwrap();
    assert_eq!(b.replaced, Some(a.license.id));
    assert!(b.license.id > a.license.id);
    assert!(b.audit_id > a.audit_id);

    let current = s.current_license(&Scope::Instance).await.unwrap().unwrap();
    assert_eq!(current, b.license);
    assert_eq!(current.token, "tok-b");
    assert_eq!(current.sequence, Some(2));
    assert_eq!(current.customer_id.as_deref(), Some("cust"));
    assert_eq!(current.expires_at, Some(UnixTime(200 + 86_400 * 365)));

    let history = s.license_history(Some(&Scope::Instance), None, 10).await.unwrap();
    assert_eq!(
        history.iter().map(|r| r.token.as_str()).collect::<Vec<_>>(),
        ["tok-b", "tok-a"]
    );
    assert_eq!(history[1].replaced_by, Some(b.license.id));
    assert_eq!(history[1].replaced_at, Some(UnixTime(200)));
    assert_eq!(history[0].replaced_at, None);
    let page = s.license_history(None, Some(b.license.id), 10).await.unwrap();
    assert_eq!(page.len(), 1);
    assert_eq!(page[0].token, "tok-a");

    let audit = s.list_audit(None, 10).await.unwrap();
    assert_eq!(audit.len(), 2);
    assert_eq!(audit[0].action, "license.install");
    assert_eq!(audit[0].fingerprint.as_deref(), Some(fingerprint("tok-b").as_str()));
    assert_eq!(audit[0].actor, "alice");
    assert_eq!(audit[0].details["replaced"], json!(a.license.id));
    assert_eq!(audit[0].details["extra"]["note"], json!("tok-b"));
}

pub async fn scopes_are_independent(h: &Harness) {
    let s = &h.store;
    let org = Scope::org("acme").unwrap();
    s.install_license(license(org.clone(), "tok-org", "cust", 1, 100))
        .await
        .unwrap();
    s.install_license(license(Scope::Instance, "tok-inst", "cust", 1, 100))
        .await
        .unwrap();
    s.install_license(license(Scope::org("beta").unwrap(), "tok-beta", "cust", 1, 100))
        .await
        .unwrap();
    let all = s.current_licenses().await.unwrap();
    let scopes: Vec<String> = all.iter().map(|r| r.scope.key()).collect();
    assert_eq!(scopes, ["instance", "org:acme", "org:beta"]);
    assert_eq!(s.current_license(&org).await.unwrap().unwrap().token, "tok-org");
    assert_eq!(s.license_history(Some(&org), None, 10).await.unwrap().len(), 1);
}

pub async fn clear_marks_history(h: &Harness) {
    let s = &h.store;
    let a = s
        .install_license(license(Scope::Instance, "tok-a", "cust", 1, 100))
        .await
        .unwrap();
    let cleared = s
        .clear_license(
            &Scope::Instance,
            Change::new("bob", UnixTime(300)).with_reason("moving"),
        )
        .await
        .unwrap();
    let cleared = cleared.unwrap();
    assert_eq!(cleared.id, a.license.id);
    assert_eq!(cleared.cleared_at, Some(UnixTime(300)));
    assert_eq!(cleared.cleared_by.as_deref(), Some("bob"));
    assert!(s.current_license(&Scope::Instance).await.unwrap().is_none());
    assert!(s
        .clear_license(&Scope::Instance, Change::new("bob", UnixTime(301)))
        .await
        .unwrap()
        .is_none());
    let audit = s.list_audit(None, 10).await.unwrap();
    assert_eq!(audit.len(), 2, "a clear of nothing writes nothing");
    assert_eq!(audit[0].action, "license.clear");
    assert_eq!(audit[0].reason.as_deref(), Some("moving"));
    // Installing again after a clear works and does not claim to replace anything.
    let b = s
        .install_license(license(Scope::Instance, "tok-b", "cust", 1, 400))
        .await
        .unwrap();
    assert_eq!(b.replaced, None);
}

pub async fn sequence_never_goes_back(h: &Harness) {
    let s = &h.store;
    s.install_license(license(Scope::Instance, "tok-5", "cust", 5, 100))
        .await
        .unwrap();
    let err = s
        .install_license(license(Scope::Instance, "tok-4", "cust", 4, 200))
        .await
        .unwrap_err();
    assert_eq!(err.code(), "store_sequence_rolled_back");
    assert!(matches!(
        err,
        StoreError::SequenceRolledBack {
            offered: 4,
            stored: 5,
            ..
        }
    ));
    // The refused install wrote nothing.
    assert_eq!(
        s.current_license(&Scope::Instance).await.unwrap().unwrap().token,
        "tok-5"
    );
    assert_eq!(s.license_history(None, None, 10).await.unwrap().len(), 1);
    assert_eq!(s.verify_audit_chain().await.unwrap(), 1);
    // Equal sequence (re-install) is fine; another customer has its own mark.
    s.install_license(license(Scope::Instance, "tok-5b", "cust", 5, 300))
        .await
        .unwrap();
    let org = Scope::org("o").unwrap();
    s.install_license(license(org.clone(), "tok-x", "other", 1, 300))
        .await
        .unwrap();
    let instance = Some(("cust", &Scope::Instance));
    let marks = s.high_water_marks(instance).await.unwrap();
    assert_eq!(marks.sequence, Some(5));
    assert_eq!(marks.latest_seen, Some(UnixTime(300)));
    assert_eq!(
        s.high_water_marks(Some(("other", &org))).await.unwrap().sequence,
        Some(1)
    );
    assert_eq!(
        s.high_water_marks(Some(("other", &Scope::Instance)))
            .await
            .unwrap()
            .sequence,
        None
    );
    assert_eq!(s.high_water_marks(Some(("nobody", &org))).await.unwrap().sequence, None);
    s.install_license(license(Scope::Instance, "tok-9", "cust", 9, 250))
        .await
        .unwrap();
    let marks = s.high_water_marks(instance).await.unwrap();
    assert_eq!(marks.sequence, Some(9));
    assert_eq!(
        marks.latest_seen,
        Some(UnixTime(300)),
        "an earlier install time does not lower the mark"
    );
}

/// One customer's org license and instance license are renewed on their own schedules: each scope keeps its mark.
pub async fn sequence_marks_are_per_scope(h: &Harness) {
    let s = &h.store;
    let (north, south) = (Scope::org("north").unwrap(), Scope::org("south").unwrap());
    s.install_license(license(Scope::Instance, "inst-3", "cust", 3, 100))
        .await
        .unwrap();
    s.install_license(license(north.clone(), "north-7", "cust", 7, 110))
        .await
        .unwrap();
    // Renewing the instance license to 4 (below the org's 7) and giving another org its first license at 1 are
    // not rollbacks.
    s.install_license(license(Scope::Instance, "inst-4", "cust", 4, 120))
        .await
        .unwrap();
    s.install_license(license(south.clone(), "south-1", "cust", 1, 130))
        .await
        .unwrap();
    let err = s
        .install_license(license(north.clone(), "north-6", "cust", 6, 140))
        .await
        .unwrap_err();
    assert!(
        matches!(&err, StoreError::SequenceRolledBack { scope, offered: 6, stored: 7, .. } if *scope == north),
        "{err:?}"
    );
    assert!(err.to_string().contains("org:north"), "{err}");
    let mark = |scope: Scope| async move { s.high_water_marks(Some(("cust", &scope))).await.unwrap().sequence };
    assert_eq!(mark(Scope::Instance).await, Some(4));
    assert_eq!(mark(north.clone()).await, Some(7));
    assert_eq!(mark(south).await, Some(1));
    assert_eq!(s.current_license(&north).await.unwrap().unwrap().token, "north-7");
}

pub async fn observed_time_is_monotonic(h: &Harness) {
    let s = &h.store;
    assert_eq!(s.high_water_marks(None).await.unwrap().latest_seen, None);
    assert_eq!(s.observe_time(UnixTime(1000)).await.unwrap(), UnixTime(1000));
    assert_eq!(s.observe_time(UnixTime(500)).await.unwrap(), UnixTime(1000));
    assert_eq!(s.observe_time(UnixTime(2000)).await.unwrap(), UnixTime(2000));
    assert_eq!(
        s.high_water_marks(None).await.unwrap().latest_seen,
        Some(UnixTime(2000))
    );
}

fn entry(actor: &str, at: i64, n: usize) -> NewAuditEntry {
    NewAuditEntry {
        action: "token.create".to_owned(),
        fingerprint: None,
        change: Change::new(actor, UnixTime(at)).with_details(json!({ "n": n, "nested": { "b": 1, "a": [1, 2] } })),
    }
}

pub async fn audit_pages_and_verifies(h: &Harness) {
    let s = &h.store;
    assert_eq!(s.verify_audit_chain().await.unwrap(), 0);
    for n in 0..25 {
        let e = s.append_audit(entry("carol", 100 + n as i64, n)).await.unwrap();
        assert_eq!(e.id, n as i64 + 1);
    }
    let first = s.list_audit(None, 10).await.unwrap();
    assert_eq!(
        first.iter().map(|e| e.id).collect::<Vec<_>>(),
        (16..=25).rev().collect::<Vec<_>>()
    );
    let second = s.list_audit(Some(16), 10).await.unwrap();
    assert_eq!(second.first().unwrap().id, 15);
    let last = s.list_audit(Some(6), 10).await.unwrap();
    assert_eq!(last.len(), 5);
    assert_eq!(last[4].prev_hash, licet_store::GENESIS_HASH);
    assert_eq!(first[0].prev_hash, s.list_audit(Some(25), 1).await.unwrap()[0].hash);
    assert_eq!(first[0].details["nested"]["a"], json!([1, 2]));
    assert_eq!(s.verify_audit_chain().await.unwrap(), 25);
}

async fn broken_at(h: &Harness) -> (i64, ChainProblem) {
    match h.store.verify_audit_chain().await.unwrap_err() {
        StoreError::AuditChainBroken(b) => (b.entry_id, b.problem),
        other => panic!("expected a broken chain, got {other}"),
    }
}

pub async fn audit_detects_edit(h: &Harness) {
    for n in 0..5 {
        h.store.append_audit(entry("carol", 100, n)).await.unwrap();
    }
    (h.exec)("UPDATE audit_log SET actor = 'mallory' WHERE id = 3".to_owned()).await;
    assert_eq!(broken_at(h).await, (3, ChainProblem::HashMismatch));
    let err = h.store.verify_audit_chain().await.unwrap_err();
    assert_eq!(err.code(), "store_audit_chain_broken");
}

pub async fn audit_detects_removal(h: &Harness) {
    for n in 0..5 {
        h.store.append_audit(entry("carol", 100, n)).await.unwrap();
    }
    (h.exec)("DELETE FROM audit_log WHERE id = 2".to_owned()).await;
    assert_eq!(broken_at(h).await, (3, ChainProblem::Missing { expected_id: 2 }));
}

pub async fn audit_detects_truncation(h: &Harness) {
    for n in 0..5 {
        h.store.append_audit(entry("carol", 100, n)).await.unwrap();
    }
    (h.exec)("DELETE FROM audit_log WHERE id >= 4".to_owned()).await;
    assert_eq!(broken_at(h).await, (3, ChainProblem::HeadMismatch { head_id: 5 }));
}

pub async fn audit_detects_rehashed_edit(h: &Harness) {
    // An attacker who edits an entry and fixes its own hash still breaks the next link.
    for n in 0..3 {
        h.store.append_audit(entry("carol", 100, n)).await.unwrap();
    }
    (h.exec)("UPDATE audit_log SET hash = 'aa', actor = 'mallory' WHERE id = 2".to_owned()).await;
    assert_eq!(broken_at(h).await, (2, ChainProblem::HashMismatch));
}

pub async fn concurrent_writers_keep_one_chain(h: &Harness) {
    let other = h.reopen().await;
    let run = |store: Arc<dyn Store>, tag: &'static str| async move {
        for n in 0..15 {
            if n % 3 == 0 {
                let token = format!("{tag}-{n}");
                store
                    .install_license(license(Scope::Instance, &token, tag, n, 100 + n))
                    .await
                    .unwrap();
            } else {
                store.append_audit(entry(tag, 100, n as usize)).await.unwrap();
            }
        }
    };
    tokio::join!(
        run(h.store.clone(), "a"),
        run(other.clone(), "b"),
        run(h.store.clone(), "c")
    );
    assert_eq!(h.store.verify_audit_chain().await.unwrap(), 45);
    assert_eq!(other.license_history(None, None, 100).await.unwrap().len(), 15);
}

pub async fn api_tokens(h: &Harness) {
    let s = &h.store;
    assert_eq!(s.count_active_owners().await.unwrap(), 0);
    let nt = |name: &str, role, secret: &str| NewApiToken {
        name: name.to_owned(),
        role,
        hash: TokenHash::of(secret),
        created_at: T0,
    };
    let owner = s
        .create_first_owner_token(nt("first", Role::Owner, "s-owner"))
        .await
        .unwrap()
        .unwrap();
    assert!(s
        .create_first_owner_token(nt("second", Role::Owner, "s-owner2"))
        .await
        .unwrap()
        .is_none());
    let viewer = s.create_api_token(nt("ci", Role::Viewer, "s-viewer")).await.unwrap();
    assert_eq!(s.count_active_owners().await.unwrap(), 1);

    let found = s.find_api_token(&TokenHash::of("s-viewer")).await.unwrap().unwrap();
    assert_eq!(found, viewer);
    assert!(s.find_api_token(&TokenHash::of("nope")).await.unwrap().is_none());
    let dup = s
        .create_api_token(nt("dup", Role::Admin, "s-viewer"))
        .await
        .unwrap_err();
    assert_eq!(dup.code(), "store_conflict");

    s.touch_api_token(viewer.id, T0.plus_seconds(10)).await.unwrap();
    s.touch_api_token(viewer.id, T0.plus_seconds(5)).await.unwrap();
    let found = s.find_api_token(&TokenHash::of("s-viewer")).await.unwrap().unwrap();
    assert_eq!(found.last_used_at, Some(T0.plus_seconds(10)));

    let listed = s.list_api_tokens().await.unwrap();
    assert_eq!(listed.len(), 2);
    assert!(s.revoke_api_token(owner.id, T0.plus_days(1)).await.unwrap());
    assert!(!s.revoke_api_token(owner.id, T0.plus_days(2)).await.unwrap());
    assert_eq!(s.count_active_owners().await.unwrap(), 0);
    let revoked = s.find_api_token(&TokenHash::of("s-owner")).await.unwrap().unwrap();
    assert!(!revoked.is_active());
    assert_eq!(revoked.revoked_at, Some(T0.plus_days(1)));
    // With the only owner revoked, bootstrap is possible again.
    assert!(s
        .create_first_owner_token(nt("again", Role::Owner, "s-owner3"))
        .await
        .unwrap()
        .is_some());
}

pub async fn renewal_bookkeeping(h: &Harness) {
    let s = &h.store;
    let scope = Scope::org("acme").unwrap();
    assert!(s.renewal_state(&scope).await.unwrap().is_none());
    s.record_renewal(&scope, UnixTime(100), Ok(())).await.unwrap();
    let err = RenewalError {
        code: "renewal_unreachable".to_owned(),
        message: "connection refused".to_owned(),
    };
    s.record_renewal(&scope, UnixTime(200), Err(err.clone())).await.unwrap();
    let state = s.renewal_state(&scope).await.unwrap().unwrap();
    assert_eq!(state.last_attempt_at, UnixTime(200));
    assert_eq!(state.last_success_at, Some(UnixTime(100)));
    assert_eq!(state.last_error, Some(err));
    s.record_renewal(&scope, UnixTime(300), Ok(())).await.unwrap();
    let state = s.renewal_state(&scope).await.unwrap().unwrap();
    assert_eq!(state.last_success_at, Some(UnixTime(300)));
    assert_eq!(state.last_error, None);
    assert!(s.renewal_state(&Scope::Instance).await.unwrap().is_none());
}

pub async fn settings(h: &Harness) {
    let s = &h.store;
    assert_eq!(s.get_setting("alloc/acme").await.unwrap(), None);
    s.put_setting("alloc/acme", &json!({"max_users": 10}), T0)
        .await
        .unwrap();
    s.put_setting("alloc/beta", &json!({"max_users": 5}), T0).await.unwrap();
    s.put_setting("other", &json!(true), T0).await.unwrap();
    s.put_setting("alloc/acme", &json!({"max_users": 12}), T0)
        .await
        .unwrap();
    assert_eq!(
        s.get_setting("alloc/acme").await.unwrap(),
        Some(json!({"max_users": 12}))
    );
    let listed = s.list_settings("alloc/").await.unwrap();
    assert_eq!(
        listed.iter().map(|(k, _)| k.as_str()).collect::<Vec<_>>(),
        ["alloc/acme", "alloc/beta"]
    );
    assert!(s.delete_setting("alloc/beta").await.unwrap());
    assert!(!s.delete_setting("alloc/beta").await.unwrap());
    assert_eq!(s.list_settings("").await.unwrap().len(), 2);
    let huge = json!("x".repeat(licet_store::MAX_JSON_LEN + 1));
    assert_eq!(
        s.put_setting("big", &huge, T0).await.unwrap_err().code(),
        "store_invalid_input"
    );
}

pub async fn rejects_bad_input(h: &Harness) {
    let s = &h.store;
    let mut l = license(Scope::Instance, "", "cust", 1, 100);
    assert_eq!(
        s.install_license(l.clone()).await.unwrap_err().code(),
        "store_invalid_input"
    );
    l.token = "a".repeat(licet_store::MAX_TOKEN_LEN + 1);
    assert_eq!(
        s.install_license(l.clone()).await.unwrap_err().code(),
        "store_invalid_input"
    );
    l.token = "tok\0nul".to_owned();
    assert_eq!(
        s.install_license(l.clone()).await.unwrap_err().code(),
        "store_invalid_input"
    );
    l.token = "ok".to_owned();
    l.change.actor = String::new();
    assert_eq!(s.install_license(l).await.unwrap_err().code(), "store_invalid_input");
    assert!(Scope::org("").is_err());
    assert!(Scope::org("a\nb").is_err());
    assert_eq!(s.verify_audit_chain().await.unwrap(), 0);
}

pub async fn events_reach_own_subscribers(h: &Harness) {
    let s = &h.store;
    let mut rx = s.subscribe();
    s.install_license(license(Scope::Instance, "tok-a", "cust", 1, 100))
        .await
        .unwrap();
    assert_eq!(next_event(&mut rx, 10).await, installed(Scope::Instance, "tok-a"));
    s.clear_license(&Scope::Instance, Change::new("bob", UnixTime(200)))
        .await
        .unwrap();
    assert_eq!(
        next_event(&mut rx, 10).await,
        StoreEvent::LicenseCleared { scope: Scope::Instance }
    );
    // A refused install sends nothing.
    let _ = s
        .install_license(license(Scope::Instance, "tok-old", "cust", 0, 300))
        .await
        .unwrap_err();
    s.put_setting("k", &json!(1), T0).await.unwrap();
    assert_eq!(
        next_event(&mut rx, 10).await,
        StoreEvent::SettingChanged { key: "k".to_owned() }
    );
}
