//! Gate responses for every code, guards, and the org scope, through `tower::ServiceExt::oneshot`.

use axum::routing::{get, post};
use axum::Router;
use http::{Request, StatusCode};
use http_body_util::BodyExt;
use licet_core::Limit;
use licet_runtime::{Feature, GateConfig, GateLayer, LicenseGuard, RequireFeature, Runtime};
use licet_store::Scope;
use tower::ServiceExt;

use crate::common::{World, DAY, T0};

struct Chat;
impl Feature for Chat {
    const NAME: &'static str = "chat";
}
struct Reports;
impl Feature for Reports {
    const NAME: &'static str = "reports";
}

fn app(rt: &Runtime) -> Router {
    Router::new()
        .route("/health", get(|| async { "ok" }))
        .route("/v1/license/status", get(|| async { "status" }))
        .route("/api/items", get(|| async { "list" }).post(|| async { "created" }))
        .route("/api/connectors/salesforce/sync", get(|| async { "sf" }))
        .route("/api/connectors/sap/sync", get(|| async { "sap" }))
        .route("/api/chat", get(|_: RequireFeature<Chat>| async { "chat" }))
        .route("/api/reports", get(|_: RequireFeature<Reports>| async { "reports" }))
        .route(
            "/api/users",
            post(|g: LicenseGuard, body: String| async move {
                let current: u64 = body.trim().parse().unwrap_or(0);
                g.quota("users", current).map(|_| "user created")
            }),
        )
        .layer(GateLayer::new(
            rt.clone(),
            GateConfig::default()
                .allow("/health")
                .allow("/v1/license")
                .org_from_header("x-org"),
        ))
}

async fn call(
    app: &Router,
    method: &str,
    path: &str,
    body: &str,
    org: Option<&str>,
) -> (StatusCode, serde_json::Value) {
    let mut req = Request::builder().method(method).uri(path);
    if let Some(o) = org {
        req = req.header("x-org", o);
    }
    let resp = app
        .clone()
        .oneshot(req.body(axum::body::Body::from(body.to_owned())).unwrap())
        .await
        .unwrap();
    let status = resp.status();
    let bytes = resp.into_body().collect().await.unwrap().to_bytes();
    let json = serde_json::from_slice(&bytes)
        .unwrap_or_else(|_| serde_json::Value::String(String::from_utf8_lossy(&bytes).into()));
    (status, json)
}

fn code(v: &serde_json::Value) -> &str {
    v["code"].as_str().unwrap_or("")
}

#[tokio::test]
async fn activation_pending_locks_all_but_the_allowlist() {
    let w = World::new().await;
    let rt = w.runtime().await;
    let app = app(&rt);
    assert_eq!(call(&app, "GET", "/health", "", None).await.0, StatusCode::OK);
    assert_eq!(
        call(&app, "GET", "/v1/license/status", "", None).await.0,
        StatusCode::OK
    );
    let (s, body) = call(&app, "GET", "/api/items", "", None).await;
    assert_eq!((s, code(&body)), (StatusCode::FORBIDDEN, "license_locked"));
    assert!(body["message"].as_str().unwrap().ends_with('.'));
    // Module routes of unloaded modules do not exist.
    assert_eq!(
        call(&app, "GET", "/api/connectors/sap/sync", "", None).await.0,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn active_license_serves_and_guards_features_and_quotas() {
    let w = World::new().await;
    let rt = w.runtime().await;
    rt.install(w.token(365, 1).as_bytes(), "owner", None, Scope::Instance)
        .await
        .unwrap();
    let app = app(&rt);
    assert_eq!(call(&app, "GET", "/api/items", "", None).await.0, StatusCode::OK);
    assert_eq!(call(&app, "POST", "/api/items", "", None).await.0, StatusCode::OK);
    assert_eq!(
        call(&app, "GET", "/api/connectors/salesforce/sync", "", None).await.0,
        StatusCode::OK
    );
    assert_eq!(
        call(&app, "GET", "/api/connectors/sap/sync", "", None).await.0,
        StatusCode::NOT_FOUND
    );
    assert_eq!(call(&app, "GET", "/api/chat", "", None).await.0, StatusCode::OK);
    let (s, body) = call(&app, "GET", "/api/reports", "", None).await;
    assert_eq!((s, code(&body)), (StatusCode::FORBIDDEN, "feature_not_licensed"));
    assert_eq!(body["feature"], "reports");
    assert_eq!(call(&app, "POST", "/api/users", "4", None).await.0, StatusCode::OK);
    let (s, body) = call(&app, "POST", "/api/users", "5", None).await;
    assert_eq!((s, code(&body)), (StatusCode::FORBIDDEN, "quota_exceeded"));
    assert_eq!((body["limit"].as_u64(), body["current"].as_u64()), (Some(5), Some(5)));
    assert_eq!(body["kind"], "users");
}

#[tokio::test]
async fn grace_is_read_only_and_expiry_answers_license_expired() {
    let w = World::new().await;
    let rt = w.runtime().await;
    rt.install(w.token(10, 1).as_bytes(), "owner", None, Scope::Instance)
        .await
        .unwrap();
    let app = app(&rt);
    w.clock.set(T0.plus_seconds(11 * DAY));
    rt.reevaluate().await.unwrap();
    assert_eq!(call(&app, "GET", "/api/items", "", None).await.0, StatusCode::OK);
    let (s, body) = call(&app, "POST", "/api/items", "", None).await;
    assert_eq!((s, code(&body)), (StatusCode::FORBIDDEN, "license_read_only"));
    for m in ["PUT", "DELETE", "PATCH"] {
        assert_eq!(
            call(&app, m, "/api/items", "", None).await.0,
            StatusCode::FORBIDDEN,
            "{m}"
        );
    }
    w.clock.set(T0.plus_seconds(25 * DAY));
    rt.reevaluate().await.unwrap();
    let (s, body) = call(&app, "GET", "/api/items", "", None).await;
    assert_eq!((s, code(&body)), (StatusCode::FORBIDDEN, "license_expired"));
    assert_eq!(
        call(&app, "GET", "/v1/license/status", "", None).await.0,
        StatusCode::OK
    );
}

#[tokio::test]
async fn invalid_license_in_env_answers_license_invalid() {
    let mut w = World::new().await;
    let mut claims = w.claims(365, 1);
    claims.aud = licet_core::Audience::one("another-product");
    w.env.insert("TEST_LICENSE".into(), w.vendor.issue(&claims).unwrap());
    let rt = w.runtime().await;
    let snap = rt.snapshot();
    assert_eq!(snap.instance.source, Some(licet_runtime::Source::Env));
    assert_eq!(
        snap.instance.status.reason.map(|r| r.code()),
        Some("license_wrong_audience")
    );
    let (s, body) = call(&app(&rt), "GET", "/api/items", "", None).await;
    assert_eq!((s, code(&body)), (StatusCode::FORBIDDEN, "license_invalid"));
}

#[tokio::test]
async fn org_scoped_license_beats_the_instance_one() {
    let w = World::new().await;
    let rt = w.runtime().await;
    rt.install(w.token(365, 1).as_bytes(), "owner", None, Scope::Instance)
        .await
        .unwrap();
    let mut org = w.vendor.claims_granting(
        T0,
        Some(T0.plus_seconds(365 * DAY)),
        &[],
        &["reports"],
        &[("users", Limit::Count(1))],
    );
    org.lic.customer.id = "acme-eu".into();
    rt.install(
        w.vendor.issue(&org).unwrap().as_bytes(),
        "owner",
        None,
        Scope::org("eu").unwrap(),
    )
    .await
    .unwrap();
    let app = app(&rt);
    assert_eq!(
        call(&app, "GET", "/api/reports", "", Some("eu")).await.0,
        StatusCode::OK
    );
    assert_eq!(
        call(&app, "GET", "/api/reports", "", None).await.0,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        call(&app, "GET", "/api/reports", "", Some("us")).await.0,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        call(&app, "POST", "/api/users", "1", Some("eu")).await.0,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        call(&app, "POST", "/api/users", "1", Some("us")).await.0,
        StatusCode::OK
    );
}

#[tokio::test]
async fn enforcement_switch_is_read_only_when_the_profile_has_one() {
    // Honeyframe: no license and LICENSE_ENFORCE unset → unenforced; LICENSE_ENFORCE=1 → enforced.
    let mut w = World::new().await;
    let hf = licet_core::profiles::HONEYFRAME.clone();
    let rt = w.runtime_with(hf.clone()).await;
    assert_eq!(call(&app(&rt), "POST", "/api/items", "", None).await.0, StatusCode::OK);
    assert_eq!(call(&app(&rt), "GET", "/api/reports", "", None).await.0, StatusCode::OK);
    w.env.insert("LICENSE_ENFORCE".into(), "1".into());
    let rt = w.runtime_with(hf).await;
    assert_eq!(
        call(&app(&rt), "GET", "/api/items", "", None).await.0,
        StatusCode::FORBIDDEN
    );
    // nivq has no switch: the variable is ignored.
    w.env.insert("LICENSE_ENFORCE".into(), "0".into());
    let rt = w.runtime().await;
    assert_eq!(
        call(&app(&rt), "GET", "/api/items", "", None).await.0,
        StatusCode::FORBIDDEN
    );
}
