//! Reads, audit, tokens, orgs, metrics and the page over real HTTP, against the in-memory service.

use reqwest::Method;
use serde_json::json;

use crate::api::{first_install, mint};
use crate::support::{error, json, TestServer};

const LIC1: &str = "fake:1:Acme";
const LIC2: &str = "fake:2:Acme";
const LIC3: &str = "fake:3:Acme";

#[tokio::test]
async fn audit_pages_newest_first() {
    let (s, _) = crate::support::memory().await;
    let owner = first_install(&s).await;
    for i in 0..5 {
        mint(&s, &owner, &format!("t{i}"), "viewer").await;
    }
    let p1 = json(
        s.req(Method::GET, "/v1/license/audit?limit=3").send().await.unwrap(),
        200,
    )
    .await;
    let ids: Vec<i64> = p1["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["id"].as_i64().unwrap())
        .collect();
    assert_eq!(ids.len(), 3);
    assert!(ids.windows(2).all(|w| w[0] > w[1]), "{ids:?}");
    let next = p1["next_before"].as_i64().unwrap();
    let p2 = json(
        s.req(Method::GET, &format!("/v1/license/audit?limit=3&before={next}"))
            .send()
            .await
            .unwrap(),
        200,
    )
    .await;
    assert!(p2["entries"]
        .as_array()
        .unwrap()
        .iter()
        .all(|e| e["id"].as_i64().unwrap() < next));
    error(
        s.req(Method::GET, "/v1/license/audit?limit=0").send().await.unwrap(),
        400,
        "malformed_request",
    )
    .await;
    error(
        s.req(Method::GET, "/v1/license/audit?limit=9999").send().await.unwrap(),
        400,
        "malformed_request",
    )
    .await;
    error(
        s.req(Method::GET, "/v1/license/audit?before=abc").send().await.unwrap(),
        400,
        "malformed_request",
    )
    .await;
}

#[tokio::test]
async fn tokens_are_owner_only_and_revocable() {
    let (s, _) = crate::support::memory().await;
    let owner = first_install(&s).await;
    let admin = mint(&s, &owner, "ops", "admin").await;
    let a = s.with_token(Some(&admin));
    error(
        a.req(Method::GET, "/v1/license/tokens").send().await.unwrap(),
        403,
        "forbidden",
    )
    .await;
    let res = a
        .req(Method::POST, "/v1/license/tokens")
        .json(&json!({"name": "x", "role": "owner"}))
        .send()
        .await
        .unwrap();
    error(res, 403, "forbidden").await;
    let o = s.with_token(Some(&owner));
    let list = json(o.req(Method::GET, "/v1/license/tokens").send().await.unwrap(), 200).await;
    assert!(
        list.as_array().unwrap().iter().all(|t| t.get("token").is_none()),
        "secrets are never listed"
    );
    let id = list.as_array().unwrap().iter().find(|t| t["name"] == "ops").unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let res = o
        .req(Method::POST, "/v1/license/tokens")
        .json(&json!({"name": "", "role": "admin"}))
        .send()
        .await
        .unwrap();
    error(res, 400, "malformed_request").await;
    let res = o
        .req(Method::POST, "/v1/license/tokens")
        .json(&json!({"name": "x", "role": "god"}))
        .send()
        .await
        .unwrap();
    error(res, 400, "malformed_request").await;
    let res = o
        .req(Method::POST, "/v1/license/tokens")
        .body("{}")
        .send()
        .await
        .unwrap();
    error(res, 415, "unsupported_media_type").await;
    assert_eq!(
        o.req(Method::DELETE, &format!("/v1/license/tokens/{id}"))
            .send()
            .await
            .unwrap()
            .status(),
        204
    );
    error(
        a.req(Method::GET, "/v1/license/status").send().await.unwrap(),
        401,
        "unauthorized",
    )
    .await;
    error(
        o.req(Method::DELETE, &format!("/v1/license/tokens/{id}"))
            .send()
            .await
            .unwrap(),
        404,
        "not_found",
    )
    .await;
}

#[tokio::test]
async fn org_licenses() {
    let (s, _) = crate::support::memory().await;
    let owner = first_install(&s).await;
    let admin = mint(&s, &owner, "ops", "admin").await;
    let a = s.with_token(Some(&admin));
    let o = s.with_token(Some(&owner));
    error(
        s.req(Method::GET, "/v1/license/orgs/acme").send().await.unwrap(),
        404,
        "not_found",
    )
    .await;
    error(
        s.req(Method::GET, "/v1/license/orgs/bad%20id").send().await.unwrap(),
        400,
        "malformed_request",
    )
    .await;
    let put = |t: &TestServer, lic: &str| {
        t.req(Method::PUT, "/v1/license/orgs/acme")
            .header("content-type", "text/plain")
            .body(lic.to_owned())
    };
    error(put(&s, LIC1).send().await.unwrap(), 401, "unauthorized").await;
    json(put(&a, LIC2).send().await.unwrap(), 200).await;
    let org = json(s.req(Method::GET, "/v1/license/orgs/acme").send().await.unwrap(), 200).await;
    assert_eq!(org["own_license"], true);
    error(put(&a, LIC3).send().await.unwrap(), 403, "forbidden").await;
    error(put(&o, LIC1).send().await.unwrap(), 409, "license_rolled_back").await;
    json(put(&o, LIC3).send().await.unwrap(), 200).await;
    error(
        a.req(Method::DELETE, "/v1/license/orgs/acme").send().await.unwrap(),
        403,
        "forbidden",
    )
    .await;
    json(
        o.req(Method::DELETE, "/v1/license/orgs/acme").send().await.unwrap(),
        200,
    )
    .await;
    error(
        s.req(Method::GET, "/v1/license/orgs/acme").send().await.unwrap(),
        404,
        "not_found",
    )
    .await;
}

#[tokio::test]
async fn metrics_and_health() {
    let (s, _) = crate::support::memory().await;
    first_install(&s).await;
    let res = s.req(Method::GET, "/metrics").send().await.unwrap();
    assert_eq!(res.status(), 200);
    assert!(res.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/plain; version=0.0.4"));
    let text = res.text().await.unwrap();
    assert!(text.contains("licet_license_state{state=\"active\"} 1"), "{text}");
    assert!(text.contains("licet_license_state{state=\"missing\"} 0"));
    assert!(text.contains("licet_license_days_remaining 365"));
    assert!(text.contains("licet_license_limit{scope=\"instance\",kind=\"users\"} 25"));
    assert!(text.contains("licet_license_usage{scope=\"instance\",kind=\"users\"} 3"));
    let h = json(s.req(Method::GET, "/healthz").send().await.unwrap(), 200).await;
    assert_eq!(h["ok"], true);
}

#[tokio::test]
async fn closed_reads_need_a_viewer_token() {
    let service = std::sync::Arc::new(crate::support::memory::MemoryService::default());
    let options = licet_server::ServerOptions {
        open_reads: false,
        ..Default::default()
    };
    let s = TestServer::start(service, options).await;
    error(
        s.req(Method::GET, "/v1/license/status").send().await.unwrap(),
        401,
        "unauthorized",
    )
    .await;
    error(
        s.req(Method::GET, "/metrics").send().await.unwrap(),
        401,
        "unauthorized",
    )
    .await;
    let owner = first_install(&s).await;
    let viewer = mint(&s, &owner, "dash", "viewer").await;
    json(
        s.with_token(Some(&viewer))
            .req(Method::GET, "/v1/license/status")
            .send()
            .await
            .unwrap(),
        200,
    )
    .await;
    json(
        s.with_token(Some(&viewer))
            .req(Method::GET, "/v1/license/audit")
            .send()
            .await
            .unwrap(),
        200,
    )
    .await;
    // Health and the page stay open.
    assert_eq!(s.req(Method::GET, "/healthz").send().await.unwrap().status(), 200);
    assert_eq!(s.req(Method::GET, "/").send().await.unwrap().status(), 200);
}

#[tokio::test]
async fn page_and_assets_are_served() {
    let (s, _) = crate::support::memory().await;
    for (path, ct) in [
        ("/", "text/html"),
        ("/settings/license", "text/html"),
        ("/assets/app.js", "text/javascript"),
        ("/assets/app.css", "text/css"),
    ] {
        let res = s.req(Method::GET, path).send().await.unwrap();
        assert_eq!(res.status(), 200, "{path}");
        assert!(
            res.headers()["content-type"].to_str().unwrap().starts_with(ct),
            "{path}"
        );
    }
    let res = s.req(Method::GET, "/").send().await.unwrap();
    assert!(res.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .contains("default-src 'self'"));
    let html = res.text().await.unwrap();
    for id in [
        "license-badge",
        "license-paste",
        "install-button",
        "import-reason",
        "audit",
        "fingerprint",
        "token-input",
    ] {
        assert!(html.contains(&format!("data-testid=\"{id}\"")), "{id}");
    }
}
