//! Admin API: authentication, CRUD, error bodies, the console page.

use axum::http::StatusCode;
use serde_json::json;

use crate::both;
use crate::env::{Env, ADMIN};

both!(admin_api_needs_the_admin_token, |env: Env| async move {
    for auth in [None, Some("wrong-token"), Some("")] {
        let r = env.call("GET", "/v1/customers", auth, None, "").await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED);
        assert_eq!(r.code(), "admin_token_required");
        assert_eq!(r.headers["www-authenticate"], "Bearer");
    }
    // An install credential is not an admin token.
    let credential = env.seed().await;
    let r = env.call("GET", "/v1/installs", Some(&credential), None, "").await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        env.call("GET", "/v1/customers", Some(ADMIN), None, "").await.status,
        StatusCode::OK
    );
});

both!(customers_and_installs_crud, |env: Env| async move {
    let r = env
        .admin(
            "POST",
            "/v1/customers",
            Some(json!({"id": "acme", "name": "Acme", "email": "ops@acme.test"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED);
    let again = env
        .admin("POST", "/v1/customers", Some(json!({"id": "acme", "name": "Other"})))
        .await;
    assert_eq!(
        (again.status, again.code().as_str()),
        (StatusCode::CONFLICT, "customer_exists")
    );
    let generated = env
        .admin("POST", "/v1/customers", Some(json!({"name": "No Id Inc"})))
        .await
        .json();
    assert_eq!(generated["id"].as_str().unwrap().len(), 36);

    let r = env
        .admin("PATCH", "/v1/customers/acme", Some(json!({"name": "Acme Corp"})))
        .await;
    assert_eq!(r.json()["name"], "Acme Corp");
    assert_eq!(r.json()["email"], "ops@acme.test");
    let list = env.admin("GET", "/v1/customers", None).await.json();
    assert_eq!(list.as_array().unwrap().len(), 2);

    let bad = env
        .admin(
            "POST",
            "/v1/installs",
            Some(json!({"id": "i1", "customer_id": "nobody"})),
        )
        .await;
    assert_eq!(
        (bad.status, bad.code().as_str()),
        (StatusCode::NOT_FOUND, "customer_not_found")
    );
    let bad = env
        .admin(
            "POST",
            "/v1/installs",
            Some(json!({"id": "has space", "customer_id": "acme"})),
        )
        .await;
    assert_eq!(bad.code(), "invalid_request");
    let bad = env
        .admin(
            "POST",
            "/v1/installs",
            Some(json!({"id": "i1", "customer_id": "acme", "colour": "red"})),
        )
        .await;
    assert_eq!(
        (bad.status, bad.code().as_str()),
        (StatusCode::BAD_REQUEST, "invalid_request")
    );

    let created = env
        .admin("POST", "/v1/installs", Some(json!({"id": "i1", "customer_id": "acme"})))
        .await;
    assert_eq!(created.status, StatusCode::CREATED);
    let created = created.json();
    assert!(created["credential"].as_str().unwrap().starts_with("licet_ic_"));
    assert_eq!(created["install"]["audience"], "justiam");
    assert_eq!(created["install"]["has_credential"], true);
    let dup = env
        .admin("POST", "/v1/installs", Some(json!({"id": "i1", "customer_id": "acme"})))
        .await;
    assert_eq!(dup.code(), "install_exists");

    // The credential is never shown again.
    let shown = env.admin("GET", "/v1/installs/i1", None).await;
    assert!(!shown.text.contains(created["credential"].as_str().unwrap()));
    assert_eq!(shown.json()["license"], serde_json::Value::Null);

    let before = shown.json()["revision"].as_u64().unwrap();
    let patched = env
        .admin(
            "PATCH",
            "/v1/installs/i1",
            Some(json!({"fingerprints": ["LICET-FP-9"]})),
        )
        .await
        .json();
    assert_eq!(patched["fingerprints"], json!(["LICET-FP-9"]));
    assert_eq!(patched["revision"].as_u64().unwrap(), before + 1);

    let filtered = env.admin("GET", "/v1/installs?customer_id=acme", None).await.json();
    assert_eq!(filtered.as_array().unwrap().len(), 1);
    let none = env.admin("GET", "/v1/installs?customer_id=nobody", None).await.json();
    assert_eq!(none.as_array().unwrap().len(), 0);

    let busy = env.admin("DELETE", "/v1/customers/acme", None).await;
    assert_eq!(
        (busy.status, busy.code().as_str()),
        (StatusCode::CONFLICT, "customer_has_installs")
    );
    assert_eq!(
        env.admin("DELETE", "/v1/installs/i1", None).await.status,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        env.admin("DELETE", "/v1/customers/acme", None).await.status,
        StatusCode::NO_CONTENT
    );
    let gone = env.admin("GET", "/v1/customers/acme", None).await;
    assert_eq!(
        (gone.status, gone.code().as_str()),
        (StatusCode::NOT_FOUND, "customer_not_found")
    );
    assert_eq!(
        env.admin("DELETE", "/v1/customers/acme", None).await.code(),
        "customer_not_found"
    );

    let audit = env.admin("GET", "/v1/audit?limit=100", None).await.json();
    let actions: Vec<&str> = audit
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    for a in [
        "customer.create",
        "customer.update",
        "install.create",
        "install.update",
        "install.delete",
        "customer.delete",
    ] {
        assert!(actions.contains(&a), "{a} not audited: {actions:?}");
    }
});

both!(entitlements_and_orgs, |env: Env| async move {
    env.seed().await;
    let e = env.admin("GET", "/v1/installs/inst-1/entitlements", None).await.json();
    assert_eq!(e["limits"]["tenants"], "unlimited");
    assert_eq!(e["orgs"][0]["id"], "tenant-a");

    let org = json!({"id": "tenant-b", "plan": "basic", "valid_until": 1_800_000_000});
    let r = env
        .admin("PUT", "/v1/installs/inst-1/entitlements/orgs/tenant-b", Some(org))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let e = env.admin("GET", "/v1/installs/inst-1/entitlements", None).await.json();
    let ids: Vec<&str> = e["orgs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["tenant-a", "tenant-b"]);

    let mismatch = env
        .admin(
            "PUT",
            "/v1/installs/inst-1/entitlements/orgs/x",
            Some(json!({"id": "y"})),
        )
        .await;
    assert_eq!(mismatch.code(), "invalid_request");
    let window = json!({"id": "z", "valid_from": 20, "valid_until": 10});
    assert_eq!(
        env.admin("PUT", "/v1/installs/inst-1/entitlements/orgs/z", Some(window))
            .await
            .code(),
        "invalid_request"
    );
    let magic = json!({"limits": {"users": -1}});
    assert_eq!(
        env.admin("PUT", "/v1/installs/inst-1/entitlements", Some(magic))
            .await
            .code(),
        "invalid_request"
    );

    assert_eq!(
        env.admin("DELETE", "/v1/installs/inst-1/entitlements/orgs/tenant-a", None)
            .await
            .status,
        StatusCode::NO_CONTENT
    );
    let again = env
        .admin("DELETE", "/v1/installs/inst-1/entitlements/orgs/tenant-a", None)
        .await;
    assert_eq!(again.status, StatusCode::NOT_FOUND);

    // An install without entitlements cannot take an org.
    env.admin(
        "POST",
        "/v1/installs",
        Some(json!({"id": "bare", "customer_id": "acme"})),
    )
    .await;
    let r = env
        .admin("PUT", "/v1/installs/bare/entitlements/orgs/o", Some(json!({"id": "o"})))
        .await;
    assert_eq!(
        (r.status, r.code().as_str()),
        (StatusCode::CONFLICT, "entitlements_missing")
    );
    let r = env
        .admin(
            "PUT",
            "/v1/installs/ghost/entitlements/orgs/o",
            Some(json!({"id": "o"})),
        )
        .await;
    assert_eq!(r.code(), "install_not_found");
    assert_eq!(
        env.admin("GET", "/v1/installs/bare/entitlements", None).await.code(),
        "entitlements_missing"
    );
});

both!(keys_rotate_and_stay_listed, |env: Env| async move {
    let second = env.add_key("k2", 2, false).await;
    assert_eq!(second["alg"], "EdDSA");
    assert!(second["public_pem"]
        .as_str()
        .unwrap()
        .starts_with("-----BEGIN PUBLIC KEY-----"));
    let k2_path = env.dir.path().join("k2-test-only.pem");
    let dup = env
        .admin(
            "POST",
            "/v1/keys",
            Some(json!({"kid": "k2", "private_ref": format!("file:{}", k2_path.display())})),
        )
        .await;
    assert_eq!(
        (dup.status, dup.code().as_str()),
        (StatusCode::CONFLICT, "signing_key_exists")
    );
    let missing = env
        .admin(
            "POST",
            "/v1/keys",
            Some(json!({"kid": "k5", "private_ref": "file:/nonexistent/k.pem"})),
        )
        .await;
    assert_eq!(
        (missing.status, missing.code().as_str()),
        (StatusCode::BAD_REQUEST, "signing_key_unusable")
    );
    let bad = env
        .admin(
            "POST",
            "/v1/keys",
            Some(json!({"kid": "k3", "private_ref": "s3://bucket/key"})),
        )
        .await;
    assert_eq!(bad.code(), "invalid_request");
    let hsm = env
        .admin(
            "POST",
            "/v1/keys",
            Some(json!({"kid": "k4", "private_ref": "pkcs11:vendor-key"})),
        )
        .await;
    assert_eq!(hsm.code(), "signing_key_unusable");

    let r = env.admin("POST", "/v1/keys/k2/activate", None).await;
    assert_eq!(r.json()["active"], true);
    let keys = env.admin("GET", "/v1/keys", None).await.json();
    let active: Vec<&str> = keys
        .as_array()
        .unwrap()
        .iter()
        .filter(|k| k["active"] == true)
        .map(|k| k["kid"].as_str().unwrap())
        .collect();
    assert_eq!(active, ["k2"]);
    let k1 = keys.as_array().unwrap().iter().find(|k| k["kid"] == "k1").unwrap();
    assert!(k1["retired_at"].is_number(), "the old key is kept, marked retired");
    assert_eq!(
        env.admin("POST", "/v1/keys/nope/activate", None).await.code(),
        "signing_key_not_found"
    );
});

both!(console_page_is_served_with_stable_test_ids, |env: Env| async move {
    let r = env.call("GET", "/", None, None, "").await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.headers["content-type"].to_str().unwrap().starts_with("text/html"));
    assert!(r.headers["content-security-policy"]
        .to_str()
        .unwrap()
        .contains("frame-ancestors 'none'"));
    for id in [
        "admin-token",
        "customers-table",
        "installs-table",
        "customer-form",
        "install-form",
        "issue-button",
        "renew-button",
        "download-button",
        "install-last-refresh",
        "install-expiry",
        "credential-value",
    ] {
        assert!(r.text.contains(&format!("\"{id}\"")), "console lacks data-testid {id}");
    }
    assert_eq!(env.call("GET", "/healthz", None, None, "").await.text, "ok");
});
