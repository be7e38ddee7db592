//! The profile decides which ways in the API accepts: a way it does not name is refused with 409
//! `license_source_not_allowed` and changes nothing (no stored license, no owner token, no audit entry).

use licet_server::testkit::{owner_token, Local, TestServer, START};
use licet_server::{LicenseService, Role};
use reqwest::{Method, Response};
use serde_json::Value;

use crate::support::json;

/// Every route that writes the license, as `o` calls it, with `license`.
async fn every_write(o: &TestServer, license: &str) -> Vec<(&'static str, Response)> {
    vec![
        ("POST /v1/license", o.install(license).await),
        ("POST /v1/license/import", o.import(license, Some("ticket 1")).await),
        ("PUT /v1/license/orgs/ops", o.put_org("ops", license).await),
        ("DELETE /v1/license", o.call(Method::DELETE, "/v1/license").await),
        (
            "DELETE /v1/license/orgs/ops",
            o.call(Method::DELETE, "/v1/license/orgs/ops").await,
        ),
        (
            "POST /v1/license/refresh",
            o.call(Method::POST, "/v1/license/refresh").await,
        ),
    ]
}

/// Asserts the refusal and returns its sentence.
async fn not_allowed(res: Response, what: &str) -> String {
    let body = json(res, 409).await;
    assert_eq!(body["code"], "license_source_not_allowed", "{what}: {body}");
    body["message"].as_str().unwrap().to_owned()
}

/// An owner token minted behind the API (what `licet token create` does), for profiles whose API never opens the
/// first-install window.
async fn owner(t: &Local) -> TestServer {
    let token = t.service.create_token("ops", Role::Owner).await.unwrap().token;
    t.server.with_token(Some(&token))
}

async fn license_changes(t: &Local) -> Vec<Value> {
    let audit = t.server.audit(50).await;
    audit
        .into_iter()
        .filter(|e| e["action"].as_str().unwrap().starts_with("license."))
        .collect()
}

/// The soak finding (docs/reliability.md): liberty answered 2xx to uploads, stored them, and stayed `missing`.
#[tokio::test]
async fn liberty_refuses_the_first_upload_and_mints_no_owner() {
    let t = Local::start("liberty").await;
    let s = &t.server;
    assert_eq!(s.status().await["state"], "missing");
    let lic = t.vendor.license("Acme", 1, START);
    let message = not_allowed(s.install(&lic).await, "first upload").await;
    assert!(
        message.contains("LIBERTY_LICENSE_KEY") && message.contains("license.key"),
        "{message}"
    );
    not_allowed(s.import(&lic, Some("air gap")).await, "first import").await;
    let after = s.status().await;
    assert_eq!(after["state"], "missing");
    assert_eq!(after["license_fingerprint"], Value::Null);
    assert!(!t.service.has_owner().await.unwrap(), "no owner token was minted");
    assert!(t.service.store_handle().current_licenses().await.unwrap().is_empty());
    assert_eq!(license_changes(&t).await, Vec::<Value>::new());
}

#[tokio::test]
async fn liberty_refuses_every_write_and_keeps_the_env_license() {
    let t = Local::start_with_env("liberty", |v| {
        vec![("LIBERTY_LICENSE_KEY", v.license("Acme", 1, START))]
    })
    .await;
    let s = &t.server;
    let before = s.status().await;
    assert_eq!(
        (before["state"].as_str(), before["source"].as_str()),
        (Some("active"), Some("env"))
    );
    let o = owner(&t).await;
    for (what, res) in every_write(&o, &t.vendor.license("Acme", 2, START)).await {
        not_allowed(res, what).await;
    }
    assert_eq!(s.status().await["license_fingerprint"], before["license_fingerprint"]);
    assert!(t.service.store_handle().current_licenses().await.unwrap().is_empty());
    assert_eq!(license_changes(&t).await, Vec::<Value>::new());
}

/// Sovereign takes licenses by audited import only: an upload (no reason needed) would go around the audit.
#[tokio::test]
async fn sovereign_refuses_uploads_and_points_to_import() {
    let t = Local::start("sovereign").await;
    let s = &t.server;
    let lic = t.vendor.license("Acme", 1, START);
    let message = not_allowed(s.install(&lic).await, "upload").await;
    assert!(message.contains("POST /v1/license/import"), "{message}");
    assert!(!t.service.has_owner().await.unwrap());
    let o = s.with_token(Some(&owner_token(
        &json(s.import(&lic, Some("activation")).await, 200).await,
    )));
    not_allowed(o.install(&t.vendor.license("Acme", 2, START)).await, "upload").await;
    not_allowed(
        o.put_org("ops", &t.vendor.license("Acme", 2, START)).await,
        "org upload",
    )
    .await;
    assert_eq!(s.status().await["source"], "import");
}

/// nivq: replacing a license needs the owner; an admin's import would go around that, so nivq takes none.
/// Honeyframe has no connected renewal.
#[tokio::test]
async fn nivq_refuses_imports_and_honeyframe_refresh() {
    let t = Local::start("nivq").await;
    let lic = t.vendor.license("Acme", 1, START);
    let message = not_allowed(t.server.import(&lic, Some("ticket 2")).await, "import").await;
    assert!(message.contains("POST /v1/license)"), "{message}");
    assert_eq!(t.server.status().await["state"], "activation_pending");

    let t = Local::start("honeyframe").await;
    let o = owner(&t).await;
    json(o.install(&t.vendor.license("Acme", 1, START)).await, 200).await;
    not_allowed(o.call(Method::POST, "/v1/license/refresh").await, "refresh").await;
}
