//! Every endpoint and every error over real HTTP, against the in-memory service.

use reqwest::Method;
use serde_json::{json, Value};

use crate::support::{error, json, TestServer};

const LIC1: &str = "fake:1:Acme";
const LIC2: &str = "fake:2:Acme";
const LIC3: &str = "fake:3:Acme";

/// Install the first license openly and return the owner token it hands back.
pub(crate) async fn first_install(s: &TestServer) -> String {
    let body = json(s.install(LIC2).await, 200).await;
    assert_eq!(body["status"]["state"], "active");
    body["owner_token"]["token"].as_str().unwrap().to_owned()
}

pub(crate) async fn mint(s: &TestServer, owner: &str, name: &str, role: &str) -> String {
    let res = s
        .with_token(Some(owner))
        .req(Method::POST, "/v1/license/tokens")
        .json(&json!({"name": name, "role": role}))
        .send()
        .await
        .unwrap();
    json(res, 201).await["token"].as_str().unwrap().to_owned()
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
    let id = json(s.req(Method::GET, "/v1/license/fingerprint").send().await.unwrap(), 200).await;
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
    let audit = json(s.req(Method::GET, "/v1/license/audit").send().await.unwrap(), 200).await;
    let actors: Vec<&str> = audit["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["actor"].as_str().unwrap())
        .collect();
    assert!(
        actors.contains(&"first-install") && actors.contains(&"owner"),
        "{actors:?}"
    );
}

#[tokio::test]
async fn admin_may_install_where_nothing_is_installed() {
    let (s, _) = crate::support::memory().await;
    let owner = first_install(&s).await;
    let admin = mint(&s, &owner, "ops", "admin").await;
    json(
        s.with_token(Some(&owner))
            .req(Method::DELETE, "/v1/license")
            .send()
            .await
            .unwrap(),
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
    let res = s
        .req(Method::POST, "/v1/license")
        .json(&json!({"license": LIC1, "reason": "initial"}))
        .send()
        .await
        .unwrap();
    let owner = json(res, 200).await["owner_token"]["token"]
        .as_str()
        .unwrap()
        .to_owned();
    let o = s.with_token(Some(&owner));
    let form = reqwest::multipart::Form::new()
        .part(
            "file",
            reqwest::multipart::Part::bytes(LIC2.as_bytes().to_vec()).file_name("acme.lic"),
        )
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
    let audit = json(s.req(Method::GET, "/v1/license/audit").send().await.unwrap(), 200).await;
    let reasons: Vec<&str> = audit["entries"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| e["reason"].as_str())
        .collect();
    assert!(reasons.contains(&"initial") && reasons.contains(&"renewal") && reasons.contains(&"via header"));
}

/// Every malformed request gets a 4xx with a code, and the license stays what it was.
#[tokio::test]
async fn bad_requests_never_change_the_license() {
    let (s, _) = crate::support::memory().await;
    let owner = first_install(&s).await;
    let o = s.with_token(Some(&owner));
    let before = fingerprint(&s).await;
    let post = || o.req(Method::POST, "/v1/license");

    let big = "x".repeat(300 * 1024);
    error(
        post()
            .header("content-type", "text/plain")
            .body(big.clone())
            .send()
            .await
            .unwrap(),
        413,
        "payload_too_large",
    )
    .await;
    let form = reqwest::multipart::Form::new().part("license", reqwest::multipart::Part::bytes(big.into_bytes()));
    error(post().multipart(form).send().await.unwrap(), 413, "payload_too_large").await;
    error(
        post()
            .header("content-type", "image/png")
            .body(LIC3)
            .send()
            .await
            .unwrap(),
        415,
        "unsupported_media_type",
    )
    .await;
    error(post().body(LIC3).send().await.unwrap(), 415, "unsupported_media_type").await;
    error(
        post()
            .header("content-type", "application/json")
            .body("{\"licence\":1}")
            .send()
            .await
            .unwrap(),
        400,
        "malformed_request",
    )
    .await;
    error(
        post()
            .header("content-type", "application/json")
            .body("{not json")
            .send()
            .await
            .unwrap(),
        400,
        "malformed_request",
    )
    .await;
    error(
        post()
            .header("content-type", "text/plain")
            .body("  \n")
            .send()
            .await
            .unwrap(),
        400,
        "malformed_request",
    )
    .await;
    error(
        post()
            .header("content-type", "multipart/form-data; boundary=X")
            .body("garbage")
            .send()
            .await
            .unwrap(),
        400,
        "malformed_request",
    )
    .await;
    error(
        post()
            .header("content-type", "multipart/form-data")
            .body("garbage")
            .send()
            .await
            .unwrap(),
        400,
        "malformed_request",
    )
    .await;
    let form = reqwest::multipart::Form::new().text("reason", "no file");
    error(post().multipart(form).send().await.unwrap(), 400, "malformed_request").await;
    let form = reqwest::multipart::Form::new().text("license", LIC3).text("file", LIC3);
    error(post().multipart(form).send().await.unwrap(), 400, "malformed_request").await;
    error(
        o.req(Method::PATCH, "/v1/license").send().await.unwrap(),
        405,
        "method_not_allowed",
    )
    .await;
    error(
        o.req(Method::GET, "/v1/license/nope").send().await.unwrap(),
        404,
        "route_not_found",
    )
    .await;

    assert_eq!(fingerprint(&s).await, before);
}

#[tokio::test]
async fn import_requires_a_reason() {
    let (s, _) = crate::support::memory().await;
    let owner = first_install(&s).await;
    let admin = mint(&s, &owner, "ops", "admin").await;
    let a = s.with_token(Some(&admin));
    let before = fingerprint(&s).await;
    let form =
        reqwest::multipart::Form::new().part("license", reqwest::multipart::Part::bytes(LIC3.as_bytes().to_vec()));
    error(
        a.req(Method::POST, "/v1/license/import")
            .multipart(form)
            .send()
            .await
            .unwrap(),
        400,
        "reason_required",
    )
    .await;
    let res = a
        .req(Method::POST, "/v1/license/import")
        .json(&json!({"license": LIC3, "reason": "   "}))
        .send()
        .await
        .unwrap();
    error(res, 400, "reason_required").await;
    assert_eq!(fingerprint(&s).await, before);
    // Anonymous import is refused once an owner exists.
    let res = s
        .req(Method::POST, "/v1/license/import")
        .json(&json!({"license": LIC3, "reason": "x"}))
        .send()
        .await
        .unwrap();
    error(res, 401, "unauthorized").await;

    let form = reqwest::multipart::Form::new()
        .part(
            "license",
            reqwest::multipart::Part::bytes(LIC3.as_bytes().to_vec()).file_name("renewal.lic"),
        )
        .text("reason", "offline renewal, ticket 42");
    json(
        a.req(Method::POST, "/v1/license/import")
            .multipart(form)
            .send()
            .await
            .unwrap(),
        200,
    )
    .await;
    assert_eq!(fingerprint(&s).await, "fp-fake:3:Acme");
    let audit = json(
        s.req(Method::GET, "/v1/license/audit?limit=1").send().await.unwrap(),
        200,
    )
    .await;
    assert_eq!(audit["entries"][0]["reason"], "offline renewal, ticket 42");
    assert_eq!(audit["entries"][0]["actor"], "ops");
}

#[tokio::test]
async fn first_import_opens_the_window_too() {
    let (s, _) = crate::support::memory().await;
    let res = s
        .req(Method::POST, "/v1/license/import")
        .json(&json!({"license": LIC1, "reason": "air-gapped"}))
        .send()
        .await
        .unwrap();
    let body = json(res, 200).await;
    assert_eq!(body["owner_token"]["role"], "owner");
}

#[tokio::test]
async fn clear_needs_owner_and_a_license() {
    let (s, _) = crate::support::memory().await;
    let owner = first_install(&s).await;
    let admin = mint(&s, &owner, "ops", "admin").await;
    error(
        s.req(Method::DELETE, "/v1/license").send().await.unwrap(),
        401,
        "unauthorized",
    )
    .await;
    error(
        s.with_token(Some(&admin))
            .req(Method::DELETE, "/v1/license")
            .send()
            .await
            .unwrap(),
        403,
        "forbidden",
    )
    .await;
    let o = s.with_token(Some(&owner));
    let res = o
        .req(Method::DELETE, "/v1/license")
        .json(&json!({"reason": "decommission"}))
        .send()
        .await
        .unwrap();
    assert_eq!(json(res, 200).await["state"], "missing");
    error(
        o.req(Method::DELETE, "/v1/license").send().await.unwrap(),
        404,
        "not_found",
    )
    .await;
}

#[tokio::test]
async fn refresh_needs_admin_and_a_renewal_url() {
    let (s, service) = crate::support::memory().await;
    let owner = first_install(&s).await;
    let viewer = mint(&s, &owner, "dash", "viewer").await;
    error(
        s.req(Method::POST, "/v1/license/refresh").send().await.unwrap(),
        401,
        "unauthorized",
    )
    .await;
    error(
        s.with_token(Some(&viewer))
            .req(Method::POST, "/v1/license/refresh")
            .send()
            .await
            .unwrap(),
        403,
        "forbidden",
    )
    .await;
    let o = s.with_token(Some(&owner));
    error(
        o.req(Method::POST, "/v1/license/refresh").send().await.unwrap(),
        409,
        "unavailable",
    )
    .await;
    service.set_renewal(LIC3);
    let st = json(o.req(Method::POST, "/v1/license/refresh").send().await.unwrap(), 200).await;
    assert_eq!(st["license_fingerprint"], "fp-fake:3:Acme");
    service.set_renewal(LIC1);
    error(
        o.req(Method::POST, "/v1/license/refresh").send().await.unwrap(),
        409,
        "license_rolled_back",
    )
    .await;
}

#[tokio::test]
async fn activation_request_is_a_download() {
    let (s, _) = crate::support::memory().await;
    let res = s
        .req(Method::GET, "/v1/license/activation-request")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let cd = res.headers()["content-disposition"].to_str().unwrap().to_owned();
    assert!(cd.starts_with("attachment; filename=\"activation-"), "{cd}");
    let body: Value = res.json().await.unwrap();
    assert!(body["fingerprint"].as_str().unwrap().starts_with("LICET-FP-"));
}
