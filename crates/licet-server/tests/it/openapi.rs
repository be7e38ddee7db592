//! The OpenAPI document and the router agree: every documented operation is routed, every route is documented.

use std::collections::BTreeSet;

use reqwest::Method;
use serde_json::Value;

const SOURCES: &[&str] = &[
    include_str!("../../src/routes/status.rs"),
    include_str!("../../src/routes/install.rs"),
    include_str!("../../src/routes/activation.rs"),
    include_str!("../../src/routes/orgs.rs"),
    include_str!("../../src/routes/audit.rs"),
    include_str!("../../src/routes/tokens.rs"),
    include_str!("../../src/routes/ops.rs"),
    include_str!("../../src/page.rs"),
];

fn routed() -> BTreeSet<(String, String)> {
    licet_api_test::routed(SOURCES, &[]).unwrap()
}

fn documented() -> BTreeSet<(String, String)> {
    licet_api_test::documented(licet_server::OPENAPI).unwrap()
}

#[test]
fn document_and_route_table_match() {
    let routed = routed();
    assert!(routed.len() >= 20, "parsed too few routes: {routed:?}");
    assert_eq!(documented(), routed);
}

/// The route table read from the sources is the one the router serves: each documented operation answers with
/// something other than the router's own "no such route" or "no such method".
#[tokio::test]
async fn every_documented_operation_is_served() {
    let (s, _) = crate::support::memory().await;
    for (method, path) in documented() {
        let path = path.replace("{id}", "x");
        let res = s
            .req(Method::from_bytes(method.as_bytes()).unwrap(), &path)
            .send()
            .await
            .unwrap();
        let status = res.status().as_u16();
        let body = res.text().await.unwrap();
        assert!(
            status != 405 && !body.contains("route_not_found"),
            "{method} {path}: {status} {body}"
        );
    }
    let served: Value = s
        .client
        .get(s.url("/v1/openapi.json"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(served, serde_json::from_str::<Value>(licet_server::OPENAPI).unwrap());
}

/// Every route that writes the license can be refused by the profile (`license_source_not_allowed`, 409), and the
/// document says so on each of them.
#[test]
fn every_license_write_documents_the_profile_refusal() {
    let doc: Value = serde_json::from_str(licet_server::OPENAPI).unwrap();
    let writes: Vec<(String, String)> = documented()
        .into_iter()
        .filter(|(method, path)| method != "GET" && !path.starts_with("/v1/license/tokens"))
        .collect();
    assert_eq!(writes.len(), 7, "{writes:?}");
    for (method, path) in writes {
        let op = &doc["paths"][&path][method.to_lowercase()];
        let conflict = op["responses"]["409"]["description"].as_str().unwrap_or_default();
        assert!(
            conflict.contains("`license_source_not_allowed`"),
            "{method} {path}: {conflict:?}"
        );
    }
}
