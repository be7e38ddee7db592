//! Connected renewal against a local vendor stub on 127.0.0.1:0.

use std::sync::{Arc, Mutex};

use axum::extract::State as AxState;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::get;
use licet_runtime::{RefreshOutcome, RenewalConfig, Runtime};
use licet_store::Scope;

use crate::common::{policy, World, T0};

#[derive(Clone, Default)]
struct Stub {
    answer: Arc<Mutex<(StatusCode, String)>>,
    seen_auth: Arc<Mutex<Vec<String>>>,
}

async fn serve(stub: Stub) -> String {
    let app = axum::Router::new()
        .route(
            "/renew",
            get(|AxState(s): AxState<Stub>, h: HeaderMap| async move {
                let auth = h
                    .get("authorization")
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or("")
                    .to_owned();
                s.seen_auth.lock().unwrap().push(auth);
                s.answer.lock().unwrap().clone()
            }),
        )
        .with_state(stub);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    format!("http://{addr}/renew")
}

async fn runtime(w: &World, url: &str) -> Runtime {
    Runtime::builder(policy(), w.vendor.verifier(), w.store.clone())
        .clock(Arc::new(w.clock.clone()))
        .env(Arc::new(|_| None))
        .renewal(RenewalConfig {
            enabled: false,
            credential: Some("install-secret".into()),
            url_override: Some(url.to_owned()),
            ..RenewalConfig::default()
        })
        .build()
        .await
        .unwrap()
}

#[tokio::test]
async fn refresh_installs_only_newer_and_keeps_current_on_failure() {
    let w = World::new().await;
    let stub = Stub::default();
    let url = serve(stub.clone()).await;
    let rt = runtime(&w, &url).await;
    rt.install(w.token(30, 3).as_bytes(), "owner", None, Scope::Instance)
        .await
        .unwrap();

    // Newer: installed, and the bearer credential was sent.
    *stub.answer.lock().unwrap() = (StatusCode::OK, w.token(395, 4));
    let out = rt.refresh_now().await.unwrap();
    assert!(matches!(out, RefreshOutcome::Installed { sequence: 4, .. }), "{out:?}");
    assert_eq!(stub.seen_auth.lock().unwrap()[0], "Bearer install-secret");
    assert_eq!(rt.snapshot().instance.status.license.as_ref().unwrap().sequence, 4);
    let rec = w.store.current_license(&Scope::Instance).await.unwrap().unwrap();
    assert_eq!((rec.actor.as_str(), rec.source.as_str()), ("renewal", "renewal"));

    // Same sequence, later expiry: newer. Same sequence, earlier: not newer.
    *stub.answer.lock().unwrap() = (StatusCode::OK, w.token(400, 4));
    assert!(matches!(
        rt.refresh_now().await.unwrap(),
        RefreshOutcome::Installed { .. }
    ));
    *stub.answer.lock().unwrap() = (StatusCode::OK, w.token(10, 4));
    assert_eq!(rt.refresh_now().await.unwrap(), RefreshOutcome::NotNewer);
    // Older sequence: not newer, nothing changes.
    *stub.answer.lock().unwrap() = (StatusCode::OK, w.token(900, 2));
    assert_eq!(rt.refresh_now().await.unwrap(), RefreshOutcome::NotNewer);

    // Vendor errors and garbage keep the current license and are recorded.
    *stub.answer.lock().unwrap() = (StatusCode::SERVICE_UNAVAILABLE, String::new());
    assert_eq!(rt.refresh_now().await.unwrap_err().code(), "renewal_failed");
    let st = w.store.renewal_state(&Scope::Instance).await.unwrap().unwrap();
    assert_eq!(st.last_error.unwrap().code, "renewal_failed");
    assert_eq!(st.last_attempt_at, T0);
    *stub.answer.lock().unwrap() = (StatusCode::OK, "garbage".into());
    assert_eq!(rt.refresh_now().await.unwrap_err().code(), "license_malformed");
    let exp = rt.snapshot().instance.status.expires_at.unwrap();
    assert_eq!(exp, T0.plus_days(400));
    *stub.answer.lock().unwrap() = (StatusCode::OK, w.token(500, 5));
    rt.refresh_now().await.unwrap();
    let st = w.store.renewal_state(&Scope::Instance).await.unwrap().unwrap();
    assert!(st.last_error.is_none() && st.last_success_at.is_some());
}

#[tokio::test]
async fn no_renewal_url_is_not_an_error() {
    let w = World::new().await;
    let rt = Runtime::builder(policy(), w.vendor.verifier(), w.store.clone())
        .clock(Arc::new(w.clock.clone()))
        .env(Arc::new(|_| None))
        .build()
        .await
        .unwrap();
    rt.install(w.token(30, 1).as_bytes(), "owner", None, Scope::Instance)
        .await
        .unwrap();
    assert_eq!(rt.refresh_now().await.unwrap(), RefreshOutcome::NoRenewalUrl);
}

/// An org's own license, for customer `acme-eu`, renewing from `url`.
fn org_token(w: &World, days: i64, sequence: u64, url: &str) -> String {
    let mut c = w.claims(days, sequence);
    c.lic.customer.id = "acme-eu".into();
    c.lic.renewal = Some(licet_core::claims::Renewal { url: url.to_owned() });
    w.vendor.issue(&c).unwrap()
}

fn org_sequence(rt: &Runtime) -> Option<u64> {
    let snap = rt.snapshot();
    snap.orgs.get("eu")?.status.license.as_ref().map(|l| l.sequence)
}

#[tokio::test]
async fn org_licenses_renew_from_their_own_url_with_the_same_rules() {
    let w = World::new().await;
    let (vendor, org_vendor) = (Stub::default(), Stub::default());
    let rt = runtime(&w, &serve(vendor.clone()).await).await;
    let org_url = serve(org_vendor.clone()).await;
    let eu = Scope::org("eu").unwrap();
    rt.install(w.token(30, 3).as_bytes(), "owner", None, Scope::Instance)
        .await
        .unwrap();
    // No license of its own yet: nothing to renew (the instance's `url_override` is not the org's).
    assert_eq!(rt.refresh_scope(&eu).await.unwrap(), RefreshOutcome::NoRenewalUrl);
    rt.install(org_token(&w, 30, 1, &org_url).as_bytes(), "owner", None, eu.clone())
        .await
        .unwrap();

    // Newer: installed into the org's scope, with the install credential; the instance is untouched.
    *org_vendor.answer.lock().unwrap() = (StatusCode::OK, org_token(&w, 395, 2, &org_url));
    let out = rt.refresh_scope(&eu).await.unwrap();
    assert!(matches!(out, RefreshOutcome::Installed { sequence: 2, .. }), "{out:?}");
    assert_eq!(org_vendor.seen_auth.lock().unwrap()[0], "Bearer install-secret");
    assert!(vendor.seen_auth.lock().unwrap().is_empty());
    assert_eq!(org_sequence(&rt), Some(2));
    assert_eq!(rt.snapshot().instance.status.license.as_ref().unwrap().sequence, 3);
    let rec = w.store.current_license(&eu).await.unwrap().unwrap();
    assert_eq!((rec.actor.as_str(), rec.source.as_str()), ("renewal", "renewal"));
    let st = w.store.renewal_state(&eu).await.unwrap().unwrap();
    assert!(st.last_error.is_none() && st.last_success_at == Some(T0));
    assert!(w.store.renewal_state(&Scope::Instance).await.unwrap().is_none());

    // Not newer: nothing changes.
    *org_vendor.answer.lock().unwrap() = (StatusCode::OK, org_token(&w, 900, 1, &org_url));
    assert_eq!(rt.refresh_scope(&eu).await.unwrap(), RefreshOutcome::NotNewer);
    assert_eq!(org_sequence(&rt), Some(2));

    // Failures keep the org's license and are recorded under the org.
    *org_vendor.answer.lock().unwrap() = (StatusCode::BAD_GATEWAY, String::new());
    assert_eq!(rt.refresh_scope(&eu).await.unwrap_err().code(), "renewal_failed");
    *org_vendor.answer.lock().unwrap() = (StatusCode::OK, "garbage".into());
    assert_eq!(rt.refresh_scope(&eu).await.unwrap_err().code(), "license_malformed");
    // The instance's license (customer `acme`) is no renewal of the org's (`acme-eu`), however new.
    *org_vendor.answer.lock().unwrap() = (StatusCode::OK, w.token(500, 9));
    let e = rt.refresh_scope(&eu).await.unwrap_err();
    assert_eq!(e.code(), "renewal_failed");
    assert!(e.to_string().contains("acme-eu"), "{e}");
    assert_eq!(org_sequence(&rt), Some(2));
    let st = w.store.renewal_state(&eu).await.unwrap().unwrap();
    assert!(st.last_error.is_some());
    assert_eq!(st.last_success_at, Some(T0));
}

#[tokio::test]
async fn the_scheduler_renews_org_licenses_too() {
    let w = World::new().await;
    let org_vendor = Stub::default();
    let org_url = serve(org_vendor.clone()).await;
    let rt = Runtime::builder(policy(), w.vendor.verifier(), w.store.clone())
        .clock(Arc::new(w.clock.clone()))
        .env(Arc::new(|_| None))
        .renewal(RenewalConfig {
            enabled: true,
            interval: std::time::Duration::from_millis(50),
            jitter: 0.0,
            credential: Some("install-secret".into()),
            ..RenewalConfig::default()
        })
        .build()
        .await
        .unwrap();
    let eu = Scope::org("eu").unwrap();
    rt.install(w.token(30, 1).as_bytes(), "owner", None, Scope::Instance)
        .await
        .unwrap();
    rt.install(org_token(&w, 30, 1, &org_url).as_bytes(), "owner", None, eu.clone())
        .await
        .unwrap();
    *org_vendor.answer.lock().unwrap() = (StatusCode::OK, org_token(&w, 395, 2, &org_url));
    for _ in 0..500 {
        if org_sequence(&rt) == Some(2) {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    assert_eq!(
        org_sequence(&rt),
        Some(2),
        "the scheduler never renewed the org's license"
    );
    let st = w.store.renewal_state(&eu).await.unwrap().unwrap();
    assert!(st.last_error.is_none());
    // The instance license names no renewal URL: nothing was fetched or recorded for it.
    assert!(w.store.renewal_state(&Scope::Instance).await.unwrap().is_none());
}
