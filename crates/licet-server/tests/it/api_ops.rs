//! Reads, audit, tokens, orgs, metrics and the page over real HTTP, against the in-memory service.

use reqwest::Method;
use serde_json::json;

use crate::api::{first_install, mint, owner_and_admin, LIC1, LIC2, LIC3};
use crate::support::{error, json, TestServer};

#[tokio::test]
async fn audit_pages_newest_first() {
    let (s, _) = crate::support::memory().await;
    let owner = first_install(&s).await;
    for i in 0..5 {
        mint(&s, &owner, &format!("t{i}"), "viewer").await;
    }
    let p1 = s.get_json("/v1/license/audit?limit=3").await;
    let ids: Vec<i64> = p1["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["id"].as_i64().unwrap())
        .collect();
    assert_eq!(ids.len(), 3);
    assert!(ids.windows(2).all(|w| w[0] > w[1]), "{ids:?}");
    let next = p1["next_before"].as_i64().unwrap();
    let p2 = s.get_json(&format!("/v1/license/audit?limit=3&before={next}")).await;
    assert!(p2["entries"]
        .as_array()
        .unwrap()
        .iter()
        .all(|e| e["id"].as_i64().unwrap() < next));
    s.refused(Method::GET, "/v1/license/audit?limit=0", 400, "malformed_request")
        .await;
    s.refused(Method::GET, "/v1/license/audit?limit=9999", 400, "malformed_request")
        .await;
    s.refused(Method::GET, "/v1/license/audit?before=abc", 400, "malformed_request")
        .await;
}

#[tokio::test]
async fn tokens_are_owner_only_and_revocable() {
    let (s, owner, admin) = owner_and_admin().await;
    let a = s.with_token(Some(&admin));
    a.refused(Method::GET, "/v1/license/tokens", 403, "forbidden").await;
    let o = s.with_token(Some(&owner));
    let refusals = [
        (&a, json!({"name": "x", "role": "owner"}), 403, "forbidden"),
        (&o, json!({"name": "", "role": "admin"}), 400, "malformed_request"),
        (&o, json!({"name": "x", "role": "god"}), 400, "malformed_request"),
    ];
    for (t, body, status, code) in refusals {
        error(
            t.call_json(Method::POST, "/v1/license/tokens", body).await,
            status,
            code,
        )
        .await;
    }
    let list = o.get_json("/v1/license/tokens").await;
    assert!(
        list.as_array().unwrap().iter().all(|t| t.get("token").is_none()),
        "secrets are never listed"
    );
    let id = list.as_array().unwrap().iter().find(|t| t["name"] == "ops").unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let untyped = o
        .req(Method::POST, "/v1/license/tokens")
        .body("{}")
        .send()
        .await
        .unwrap();
    error(untyped, 415, "unsupported_media_type").await;
    assert_eq!(
        o.call(Method::DELETE, &format!("/v1/license/tokens/{id}"))
            .await
            .status(),
        204
    );
    a.refused(Method::GET, "/v1/license/status", 401, "unauthorized").await;
    o.refused(Method::DELETE, &format!("/v1/license/tokens/{id}"), 404, "not_found")
        .await;
}

#[tokio::test]
async fn org_licenses() {
    let (s, owner, admin) = owner_and_admin().await;
    let a = s.with_token(Some(&admin));
    let o = s.with_token(Some(&owner));
    s.refused(Method::GET, "/v1/license/orgs/acme", 404, "not_found").await;
    s.refused(Method::GET, "/v1/license/orgs/bad%20id", 400, "malformed_request")
        .await;
    error(s.put_org("acme", LIC1).await, 401, "unauthorized").await;
    json(a.put_org("acme", LIC2).await, 200).await;
    let org = s.get_json("/v1/license/orgs/acme").await;
    assert_eq!(org["own_license"], true);
    error(a.put_org("acme", LIC3).await, 403, "forbidden").await;
    error(o.put_org("acme", LIC1).await, 409, "license_rolled_back").await;
    json(o.put_org("acme", LIC3).await, 200).await;
    a.refused(Method::DELETE, "/v1/license/orgs/acme", 403, "forbidden")
        .await;
    json(o.call(Method::DELETE, "/v1/license/orgs/acme").await, 200).await;
    s.refused(Method::GET, "/v1/license/orgs/acme", 404, "not_found").await;
}

#[tokio::test]
async fn metrics_and_health() {
    let (s, _) = crate::support::memory().await;
    first_install(&s).await;
    let res = s.call(Method::GET, "/metrics").await;
    assert_eq!(res.status(), 200);
    assert!(res.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/plain; version=0.0.4"));
    let text = res.text().await.unwrap();
    assert!(text.contains("licet_license_state{state=\"active\"} 1"), "{text}");
    assert!(text.contains("licet_license_state{state=\"missing\"} 0"));
    assert!(text.contains("\nlicet_license_remaining_seconds 31536000\n"), "{text}");
    assert!(text.contains("licet_license_limit{scope=\"instance\",kind=\"users\"} 25"));
    assert!(text.contains("licet_license_usage{scope=\"instance\",kind=\"users\"} 3"));
    let h = s.get_json("/healthz").await;
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
    s.refused(Method::GET, "/v1/license/status", 401, "unauthorized").await;
    s.refused(Method::GET, "/metrics", 401, "unauthorized").await;
    let owner = first_install(&s).await;
    let viewer = mint(&s, &owner, "dash", "viewer").await;
    s.with_token(Some(&viewer)).get_json("/v1/license/status").await;
    s.with_token(Some(&viewer)).get_json("/v1/license/audit").await;
    // Health and the page stay open.
    assert_eq!(s.call(Method::GET, "/healthz").await.status(), 200);
    assert_eq!(s.call(Method::GET, "/").await.status(), 200);
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
        let res = s.call(Method::GET, path).await;
        assert_eq!(res.status(), 200, "{path}");
        assert!(
            res.headers()["content-type"].to_str().unwrap().starts_with(ct),
            "{path}"
        );
    }
    let res = s.call(Method::GET, "/").await;
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
