//! Per-org renewal over HTTP (`POST /v1/license/orgs/{id}/refresh`, each org's `last_refresh` in the status), and
//! the API during a store outage: changes are a retryable 503 `store_unavailable`, the status is still served.

use licet_core::Encoding;
use licet_server::testkit::{owner_token, renewal_endpoint, Local, TestServer, TestVendor, START};
use reqwest::Method;
use serde_json::Value;

use crate::support::{error, json};

fn org<'a>(status: &'a Value, id: &str) -> &'a Value {
    let orgs = status["orgs"].as_array().unwrap();
    orgs.iter()
        .find(|o| o["id"] == id)
        .unwrap_or_else(|| panic!("no org {id} in {status}"))
}

/// An instance license and an owner client for it.
async fn installed(t: &Local) -> TestServer {
    let body = json(t.server.install(&t.vendor.license("Hooli", 1, START)).await, 200).await;
    t.server.with_token(Some(&owner_token(&body)))
}

#[tokio::test]
async fn an_orgs_own_license_renews_over_http_and_the_status_shows_its_last_attempt() {
    let t = Local::start("justiam").await;
    let s = &t.server;
    let o = installed(&t).await;
    let (answer, url) = renewal_endpoint().await;
    let own = |sequence, days| {
        let claims = TestVendor::with_renewal(t.vendor.claims("Ops Co", sequence, START, days), &url);
        t.vendor.sign(&claims, Encoding::Compact)
    };
    json(o.put_org("ops", &own(1, 30)).await, 200).await;
    let before = s.status().await;
    assert!(org(&before, "ops").get("last_refresh").is_none(), "{before}");
    let path = "/v1/license/orgs/ops/refresh";

    // The instance refresh's roles: admin and up.
    s.refused(Method::POST, path, 401, "unauthorized").await;
    let viewer = o.mint("dash", "viewer").await;
    s.with_token(Some(&viewer))
        .refused(Method::POST, path, 403, "forbidden")
        .await;
    let admin = s.with_token(Some(&o.mint("ops", "admin").await));

    *answer.lock().unwrap() = own(2, 365);
    let st = json(admin.call(Method::POST, path).await, 200).await;
    let ops = org(&st, "ops");
    assert_eq!(ops["last_refresh"]["ok"], true, "{st}");
    assert_eq!(&ops["valid_until"].as_str().unwrap()[..10], "2026-06-15", "{st}");
    // The instance license is another scope: neither renewed nor marked as attempted.
    assert_eq!(st["last_refresh"], Value::Null, "{st}");
    assert_eq!(st["license_fingerprint"], before["license_fingerprint"]);
    let audit = s.audit(1).await;
    assert_eq!(
        (&audit[0]["action"], &audit[0]["scope"], &audit[0]["actor"]),
        (&"license.refresh".into(), &"org:ops".into(), &"ops".into()),
        "{audit:?}"
    );

    // A vendor answering garbage: refused with the core's reason, the renewed license kept, the attempt shown.
    *answer.lock().unwrap() = "not a license".to_owned();
    error(admin.call(Method::POST, path).await, 422, "license_malformed").await;
    let st = s.status().await;
    let ops = org(&st, "ops");
    assert_eq!(ops["last_refresh"]["ok"], false, "{st}");
    assert!(
        ops["last_refresh"]["message"]
            .as_str()
            .unwrap()
            .contains("license_malformed"),
        "{st}"
    );
    assert_eq!(&ops["valid_until"].as_str().unwrap()[..10], "2026-06-15", "{st}");
    assert_eq!(
        s.get_json("/v1/license/orgs/ops").await["last_refresh"],
        ops["last_refresh"]
    );

    // Nothing of its own to renew, or nowhere to renew it from.
    admin
        .refused(Method::POST, "/v1/license/orgs/elsewhere/refresh", 404, "not_found")
        .await;
    json(o.put_org("dev", &t.vendor.license("Dev Co", 1, START)).await, 200).await;
    admin
        .refused(Method::POST, "/v1/license/orgs/dev/refresh", 409, "unavailable")
        .await;
    admin
        .refused(
            Method::POST,
            "/v1/license/orgs/bad%20id/refresh",
            400,
            "malformed_request",
        )
        .await;
}

/// Like the instance refresh, a profile without connected renewal refuses it for an org too, and changes nothing.
#[tokio::test]
async fn org_refresh_follows_the_profile() {
    let t = Local::start("nivq").await;
    let o = installed(&t).await;
    json(o.put_org("ops", &t.vendor.license("Ops Co", 1, START)).await, 200).await;
    let audit_before = t.server.audit(100).await.len();
    o.refused(
        Method::POST,
        "/v1/license/orgs/ops/refresh",
        409,
        "license_source_not_allowed",
    )
    .await;
    assert_eq!(t.server.audit(100).await.len(), audit_before);
}

/// The database goes away: every change answers 503 `store_unavailable` at once (nothing changed, retry later),
/// while the status, the license in force, is still served as last known.
#[tokio::test]
async fn a_store_outage_is_503_store_unavailable_and_the_status_is_still_served() {
    let t = Local::start("nivq").await;
    let o = installed(&t).await;
    let before = t.server.status().await;
    assert_eq!(before["state"], "active");
    t.service.store_handle().close().await;
    let during = t.server.status().await;
    assert_eq!(
        (&during["state"], &during["license_fingerprint"]),
        (&before["state"], &before["license_fingerprint"])
    );
    error(
        o.install(&t.vendor.license("Hooli", 2, START)).await,
        503,
        "store_unavailable",
    )
    .await;
    error(
        o.put_org("ops", &t.vendor.license("Ops Co", 1, START)).await,
        503,
        "store_unavailable",
    )
    .await;
}
