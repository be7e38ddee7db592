//! The production service end to end: real signed licenses, SQLite, the core's verdicts on the wire.

use licet_core::Encoding;
use licet_proto::SignedActivationRequest;
use licet_server::testkit::{owner_token, Local, TestVendor, START};
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
    let owner = owner_token(&body);
    assert!(owner.starts_with("licet_"));

    let v3 = t.vendor.license("Acme", 3, START);
    error(s.install(&v3).await, 401, "unauthorized").await;
    let o = s.with_token(Some(&owner));
    let admin = o.mint("ops", "admin").await;
    error(s.with_token(Some(&admin)).install(&v3).await, 403, "forbidden").await;
    json(o.install(&v3).await, 200).await;
    let current = s.status().await["license_fingerprint"].clone();

    // Replaying the older license is refused, and the newer one stays.
    error(o.install(&v2).await, 409, "license_rolled_back").await;
    assert_eq!(s.status().await["license_fingerprint"], current);

    // A forged one: flip a signature character.
    let forged = TestVendor::tamper(&v3);
    error(o.install(&forged).await, 422, "license_bad_signature").await;
    assert_eq!(s.status().await["license_fingerprint"], current);

    // The audit log names actors and rejections, newest first, and its chain verifies.
    let entries = s.audit(50).await;
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
    let part = reqwest::multipart::Part::bytes(armored.into_bytes()).file_name("globex.lic");
    let form = reqwest::multipart::Form::new().part("file", part);
    json(
        s.req(Method::POST, "/v1/license").multipart(form).send().await.unwrap(),
        200,
    )
    .await;
    t.service.set_usage("users", 7);
    let st = s.status().await;
    assert_eq!(st["state"], "active");
    // The armored file is kept in its compact form, so the audit names it by the status's fingerprint.
    let audit = s.audit(5).await;
    let installed = audit.iter().find(|e| e["action"] == "license.install").unwrap();
    assert_eq!(installed["license_fingerprint"], st["license_fingerprint"]);
    assert_eq!(installed["source"], "upload");

    t.clock.advance_days(20);
    let st = s.status().await;
    assert_eq!(st["state"], "expiring_soon", "{st}");
    assert_eq!(st["days_remaining"], 20);
    let metrics = s.call(Method::GET, "/metrics").await.text().await.unwrap();
    assert!(
        metrics.contains("licet_license_state{state=\"expiring_soon\"} 1"),
        "{metrics}"
    );
    assert!(
        metrics.contains(&format!("\nlicet_license_remaining_seconds {}\n", 20 * 86_400)),
        "{metrics}"
    );

    // Two and a half days past expiry (in justiam's grace): the API's days count toward zero, the metric in
    // exact seconds.
    t.clock.advance_days(22);
    t.clock.advance_secs(43_200);
    let st = s.status().await;
    assert_eq!(
        (st["state"].as_str(), st["days_remaining"].as_i64()),
        (Some("grace"), Some(-2)),
        "{st}"
    );
    let metrics = s.call(Method::GET, "/metrics").await.text().await.unwrap();
    assert!(
        metrics.contains(&format!("\nlicet_license_remaining_seconds -{}\n", 2 * 86_400 + 43_200)),
        "{metrics}"
    );
    assert!(metrics.contains("licet_license_usage{scope=\"instance\",kind=\"users\"} 7"));
    assert!(metrics.contains("licet_license_limit{scope=\"instance\",kind=\"agents\"} +Inf"));
}

/// The request is licet-proto's (what the vendor's `POST /v1/activation` reads), signed by the install's own key,
/// one key for every request, and names the license in force once there is one.
#[tokio::test]
async fn activation_request_is_signed_by_the_install() {
    let t = Local::start("sovereign").await;
    let s = &t.server;
    let download = || async {
        let res = s.call(Method::GET, "/v1/license/activation-request").await;
        assert_eq!(res.status(), 200);
        let text = res.text().await.unwrap();
        assert!(text.starts_with("-----BEGIN LICET ACTIVATION REQUEST-----\n"), "{text}");
        SignedActivationRequest::parse(&text).unwrap().verify().unwrap()
    };
    let first = download().await;
    let id = s.status().await;
    let request = first.request();
    assert_eq!(request.install_id, id["install_id"].as_str().unwrap());
    assert_eq!(request.fingerprint, id["fingerprint"].as_str().unwrap());
    assert_eq!(request.created_at, START);
    assert_eq!(request.license_fingerprint, None);

    let second = download().await;
    assert_eq!(second.key_thumbprint(), first.key_thumbprint());
    assert_ne!(second.request().nonce, request.nonce);

    let lic = t.vendor.license("Acme", 1, START);
    json(s.import(&lic, Some("first activation")).await, 200).await;
    let third = download().await;
    let installed = s.status().await["license_fingerprint"].clone();
    assert_eq!(third.request().license_fingerprint.as_deref(), installed.as_str());
    assert_eq!(third.request().products, ["connectors", "reports"]);
}

/// Sovereign: licenses come in by audited import; an org's entitlements come inside the instance license.
#[tokio::test]
async fn import_org_entitlements_and_clear() {
    let t = Local::start("sovereign").await;
    let s = &t.server;
    let claims = TestVendor::with_org(t.vendor.claims("Initech", 1, START, 365), "eng", START.plus_days(90));
    let lic = t.vendor.sign(&claims, Encoding::Compact);
    error(s.import(&lic, None).await, 400, "reason_required").await;
    let owner = owner_token(&json(s.import(&lic, Some("air gap")).await, 200).await);
    let org = s.get_json("/v1/license/orgs/eng").await;
    assert_eq!(org["plan"], "team");
    assert_eq!(org["own_license"], false);
    assert!(org["valid_until"].as_str().unwrap().starts_with("2025-09-13"));
    assert_eq!(s.status().await["source"], "import");

    let o = s.with_token(Some(&owner));
    let res = o
        .call_json(Method::DELETE, "/v1/license", json!({"reason": "moving hosts"}))
        .await;
    assert_eq!(json(res, 200).await["state"], "missing");
    o.refused(Method::POST, "/v1/license/refresh", 409, "unavailable").await;
    let audit = s.audit(1).await;
    assert_eq!(audit[0]["action"], "license.refresh");
    assert_eq!(audit[0]["actor"], "owner");
}

/// Honeyframe: an org's own (pasted) license beats the instance-wide entitlement until it is removed.
#[tokio::test]
async fn an_orgs_own_license_beats_the_instance_one() {
    let t = Local::start("honeyframe").await;
    let s = &t.server;
    let instance = TestVendor::with_org(t.vendor.claims("Initech", 1, START, 365), "ops", START.plus_days(30));
    let owner = owner_token(&json(s.install(&t.vendor.sign(&instance, Encoding::Compact)).await, 200).await);
    let o = s.with_token(Some(&owner));
    assert_eq!(s.get_json("/v1/license/orgs/ops").await["own_license"], false);
    json(o.put_org("ops", &t.vendor.license("Initech", 1, START)).await, 200).await;
    let org = s.get_json("/v1/license/orgs/ops").await;
    // Its own license's edition and window, not the instance license's entry for it.
    let window = |org: &serde_json::Value| {
        (
            org["plan"].clone(),
            org["valid_until"].as_str().unwrap()[..10].to_owned(),
        )
    };
    assert_eq!(org["own_license"], true);
    assert_eq!(window(&org), ("enterprise".into(), "2026-06-15".into()));
    json(o.call(Method::DELETE, "/v1/license/orgs/ops").await, 200).await;
    let org = s.get_json("/v1/license/orgs/ops").await;
    assert_eq!(org["own_license"], false);
    assert_eq!(window(&org), ("team".into(), "2025-07-15".into()));
}

#[tokio::test]
async fn token_lifecycle_in_the_store() {
    let t = Local::start("nivq").await;
    let s = &t.server;
    let owner = owner_token(&json(s.install(&t.vendor.license("Acme", 1, START)).await, 200).await);
    let o = s.with_token(Some(&owner));
    let body = json!({"name": "dash", "role": "viewer"});
    let viewer = json(o.call_json(Method::POST, "/v1/license/tokens", body).await, 201).await;
    let list = o.get_json("/v1/license/tokens").await;
    assert_eq!(list.as_array().unwrap().len(), 2);
    let id = viewer["id"].as_str().unwrap();
    assert_eq!(
        o.call(Method::DELETE, &format!("/v1/license/tokens/{id}"))
            .await
            .status(),
        204
    );
    let v = s.with_token(viewer["token"].as_str());
    v.refused(Method::GET, "/v1/license/status", 401, "unauthorized").await;
    o.refused(Method::DELETE, "/v1/license/tokens/not-a-uuid", 404, "not_found")
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
    let t = Local::start("justiam").await;
    let s = &t.server;
    // The vendor's renewal endpoint: answers whatever license the test puts in `answer`.
    let (answer, url) = licet_server::testkit::renewal_endpoint().await;

    let v1 = t.vendor.sign(
        &TestVendor::with_renewal(t.vendor.claims("Hooli", 1, START, 30), &url),
        Encoding::Compact,
    );
    let owner = owner_token(&json(s.install(&v1).await, 200).await);
    let o = s.with_token(Some(&owner));
    let v2 = t.vendor.sign(
        &TestVendor::with_renewal(t.vendor.claims("Hooli", 2, START, 365), &url),
        Encoding::Compact,
    );
    *answer.lock().unwrap() = v2;
    let st = json(o.call(Method::POST, "/v1/license/refresh").await, 200).await;
    assert_eq!(st["days_remaining"], 365, "{st}");
    assert_eq!(st["last_refresh"]["ok"], true, "{st}");
    let renewed = st["license_fingerprint"].clone();

    // The vendor answering with garbage keeps the license in force.
    *answer.lock().unwrap() = "not a license".to_owned();
    let res = o.call(Method::POST, "/v1/license/refresh").await;
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

/// A malformed license's error body says what `licet verify` says: which part, which symbol, where.
#[tokio::test]
async fn malformed_license_errors_carry_the_verifiers_detail() {
    let t = Local::start("nivq").await;
    let s = &t.server;
    let good = t.vendor.license("Acme", 1, START);
    // A `*` is no base64url symbol: put one in the payload, at its fourth character.
    let dot = good.find('.').unwrap();
    let mut bad = good.clone();
    bad.replace_range(dot + 4..dot + 5, "*");
    let res = s.install(&bad).await;
    let body = json(res, 422).await;
    assert_eq!(body["code"], "license_malformed", "{body}");
    assert_eq!(body["message"], licet_core::Reason::LicenseMalformed.sentence());
    let detail = body["detail"].as_str().unwrap_or_else(|| panic!("no detail: {body}"));
    assert!(detail.contains("payload") && detail.contains("base64"), "{detail}");
    // base64 names the byte (`*` is 42) and its offset in the part.
    assert!(
        detail.contains("symbol 42, offset 3"),
        "which symbol and where: {detail}"
    );
    // A forged signature names the key it was checked with.
    let body = json(s.install(&TestVendor::tamper(&good)).await, 422).await;
    assert_eq!(body["code"], "license_bad_signature");
    assert_eq!(body["detail"], "checked with key \"testkit-1\"", "{body}");
}

/// Issue #14: a license whose renewal URL is plain http off the machine installs, but a refresh sends nothing
/// there: `409 renewal_url_insecure`, recorded as the last refresh, the license kept.
#[tokio::test]
async fn a_plain_http_renewal_url_is_refused_and_the_license_kept() {
    let t = Local::start("justiam").await;
    let s = &t.server;
    let claims = TestVendor::with_renewal(
        t.vendor.claims("Hooli", 1, START, 365),
        "http://licenses.vendor.example/v1/renew",
    );
    let body = json(s.install(&t.vendor.sign(&claims, Encoding::Compact)).await, 200).await;
    assert_eq!(body["status"]["state"], "active", "{body}");
    let installed = body["status"]["license_fingerprint"].clone();
    let o = s.with_token(Some(&owner_token(&body)));
    let body = json(o.call(Method::POST, "/v1/license/refresh").await, 409).await;
    assert_eq!(body["code"], "renewal_url_insecure", "{body}");
    let message = body["message"].as_str().unwrap();
    assert!(
        message.contains("http://licenses.vendor.example/v1/renew") && message.contains("https"),
        "{message}"
    );
    let st = s.status().await;
    assert_eq!(st["license_fingerprint"], installed);
    assert_eq!(st["last_refresh"]["ok"], false, "{st}");
    assert!(
        st["last_refresh"]["message"]
            .as_str()
            .unwrap()
            .contains("renewal_url_insecure"),
        "{st}"
    );
}

/// Issue #14/#15: the status does no store round trip per request. What it shows from the store is read once per
/// published snapshot: a write the runtime cannot see (another replica's renewal attempt, made here through a
/// second handle on the same database, which sends no event) is not shown until something publishes a new
/// snapshot.
#[tokio::test]
async fn status_reads_the_store_once_per_snapshot_not_per_request() {
    let t = Local::start("nivq").await;
    let s = &t.server;
    json(s.install(&t.vendor.license("Acme", 1, START)).await, 200).await;
    // The install's own store event makes the runtime reload once more, after the install answered, publishing
    // a new snapshot; wait until that has happened (the snapshot stays the same for 200 ms).
    let runtime = t.service.runtime();
    for _ in 0..25 {
        let before = runtime.snapshot_full();
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
        if std::sync::Arc::ptr_eq(&before, &runtime.snapshot_full()) {
            break;
        }
    }
    assert_eq!(s.status().await["last_refresh"], serde_json::Value::Null);

    let other = licet_store::open_in_data_dir(t.dir.path()).await.unwrap();
    let failed = licet_store::RenewalError {
        code: "renewal_unreachable".into(),
        message: "the vendor did not answer".into(),
    };
    other
        .record_renewal(&licet_store::Scope::Instance, START, Err(failed))
        .await
        .unwrap();
    for _ in 0..3 {
        assert_eq!(
            s.status().await["last_refresh"],
            serde_json::Value::Null,
            "the status read the store again"
        );
    }

    // A new snapshot (here: a reload) reads the store again, and shows the attempt.
    t.service.runtime().reload().await.unwrap();
    let st = s.status().await;
    assert_eq!(st["last_refresh"]["ok"], false, "{st}");
    other.close().await;
}
