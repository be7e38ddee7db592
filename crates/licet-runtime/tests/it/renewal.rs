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

async fn runtime(w: &World, renewal: RenewalConfig) -> Runtime {
    Runtime::builder(policy(), w.vendor.verifier(), w.store.clone())
        .clock(Arc::new(w.clock.clone()))
        .env(Arc::new(|_| None))
        .renewal(renewal)
        .build()
        .await
        .unwrap()
}

/// Renewal only when asked (no scheduler), from `url`, with the install credential.
fn manual(url: String) -> RenewalConfig {
    RenewalConfig {
        enabled: false,
        credential: Some("install-secret".into()),
        url_override: Some(url),
        ..RenewalConfig::default()
    }
}

#[tokio::test]
async fn refresh_installs_only_newer_and_keeps_current_on_failure() {
    let w = World::new().await;
    let stub = Stub::default();
    let url = serve(stub.clone()).await;
    let rt = runtime(&w, manual(url)).await;
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
    let rt = runtime(&w, RenewalConfig::default()).await;
    rt.install(w.token(30, 1).as_bytes(), "owner", None, Scope::Instance)
        .await
        .unwrap();
    assert_eq!(rt.refresh_now().await.unwrap(), RefreshOutcome::NoRenewalUrl);
}

/// Issue #14: a license naming a plain-http renewal URL on a real network still installs (the URL only says where
/// to renew, and the license is signed), but nothing is ever sent there: each attempt fails with
/// `renewal_url_insecure`, is recorded, and the license stays in force. An https URL that redirects to plain http
/// is refused the same way, before the credential follows it.
#[tokio::test]
async fn plain_http_renewal_urls_are_refused_and_the_license_kept() {
    let w = World::new().await;
    let rt = runtime(
        &w,
        RenewalConfig {
            enabled: false,
            credential: Some("install-secret".into()),
            ..RenewalConfig::default()
        },
    )
    .await;
    let mut claims = w.claims(365, 1);
    claims.lic.renewal = Some(licet_core::claims::Renewal {
        url: "http://licenses.vendor.example/v1/renew".into(),
    });
    let token = w.vendor.issue(&claims).unwrap();
    rt.install(token.as_bytes(), "owner", None, Scope::Instance)
        .await
        .unwrap();
    let e = rt.refresh_now().await.unwrap_err();
    assert_eq!(e.code(), "renewal_url_insecure", "{e}");
    assert!(e.to_string().contains("http://licenses.vendor.example/v1/renew"), "{e}");
    let st = w.store.renewal_state(&Scope::Instance).await.unwrap().unwrap();
    assert_eq!(st.last_error.unwrap().code, "renewal_url_insecure");
    let snap = rt.snapshot();
    assert_eq!(snap.instance.status.license.as_ref().unwrap().sequence, 1);
    assert_eq!(snap.instance.status.state.code(), "active");

    // A loopback stub that redirects off the machine over plain http.
    let app = axum::Router::new().route(
        "/moved",
        get(|| async {
            (
                StatusCode::FOUND,
                [("location", "http://licenses.vendor.example/v1/renew")],
            )
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    let rt = runtime(&w, manual(format!("http://{addr}/moved"))).await;
    let e = rt.refresh_now().await.unwrap_err();
    assert_eq!(e.code(), "renewal_url_insecure", "{e}");
    assert!(
        e.to_string()
            .contains("redirected to http://licenses.vendor.example/v1/renew"),
        "{e}"
    );
}

/// Polls (real time, bounded) until `f` holds: the scheduler runs on its own task.
async fn eventually(what: &str, mut f: impl FnMut() -> bool) {
    for _ in 0..500 {
        if f() {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    panic!("timed out waiting for {what}");
}

#[tokio::test]
async fn the_hourly_schedule_follows_the_injected_clock() {
    let w = World::new().await;
    let stub = Stub::default();
    let url = serve(stub.clone()).await;
    *stub.answer.lock().unwrap() = (StatusCode::SERVICE_UNAVAILABLE, String::new());
    let hour = std::time::Duration::from_secs(3600);
    let renewal = RenewalConfig {
        jitter: 0.0,
        interval: hour,
        // "the job retries on the next interval": no shorter retry after a failure.
        backoff_base: hour,
        backoff_max: hour,
        url_override: Some(url),
        ..RenewalConfig::default()
    };
    let rt = runtime(&w, renewal).await;
    rt.install(w.token(30, 1).as_bytes(), "owner", None, Scope::Instance)
        .await
        .unwrap();
    let calls = || stub.seen_auth.lock().unwrap().len();

    w.clock.advance(std::time::Duration::from_secs(3599));
    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    assert_eq!(calls(), 0, "not due before the hour");
    w.clock.advance(std::time::Duration::from_secs(1));
    eventually("the first attempt", || calls() == 1).await;
    // The vendor is down: the attempt fails, the license in force stays.
    let store = w.store.clone();
    let mut state = None;
    for _ in 0..500 {
        state = store.renewal_state(&Scope::Instance).await.unwrap();
        if state.is_some() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    assert_eq!(state.unwrap().last_error.unwrap().code, "renewal_failed");
    assert_eq!(rt.snapshot().instance.status.license.as_ref().unwrap().sequence, 1);

    // Back up: the retry is due on the next interval and installs the newer license.
    *stub.answer.lock().unwrap() = (StatusCode::OK, w.token(400, 2));
    w.clock.advance(hour);
    eventually("the retry to install sequence 2", || {
        rt.snapshot().instance.status.license.as_ref().unwrap().sequence == 2
    })
    .await;
    assert_eq!(calls(), 2);
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
    let rt = runtime(&w, manual(serve(vendor.clone()).await)).await;
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
            interval: std::time::Duration::from_secs(3600),
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
    // Due by the injected clock: ten minutes at a time, until the org has joined the schedule and its hour is up.
    for _ in 0..500 {
        if org_sequence(&rt) == Some(2) {
            break;
        }
        w.clock.advance(std::time::Duration::from_secs(600));
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
