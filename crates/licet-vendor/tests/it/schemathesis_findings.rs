//! What schemathesis (`scripts/schemathesis.sh`) found against `licet vendor serve`, each kept as a regression
//! test: the server answers as its OpenAPI document says, and the document says what the server checks.

use axum::body::Body;
use axum::http::StatusCode;
use serde_json::{json, Value};

use crate::env::{Backend, Env, Reply, ADMIN};

fn doc() -> Value {
    serde_json::from_str(licet_vendor::OPENAPI).unwrap()
}

async fn seeded() -> Env {
    let env = Env::new(Backend::Sqlite).await.unwrap();
    env.seed().await;
    env
}

#[track_caller]
fn refused(r: &Reply, status: StatusCode, code: &str) -> String {
    assert_eq!((r.status, r.code().as_str()), (status, code), "{}", r.text);
    assert_eq!(r.headers["content-type"], "application/json", "{}", r.text);
    r.json()["message"].as_str().unwrap().to_owned()
}

/// V1 (ST105): a query value that cannot be read (`limit=4294967296`, past the documented maximum) was answered
/// with axum's plain text; every query and path fault is now `400 invalid_request` as `{code, message}`.
#[tokio::test]
async fn an_unreadable_query_or_path_is_an_invalid_request() {
    let env = seeded().await;
    for path in [
        "/v1/audit?limit=4294967296",
        "/v1/audit?limit=-1",
        "/v1/installs/inst-1/licenses?limit=x",
        "/v1/customers/%FF",
    ] {
        let r = env.admin("GET", path, None).await;
        refused(&r, StatusCode::BAD_REQUEST, "invalid_request");
    }
    let r = env.admin("GET", "/v1/audit?limit=4294967295", None).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
}

/// V2 (ST201): `PATCH /v1/customers/{id}` took a blank name, which creating a customer refuses.
#[tokio::test]
async fn a_customer_cannot_be_renamed_to_nothing() {
    let env = seeded().await;
    for name in ["", "  "] {
        let r = env
            .admin("PATCH", "/v1/customers/acme", Some(json!({"name": name})))
            .await;
        refused(&r, StatusCode::BAD_REQUEST, "invalid_request");
    }
    assert_eq!(
        env.admin("GET", "/v1/customers/acme", None).await.json()["name"],
        "Acme Corp"
    );
    let r = env
        .admin(
            "PATCH",
            "/v1/customers/acme",
            Some(json!({"name": null, "email": "ops@acme.test"})),
        )
        .await;
    assert_eq!(r.json()["name"], "Acme Corp", "{}", r.text);
}

/// V3 (ST201): an install could be registered or changed with a blank audience: every license it got would carry
/// `aud: ""`, which no product accepts.
#[tokio::test]
async fn an_install_needs_a_real_audience() {
    let env = seeded().await;
    let r = env
        .admin(
            "POST",
            "/v1/installs",
            Some(json!({"id": "inst-2", "customer_id": "acme", "audience": ""})),
        )
        .await;
    refused(&r, StatusCode::BAD_REQUEST, "invalid_request");
    let r = env
        .admin("PATCH", "/v1/installs/inst-1", Some(json!({"audience": " "})))
        .await;
    refused(&r, StatusCode::BAD_REQUEST, "invalid_request");
    assert_eq!(
        env.admin("GET", "/v1/installs/inst-1", None).await.json()["audience"],
        "justiam"
    );
    for doc_schema in ["NewInstall", "InstallPatch"] {
        assert_eq!(
            doc()["components"]["schemas"][doc_schema]["properties"]["audience"]["pattern"],
            "\\S"
        );
    }
}

/// V4 (ST202): `?profile=` took any string and refused all but the profiles with a format of their own, while
/// naming `standard` among the choices. Every profile is now accepted (`standard` signs in licet's format), the
/// document lists exactly them, and anything else is still `400 invalid_request`.
#[tokio::test]
async fn issuing_takes_every_profile_the_document_lists() {
    let env = seeded().await;
    let op = &doc()["paths"]["/v1/installs/{id}/licenses"]["post"];
    let listed: Vec<&str> = op["parameters"][0]["schema"]["enum"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    assert_eq!(listed, licet_core::profiles::names().collect::<Vec<_>>());
    let r = env
        .admin("POST", "/v1/installs/inst-1/licenses?profile=standard", None)
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let (_, claims) = env.open(r.json()["token"].as_str().unwrap()).await;
    assert_eq!(claims.lic.sequence, 1);
    for bad in ["", "nosuch"] {
        let r = env
            .admin("POST", &format!("/v1/installs/inst-1/licenses?profile={bad}"), None)
            .await;
        let message = refused(&r, StatusCode::BAD_REQUEST, "invalid_request");
        assert!(message.contains("standard, liberty"), "{message}");
    }
}

/// V5 (ST202): the document let `private_ref` be any string; it now says `file:<path>` or `pkcs11:<label>`, which
/// is what the server checks.
#[tokio::test]
async fn a_key_reference_is_documented_as_the_server_reads_it() {
    let env = seeded().await;
    let pattern = doc()["components"]["schemas"]["NewKey"]["properties"]["private_ref"]["pattern"].clone();
    assert_eq!(pattern, "^(file|pkcs11):.");
    for reference in ["", "file:", "disk:/k.pem"] {
        let r = env
            .admin("POST", "/v1/keys", Some(json!({"kid": "k9", "private_ref": reference})))
            .await;
        refused(&r, StatusCode::BAD_REQUEST, "invalid_request");
    }
}

/// V6 (ST108, ST201): an org's unknown member (`x-…`, or a misspelt `feature`) was accepted and echoed back by
/// `PUT …/entitlements`, but never stored; `PUT …/orgs/{org}` dropped it silently. Both now refuse it.
#[tokio::test]
async fn an_org_with_an_unknown_member_is_refused() {
    let env = seeded().await;
    let before = env.admin("GET", "/v1/installs/inst-1/entitlements", None).await.json();
    let mut e = crate::env::entitlements();
    e["orgs"][0]["feature"] = json!(["sso"]);
    let r = env.admin("PUT", "/v1/installs/inst-1/entitlements", Some(e)).await;
    let message = refused(&r, StatusCode::BAD_REQUEST, "invalid_request");
    assert!(message.contains("\"feature\""), "{message}");
    let r = env
        .admin(
            "PUT",
            "/v1/installs/inst-1/entitlements/orgs/tenant-b",
            Some(json!({"id": "tenant-b", "x-note": 42})),
        )
        .await;
    refused(&r, StatusCode::BAD_REQUEST, "invalid_request");
    let after = env.admin("GET", "/v1/installs/inst-1/entitlements", None).await.json();
    assert_eq!(before, after);
    assert_eq!(
        doc()["components"]["schemas"]["OrgEntitlement"]["additionalProperties"],
        false
    );
}

/// V7 (ST202): a limit written `3625.0` (an integer to JSON Schema, and so to the document) was refused as "a
/// floating point"; a count with a zero fraction is now that count. A fraction, or a member given twice, is still
/// refused.
#[tokio::test]
async fn a_count_written_with_a_zero_fraction_is_that_count() {
    let env = seeded().await;
    let body = json!({"limits": {"users": 3625.0}, "max_orgs": 1e1, "orgs": [{"id": "t", "limits": {"seats": 2.0}}]});
    let r = env.admin("PUT", "/v1/installs/inst-1/entitlements", Some(body)).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let stored = env.admin("GET", "/v1/installs/inst-1/entitlements", None).await.json();
    assert_eq!(
        (
            &stored["limits"]["users"],
            &stored["max_orgs"],
            &stored["orgs"][0]["limits"]["seats"]
        ),
        (&json!(3625), &json!(10), &json!(2))
    );
    let r = env
        .admin(
            "PUT",
            "/v1/installs/inst-1/entitlements",
            Some(json!({"limits": {"users": 3625.5}})),
        )
        .await;
    refused(&r, StatusCode::BAD_REQUEST, "invalid_request");
    let twice = r#"{"limits": {"users": 1.0}, "features": [], "features": ["sso"]}"#;
    let r = env
        .call(
            "PUT",
            "/v1/installs/inst-1/entitlements",
            Some(ADMIN),
            Some(Body::from(twice)),
            "application/json",
        )
        .await;
    refused(&r, StatusCode::BAD_REQUEST, "invalid_request");
}

/// V8 (ST201): a JSON array was read as the struct its members make in order (`PATCH … [null, null]` changed
/// nothing and answered 200); every body must be an object.
#[tokio::test]
async fn a_body_must_be_an_object() {
    let env = seeded().await;
    for (method, path) in [
        ("PATCH", "/v1/customers/acme"),
        ("PATCH", "/v1/installs/inst-1"),
        ("POST", "/v1/customers"),
        ("PUT", "/v1/installs/inst-1/entitlements"),
    ] {
        let r = env.admin(method, path, Some(json!([null, null]))).await;
        let message = refused(&r, StatusCode::BAD_REQUEST, "invalid_request");
        assert!(message.contains("JSON object"), "{method} {path}: {message}");
    }
}

/// V9 (ST202): the document took any string as an activation request, blank included; it now says what the
/// server reads (a non-blank text), and a blank one is refused with its reason code.
#[tokio::test]
async fn an_activation_request_is_documented_as_non_blank_text() {
    let env = seeded().await;
    let schema = &doc()["paths"]["/v1/activation"]["post"]["requestBody"]["content"]["text/plain"]["schema"];
    assert_eq!(
        (schema["minLength"].as_u64(), schema["pattern"].as_str()),
        (Some(1), Some("\\S"))
    );
    for body in ["", " \n"] {
        let r = env
            .call("POST", "/v1/activation", None, Some(Body::from(body)), "text/plain")
            .await;
        refused(&r, StatusCode::BAD_REQUEST, "activation_request_malformed");
    }
}
