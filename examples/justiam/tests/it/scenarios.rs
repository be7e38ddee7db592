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

const ADMIN: &str = "admin-test-credential";
const AS_ADMIN: [(&str, &str); 1] = [("authorization", "Bearer admin-test-credential")];

async fn start() -> (Justiam, Router, ManualClock, tempfile::TempDir) {
    start_with(false).await
}

async fn start_with(self_managed: bool) -> (Justiam, Router, ManualClock, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let clock = ManualClock::new(T0);
    let app = Justiam::start(Config {
        verifier: Seed::Justiam.verifier().unwrap(),
        store: licet_store::open_in_data_dir(dir.path()).await.unwrap(),
        clock: Arc::new(clock.clone()),
        auto_renewal: false,
        admin_token: ADMIN.into(),
        self_managed,
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
    call_with(r, Method::POST, "/control/license", &AS_ADMIN, Some(token.to_owned())).await
}

async fn control(r: &Router, method: Method, path: &str) -> (u16, serde_json::Value) {
    call_with(r, method, path, &AS_ADMIN, None).await
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
    // Unlimited → 16 users takes something away: refused with the list until acknowledged (issue #14).
    let fewer = sign(&license(16, 0, "", ""));
    let (code, body) = activate(&r, &fewer).await;
    assert_eq!(
        (code, body["code"].as_str()),
        (409, Some("license_change_needs_ack")),
        "{body}"
    );
    assert_eq!(body["changes"][0]["kind"], "users", "{body}");
    let acknowledged = call_with(
        &r,
        Method::POST,
        "/control/license?acknowledge=true",
        &AS_ADMIN,
        Some(fewer),
    )
    .await;
    assert_eq!(acknowledged.0, 200, "{}", acknowledged.1);
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
    assert_eq!(control(&r, Method::DELETE, "/control/license").await.0, 200);
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
    let (code, body) = control(&r, Method::POST, "/control/license/refresh").await;
    assert_eq!(code, 200, "{body}");
    assert_eq!(body["outcome"], "installed", "{body}");
    let (_, lic) = get(&r, "/control/license").await;
    assert_eq!(
        (lic["status"].as_str(), lic["expires_at"].as_str()),
        (Some("active"), Some(T0.plus_days(730).to_rfc3339().as_str()))
    );
    // Asking again: the same license is not newer, nothing changes.
    assert_eq!(
        control(&r, Method::POST, "/control/license/refresh").await.1["outcome"],
        "not_newer"
    );
}

/// The manual's license, written exactly as its field table says (magic numbers and an empty `instance_id`
/// included), signed by `jsonwebtoken`, activated through the control plane as an operator would.
#[tokio::test]
async fn the_manuals_own_license_is_accepted_unchanged() {
    let (_app, r, _c, _d) = start().await;
    let key = Vendor::new(Seed::Justiam)
        .unwrap()
        .sign(&json!({
            "sub": "ACME Corp", "instance_id": "", "max_users": -1, "max_tenants": 0,
            "renewal_url": "https://licensing.justiam.example/renew/acme",
            "iat": T0.0, "exp": T0.plus_days(365).0
        }))
        .unwrap();
    let (code, lic) = activate(&r, &key).await;
    assert_eq!(code, 200, "{lic}");
    assert_eq!(
        (
            lic["status"].as_str(),
            lic["sub"].as_str(),
            lic["max_users"].as_str(),
            lic["max_tenants"].as_str()
        ),
        (Some("active"), Some("ACME Corp"), Some("unlimited"), Some("unlimited"))
    );
    for i in 0..4 {
        assert_eq!(tenant(&r, &format!("t{i}")).await, 201, "max_tenants: 0 is unlimited");
    }
    for i in 0..12 {
        assert_eq!(
            user(&r, "t0", &format!("u{i}")).await.0,
            201,
            "max_users: -1 is unlimited"
        );
    }
}

#[tokio::test]
async fn the_control_plane_license_endpoints_need_the_admin_credential() {
    let (_app, r, _c, _d) = start().await;
    activate(&r, &sign(&license(-1, 0, "", ""))).await;
    let anonymous = [
        call(&r, Method::DELETE, "/control/license", None).await,
        call_with(
            &r,
            Method::POST,
            "/control/license",
            &[],
            Some(sign(&license(1, 1, "", ""))),
        )
        .await,
        post(&r, "/control/license/refresh", json!({})).await,
        call_with(
            &r,
            Method::DELETE,
            "/control/license",
            &[("authorization", "Bearer wrong")],
            None,
        )
        .await,
    ];
    for (code, body) in anonymous {
        assert_eq!((code, body["code"].as_str()), (401, Some("admin_required")), "{body}");
    }
    let (_, lic) = get(&r, "/control/license").await;
    assert_eq!(
        (lic["status"].as_str(), lic["max_users"].as_str()),
        (Some("active"), Some("unlimited"))
    );
    // Tenant admins cannot manage it while the control plane does.
    let created = post(&r, "/api/tenants", json!({ "id": "t1" })).await.1;
    let tenant_admin = format!("Bearer {}", created["admin_token"].as_str().unwrap());
    let (code, body) = call_with(
        &r,
        Method::DELETE,
        "/api/tenants/t1/license",
        &[("authorization", tenant_admin.as_str())],
        None,
    )
    .await;
    assert_eq!(
        (code, body["code"].as_str()),
        (403, Some("license_managed_by_control_plane"))
    );
}

#[tokio::test]
async fn self_managed_mode_lets_tenant_admins_manage_the_license() {
    let (_app, r, _c, _d) = start_with(true).await;
    let created = post(&r, "/api/tenants", json!({ "id": "t1" })).await.1;
    let tenant_admin = format!("Bearer {}", created["admin_token"].as_str().unwrap());
    let auth = [("authorization", tenant_admin.as_str())];
    let key = sign(&license(-1, 0, "", ""));
    let (code, _) = call_with(&r, Method::POST, "/api/tenants/t1/license", &[], Some(key.clone())).await;
    assert_eq!(code, 401, "a tenant admin's credential is still needed");
    let (code, lic) = call_with(&r, Method::POST, "/api/tenants/t1/license", &auth, Some(key)).await;
    assert_eq!((code, lic["status"].as_str()), (200, Some("active")), "{lic}");
    let (code, body) = activate(&r, &sign(&license(1, 1, "", ""))).await;
    assert_eq!((code, body["code"].as_str()), (403, Some("license_self_managed")));
    let (code, lic) = call_with(&r, Method::DELETE, "/api/tenants/t1/license", &auth, None).await;
    assert_eq!((code, lic["status"].as_str()), (200, Some("free_tier")));
}

/// The manual's troubleshooting table, row by row: what the operator reads, once, in JustIAM's words.
#[tokio::test]
async fn troubleshooting_sentences_are_the_manuals() {
    let (app, r, clock, _d) = start().await;
    let (_, lic) = get(&r, "/control/license").await;
    assert_eq!(lic["status"], "free_tier");
    assert!(lic["message"].as_str().unwrap().contains("free tier"), "{lic}");
    // "Instance ID mismatch"
    let (code, body) = activate(&r, &sign(&license(5, 1, "5d2b0c1a-0000-4000-8000-000000000000", ""))).await;
    let message = body["message"].as_str().unwrap();
    assert_eq!(code, 422);
    assert!(message.starts_with("Instance ID mismatch"), "{message}");
    assert!(
        message.contains("deployment") && !message.contains("install id"),
        "{message}"
    );
    assert!(message.contains("unchanged"), "{message}");
    let first = message.split(". ").next().unwrap();
    assert_eq!(message.matches(first).count(), 1, "said once: {message}");
    // "Max users exceeded"
    activate(&r, &sign(&license(1, 0, "", ""))).await;
    tenant(&r, "t1").await;
    assert_eq!(user(&r, "t1", "a").await.0, 201);
    let (code, body) = user(&r, "t1", "b").await;
    assert_eq!((code, body["code"].as_str()), (403, Some("quota_exceeded")));
    assert!(
        body["message"].as_str().unwrap().starts_with("Max users exceeded"),
        "{body}"
    );
    // "License expired": new users blocked, in words that name no internal kind.
    clock.set(T0.plus_days(TERM_DAYS + 31));
    app.runtime.reevaluate().await.unwrap();
    let (_, lic) = get(&r, "/control/license").await;
    assert!(lic["message"].as_str().unwrap().starts_with("License expired"), "{lic}");
    let (code, body) = user(&r, "t1", "c").await;
    let message = body["message"].as_str().unwrap();
    assert_eq!((code, body["code"].as_str()), (403, Some("license_expired")));
    assert!(message.starts_with("License expired"), "{message}");
    assert!(!message.contains("users_per_tenant"), "{message}");
}
