//! Every endpoint and every error over real HTTP, against the in-memory service.

use reqwest::multipart::{Form, Part};
use reqwest::Method;
use serde_json::{json, Value};

use crate::support::{error, json, owner_token, TestServer};

/// Licenses in the in-memory service's toy format (`support/memory.rs`): customer Acme, sequences 1 to 3.
pub(crate) const LIC1: &str = "fake:1:Acme";
pub(crate) const LIC2: &str = "fake:2:Acme";
pub(crate) const LIC3: &str = "fake:3:Acme";

/// Install the first license openly and return the owner token it hands back.
pub(crate) async fn first_install(s: &TestServer) -> String {
    let body = json(s.install(LIC2).await, 200).await;
    assert_eq!(body["status"]["state"], "active");
    owner_token(&body)
}

pub(crate) async fn mint(s: &TestServer, owner: &str, name: &str, role: &str) -> String {
    s.with_token(Some(owner)).mint(name, role).await
}

/// An in-memory server after the first install, with its owner token and an admin token named `ops`.
pub(crate) async fn owner_and_admin() -> (TestServer, String, String) {
    let (s, _) = crate::support::memory().await;
    let owner = first_install(&s).await;
    let admin = mint(&s, &owner, "ops", "admin").await;
    (s, owner, admin)
}

pub(crate) async fn fingerprint(s: &TestServer) -> Value {
    s.status().await["license_fingerprint"].clone()
}

#[tokio::test]
async fn status_and_fingerprint_before_any_license() {
    let (s, _) = crate::support::memory().await;
    let st = s.status().await;
    assert_eq!(st["state"], "missing");
    assert_eq!(st["reason"]["code"], "license_missing");
    assert_eq!(st["license_fingerprint"], Value::Null);
    let id = s.get_json("/v1/license/fingerprint").await;
    assert!(id["fingerprint"].as_str().unwrap().starts_with("LICET-FP-"));
    assert_eq!(id["install_id"], st["install_id"]);
}

#[tokio::test]
async fn first_install_window_then_roles() {
    let (s, _) = crate::support::memory().await;
    let owner = first_install(&s).await;
    assert_eq!(s.status().await["customer"]["name"], "Acme");

    // The window is closed: no token, no change, and no second owner token.
    let res = s.install(LIC3).await;
    assert_eq!(res.headers()["www-authenticate"], "Bearer realm=\"licet\"");
    error(res, 401, "unauthorized").await;
    // An unknown token is refused, never treated as anonymous.
    error(s.with_token(Some("nope")).install(LIC3).await, 401, "unauthorized").await;

    let admin = mint(&s, &owner, "ops", "admin").await;
    let viewer = mint(&s, &owner, "dash", "viewer").await;
    // Replacing an installed license needs owner.
    error(s.with_token(Some(&admin)).install(LIC3).await, 403, "forbidden").await;
    error(s.with_token(Some(&viewer)).install(LIC3).await, 403, "forbidden").await;
    assert_eq!(fingerprint(&s).await, "fp-fake:2:Acme");

    let body = json(s.with_token(Some(&owner)).install(LIC3).await, 200).await;
    assert!(body.get("owner_token").is_none(), "the owner token is handed out once");
    assert_eq!(fingerprint(&s).await, "fp-fake:3:Acme");

    // Audit names the actors.
    let audit = s.audit(50).await;
    let actors: Vec<&str> = audit.iter().map(|e| e["actor"].as_str().unwrap()).collect();
    assert!(
        actors.contains(&"first-install") && actors.contains(&"owner"),
        "{actors:?}"
    );
}

#[tokio::test]
async fn admin_may_install_where_nothing_is_installed() {
    let (s, owner, admin) = owner_and_admin().await;
    json(
        s.with_token(Some(&owner)).call(Method::DELETE, "/v1/license").await,
        200,
    )
    .await;
    assert_eq!(s.status().await["state"], "missing");
    // Nothing installed, but an owner exists: the window stays closed for anonymous callers.
    error(s.install(LIC3).await, 401, "unauthorized").await;
    json(s.with_token(Some(&admin)).install(LIC3).await, 200).await;
    assert_eq!(s.status().await["state"], "active");
}

#[tokio::test]
async fn rolled_back_license_is_refused_and_current_kept() {
    let (s, _) = crate::support::memory().await;
    let owner = first_install(&s).await;
    let before = fingerprint(&s).await;
    error(
        s.with_token(Some(&owner)).install(LIC1).await,
        409,
        "license_rolled_back",
    )
    .await;
    assert_eq!(fingerprint(&s).await, before);
    assert_eq!(s.status().await["state"], "active");
}

#[tokio::test]
async fn invalid_license_is_refused_with_its_reason() {
    let (s, _) = crate::support::memory().await;
    error(s.install("fake:9:Evil:forged").await, 422, "license_bad_signature").await;
    error(s.install("not a license").await, 422, "license_malformed").await;
    assert_eq!(s.status().await["state"], "missing");
    // The window is still open after failed attempts.
    first_install(&s).await;
}

#[tokio::test]
async fn upload_forms_json_and_multipart() {
    let (s, _) = crate::support::memory().await;
    let body = json!({"license": LIC1, "reason": "initial"});
    let owner = owner_token(&json(s.call_json(Method::POST, "/v1/license", body).await, 200).await);
    let o = s.with_token(Some(&owner));
    let form = Form::new()
        .part("file", Part::bytes(LIC2.as_bytes().to_vec()).file_name("acme.lic"))
        .text("reason", "renewal");
    json(
        o.req(Method::POST, "/v1/license").multipart(form).send().await.unwrap(),
        200,
    )
    .await;
    assert_eq!(fingerprint(&s).await, "fp-fake:2:Acme");
    let res = o
        .req(Method::POST, "/v1/license")
        .header("content-type", "application/jwt")
        .header("x-licet-reason", "via header")
        .body(LIC3)
        .send()
        .await
        .unwrap();
    json(res, 200).await;
    let audit = s.audit(50).await;
    let reasons: Vec<&str> = audit.iter().filter_map(|e| e["reason"].as_str()).collect();
    assert!(reasons.contains(&"initial") && reasons.contains(&"renewal") && reasons.contains(&"via header"));
}

/// Every malformed request gets a 4xx with a code, and the license stays what it was.
#[tokio::test]
async fn bad_requests_never_change_the_license() {
    let (s, _) = crate::support::memory().await;
    let owner = first_install(&s).await;
    let o = s.with_token(Some(&owner));
    let before = fingerprint(&s).await;
    let big = "x".repeat(300 * 1024);
    // Strict JSON, as for claims: an array is not `{license}`, and a repeated member is refused, not "last wins".
    let array = format!("[\"{LIC3}\", \"because\"]");
    let repeated = format!("{{\"license\": \"x\", \"license\": \"{LIC3}\"}}");
    let texts = [
        ("application/json", array.as_str(), 400, "malformed_request"),
        ("application/json", repeated.as_str(), 400, "malformed_request"),
        ("text/plain", big.as_str(), 413, "payload_too_large"),
        ("image/png", LIC3, 415, "unsupported_media_type"),
        ("application/json", "{\"licence\":1}", 400, "malformed_request"),
        ("application/json", "{not json", 400, "malformed_request"),
        ("text/plain", "  \n", 400, "malformed_request"),
        ("multipart/form-data; boundary=X", "garbage", 400, "malformed_request"),
        ("multipart/form-data", "garbage", 400, "malformed_request"),
    ];
    for (content_type, body, status, code) in texts {
        error(
            o.call_text(Method::POST, "/v1/license", content_type, body).await,
            status,
            code,
        )
        .await;
    }
    let untyped = o.req(Method::POST, "/v1/license").body(LIC3).send().await.unwrap();
    error(untyped, 415, "unsupported_media_type").await;
    let forms = [
        (
            Form::new().part("license", Part::bytes(big.into_bytes())),
            413,
            "payload_too_large",
        ),
        (Form::new().text("reason", "no file"), 400, "malformed_request"),
        (
            Form::new().text("license", LIC3).text("file", LIC3),
            400,
            "malformed_request",
        ),
    ];
    for (form, status, code) in forms {
        let res = o.req(Method::POST, "/v1/license").multipart(form).send().await.unwrap();
        error(res, status, code).await;
    }
    o.refused(Method::PATCH, "/v1/license", 405, "method_not_allowed").await;
    o.refused(Method::GET, "/v1/license/nope", 404, "route_not_found").await;

    assert_eq!(fingerprint(&s).await, before);
}

#[tokio::test]
async fn import_requires_a_reason() {
    let (s, _, admin) = owner_and_admin().await;
    let a = s.with_token(Some(&admin));
    let before = fingerprint(&s).await;
    let import = |form: Form| a.req(Method::POST, "/v1/license/import").multipart(form).send();
    let form = Form::new().part("license", Part::bytes(LIC3.as_bytes().to_vec()));
    error(import(form).await.unwrap(), 400, "reason_required").await;
    error(a.import(LIC3, Some("   ")).await, 400, "reason_required").await;
    assert_eq!(fingerprint(&s).await, before);
    // Anonymous import is refused once an owner exists.
    error(s.import(LIC3, Some("x")).await, 401, "unauthorized").await;

    let form = Form::new()
        .part(
            "license",
            Part::bytes(LIC3.as_bytes().to_vec()).file_name("renewal.lic"),
        )
        .text("reason", "offline renewal, ticket 42");
    json(import(form).await.unwrap(), 200).await;
    assert_eq!(fingerprint(&s).await, "fp-fake:3:Acme");
    let audit = s.audit(1).await;
    assert_eq!(audit[0]["reason"], "offline renewal, ticket 42");
    assert_eq!(audit[0]["actor"], "ops");
}

#[tokio::test]
async fn first_import_opens_the_window_too() {
    let (s, _) = crate::support::memory().await;
    let body = json(s.import(LIC1, Some("air-gapped")).await, 200).await;
    assert_eq!(body["owner_token"]["role"], "owner");
}

#[tokio::test]
async fn clear_needs_owner_and_a_license() {
    let (s, owner, admin) = owner_and_admin().await;
    s.refused(Method::DELETE, "/v1/license", 401, "unauthorized").await;
    s.with_token(Some(&admin))
        .refused(Method::DELETE, "/v1/license", 403, "forbidden")
        .await;
    let o = s.with_token(Some(&owner));
    let res = o
        .call_json(Method::DELETE, "/v1/license", json!({"reason": "decommission"}))
        .await;
    assert_eq!(json(res, 200).await["state"], "missing");
    o.refused(Method::DELETE, "/v1/license", 404, "not_found").await;
}

#[tokio::test]
async fn refresh_needs_admin_and_a_renewal_url() {
    let (s, service) = crate::support::memory().await;
    let owner = first_install(&s).await;
    let viewer = mint(&s, &owner, "dash", "viewer").await;
    s.refused(Method::POST, "/v1/license/refresh", 401, "unauthorized")
        .await;
    s.with_token(Some(&viewer))
        .refused(Method::POST, "/v1/license/refresh", 403, "forbidden")
        .await;
    let o = s.with_token(Some(&owner));
    o.refused(Method::POST, "/v1/license/refresh", 409, "unavailable").await;
    service.set_renewal(LIC3);
    let st = json(o.call(Method::POST, "/v1/license/refresh").await, 200).await;
    assert_eq!(st["license_fingerprint"], "fp-fake:3:Acme");
    service.set_renewal(LIC1);
    o.refused(Method::POST, "/v1/license/refresh", 409, "license_rolled_back")
        .await;
}

#[tokio::test]
async fn activation_request_is_a_download() {
    let (s, _) = crate::support::memory().await;
    let res = s.call(Method::GET, "/v1/license/activation-request").await;
    assert_eq!(res.status(), 200);
    let cd = res.headers()["content-disposition"].to_str().unwrap().to_owned();
    assert!(cd.starts_with("attachment; filename=\"activation-"), "{cd}");
    let body: Value = res.json().await.unwrap();
    assert!(body["fingerprint"].as_str().unwrap().starts_with("LICET-FP-"));
}
