use std::collections::HashMap;
use std::sync::Arc;

use axum::http::Method;
use axum::Router;
use honeyframe_example::{Config, Honeyframe};
use licet_runtime::ManualClock;
use seed_testkit::scenarios::{HONEYFRAME, TERM_DAYS};
use seed_testkit::translate::honeyframe::HoneyframeLicense;
use seed_testkit::{Seed, Vendor, T0};

use seed_testkit::http::{call_with, get};

const ADMIN: &str = "admin-test-credential";

async fn start(env: &[(&str, &str)]) -> (Honeyframe, Router, ManualClock, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let clock = ManualClock::new(T0);
    let (app, r) = start_in(&dir, &clock, env).await;
    (app, r, clock, dir)
}

/// Starts (or restarts) Honeyframe on `dir` as its `$DATA_DIR`.
async fn start_in(dir: &tempfile::TempDir, clock: &ManualClock, env: &[(&str, &str)]) -> (Honeyframe, Router) {
    let env: HashMap<String, String> = env.iter().map(|(k, v)| ((*k).into(), (*v).into())).collect();
    let app = Honeyframe::start(Config {
        verifier: Seed::Honeyframe.verifier().unwrap(),
        store: licet_store::open_in_data_dir(dir.path()).await.unwrap(),
        clock: Arc::new(clock.clone()),
        env: Arc::new(move |k| env.get(k).cloned()),
        license_file: dir.path().join("license.json"),
        admin_token: ADMIN.into(),
    })
    .await
    .unwrap();
    let r = app.router();
    (app, r)
}

fn token(customer: &str, features: &[&str]) -> String {
    let order = HoneyframeLicense {
        customer: customer.into(),
        tier: "professional".into(),
        products: vec!["hub_platform".into()],
        features: features.iter().map(|f| (*f).to_owned()).collect(),
        users_limit: Some(25),
        issued_at: T0,
        expires: T0.plus_days(TERM_DAYS),
    };
    Vendor::new(Seed::Honeyframe).unwrap().sign(&order.claims()).unwrap()
}

async fn req(r: &Router, m: Method, path: &str, org: Option<&str>, body: Option<String>) -> (u16, serde_json::Value) {
    let headers: Vec<(&str, &str)> = org.map(|o| vec![("x-org-slug", o)]).unwrap_or_default();
    call_with(r, m, path, &headers, body).await
}

/// Settings → License, signed in as the admin.
async fn paste(r: &Router, org: Option<&str>, tok: &str) -> (u16, serde_json::Value) {
    let auth = format!("Bearer {ADMIN}");
    let mut headers = vec![("authorization", auth.as_str())];
    if let Some(o) = org {
        headers.push(("x-org-slug", o));
    }
    call_with(r, Method::POST, "/api/license", &headers, Some(tok.to_owned())).await
}

#[tokio::test]
async fn walk_valid_grace_expired_with_allowlist() {
    let (app, r, clock, _d) = start(&[]).await;
    let (code, lic) = paste(&r, None, &token("ACME", &["chat_connector"])).await;
    assert_eq!(
        (code, lic["status"].as_str()),
        (200, Some("valid")),
        "paste takes effect at once"
    );
    assert_eq!(lic["customer"], "ACME");
    assert_eq!(lic["tier"], "professional");
    assert_eq!(lic["users_limit"], 25);
    assert_eq!(lic["products"], serde_json::json!(["hub_platform"]));
    assert_eq!(lic["features"], serde_json::json!(["chat_connector"]));
    for row in HONEYFRAME {
        clock.set(T0.plus_seconds(row.at));
        app.runtime.reevaluate().await.unwrap();
        let (_, lic) = get(&r, "/api/license").await;
        assert_eq!(lic["status"], row.status, "at {}", row.at);
        assert_eq!(lic["days_remaining"], row.days_remaining, "at {}", row.at);
        let (code, body) = get(&r, "/api/dashboards").await;
        assert_eq!(code, row.gated, "at {}", row.at);
        assert_eq!(body["code"].as_str(), row.code, "at {}", row.at);
        assert_eq!(
            req(&r, Method::POST, "/api/chat", None, None).await.0,
            row.chat,
            "at {}",
            row.at
        );
        let (code, body) = req(&r, Method::POST, "/api/ai/dashboards", None, None).await;
        assert_eq!(code, row.ai, "at {}", row.at);
        if row.gated == 200 {
            assert_eq!(body["code"], "feature_not_licensed");
        }
        // The allowlist always answers.
        assert_eq!(get(&r, "/health").await.0, 200);
        assert_eq!(req(&r, Method::POST, "/api/auth/login", None, None).await.0, 200);
    }
    // A renewal pasted while expired works through the allowlisted endpoint, at once.
    // A later `issued` orders it after the first license (the HONEYFRAME format's sequence).
    let renewal = HoneyframeLicense {
        customer: "ACME".into(),
        tier: "enterprise".into(),
        products: vec![],
        features: vec!["chat_connector".into(), "ai_dashboard_generator".into()],
        users_limit: None,
        issued_at: T0.plus_days(372),
        expires: T0.plus_days(800),
    }
    .claims();
    let renewal = Vendor::new(Seed::Honeyframe).unwrap().sign(&renewal).unwrap();
    assert_eq!(paste(&r, None, &renewal).await.1["status"], "valid");
    assert_eq!(get(&r, "/api/dashboards").await.0, 200);
    assert_eq!(req(&r, Method::POST, "/api/ai/dashboards", None, None).await.0, 200);
    assert_eq!(
        get(&r, "/api/license").await.1["users_limit"],
        serde_json::Value::Null,
        "no user limit"
    );
}

#[tokio::test]
async fn no_license_gate_off_unless_license_enforce() {
    let (_a, r, _c, _d) = start(&[]).await;
    let (_, lic) = get(&r, "/api/license").await;
    assert_eq!(
        (lic["status"].as_str(), lic["enforced"].as_bool()),
        (Some("missing"), Some(false))
    );
    assert_eq!(get(&r, "/api/dashboards").await.0, 200);
    assert_eq!(
        req(&r, Method::POST, "/api/ai/dashboards", None, None).await.0,
        200,
        "every request short-circuits"
    );

    let (_a, r, _c, _d) = start(&[("LICENSE_ENFORCE", "1")]).await;
    assert_eq!(get(&r, "/api/dashboards").await.0, 403);
    assert_eq!(get(&r, "/health").await.0, 200);

    // LICENSE_ENFORCE=0 switches the gate off even over an expired license (dev only).
    let (app, r, clock, _d) = start(&[("LICENSE_ENFORCE", "0")]).await;
    paste(&r, None, &token("ACME", &[])).await;
    clock.set(T0.plus_days(500));
    app.runtime.reevaluate().await.unwrap();
    assert_eq!(get(&r, "/api/dashboards").await.0, 200);
}

#[tokio::test]
async fn invalid_fails_closed_and_env_key_is_the_instance_fallback() {
    let forged = Vendor::impostor(Seed::Honeyframe)
        .unwrap()
        .sign(
            &HoneyframeLicense {
                customer: "ACME".into(),
                tier: "starter".into(),
                products: vec![],
                features: vec![],
                users_limit: None,
                issued_at: T0,
                expires: T0.plus_days(30),
            }
            .claims(),
        )
        .unwrap();
    let (_a, r, _c, _d) = start(&[("LICENSE_KEY", forged.as_str())]).await;
    let (_, lic) = get(&r, "/api/license").await;
    assert_eq!(
        (lic["status"].as_str(), lic["reason"].as_str()),
        (Some("invalid"), Some("license_bad_signature"))
    );
    let (code, body) = get(&r, "/api/dashboards").await;
    assert_eq!((code, body["code"].as_str()), (403, Some("license_invalid")));
    // A bad paste is refused and changes nothing; a good one recovers without a restart.
    assert_eq!(paste(&r, None, "not-a-license").await.0, 422);
    assert_eq!(paste(&r, None, &token("ACME", &[])).await.0, 200);
    assert_eq!(get(&r, "/api/dashboards").await.0, 200, "the store beats the env var");
}

#[tokio::test]
async fn per_org_license_beats_instance_wide_for_that_org_only() {
    let (_a, r, _c, _d) = start(&[]).await;
    paste(&r, None, &token("ACME", &[])).await;
    assert_eq!(
        paste(&r, Some("globex"), &token("Globex", &["chat_connector"])).await.0,
        200
    );
    assert_eq!(req(&r, Method::POST, "/api/chat", Some("globex"), None).await.0, 200);
    let (code, body) = req(&r, Method::POST, "/api/chat", Some("initech"), None).await;
    assert_eq!((code, body["code"].as_str()), (403, Some("feature_not_licensed")));
    assert_eq!(
        req(&r, Method::GET, "/api/license", Some("globex"), None).await.1["customer"],
        "Globex"
    );
    assert_eq!(
        req(&r, Method::GET, "/api/license", Some("initech"), None).await.1["customer"],
        "ACME"
    );
}

/// The manual's license: "an Ed25519-signed JSON document that names the customer org, the licensed tier, the
/// licensed products, an expiry date, and an optional user limit", signed with ed25519-dalek over serde_jcs's
/// canonical payload, pasted by an admin.
#[tokio::test]
async fn the_manuals_own_license_is_accepted_unchanged() {
    let (_a, r, _c, dir) = start(&[]).await;
    let doc = Vendor::new(Seed::Honeyframe)
        .unwrap()
        .sign(&serde_json::json!({
            "customer": "ACME", "tier": "enterprise", "products": ["hub_platform", "hub_cloud"],
            "features": ["chat_connector"], "expires": "2026-12-31", "users_limit": 50
        }))
        .unwrap();
    let (code, lic) = paste(&r, None, &doc).await;
    assert_eq!(code, 200, "{lic}");
    assert_eq!(
        (
            lic["status"].as_str(),
            lic["badge"].as_str(),
            lic["customer"].as_str(),
            lic["tier"].as_str()
        ),
        (Some("valid"), Some("Active"), Some("ACME"), Some("enterprise"))
    );
    assert_eq!(lic["users_limit"], 50);
    assert_eq!(lic["expires"], "2027-01-01T00:00:00Z", "valid through the expiry date");
    assert_eq!(req(&r, Method::POST, "/api/chat", None, None).await.0, 200);
    let (code, body) = req(&r, Method::POST, "/api/ai/dashboards", None, None).await;
    assert_eq!((code, body["code"].as_str()), (403, Some("feature_not_licensed")));
    // "the backend writes the new license to $DATA_DIR/license.json"
    assert_eq!(std::fs::read_to_string(dir.path().join("license.json")).unwrap(), doc);
}

#[tokio::test]
async fn settings_license_needs_an_admin() {
    let (_a, r, _c, _d) = start(&[]).await;
    let tok = token("ACME", &[]);
    for headers in [vec![], vec![("authorization", "Bearer not-the-admin")]] {
        let (code, body) = call_with(&r, Method::POST, "/api/license", &headers, Some(tok.clone())).await;
        assert_eq!((code, body["code"].as_str()), (401, Some("admin_required")));
    }
    assert_eq!(get(&r, "/api/license").await.1["badge"], "No License");
}

#[tokio::test]
async fn a_per_org_license_serves_only_the_org_it_names() {
    let (_a, r, _c, _d) = start(&[]).await;
    let globex = token("Globex Health", &["chat_connector"]);
    let (code, body) = paste(&r, Some("initech"), &globex).await;
    assert_eq!(
        (code, body["code"].as_str()),
        (422, Some("license_wrong_org")),
        "{body}"
    );
    assert!(body["message"].as_str().unwrap().contains("globex-health"), "{body}");
    assert_eq!(
        req(&r, Method::GET, "/api/license", Some("initech"), None).await.1["status"],
        "missing"
    );
    assert_eq!(paste(&r, Some("globex-health"), &globex).await.0, 200);
    assert_eq!(
        req(&r, Method::POST, "/api/chat", Some("globex-health"), None).await.0,
        200
    );
}

/// "CLI — overwrite $DATA_DIR/license.json and restart the service": the file the operator wrote takes effect,
/// even after a license was pasted in the UI; a broken file does not replace the license in force.
#[tokio::test]
async fn an_overwritten_license_file_takes_effect_at_restart() {
    let dir = tempfile::tempdir().unwrap();
    let clock = ManualClock::new(T0);
    let (app, r) = start_in(&dir, &clock, &[]).await;
    paste(&r, None, &token("ACME", &[])).await;
    drop((app, r));
    std::fs::write(dir.path().join("license.json"), token("ACME", &["chat_connector"])).unwrap();
    let (app, r) = start_in(&dir, &clock, &[]).await;
    assert_eq!(
        req(&r, Method::POST, "/api/chat", None, None).await.0,
        200,
        "the file won"
    );
    drop((app, r));
    std::fs::write(dir.path().join("license.json"), "{corrupt").unwrap();
    let (_app, r) = start_in(&dir, &clock, &[]).await;
    let (_, lic) = get(&r, "/api/license").await;
    assert_eq!(lic["status"], "valid", "{lic}");
    assert_eq!(req(&r, Method::POST, "/api/chat", None, None).await.0, 200);
}

/// One document, two spellings (pretty-printed as signed, and compact with its members reordered): one license,
/// one fingerprint in the status, the history and the audit trail.
#[tokio::test]
async fn two_spellings_of_one_document_are_one_license() {
    let (app, r, _c, _d) = start(&[]).await;
    let doc = token("ACME", &["chat_connector"]);
    let value: serde_json::Value = serde_json::from_str(&doc).unwrap();
    let respelled = format!(
        r#"{{"signature":{},"kid":{},"payload":{}}}"#,
        value["signature"], value["kid"], value["payload"]
    );
    assert_ne!(respelled, doc);
    assert_eq!(paste(&r, None, &doc).await.0, 200);
    assert_eq!(paste(&r, None, &respelled).await.0, 200);
    let in_force = app
        .runtime
        .snapshot()
        .instance
        .license
        .as_ref()
        .unwrap()
        .fingerprint()
        .to_owned();
    let history = app.runtime.store().license_history(None, None, 10).await.unwrap();
    assert!(!history.is_empty());
    for row in &history {
        assert_eq!(
            row.fingerprint, in_force,
            "history names the license as the status does"
        );
    }
    let audit = app.runtime.store().list_audit(None, 50).await.unwrap();
    let named: Vec<&str> = audit.iter().filter_map(|a| a.fingerprint.as_deref()).collect();
    assert!(
        !named.is_empty() && named.iter().all(|f| *f == in_force),
        "{named:?} vs {in_force}"
    );
}
