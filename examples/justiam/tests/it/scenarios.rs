use std::sync::Arc;

use axum::http::Method;
use axum::Router;
use justiam_example::{Config, Justiam};
use licet_runtime::ManualClock;
use seed_testkit::scenarios::{JUSTIAM, TERM_DAYS};
use seed_testkit::translate::justiam::JustiamLicense;
use seed_testkit::{Seed, Vendor, T0};
use serde_json::json;

use seed_testkit::http::{call, call_with, get, post};

async fn start() -> (Justiam, Router, ManualClock, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let clock = ManualClock::new(T0);
    let app = Justiam::start(Config {
        verifier: Seed::Justiam.verifier().unwrap(),
        store: licet_store::open_in_data_dir(dir.path()).await.unwrap(),
        clock: Arc::new(clock.clone()),
        auto_renewal: false,
    })
    .await
    .unwrap();
    let router = app.router();
    (app, router, clock, dir)
}

fn license(max_users: i64, max_tenants: i64, instance_id: &str, renewal_url: &str) -> JustiamLicense {
    JustiamLicense {
        sub: "ACME Corp".into(),
        instance_id: instance_id.into(),
        max_users,
        max_tenants,
        renewal_url: renewal_url.into(),
        iat: T0,
        exp: T0.plus_days(TERM_DAYS),
    }
}

fn sign(l: &JustiamLicense) -> String {
    Vendor::new(Seed::Justiam).unwrap().sign(&l.claims()).unwrap()
}

async fn activate(r: &Router, token: &str) -> (u16, serde_json::Value) {
    call_with(r, Method::POST, "/control/license", &[], Some(token.to_owned())).await
}

async fn tenant(r: &Router, id: &str) -> u16 {
    post(r, "/api/tenants", json!({ "id": id })).await.0
}

async fn user(r: &Router, t: &str, name: &str) -> (u16, serde_json::Value) {
    post(r, &format!("/api/tenants/{t}/users"), json!({ "name": name })).await
}

#[tokio::test]
async fn free_tier_ten_users_per_tenant_two_tenants() {
    let (_app, r, _c, _d) = start().await;
    assert_eq!(get(&r, "/control/license").await.1["status"], "free_tier");
    assert_eq!((tenant(&r, "t1").await, tenant(&r, "t2").await), (201, 201));
    let (code, body) = post(&r, "/api/tenants", json!({ "id": "t3" })).await;
    assert_eq!((code, body["code"].as_str()), (403, Some("max_orgs_reached")));
    for i in 0..10 {
        assert_eq!(user(&r, "t1", &format!("u{i}")).await.0, 201);
    }
    let (code, body) = user(&r, "t1", "u10").await;
    assert_eq!(
        (code, body["code"].as_str(), body["kind"].as_str()),
        (403, Some("quota_exceeded"), Some("users_per_tenant"))
    );
    assert_eq!(user(&r, "t2", "a").await.0, 201, "the cap is per tenant");
}

#[tokio::test]
async fn lifecycle_walk_expired_blocks_new_users_not_logins() {
    let (app, r, clock, _d) = start().await;
    assert_eq!(activate(&r, &sign(&license(100, 0, "", ""))).await.0, 200);
    tenant(&r, "t1").await;
    user(&r, "t1", "alice").await;
    for row in JUSTIAM {
        clock.set(T0.plus_days(row.day));
        app.runtime.reevaluate().await.unwrap();
        let (_, lic) = get(&r, "/control/license").await;
        assert_eq!(lic["status"], row.label, "day {}", row.day);
        assert_eq!(lic["banner"], row.banner, "day {}", row.day);
        let (code, body) = user(&r, "t1", &format!("new-{}", row.day)).await;
        assert_eq!(code, row.create_user, "day {}: {body}", row.day);
        let login = post(&r, "/api/tenants/t1/login", json!({ "name": "alice" })).await.0;
        assert_eq!(login, row.login, "day {}", row.day);
    }
    assert_eq!(user(&r, "t1", "late").await.1["code"], "license_expired");
    assert_eq!(tenant(&r, "t-admin").await, 201, "admin access is unaffected");
}

#[tokio::test]
async fn minus_one_users_and_zero_tenants_mean_unlimited() {
    let (_app, r, _c, _d) = start().await;
    activate(&r, &sign(&license(-1, 0, "", ""))).await;
    let (_, lic) = get(&r, "/control/license").await;
    assert_eq!(
        (lic["max_users"].as_str(), lic["max_tenants"].as_str()),
        (Some("unlimited"), Some("unlimited"))
    );
    for i in 0..5 {
        assert_eq!(tenant(&r, &format!("t{i}")).await, 201, "more than the free tier's 2");
    }
    for i in 0..15 {
        assert_eq!(
            user(&r, "t0", &format!("u{i}")).await.0,
            201,
            "more than the free tier's 10"
        );
    }
    assert_eq!(activate(&r, &sign(&license(16, 0, "", ""))).await.0, 200);
    assert_eq!(user(&r, "t1", "u15").await.0, 201);
    assert_eq!(
        user(&r, "t1", "u16").await.1["code"],
        "quota_exceeded",
        "max_users counts across tenants"
    );
}

#[tokio::test]
async fn instance_id_binds_to_the_deployment_uuid() {
    let (app, r, _c, _d) = start().await;
    let id = app.runtime.install_id().to_owned();
    assert_eq!(get(&r, "/control/license").await.1["deployment_id"], id.as_str());
    assert!(uuid_like(&id), "{id}");
    let (code, body) = activate(&r, &sign(&license(5, 1, "5d2b0c1a-0000-4000-8000-000000000000", ""))).await;
    assert_eq!((code, body["code"].as_str()), (422, Some("license_instance_mismatch")));
    assert_eq!(get(&r, "/control/license").await.1["status"], "free_tier");
    assert_eq!(activate(&r, &sign(&license(5, 1, &id, ""))).await.0, 200);
    assert_eq!(get(&r, "/control/license").await.1["status"], "active");
}

fn uuid_like(s: &str) -> bool {
    s.len() == 36 && s.chars().filter(|c| *c == '-').count() == 4
}

#[tokio::test]
async fn allocation_never_below_active_users() {
    let (_app, r, _c, _d) = start().await;
    activate(&r, &sign(&license(-1, 0, "", ""))).await;
    tenant(&r, "t1").await;
    for n in ["a", "b", "c"] {
        user(&r, "t1", n).await;
    }
    let (code, body) = call(
        &r,
        Method::PUT,
        "/api/tenants/t1/allocation",
        Some(json!({ "max_users": 2 })),
    )
    .await;
    assert_eq!(
        (code, body["code"].as_str()),
        (409, Some("allocation_below_active_users"))
    );
    assert_eq!(
        call(
            &r,
            Method::PUT,
            "/api/tenants/t1/allocation",
            Some(json!({ "max_users": 4 }))
        )
        .await
        .0,
        200
    );
    assert_eq!(user(&r, "t1", "d").await.0, 201);
    assert_eq!(user(&r, "t1", "e").await.1["code"], "allocation_exceeded");
}

#[tokio::test]
async fn control_plane_fans_out_and_clearing_reverts_every_tenant() {
    let (_app, r, _c, _d) = start().await;
    tenant(&r, "t1").await;
    tenant(&r, "t2").await;
    activate(&r, &sign(&license(-1, 0, "", ""))).await;
    for t in ["t1", "t2"] {
        let (_, v) = get(&r, &format!("/api/tenants/{t}/license")).await;
        assert_eq!(
            (v["status"].as_str(), v["sub"].as_str()),
            (Some("active"), Some("ACME Corp")),
            "{t}"
        );
    }
    assert_eq!(tenant(&r, "t3").await, 201);
    assert_eq!(call(&r, Method::DELETE, "/control/license", None).await.0, 200);
    for t in ["t1", "t2", "t3"] {
        assert_eq!(
            get(&r, &format!("/api/tenants/{t}/license")).await.1["status"],
            "free_tier",
            "{t}"
        );
    }
    assert_eq!(tenant(&r, "t4").await, 403, "back to the free tier's 2 tenants");
}

#[tokio::test]
async fn renewal_url_refresh_replaces_the_license() {
    // The vendor's renewal endpoint: answers the freshest license as plain text.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/renew/acme", listener.local_addr().unwrap());
    let mut fresh = license(-1, 0, "", &url);
    fresh.iat = T0.plus_days(300);
    fresh.exp = T0.plus_days(730);
    let fresh = sign(&fresh);
    let vendor = Router::new().route("/renew/acme", axum::routing::get(move || async move { fresh.clone() }));
    tokio::spawn(async move { axum::serve(listener, vendor).await.unwrap() });

    let (app, r, clock, _d) = start().await;
    activate(&r, &sign(&license(-1, 0, "", &url))).await;
    clock.set(T0.plus_days(340));
    app.runtime.reevaluate().await.unwrap();
    assert_eq!(get(&r, "/control/license").await.1["status"], "expiring_soon");
    let (code, body) = post(&r, "/control/license/refresh", json!({})).await;
    assert_eq!(code, 200, "{body}");
    assert!(body["outcome"].as_str().unwrap().starts_with("Installed"), "{body}");
    let (_, lic) = get(&r, "/control/license").await;
    assert_eq!(
        (lic["status"].as_str(), lic["expires_at"].as_str()),
        (Some("active"), Some(T0.plus_days(730).to_rfc3339().as_str()))
    );
    // Asking again: the same license is not newer, nothing changes.
    assert!(post(&r, "/control/license/refresh", json!({})).await.1["outcome"]
        .as_str()
        .unwrap()
        .starts_with("NotNewer"));
}
