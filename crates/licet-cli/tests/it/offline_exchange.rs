//! The offline exchange end to end, with both sides as the real processes: an install (`licet serve`, sovereign,
//! last year's license expired) exports its signed activation request; the vendor (`licet vendor serve`, then
//! `licet vendor activate` on its database with the server stopped) answers it with a license file; the install
//! imports that with a reason and is active again, and its audit log says who did it, why, and which license.

use std::path::Path;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use licet_proto::activation::ARMOR_LABEL;
use licet_proto::SignedActivationRequest;
use licet_server::testkit::{json, Method, TestServer};
use serde_json::{json as body, Value};

use crate::support::{licet, ok, vendor_error, Server};

const ISSUER: &str = "acme-vendor";
const AUDIENCE: &str = "acme-product";
const REASON: &str = "offline renewal, ticket 4711";

/// A vendor key, last year's (expired) license for customer `acme`, and an admin API token for the install.
fn prepare(d: &Path) -> String {
    ok(&licet(d, &["keygen", "--kid", "vendor-1", "--out", "keys"]));
    let claims = body!({
        "iss": ISSUER, "sub": "acme", "aud": AUDIENCE,
        "lic": {"customer": {"id": "acme", "name": "Acme Corp"}, "sequence": 1}
    });
    std::fs::write(d.join("claims.json"), claims.to_string()).unwrap();
    let key = ["--key", "keys/vendor-1.private.pem", "--kid", "vendor-1"];
    let issue = [
        &key[..],
        &[
            "--claims",
            "claims.json",
            "--exp",
            "2024-01-01",
            "--allow-past-exp",
            "--out",
            "expired.lic",
        ],
    ]
    .concat();
    ok(&licet(d, &[&["issue"][..], &issue].concat()));
    let token = [
        "token",
        "create",
        "--data-dir",
        "data",
        "--role",
        "admin",
        "--name",
        "ops",
    ];
    ok(&licet(d, &token)).trim().to_owned()
}

fn serve(d: &Path) -> Server {
    let trust = ["--trust", "keys/jwks.json", "--issuer", ISSUER, "--audience", AUDIENCE];
    let rest = [
        "--data-dir",
        "data",
        "--profile",
        "sovereign",
        "--license-file",
        "expired.lic",
    ];
    Server::serve(d, &[&trust[..], &rest].concat())
}

fn vendor(d: &Path) -> Server {
    let args = [
        "--database-url",
        "sqlite://vendor.db",
        "--issuer",
        ISSUER,
        "--audience",
        AUDIENCE,
    ];
    Server::vendor(d, &args)
}

/// `GET /v1/license/activation-request`: the armored file, and its verified contents.
async fn activation_request(install: &TestServer) -> (String, licet_proto::VerifiedActivationRequest) {
    let res = install.call(Method::GET, "/v1/license/activation-request").await;
    assert_eq!(res.status(), 200);
    let disposition = res.headers()["content-disposition"].to_str().unwrap().to_owned();
    let text = res.text().await.unwrap();
    let verified = SignedActivationRequest::parse(&text).unwrap().verify().unwrap();
    let expected = format!("filename=\"licet-activation-{}.txt\"", verified.request().install_id);
    assert!(disposition.contains(&expected), "{disposition}");
    (text, verified)
}

/// The vendor's registration of this install: its signing key, the customer, the install bound to its id and host
/// fingerprint, and what it is entitled to.
async fn register(admin: &TestServer, d: &Path, install_id: &str, fingerprint: &str) {
    let key = d.join("keys/vendor-1.private.pem");
    let new_key = body!({"kid": "vendor-1", "private_ref": format!("file:{}", key.display()), "activate": true});
    json(admin.call_json(Method::POST, "/v1/keys", new_key).await, 201).await;
    let customer = body!({"id": "acme", "name": "Acme Corp"});
    json(admin.call_json(Method::POST, "/v1/customers", customer).await, 201).await;
    let install = body!({"id": install_id, "customer_id": "acme", "fingerprints": [fingerprint]});
    json(admin.call_json(Method::POST, "/v1/installs", install).await, 201).await;
    let entitlements = body!({
        "edition": "enterprise", "products": ["reports"], "features": ["sso"],
        "limits": {"users": 100}, "validity_days": 365
    });
    let path = format!("/v1/installs/{install_id}/entitlements");
    json(admin.call_json(Method::PUT, &path, entitlements).await, 200).await;
}

/// The same request with its payload edited (another host's fingerprint) and the install's signature kept.
fn tampered(armored: &str) -> String {
    let signed = SignedActivationRequest::parse(armored).unwrap();
    let parts: Vec<&str> = signed.compact().split('.').collect();
    let mut payload: Value = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts[1]).unwrap()).unwrap();
    payload["fingerprint"] = "LICET-FP-SOMEWHERE-ELSE".into();
    let payload = URL_SAFE_NO_PAD.encode(payload.to_string());
    let compact = [parts[0], payload.as_str(), parts[2]].join(".");
    licet_proto::armor::armor(ARMOR_LABEL, &compact)
}

async fn post_activation(vendor: &Server, request: &str) -> licet_server::testkit::Response {
    let path = licet_proto::paths::ACTIVATION;
    vendor
        .client()
        .call_text(Method::POST, path, "text/plain", request)
        .await
}

/// Imports `license` with the reason; the install must be active on it. Its fingerprint.
async fn import(install: &TestServer, license: &str) -> String {
    let change = json(install.import(license, Some(REASON)).await, 200).await;
    let status = &change["status"];
    assert_eq!(
        (status["state"].as_str(), status["source"].as_str()),
        (Some("active"), Some("import"))
    );
    let fingerprint = status["license_fingerprint"].as_str().unwrap().to_owned();
    // The audit log: the import, by the token's name, with the reason and the new license's fingerprint.
    let audit = install.audit(10).await;
    let entry = audit
        .iter()
        .find(|e| e["reason"] == REASON)
        .unwrap_or_else(|| panic!("{audit:?}"));
    assert_eq!(
        (entry["action"].as_str(), entry["source"].as_str()),
        (Some("license.install"), Some("import"))
    );
    assert_eq!(entry["actor"], "ops", "{entry}");
    assert_eq!(entry["license_fingerprint"], fingerprint.as_str(), "{entry}");
    assert_eq!(entry["outcome"], "ok", "{entry}");
    fingerprint
}

/// An install running with last year's license, and a client with its `ops` admin token.
fn expired_install() -> (tempfile::TempDir, Server, TestServer) {
    let dir = tempfile::tempdir().unwrap();
    let ops = prepare(dir.path());
    let install_side = serve(dir.path());
    let install = install_side.client().with_token(Some(&ops));
    (dir, install_side, install)
}

#[tokio::test]
async fn activation_over_http_brings_an_expired_install_back_to_active() {
    let (dir, install_side, install) = expired_install();
    let d = dir.path();
    let before = install.status().await;
    assert_eq!(before["state"], "expired", "{before}");
    let (request, verified) = activation_request(&install).await;
    let (install_id, fingerprint) = (
        verified.request().install_id.clone(),
        verified.request().fingerprint.clone(),
    );
    assert_eq!(
        (install_id.as_str(), fingerprint.as_str()),
        (
            before["install_id"].as_str().unwrap(),
            before["fingerprint"].as_str().unwrap()
        )
    );
    assert_eq!(
        verified.request().license_fingerprint.as_deref(),
        before["license_fingerprint"].as_str()
    );

    let vendor = vendor(d);
    // Not registered yet: refused, and nothing is issued.
    vendor_error(post_activation(&vendor, &request).await, 404, "install_not_found").await;
    let admin = vendor.admin();
    register(&admin, d, &install_id, &fingerprint).await;
    vendor_error(
        post_activation(&vendor, &tampered(&request)).await,
        400,
        "activation_request_bad_signature",
    )
    .await;
    let licenses = format!("/v1/installs/{install_id}/licenses");
    assert_eq!(json(admin.call(Method::GET, &licenses).await, 200).await, body!([]));

    let answer = post_activation(&vendor, &request).await;
    assert_eq!(answer.status(), 200);
    let license = answer.text().await.unwrap();
    assert!(license.starts_with("-----BEGIN LICENSE-----"), "{license}");
    // The same request again is a replay.
    vendor_error(
        post_activation(&vendor, &request).await,
        409,
        "activation_request_replayed",
    )
    .await;
    // The vendor pinned the install's activation key (trust on first use).
    let view = json(
        admin.call(Method::GET, &format!("/v1/installs/{install_id}")).await,
        200,
    )
    .await;
    assert_eq!(view["activation_key_thumbprint"], verified.key_thumbprint());

    let fingerprint = import(&install, &license).await;
    let issued = json(admin.call(Method::GET, &licenses).await, 200).await;
    assert_eq!(issued[0]["fingerprint"], fingerprint.as_str(), "{issued}");

    // Restarted, the install keeps the license and its activation key: the next request is signed by the key
    // the vendor pinned.
    install_side.stop();
    let install_side = serve(d);
    let install = install_side.client();
    let after = install.status().await;
    assert_eq!(
        (after["state"].as_str(), after["license_fingerprint"].as_str()),
        (Some("active"), Some(fingerprint.as_str()))
    );
    let (_, again) = activation_request(&install).await;
    assert_eq!(again.key_thumbprint(), verified.key_thumbprint());
    assert_eq!(again.request().install_id, install_id);
    vendor.stop();
}

#[tokio::test]
async fn activation_by_files_on_an_air_gapped_vendor() {
    let (dir, _install_side, install) = expired_install();
    let d = dir.path();
    let (request, verified) = activation_request(&install).await;
    std::fs::write(d.join("request.txt"), &request).unwrap();
    std::fs::write(d.join("tampered.txt"), tampered(&request)).unwrap();
    let vendor = vendor(d);
    register(
        &vendor.admin(),
        d,
        &verified.request().install_id,
        &verified.request().fingerprint,
    )
    .await;
    vendor.stop();

    let activate = |request: &str, db: &str| {
        let args = [
            "vendor",
            "activate",
            "--database-url",
            db,
            "--issuer",
            ISSUER,
            "--audience",
            AUDIENCE,
        ];
        licet(
            d,
            &[&args[..], &["--request", request, "--out", "license.lic"]].concat(),
        )
    };
    let refused = activate("tampered.txt", "sqlite://vendor.db");
    assert_eq!(refused.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&refused.stderr).starts_with("activation_request_bad_signature: "));
    assert!(!d.join("license.lic").exists(), "nothing written for a refused request");

    let answered = activate("request.txt", "sqlite://vendor.db");
    let said = String::from_utf8_lossy(&answered.stderr);
    assert!(answered.status.success(), "{said}");
    assert!(said.contains("issued sequence 1"), "{said}");
    let license = std::fs::read_to_string(d.join("license.lic")).unwrap();
    import(&install, &license).await;

    let replayed = activate("request.txt", "sqlite://vendor.db");
    assert_eq!(replayed.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&replayed.stderr).starts_with("activation_request_replayed: "));
    let no_db = activate("request.txt", "sqlite://elsewhere.db");
    assert_eq!(no_db.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&no_db.stderr).contains("no vendor database at elsewhere.db"));
    assert!(!d.join("elsewhere.db").exists());
}
