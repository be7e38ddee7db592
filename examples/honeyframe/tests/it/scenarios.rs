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

async fn start(env: &[(&str, &str)]) -> (Honeyframe, Router, ManualClock, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let clock = ManualClock::new(T0);
    let env: HashMap<String, String> = env.iter().map(|(k, v)| ((*k).into(), (*v).into())).collect();
    let app = Honeyframe::start(Config {
        verifier: Seed::Honeyframe.verifier().unwrap(),
        store: licet_store::open_in_data_dir(dir.path()).await.unwrap(),
        clock: Arc::new(clock.clone()),
        env: Arc::new(move |k| env.get(k).cloned()),
        license_file: dir.path().join("license.json"),
    })
    .await
    .unwrap();
    let r = app.router();
    (app, r, clock, dir)
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

async fn paste(r: &Router, org: Option<&str>, tok: &str) -> (u16, serde_json::Value) {
    req(r, Method::POST, "/api/license", org, Some(tok.to_owned())).await
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
