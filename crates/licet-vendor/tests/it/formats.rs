//! Issuing in a profile's own format (`POST /v1/installs/{id}/licenses?profile=NAME`): the license verifies with
//! that profile's format and reads back the entitlements' grants; what the format cannot say is refused.

use axum::http::StatusCode;
use licet_core::{profiles, Claims, Keyring, LicenseFormat, Limit, TrustedKey, UnixTime, Verifier};
use serde_json::{json, Value};

use crate::both;
use crate::env::{Env, T0};

/// An install of `acme` with no host or domain binding, and these entitlements.
async fn install(env: &Env, id: &str, entitlements: Value) {
    let r = env
        .admin("POST", "/v1/installs", Some(json!({"id": id, "customer_id": "acme"})))
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let r = env
        .admin("PUT", &format!("/v1/installs/{id}/entitlements"), Some(entitlements))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
}

/// Verifies `license` as a product with `format` does, against the vendor's listed keys.
async fn verify(env: &Env, license: &str, format: LicenseFormat) -> (Claims, String) {
    let keys = env.admin("GET", "/v1/keys", None).await.json();
    let trusted = keys
        .as_array()
        .unwrap()
        .iter()
        .map(|k| {
            let alg = licet_core::Alg::from_jose(k["alg"].as_str().unwrap()).unwrap();
            TrustedKey::from_spki_pem(k["kid"].as_str().unwrap(), alg, k["public_pem"].as_str().unwrap()).unwrap()
        })
        .collect();
    let issuer = env.vendor.config().issuer.clone();
    let verifier = Verifier::new(Keyring::new(trusted).unwrap(), issuer, "justiam").with_format(format);
    let verified = verifier.verify(license.as_bytes()).expect("the license verifies");
    // licet's own format does not read it.
    let plain = Verifier::new(
        verifier.keyring().clone(),
        env.vendor.config().issuer.clone(),
        "justiam",
    );
    assert!(plain.verify(license.as_bytes()).is_err(), "read as licet's own format");
    (verified.claims().clone(), verified.fingerprint().to_owned())
}

both!(issues_in_the_justiam_and_honeyframe_formats, |env: Env| async move {
    env.seed().await;
    // The seeded install has features, products, an edition and a host binding: JustIAM's format has none.
    let r = env
        .admin("POST", "/v1/installs/inst-1/licenses?profile=justiam", None)
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.text);
    assert_eq!(r.json()["code"], "license_format_cannot_express", "{}", r.text);
    assert_eq!(
        env.admin("GET", "/v1/installs/inst-1", None).await.json()["sequence"],
        0,
        "a refused issue takes no sequence"
    );
    let r = env
        .admin("POST", "/v1/installs/inst-1/licenses?profile=nosuch", None)
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.text);

    install(
        &env,
        "ji-1",
        json!({"limits": {"users": "unlimited"}, "max_orgs": 25, "validity_days": 365}),
    )
    .await;
    let r = env
        .admin("POST", "/v1/installs/ji-1/licenses?profile=justiam", None)
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let issued = r.json();
    let token = issued["token"].as_str().unwrap();
    let (claims, fingerprint) = verify(&env, token, profiles::JUSTIAM.format).await;
    assert_eq!(issued["fingerprint"], fingerprint);
    assert_eq!(claims.lic.limits.get("users"), Some(&Limit::Unlimited));
    assert_eq!(claims.lic.max_orgs, Some(Limit::Count(25)));
    assert_eq!(claims.lic.binding.install_id.as_deref(), Some("ji-1"));
    assert_eq!(claims.exp, Some(UnixTime(T0).plus_days(365)));
    assert_eq!(claims.sub, "acme");
    let payload: Value = {
        use base64::Engine;
        let part = token.split('.').nth(1).unwrap();
        serde_json::from_slice(&base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(part).unwrap()).unwrap()
    };
    assert_eq!(payload["max_users"], -1, "the manual's -1 for unlimited: {payload}");
    assert_eq!(payload["instance_id"], "ji-1");
    assert!(payload.get("lic").is_none());

    // JustIAM's 0 means unlimited: a cap of 0 tenants cannot be written.
    install(
        &env,
        "ji-2",
        json!({"limits": {"users": 5}, "max_orgs": 0, "validity_days": 30}),
    )
    .await;
    let r = env
        .admin("POST", "/v1/installs/ji-2/licenses?profile=justiam", None)
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.text);
    assert!(r.text.contains("unlimited"), "{}", r.text);

    install(
        &env,
        "hf-1",
        json!({"edition": "enterprise", "products": ["gateway", "analytics"], "features": ["sso"],
               "limits": {"users": 250}, "validity_days": 30}),
    )
    .await;
    let r = env
        .admin("POST", "/v1/installs/hf-1/licenses?profile=honeyframe", None)
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let issued = r.json();
    let doc = issued["token"].as_str().unwrap();
    let parsed: Value = serde_json::from_str(doc).unwrap();
    assert_eq!(parsed["payload"]["tier"], "enterprise", "{doc}");
    assert_eq!(parsed["payload"]["users_limit"], 250);
    assert_eq!(issued["armored"].as_str(), Some(doc), "a document is its own file");
    let (claims, fingerprint) = verify(&env, doc, profiles::HONEYFRAME.format).await;
    assert_eq!(issued["fingerprint"], fingerprint);
    assert_eq!(claims.lic.edition.as_deref(), Some("enterprise"));
    assert_eq!(claims.lic.products, ["gateway", "analytics"]);
    assert_eq!(claims.lic.features, ["sso"]);
    assert_eq!(claims.lic.limits.get("users"), Some(&Limit::Count(250)));
    assert_eq!(claims.exp, Some(UnixTime(T0).plus_days(30)));
    assert_eq!(claims.lic.customer.id, "acme");

    // Without a users limit Honeyframe's format grants unlimited users, licet's grants none: refused.
    install(
        &env,
        "hf-2",
        json!({"edition": "pro", "products": ["gateway"], "validity_days": 30}),
    )
    .await;
    let r = env
        .admin("POST", "/v1/installs/hf-2/licenses?profile=honeyframe", None)
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.text);
    assert!(r.text.contains("limits"), "{}", r.text);
});
