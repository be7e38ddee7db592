//! Issue #14: a license that would leave the install worse off never silently replaces the one in force.

use std::sync::{Arc, Mutex};

use axum::http::StatusCode;
use axum::routing::get;
use licet_core::{Lost, State};
use licet_runtime::{Error, RenewalConfig, Runtime};
use licet_store::Scope;

use crate::common::{policy, World, DAY, T0};

fn losses(e: &Error) -> Vec<serde_json::Value> {
    match e {
        Error::ChangeNeedsAck { losses } => losses.iter().map(|l| serde_json::to_value(l).unwrap()).collect(),
        other => panic!("expected license_change_needs_ack, got {other}"),
    }
}

#[tokio::test]
async fn an_expired_license_over_a_valid_one_needs_acknowledgement_and_is_audited_either_way() {
    let w = World::new().await;
    let rt = w.runtime().await;
    rt.install(w.token(365, 1).as_bytes(), "owner", None, Scope::Instance)
        .await
        .unwrap();
    // Signed correctly, newer sequence, but long expired.
    let expired = w.token(-400, 2);
    let e = rt
        .install(expired.as_bytes(), "owner", Some("oops"), Scope::Instance)
        .await
        .unwrap_err();
    assert_eq!(e.code(), "license_change_needs_ack");
    assert_eq!(
        losses(&e),
        [serde_json::json!({"what": "state", "from": "active", "to": "expired"})]
    );
    assert!(e.to_string().contains("state active → expired"), "{e}");
    // Nothing changed: neither the snapshot nor the store nor the sequence mark.
    assert_eq!(rt.snapshot().instance.status.state, State::Active);
    let rec = w.store.current_license(&Scope::Instance).await.unwrap().unwrap();
    assert_eq!(rec.sequence, Some(1));
    let audit = w.store.list_audit(None, 10).await.unwrap();
    let refused = &audit[0];
    assert_eq!(refused.action, "license.rejected");
    assert_eq!(refused.reason.as_deref(), Some("oops"));
    assert_eq!(refused.details["outcome"], "license_change_needs_ack");
    assert_eq!(refused.details["changes"][0]["to"], "expired");
    assert!(refused.fingerprint.is_some());

    let snap = rt
        .install_with(
            expired.as_bytes(),
            "owner",
            Some("yes, really"),
            Scope::Instance,
            "upload",
            true,
        )
        .await
        .unwrap();
    assert_eq!(snap.instance.status.state, State::Expired);
    let audit = w.store.list_audit(None, 10).await.unwrap();
    let installed = &audit[0];
    assert_eq!(installed.action, "license.install");
    assert_eq!(installed.details["extra"]["acknowledged"], true);
    assert_eq!(installed.details["extra"]["changes"][0]["from"], "active");
}

#[tokio::test]
async fn fewer_grants_need_acknowledgement_but_more_do_not() {
    let w = World::new().await;
    let rt = w.runtime().await;
    rt.install(w.token(365, 1).as_bytes(), "owner", None, Scope::Instance)
        .await
        .unwrap();
    let mut less = w.claims(365, 2);
    less.lic.features.clear();
    less.lic.limits.insert("users".into(), licet_core::Limit::Count(2));
    less.lic.customer.id = "globex".into();
    let e = rt
        .install(
            w.vendor.issue(&less).unwrap().as_bytes(),
            "owner",
            None,
            Scope::Instance,
        )
        .await
        .unwrap_err();
    assert_eq!(
        losses(&e),
        [
            serde_json::json!({"what": "customer", "from": "acme", "to": "globex"}),
            serde_json::json!({"what": "feature", "removed": "chat"}),
            serde_json::json!({"what": "limit", "kind": "users", "from": "5", "to": "2"}),
        ]
    );
    let mut more = w.claims(700, 3);
    more.lic.features.push("video".into());
    rt.install(
        w.vendor.issue(&more).unwrap().as_bytes(),
        "owner",
        None,
        Scope::Instance,
    )
    .await
    .unwrap();
    assert_eq!(rt.snapshot().instance.status.license.as_ref().unwrap().sequence, 3);
}

/// The first install, and an install over an expired license, have nothing in force to lose.
#[tokio::test]
async fn nothing_in_force_needs_no_acknowledgement() {
    let w = World::new().await;
    let rt = w.runtime().await;
    rt.install(w.token(-400, 1).as_bytes(), "owner", None, Scope::Instance)
        .await
        .unwrap();
    assert_eq!(rt.snapshot().instance.status.state, State::Expired);
    let mut other = w.claims(-300, 2);
    other.lic.customer.id = "globex".into();
    other.lic.features.clear();
    rt.install(
        w.vendor.issue(&other).unwrap().as_bytes(),
        "owner",
        None,
        Scope::Instance,
    )
    .await
    .unwrap();
    // Invalid licenses are still refused with their own reason, acknowledged or not.
    let mut future = w.claims(365, 3);
    future.nbf = Some(T0.plus_seconds(10 * DAY));
    let e = rt
        .install_with(
            w.vendor.issue(&future).unwrap().as_bytes(),
            "owner",
            None,
            Scope::Instance,
            "upload",
            true,
        )
        .await
        .unwrap_err();
    assert_eq!(e.code(), "license_not_yet_valid");
}

/// An org's first license of its own is a first install, whatever the instance license grants the org; after
/// that the org's own license is what a new one is compared with.
#[tokio::test]
async fn an_org_license_is_compared_with_the_orgs_own() {
    let w = World::new().await;
    let rt = w.runtime().await;
    let eu = Scope::org("eu").unwrap();
    rt.install(w.token(365, 1).as_bytes(), "owner", None, Scope::Instance)
        .await
        .unwrap();
    rt.install(w.token(365, 1).as_bytes(), "owner", None, eu.clone())
        .await
        .unwrap();
    let e = rt
        .install(w.token(-5, 2).as_bytes(), "owner", None, eu.clone())
        .await
        .unwrap_err();
    match &e {
        Error::ChangeNeedsAck { losses } => assert_eq!(
            losses[0].lost,
            Lost::State {
                from: State::Active,
                to: State::Grace
            }
        ),
        other => panic!("{other}"),
    }
    assert_eq!(rt.snapshot().orgs["eu"].status.state, State::Active);
}

/// A renewal of the same customer that takes something away is not installed behind the operator's back: it
/// fails like any renewal failure (logged, recorded), and the license in force stays.
#[tokio::test]
async fn a_renewal_that_takes_something_away_is_refused_and_recorded() {
    let w = World::new().await;
    let answer = Arc::new(Mutex::new(String::new()));
    let served = answer.clone();
    let app = axum::Router::new().route(
        "/renew",
        get(move || {
            let body = served.lock().unwrap().clone();
            async move { (StatusCode::OK, body) }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    let rt = Runtime::builder(policy(), w.vendor.verifier(), w.store.clone())
        .clock(Arc::new(w.clock.clone()))
        .env(Arc::new(|_| None))
        .renewal(RenewalConfig {
            enabled: false,
            url_override: Some(format!("http://{addr}/renew")),
            ..RenewalConfig::default()
        })
        .build()
        .await
        .unwrap();
    rt.install(w.token(30, 1).as_bytes(), "owner", None, Scope::Instance)
        .await
        .unwrap();
    let mut less = w.claims(395, 2);
    less.lic.products.clear();
    *answer.lock().unwrap() = w.vendor.issue(&less).unwrap();
    let e = rt.refresh_now().await.unwrap_err();
    assert_eq!(e.code(), "license_change_needs_ack");
    let st = w.store.renewal_state(&Scope::Instance).await.unwrap().unwrap();
    let recorded = st.last_error.unwrap();
    assert_eq!(recorded.code, "license_change_needs_ack");
    assert!(
        recorded.message.contains("product salesforce removed"),
        "{}",
        recorded.message
    );
    assert_eq!(rt.snapshot().instance.status.license.as_ref().unwrap().sequence, 1);
    let audit = w.store.list_audit(None, 1).await.unwrap();
    assert_eq!(
        (audit[0].action.as_str(), audit[0].actor.as_str()),
        ("license.rejected", "renewal")
    );

    // A renewal that only adds is installed as before.
    *answer.lock().unwrap() = w.token(395, 3);
    rt.refresh_now().await.unwrap();
    assert_eq!(rt.snapshot().instance.status.license.as_ref().unwrap().sequence, 3);
}
