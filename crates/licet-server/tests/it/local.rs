//! The production service end to end: real signed licenses, SQLite, the core's verdicts on the wire.

use licet_core::Encoding;
use licet_server::testkit::{Local, START};
use reqwest::Method;
use serde_json::json;

use crate::support::{error, json};

#[tokio::test]
async fn first_install_roles_and_rollback_with_real_licenses() {
    let t = Local::start("nivq").await;
    let s = &t.server;
    let st = s.status().await;
    assert_eq!(st["state"], "activation_pending", "nivq boots pending: {st}");
    assert!(st["fingerprint"].as_str().unwrap().starts_with("LICET-FP-"));

    let v2 = t.vendor.license("Acme", 2, START);
    let body = json(s.install(&v2).await, 200).await;
    assert_eq!(body["status"]["state"], "active");
    assert_eq!(body["status"]["customer"]["name"], "Acme");
    assert_eq!(body["status"]["tier"], "enterprise");
    assert_eq!(body["status"]["days_remaining"], 365);
    let owner = body["owner_token"]["token"].as_str().unwrap().to_owned();
    assert!(owner.starts_with("licet_"));

    let v3 = t.vendor.license("Acme", 3, START);
    error(s.install(&v3).await, 401, "unauthorized").await;
    let o = s.with_token(Some(&owner));
    let res = o
        .req(Method::POST, "/v1/license/tokens")
        .json(&json!({"name": "ops", "role": "admin"}))
        .send()
        .await
        .unwrap();
    let admin = json(res, 201).await["token"].as_str().unwrap().to_owned();
    error(s.with_token(Some(&admin)).install(&v3).await, 403, "forbidden").await;
    json(o.install(&v3).await, 200).await;
    let current = s.status().await["license_fingerprint"].clone();

    // Replaying the older license is refused, and the newer one stays.
    error(o.install(&v2).await, 409, "license_rolled_back").await;
    assert_eq!(s.status().await["license_fingerprint"], current);

    // A forged one: flip a signature character.
    let forged = licet_server::testkit::TestVendor::tamper(&v3);
    error(o.install(&forged).await, 422, "license_bad_signature").await;
    assert_eq!(s.status().await["license_fingerprint"], current);

    // The audit log names actors and rejections, newest first, and its chain verifies.
    let audit = json(s.req(Method::GET, "/v1/license/audit").send().await.unwrap(), 200).await;
    let entries = audit["entries"].as_array().unwrap();
    assert_eq!(entries[0]["action"], "license.rejected");
    assert_eq!(entries[0]["outcome"], "license_bad_signature");
    assert!(entries
        .iter()
        .any(|e| e["actor"] == "first-install" && e["action"] == "license.install"));
    assert!(entries.iter().any(|e| e["outcome"] == "license_rolled_back"));
    assert!(t.service.store_handle().verify_audit_chain().await.unwrap() >= 5);
}

#[tokio::test]
async fn armored_upload_time_passes_and_metrics_follow() {
    let t = Local::start("justiam").await;
    let s = &t.server;
    let claims = t.vendor.claims("Globex", 1, START, 40);
    let armored = t.vendor.sign(&claims, Encoding::Armored);
    let form = reqwest::multipart::Form::new().part(
        "file",
        reqwest::multipart::Part::bytes(armored.into_bytes()).file_name("globex.lic"),
    );
    json(
        s.req(Method::POST, "/v1/license").multipart(form).send().await.unwrap(),
        200,
    )
    .await;
    t.service.set_usage("users", 7);
    assert_eq!(s.status().await["state"], "active");

    t.clock.advance_days(20);
    let st = s.status().await;
    assert_eq!(st["state"], "expiring_soon", "{st}");
    assert_eq!(st["days_remaining"], 20);
    let metrics = s
        .req(Method::GET, "/metrics")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        metrics.contains("licet_license_state{state=\"expiring_soon\"} 1"),
        "{metrics}"
    );
    assert!(metrics.contains("licet_license_days_remaining 20"));
    assert!(metrics.contains("licet_license_usage{scope=\"instance\",kind=\"users\"} 7"));
    assert!(metrics.contains("licet_license_limit{scope=\"instance\",kind=\"agents\"} +Inf"));
}

#[tokio::test]
async fn activation_request_is_signed_by_the_install() {
    let t = Local::start("sovereign").await;
    let res = t
        .server
        .req(Method::GET, "/v1/license/activation-request")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let text = res.text().await.unwrap();
    assert!(text.starts_with("-----BEGIN LICET ACTIVATION REQUEST-----\n"));
    let compact: String = text.lines().filter(|l| !l.starts_with("-----")).collect();
    let jws = licet_core::Jws::decode(compact.as_bytes(), 64 * 1024).unwrap();
    let payload: serde_json::Value = serde_json::from_slice(jws.payload()).unwrap();
    let id = t.server.status().await;
    assert_eq!(payload["install_id"], id["install_id"]);
    assert_eq!(payload["fingerprint"], id["fingerprint"]);
    // The signature checks out against the key the request carries.
    let header: serde_json::Value = serde_json::Value::Object(jws.header_json().clone());
    assert_eq!(header["typ"], "licet-activation-request+jws");
    assert_eq!(payload["public_key"]["kty"], "OKP");
    let mut jwk_json = payload["public_key"].clone();
    jwk_json["alg"] = "EdDSA".into();
    let jwk: licet_core::Jwk = serde_json::from_value(jwk_json).unwrap();
    let key = licet_core::PublicKey::from_jwk(&jwk).unwrap();
    assert!(key.verify(jws.signing_input(), jws.signature()));
    // The same key on every request (made once, at first start).
    let again = t
        .server
        .req(Method::GET, "/v1/license/activation-request")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let compact2: String = again.lines().filter(|l| !l.starts_with("-----")).collect();
    let p2: serde_json::Value = serde_json::from_slice(
        licet_core::Jws::decode(compact2.as_bytes(), 64 * 1024)
            .unwrap()
            .payload(),
    )
    .unwrap();
    assert_eq!(p2["public_key"], payload["public_key"]);
    assert_ne!(p2["nonce"], payload["nonce"]);
}

#[tokio::test]
async fn import_org_licenses_and_clear() {
    let t = Local::start("sovereign").await;
    let s = &t.server;
    let claims = licet_server::testkit::TestVendor::with_org(
        t.vendor.claims("Initech", 1, START, 365),
        "eng",
        START.plus_days(90),
    );
    let lic = t.vendor.sign(&claims, Encoding::Compact);
    let res = s
        .req(Method::POST, "/v1/license/import")
        .json(&json!({"license": lic}))
        .send()
        .await
        .unwrap();
    error(res, 400, "reason_required").await;
    let res = s
        .req(Method::POST, "/v1/license/import")
        .json(&json!({"license": lic, "reason": "air gap"}))
        .send()
        .await
        .unwrap();
    let owner = json(res, 200).await["owner_token"]["token"]
        .as_str()
        .unwrap()
        .to_owned();
    let org = json(s.req(Method::GET, "/v1/license/orgs/eng").send().await.unwrap(), 200).await;
    assert_eq!(org["plan"], "team");
    assert_eq!(org["own_license"], false);
    assert!(org["valid_until"].as_str().unwrap().starts_with("2025-09-13"));
    assert_eq!(s.status().await["source"], "import");

    let o = s.with_token(Some(&owner));
    let org_lic = t.vendor.license("Initech", 1, START);
    let res = o
        .req(Method::PUT, "/v1/license/orgs/ops")
        .header("content-type", "application/jwt")
        .body(org_lic)
        .send()
        .await
        .unwrap();
    json(res, 200).await;
    let org = json(s.req(Method::GET, "/v1/license/orgs/ops").send().await.unwrap(), 200).await;
    assert_eq!(org["own_license"], true);
    json(o.req(Method::DELETE, "/v1/license/orgs/ops").send().await.unwrap(), 200).await;
    let res = o
        .req(Method::DELETE, "/v1/license")
        .json(&json!({"reason": "moving hosts"}))
        .send()
        .await
        .unwrap();
    assert_eq!(json(res, 200).await["state"], "missing");
    error(
        o.req(Method::POST, "/v1/license/refresh").send().await.unwrap(),
        409,
        "unavailable",
    )
    .await;
    let audit = json(
        s.req(Method::GET, "/v1/license/audit?limit=1").send().await.unwrap(),
        200,
    )
    .await;
    assert_eq!(audit["entries"][0]["action"], "license.refresh");
    assert_eq!(audit["entries"][0]["actor"], "owner");
}

#[tokio::test]
async fn token_lifecycle_in_the_store() {
    let t = Local::start("nivq").await;
    let s = &t.server;
    let owner = json(s.install(&t.vendor.license("Acme", 1, START)).await, 200).await["owner_token"]["token"]
        .as_str()
        .unwrap()
        .to_owned();
    let o = s.with_token(Some(&owner));
    let res = o
        .req(Method::POST, "/v1/license/tokens")
        .json(&json!({"name": "dash", "role": "viewer"}))
        .send()
        .await
        .unwrap();
    let viewer = json(res, 201).await;
    let list = json(o.req(Method::GET, "/v1/license/tokens").send().await.unwrap(), 200).await;
    assert_eq!(list.as_array().unwrap().len(), 2);
    let id = viewer["id"].as_str().unwrap();
    assert_eq!(
        o.req(Method::DELETE, &format!("/v1/license/tokens/{id}"))
            .send()
            .await
            .unwrap()
            .status(),
        204
    );
    let v = s.with_token(viewer["token"].as_str());
    error(
        v.req(Method::GET, "/v1/license/status").send().await.unwrap(),
        401,
        "unauthorized",
    )
    .await;
    error(
        o.req(Method::DELETE, "/v1/license/tokens/not-a-uuid")
            .send()
            .await
            .unwrap(),
        404,
        "not_found",
    )
    .await;
}

/// A license seeded by the operator (no owner token yet) that stops verifying still counts as installed: the
/// first-install window does not reopen for anonymous callers.
#[tokio::test]
async fn an_installed_but_invalid_license_keeps_the_window_shut() {
    use licet_server::{Actor, LicenseService, Scope};
    let t = Local::start("nivq").await;
    let lic = t.vendor.license("Acme", 1, START);
    t.service
        .install(Scope::Instance, lic.into_bytes(), "file", Actor("system".into()), None)
        .await
        .unwrap();
    t.clock.advance_days(-10);
    let st = t.server.status().await;
    assert_eq!(st["state"], "invalid", "{st}");
    assert_eq!(st["reason"]["code"], "clock_rollback_detected");
    assert!(st["license_fingerprint"].is_string());
    error(
        t.server.install(&t.vendor.license("Mallory", 9, START)).await,
        401,
        "unauthorized",
    )
    .await;
}

/// `POST /v1/license/refresh` fetches the license's renewal URL through the runtime and puts the answer in force.
#[tokio::test]
async fn refresh_renews_from_the_vendor() {
    use licet_server::testkit::TestVendor;
    let t = Local::start("justiam").await;
    let s = &t.server;
    // The vendor's renewal endpoint: answers whatever license the test puts in `answer`.
    let answer = std::sync::Arc::new(std::sync::Mutex::new(String::new()));
    let served = answer.clone();
    let vendor_app = axum::Router::new().route(
        "/renew",
        axum::routing::get(move || {
            let served = served.clone();
            async move { served.lock().unwrap().clone() }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/renew", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, vendor_app).await.unwrap() });

    let v1 = t.vendor.sign(
        &TestVendor::with_renewal(t.vendor.claims("Hooli", 1, START, 30), &url),
        Encoding::Compact,
    );
    let owner = json(s.install(&v1).await, 200).await["owner_token"]["token"]
        .as_str()
        .unwrap()
        .to_owned();
    let o = s.with_token(Some(&owner));
    let v2 = t.vendor.sign(
        &TestVendor::with_renewal(t.vendor.claims("Hooli", 2, START, 365), &url),
        Encoding::Compact,
    );
    *answer.lock().unwrap() = v2;
    let st = json(o.req(Method::POST, "/v1/license/refresh").send().await.unwrap(), 200).await;
    assert_eq!(st["days_remaining"], 365, "{st}");
    assert_eq!(st["last_refresh"]["ok"], true, "{st}");
    let renewed = st["license_fingerprint"].clone();

    // The vendor answering with garbage keeps the license in force.
    *answer.lock().unwrap() = "not a license".to_owned();
    let res = o.req(Method::POST, "/v1/license/refresh").send().await.unwrap();
    assert!(res.status().is_client_error() || res.status().is_server_error());
    let body: serde_json::Value = res.json().await.unwrap();
    assert!(body["code"].is_string() && body["message"].is_string(), "{body}");
    assert_eq!(s.status().await["license_fingerprint"], renewed);
}

/// Issue #8 on the wire: a mounted license file that is not a license (here not even text) does not stop the
/// start; the status says what is wrong with it until a license is installed.
#[tokio::test]
async fn a_corrupt_mounted_license_file_is_shown_in_the_status() {
    let t = Local::start_with_license_file("nivq", b"\xff\xfe\x00 not a license").await;
    let s = &t.server;
    let st = s.status().await;
    assert_eq!(st["state"], "activation_pending", "{st}");
    assert_eq!(st["source_error"]["code"], "license_malformed", "{st}");
    assert!(
        st["source_error"]["message"].as_str().unwrap().contains("license.jwt"),
        "{st}"
    );
    let body = json(s.install(&t.vendor.license("Acme", 1, START)).await, 200).await;
    assert_eq!(body["status"]["state"], "active");
    assert!(body["status"].get("source_error").is_none(), "{body}");
}
