//! What schemathesis (`scripts/schemathesis.sh`) found against `licet serve`, each kept as a regression test:
//! the server answers as its OpenAPI document says, and the document says what the server checks.

use reqwest::multipart::Form;
use reqwest::Method;
use serde_json::{json, Value};

use crate::api::{first_install, mint, LIC3};
use crate::support::{error, json};

fn doc() -> Value {
    serde_json::from_str(licet_server::OPENAPI).unwrap()
}

fn body_schema(doc: &Value, path: &str, method: &str, content_type: &str) -> Value {
    let schema = &doc["paths"][path][method]["requestBody"]["content"][content_type]["schema"];
    match schema["$ref"].as_str() {
        Some(r) => doc["components"]["schemas"][r.trim_start_matches("#/components/schemas/")].clone(),
        None => schema.clone(),
    }
}

/// ST203: a change without a token got `400 malformed_request` for its empty body instead of `401`; the
/// caller's right is now answered before anything about the body, on every license write.
#[tokio::test]
async fn a_caller_without_the_role_hears_401_or_403_before_any_body_fault() {
    let (s, _) = crate::support::memory().await;
    let owner = first_install(&s).await;
    let viewer = mint(&s, &owner, "ro", "viewer").await;
    for (method, path) in [
        (Method::PUT, "/v1/license/orgs/0"),
        (Method::POST, "/v1/license"),
        (Method::POST, "/v1/license/import"),
    ] {
        error(
            s.call_text(method.clone(), path, "text/plain", "").await,
            401,
            "unauthorized",
        )
        .await;
        error(
            s.call_text(method.clone(), path, "image/png", "x").await,
            401,
            "unauthorized",
        )
        .await;
        let v = s.with_token(Some(&viewer));
        error(
            v.call_text(method.clone(), path, "text/plain", "").await,
            403,
            "forbidden",
        )
        .await;
    }
    // With the role, the body's fault is still named.
    let o = s.with_token(Some(&owner));
    error(
        o.call_text(Method::PUT, "/v1/license/orgs/0", "text/plain", " ").await,
        400,
        "malformed_request",
    )
    .await;
}

/// ST202: an empty license body, a multipart upload with both `license` and `file`, and a blank token name
/// were schema-valid but refused; the document now says so (and the server still refuses them).
#[tokio::test]
async fn the_document_describes_what_uploads_and_token_names_must_be() {
    let doc = doc();
    for (path, method) in [
        ("/v1/license", "post"),
        ("/v1/license/import", "post"),
        ("/v1/license/orgs/{id}", "put"),
    ] {
        for ct in ["text/plain", "application/jwt"] {
            let s = body_schema(&doc, path, method, ct);
            assert_eq!(
                (s["minLength"].as_u64(), s["pattern"].as_str()),
                (Some(1), Some("\\S")),
                "{path} {ct}"
            );
        }
        let json_upload = body_schema(&doc, path, method, "application/json");
        assert_eq!(json_upload["properties"]["license"]["pattern"], "\\S", "{path}");
        assert_eq!(json_upload["properties"]["reason"]["maxLength"], 1000, "{path}");
        // `file` is read as an alias but not documented: a document naming both lets a generator send both.
        let multipart = body_schema(&doc, path, method, "multipart/form-data");
        assert_eq!(multipart["required"][0], "license", "{path}");
        assert!(multipart["properties"].get("file").is_none(), "{path}");
        // Field names the multipart parser cannot read (control characters, non-ASCII) were a 400.
        assert_eq!(multipart["propertyNames"]["pattern"], "^[!#-~]+$", "{path}");
    }
    // An import must say why: in the header for a raw body, in the body for JSON and multipart.
    let import = &doc["paths"]["/v1/license/import"]["post"];
    let reason = import["parameters"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "x-licet-reason")
        .expect("the import documents its x-licet-reason header");
    assert_eq!(reason["required"], true);
    for ct in ["application/json", "multipart/form-data"] {
        let s = body_schema(&doc, "/v1/license/import", "post", ct);
        assert!(s["required"].as_array().unwrap().contains(&json!("reason")), "{ct}");
    }
    let name = &doc["components"]["schemas"]["CreateToken"]["properties"]["name"];
    assert_eq!(
        (name["minLength"].as_u64(), name["maxLength"].as_u64()),
        (Some(1), Some(64))
    );

    let (s, _) = crate::support::memory().await;
    let owner = first_install(&s).await;
    let o = s.with_token(Some(&owner));
    for blank in ["", "   ", "a\u{7}b"] {
        let res = o
            .call_json(
                Method::POST,
                "/v1/license/tokens",
                json!({"name": blank, "role": "viewer"}),
            )
            .await;
        error(res, 400, "malformed_request").await;
    }
    let longest = "n".repeat(64);
    let res = o
        .call_json(
            Method::POST,
            "/v1/license/tokens",
            json!({"name": longest, "role": "viewer"}),
        )
        .await;
    json(res, 201).await;
    let res = o
        .call_json(
            Method::POST,
            "/v1/license/tokens",
            json!({"name": "n".repeat(65), "role": "viewer"}),
        )
        .await;
    error(res, 400, "malformed_request").await;
    let both = Form::new().text("license", LIC3).text("file", LIC3);
    let res = o.req(Method::POST, "/v1/license").multipart(both).send().await.unwrap();
    error(res, 400, "malformed_request").await;
    // A raw import without the reason header, or a JSON one with a blank reason, is refused as documented.
    let raw = o
        .call_text(Method::POST, "/v1/license/import", "text/plain", LIC3)
        .await;
    error(raw, 400, "reason_required").await;
    error(o.import(LIC3, Some("  ")).await, 400, "reason_required").await;
}

/// ST201: `{"reason": null}` was accepted where the document said `reason` is a string; null means "no
/// reason" (as JSON uploads always read it), and the document now says it.
#[tokio::test]
async fn a_null_reason_is_documented_and_means_none() {
    let doc = doc();
    for (path, method) in [("/v1/license", "delete"), ("/v1/license/orgs/{id}", "delete")] {
        let s = body_schema(&doc, path, method, "application/json");
        assert_eq!(s["properties"]["reason"]["type"], json!(["string", "null"]), "{path}");
    }
    let (s, _) = crate::support::memory().await;
    let owner = first_install(&s).await;
    let o = s.with_token(Some(&owner));
    let cleared = json(
        o.call_json(Method::DELETE, "/v1/license", json!({"reason": null}))
            .await,
        200,
    )
    .await;
    assert_eq!(cleared["state"], "missing");
    assert_eq!(s.audit(1).await[0]["reason"], Value::Null);
}
