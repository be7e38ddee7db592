//! The OpenAPI document and the router agree: every documented operation is routed, every route is documented.

use std::collections::BTreeSet;

use axum::http::StatusCode;
use serde_json::Value;

use crate::env::{Backend, Env, ADMIN};

/// Every route source: each file of `src/routes/`, read when the test runs, so a new file is read too.
fn sources() -> Vec<String> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/routes");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "rs"))
        .collect();
    files.sort();
    files.iter().map(|p| std::fs::read_to_string(p).unwrap()).collect()
}

fn routed() -> BTreeSet<(String, String)> {
    let sources = sources();
    let sources: Vec<&str> = sources.iter().map(String::as_str).collect();
    let consts = [
        ("paths::RENEW", licet_proto::paths::RENEW),
        ("paths::ACTIVATION", licet_proto::paths::ACTIVATION),
    ];
    licet_api_test::routed(&sources, &consts).unwrap()
}

fn documented() -> BTreeSet<(String, String)> {
    licet_api_test::documented(licet_vendor::OPENAPI).unwrap()
}

#[test]
fn document_and_route_table_match() {
    let routed = routed();
    assert!(routed.len() >= 30, "parsed too few routes: {routed:?}");
    assert_eq!(documented(), routed);
}

/// The route table read from the sources is the one the router serves: each documented operation, asked with the
/// admin token, answers something other than the router's own `route_not_found` or `method_not_allowed`.
#[tokio::test]
async fn every_documented_operation_is_served() {
    let env = Env::new(Backend::Sqlite).await.unwrap();
    for (method, path) in documented() {
        let path = path
            .replace("{id}", "x")
            .replace("{org}", "o")
            .replace("{kid}", "k")
            .replace("{seq}", "1");
        let r = env.call(&method, &path, Some(ADMIN), None, "").await;
        assert!(
            r.status != StatusCode::METHOD_NOT_ALLOWED && !r.text.contains("route_not_found"),
            "{method} {path}: {} {}",
            r.status,
            r.text
        );
    }
    let served = env.call("GET", "/v1/openapi.json", None, None, "").await;
    assert_eq!(served.status, StatusCode::OK);
    assert_eq!(served.headers["content-type"], "application/json");
    assert_eq!(
        served.json(),
        serde_json::from_str::<Value>(licet_vendor::OPENAPI).unwrap()
    );
}

/// What is not routed answers licet's `{code, message}`, pointing at the document.
#[tokio::test]
async fn an_unknown_route_or_method_is_named() {
    let env = Env::new(Backend::Sqlite).await.unwrap();
    let r = env.call("GET", "/v1/nothing-here", Some(ADMIN), None, "").await;
    assert_eq!(
        (r.status, r.code().as_str()),
        (StatusCode::NOT_FOUND, "route_not_found")
    );
    assert!(r.json()["message"].as_str().unwrap().contains("/v1/openapi.json"));
    let r = env.call("PUT", "/v1/openapi.json", None, None, "").await;
    assert_eq!(
        (r.status, r.code().as_str()),
        (StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed")
    );
}

/// Every admin operation names the admin token as its security and documents the 401; the two install endpoints
/// name theirs (renewal: the install credential; activation: none, the request is signed).
#[test]
fn every_operation_documents_its_credential() {
    let doc: Value = serde_json::from_str(licet_vendor::OPENAPI).unwrap();
    let schemes = doc["components"]["securitySchemes"].as_object().unwrap();
    assert_eq!(schemes["adminToken"]["scheme"], "bearer");
    assert_eq!(schemes["installCredential"]["scheme"], "bearer");
    for (method, path) in documented() {
        let op = &doc["paths"][&path][method.to_lowercase()];
        let security = op["security"]
            .as_array()
            .unwrap_or_else(|| panic!("{method} {path}: no security"));
        let admin =
            path.starts_with("/v1/") && !["/v1/renew", "/v1/activation", "/v1/openapi.json"].contains(&path.as_str());
        if admin {
            assert_eq!(
                security,
                &vec![serde_json::json!({"adminToken": []})],
                "{method} {path}"
            );
            let unauthorized = op["responses"]["401"]["description"].as_str().unwrap_or_default();
            assert!(unauthorized.contains("`admin_token_required`"), "{method} {path}");
        } else if path == "/v1/renew" {
            assert_eq!(security, &vec![serde_json::json!({"installCredential": []})]);
        } else {
            assert!(security.is_empty(), "{method} {path}");
        }
    }
}
