//! Issue #14 on the wire: a license that would leave the install worse off is refused with 409
//! `license_change_needs_ack` and the list of what it takes away, changes nothing, and is installed when the request
//! acknowledges it; both are in the audit log with the list.

use licet_core::{Encoding, UnixTime};
use licet_server::testkit::{owner_token, Local, TestServer, START};
use reqwest::Method;
use serde_json::{json, Value};

use crate::support::{error, json};

/// 2000-01-01T00:00:00Z: a license issued then for a year expired in 2001, long before the test clock.
const Y2K: UnixTime = UnixTime(946_684_800);

async fn with_owner(t: &Local) -> TestServer {
    let first = json(t.server.install(&t.vendor.license("Acme", 1, START)).await, 200).await;
    t.server.with_token(Some(&owner_token(&first)))
}

#[tokio::test]
async fn an_expired_license_over_a_valid_one_is_refused_until_acknowledged() {
    let t = Local::start("nivq").await;
    let o = with_owner(&t).await;
    let before = o.status().await;
    assert_eq!(before["state"], "active");
    let expired = t.vendor.sign(&t.vendor.claims("Acme", 2, Y2K, 365), Encoding::Compact);

    let res = o.install(&expired).await;
    let body = json(res, 409).await;
    assert_eq!(body["code"], "license_change_needs_ack", "{body}");
    assert_eq!(
        body["changes"],
        json!([{"what": "state", "from": "active", "to": "expired"}])
    );
    assert!(body["message"].as_str().unwrap().ends_with('.'));
    let after = o.status().await;
    assert_eq!(
        (&after["state"], &after["license_fingerprint"]),
        (&before["state"], &before["license_fingerprint"]),
        "nothing changed"
    );
    let refused = &o.audit(1).await[0];
    assert_eq!(
        (&refused["action"], &refused["outcome"], &refused["actor"]),
        (
            &json!("license.rejected"),
            &json!("license_change_needs_ack"),
            &json!("owner")
        )
    );
    assert_eq!(refused["changes"][0]["to"], "expired");

    let res = o
        .call_text(Method::POST, "/v1/license?acknowledge=true", "text/plain", &expired)
        .await;
    let body = json(res, 200).await;
    assert_eq!(body["status"]["state"], "expired");
    let installed = &o.audit(1).await[0];
    assert_eq!(installed["action"], "license.install");
    assert_eq!(
        installed["changes"],
        json!([{"what": "state", "from": "active", "to": "expired"}])
    );
    assert!(t.service.store_handle().verify_audit_chain().await.unwrap() >= 3);
}

#[tokio::test]
async fn fewer_grants_are_listed_and_json_and_multipart_can_acknowledge() {
    let t = Local::start("justiam").await;
    let o = with_owner(&t).await;
    let mut less = t.vendor.claims("Acme", 2, START, 365);
    less.lic.features.retain(|f| f != "sso");
    less.lic.limits.insert("users".into(), licet_core::Limit::Count(5));
    less.lic.customer.id = "globex".into();
    let less = t.vendor.sign(&less, Encoding::Compact);

    let body = json(
        o.call_json(Method::POST, "/v1/license", json!({"license": less})).await,
        409,
    )
    .await;
    let changes: Vec<Value> = body["changes"].as_array().unwrap().clone();
    assert_eq!(
        changes,
        [
            json!({"what": "customer", "from": "acme", "to": "globex"}),
            json!({"what": "feature", "removed": "sso"}),
            json!({"what": "limit", "kind": "users", "from": "50", "to": "5"}),
        ]
    );
    // A value that is neither true nor false is refused rather than guessed.
    error(
        o.call_json(Method::POST, "/v1/license?acknowledge=yes", json!({"license": less}))
            .await,
        400,
        "malformed_request",
    )
    .await;
    let form = reqwest::multipart::Form::new()
        .part(
            "license",
            reqwest::multipart::Part::text(less.clone()).file_name("license.jwt"),
        )
        .text("acknowledge", "true");
    let res = o.req(Method::POST, "/v1/license").multipart(form).send().await.unwrap();
    let body = json(res, 200).await;
    assert_eq!(body["status"]["customer"]["id"], "globex");
    assert!(!body["status"]["features"].as_array().unwrap().contains(&json!("sso")));
    // The next change, one that only adds, needs nothing.
    let more = t
        .vendor
        .sign(&t.vendor.claims("globex", 3, START, 700), Encoding::Compact);
    json(o.install(&more).await, 200).await;
}

/// The first install needs no acknowledgement, even of a license already expired.
#[tokio::test]
async fn the_first_install_needs_no_acknowledgement() {
    let t = Local::start("nivq").await;
    let expired = t.vendor.sign(&t.vendor.claims("Acme", 1, Y2K, 365), Encoding::Compact);
    let body = json(t.server.install(&expired).await, 200).await;
    assert_eq!(body["status"]["state"], "expired");
}
