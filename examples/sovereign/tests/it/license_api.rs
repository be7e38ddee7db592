//! "Viewing your license", "Permissions & evidence" and the import, through licet-server mounted in the product.

use axum::http::Method;
use seed_testkit::{Seed, Vendor, T0};
use serde_json::json;

use crate::common::{day, order, sign, World};

#[tokio::test]
async fn system_license_shows_what_the_signed_license_grants() {
    let w = World::licensed().await;
    w.create_org("org-eu").await;
    let lic = w.license().await;
    // "Your customer and install identifiers."
    assert_eq!(lic["customer_id"], "cust-acme");
    assert_eq!(lic["customer_name"], "ACME");
    assert_eq!(lic["install_id"], w.install_id());
    // "The list of apps included."
    assert_eq!(lic["apps"], json!(["ledger"]));
    // "All organizations covered, with each one’s plan, features, and validity window."
    let eu = &lic["orgs"][0];
    assert_eq!(
        (
            eu["id"].as_str(),
            eu["plan"].as_str(),
            eu["features"].clone(),
            eu["created"].as_bool()
        ),
        (Some("org-eu"), Some("enterprise"), json!(["reports"]), Some(true))
    );
    assert_eq!(lic["orgs"][1]["valid_until"], day(100).to_rfc3339());
    assert_eq!(lic["orgs"][2]["created"], false);
    // "The license’s overall validity window." and "The current license state."
    assert_eq!(lic["valid_from"], T0.to_rfc3339());
    assert_eq!(lic["valid_until"], day(365).to_rfc3339());
    assert_eq!((lic["state"].as_str(), lic["banner"].is_null()), (Some("Active"), true));
    assert_eq!(lic["max_orgs"], 2);
    // The page (licet-server's) and the summary name the same license.
    let (_, status) = w.get("/v1/license/status").await;
    assert_eq!(status["license_fingerprint"], lic["license_fingerprint"]);
    assert_eq!(status["source"], "import");
    let (code, page) = w.call("", Method::GET, "/settings/license", None).await;
    assert_eq!(code, 200);
    assert!(
        page.as_str().unwrap().contains("<html"),
        "System → License page is served"
    );
}

#[tokio::test]
async fn viewing_needs_the_view_permission_and_importing_the_import_permission() {
    let w = World::licensed().await;
    for path in ["/api/system/license", "/v1/license/status", "/v1/license/audit"] {
        let (code, body) = w.call("", Method::GET, path, None).await;
        assert_eq!((code, body["code"].as_str()), (401, Some("unauthorized")), "{path}");
    }
    let viewer = w.token("auditor", "viewer").await;
    assert_eq!(w.call(&viewer, Method::GET, "/api/system/license", None).await.0, 200);
    let renewed = {
        let mut o = order(&w.install_id());
        o.sequence = 2;
        sign(&o)
    };
    let (code, body) = w.import(Some(&viewer), &renewed, Some("renewal")).await;
    assert_eq!((code, body["code"].as_str()), (403, Some("forbidden")), "{body}");
    let admin = w.token("alice", "admin").await;
    assert_eq!(w.import(Some(&admin), &renewed, Some("renewal")).await.0, 200);
    let (code, _) = w.import(None, &renewed, Some("renewal")).await;
    assert_eq!(
        code, 401,
        "the setup window is closed once a license and an owner exist"
    );
}

#[tokio::test]
async fn every_import_needs_a_reason_and_records_actor_time_fingerprint_and_reason() {
    let w = World::licensed().await;
    let first = w.last_install().await;
    assert_eq!(
        (first["actor"].as_str(), first["reason"].as_str()),
        (Some("first-install"), Some("initial setup"))
    );

    let admin = w.token("alice", "admin").await;
    let mut renewed = order(&w.install_id());
    renewed.sequence = 2;
    renewed.valid_until = day(730);
    let token = sign(&renewed);
    // "Provide a reason (audited)."
    let (code, body) = w.import(Some(&admin), &token, None).await;
    assert_eq!((code, body["code"].as_str()), (400, Some("reason_required")));
    let (code, body) = w.import(Some(&admin), &token, Some("   ")).await;
    assert_eq!(
        (code, body["code"].as_str()),
        (400, Some("reason_required")),
        "blank is no reason"
    );
    assert_eq!(
        w.license().await["valid_until"],
        day(365).to_rfc3339(),
        "nothing replaced"
    );

    w.clock.set(day(30).plus_seconds(3600));
    let (code, body) = w.import(Some(&admin), &token, Some("contract renewed, PO 4711")).await;
    assert_eq!(code, 200, "{body}");
    let fingerprint = w.license().await["license_fingerprint"].clone();
    let entry = w.last_install().await;
    // "Every import is recorded with the actor, the timestamp, the new license fingerprint, and your provided reason."
    assert_eq!(entry["actor"], "alice");
    assert_eq!(entry["at"], day(30).plus_seconds(3600).to_rfc3339());
    assert_eq!(entry["license_fingerprint"], fingerprint);
    assert_eq!(entry["reason"], "contract renewed, PO 4711");
}

#[tokio::test]
async fn import_verifies_the_signature_and_the_install_and_keeps_the_license_on_refusal() {
    let w = World::licensed().await;
    let before = w.license().await["license_fingerprint"].clone();
    let mut o = order(&w.install_id());
    o.sequence = 2;
    let forged = Vendor::impostor(Seed::Sovereign).unwrap().sign(&o.claims()).unwrap();
    // "The system verifies the signature and replaces the previous license."
    let (code, body) = w.import(Some(&w.owner), &forged, Some("looks legit")).await;
    assert_eq!((code, body["code"].as_str()), (422, Some("license_bad_signature")));
    // "You cannot use one customer’s license on another install."
    let elsewhere = sign(&order("8b0c7f4e-0000-4000-8000-000000000000"));
    let (code, body) = w.import(Some(&w.owner), &elsewhere, Some("wrong file")).await;
    assert_eq!((code, body["code"].as_str()), (422, Some("license_instance_mismatch")));
    let lic = w.license().await;
    assert_eq!(
        (lic["license_fingerprint"].clone(), lic["state"].as_str()),
        (before, Some("Active"))
    );
    let refusals: Vec<_> = w
        .audit()
        .await
        .into_iter()
        .filter(|e| e["outcome"] != "ok")
        .map(|e| e["reason"].as_str().unwrap_or_default().to_owned())
        .collect();
    assert_eq!(
        refusals,
        ["wrong file", "looks legit"],
        "refused imports are audited too"
    );
}

/// The manual's license members exactly ("customerId … installId … App keys … Per-organization entitlements …
/// validFrom, validUntil … Maximum organizations"), signed by `jsonwebtoken`, imported at setup as the manual says.
#[tokio::test]
async fn the_manuals_own_license_is_accepted_unchanged() {
    let mut w = World::boot().await;
    let license = Vendor::new(Seed::Sovereign)
        .unwrap()
        .sign(&json!({
            "customerId": "cus-globex", "customerName": "Globex", "installId": w.install_id(),
            "apps": ["ledger"], "validFrom": T0.to_rfc3339(), "validUntil": day(365).to_rfc3339(), "maxOrgs": 1,
            "organizations": [{"orgId": "org-eu", "plan": "enterprise", "features": ["reports"],
                               "limits": {"members": 5}, "validFrom": "2026-01-01", "validUntil": "2026-12-31"}]
        }))
        .unwrap();
    w.setup(&license).await;
    let lic = w.license().await;
    assert_eq!(
        (lic["customer_id"].as_str(), lic["customer_name"].as_str()),
        (Some("cus-globex"), Some("Globex"))
    );
    assert_eq!(lic["apps"], json!(["ledger"]));
    assert_eq!(lic["orgs"][0]["plan"], "enterprise");
    assert_eq!(
        (lic["state"].as_str(), lic["max_orgs"].as_u64()),
        (Some("Active"), Some(1))
    );
    assert_eq!(w.create_org("org-eu").await.0, 201);
    assert_eq!(
        w.create_org("org-us").await.0,
        403,
        "an org the license does not name is not created"
    );
}
