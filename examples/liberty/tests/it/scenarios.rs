use liberty_example::LICENSED;
use seed_testkit::scenarios::{LIBERTY, LIBERTY_CONNECTORS_SOLD, TERM_DAYS};
use seed_testkit::translate::liberty::LibertyLicense;
use seed_testkit::{Seed, Vendor, T0};

use seed_testkit::http::{get, post};

use crate::world::World;

fn token(connectors: &[&str], exp_days: i64) -> String {
    let order = LibertyLicense::new("ACME Corp", connectors, T0, T0.plus_days(exp_days));
    Vendor::new(Seed::Liberty).unwrap().sign(&order.claims()).unwrap()
}

fn menu_ids(v: &serde_json::Value) -> Vec<String> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|m| m["id"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn walk_through_the_license_term_checked_at_load_only() {
    let w = World::new().await;
    w.set_env(&token(LIBERTY_CONNECTORS_SOLD, TERM_DAYS));
    let app = w.start().await;
    let router = app.router();
    for row in LIBERTY {
        w.clock.set(T0.plus_days(row.day));
        if row.reload {
            let (code, _) = post(&router, "/admin/reload", serde_json::json!({})).await;
            assert_eq!(code, 200);
        }
        let (_, lic) = get(&router, "/api/license").await;
        assert_eq!(lic["valid"], row.valid, "day {}: {lic}", row.day);
        assert_eq!(lic["code"].as_str(), row.reason, "day {}", row.day);
        for key in LICENSED {
            let want = if row.loaded.contains(&key) { 200 } else { 404 };
            let (code, _) = get(&router, &format!("/screen/{key}/security_users")).await;
            assert_eq!(code, want, "day {} {key}", row.day);
        }
        let (_, menus) = get(&router, "/api/menus").await;
        let ids = menu_ids(&menus);
        for key in LICENSED {
            assert_eq!(
                ids.contains(&key.to_owned()),
                row.loaded.contains(&key),
                "day {} menu {key}",
                row.day
            );
        }
        // The open framework is never gated.
        assert_eq!(get(&router, "/screen/crm_sql/dashboards").await.0, 200);
        assert!(ids.contains(&"nomaflow".to_owned()));
    }
    let (_, lic) = get(&router, "/api/license").await;
    assert_eq!(lic["reason"], "expired");
}

#[tokio::test]
async fn valid_license_reports_subject_expiry_and_connectors_and_logs_each_decision() {
    let w = World::new().await;
    w.set_env(&token(&["nomasx1", "nomajde"], TERM_DAYS));
    let router = w.start().await.router();
    let (_, lic) = get(&router, "/api/license").await;
    assert_eq!(lic["valid"], true);
    assert_eq!(lic["subject"], "ACME Corp");
    assert_eq!(lic["expires_at"], T0.plus_days(TERM_DAYS).to_rfc3339());
    assert_eq!(lic["connectors"], serde_json::json!(["nomajde", "nomasx1"]));
    let (_, c) = get(&router, "/api/connectors").await;
    let logs: Vec<&str> = c["licensed"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["log"].as_str().unwrap())
        .collect();
    assert_eq!(
        logs,
        [
            "Loaded licensed connector nomasx1",
            "Loaded licensed connector nomajde",
            "Skipping licensed connector nomaubl — no valid license"
        ]
    );
}

#[tokio::test]
async fn env_var_beats_app_toml_and_toml_is_the_fallback() {
    let w = World::new().await;
    w.write_toml(&token(&["nomaubl"], TERM_DAYS));
    let app = w.start().await;
    let router = app.router();
    assert_eq!(
        get(&router, "/api/license").await.1["connectors"],
        serde_json::json!(["nomaubl"])
    );
    w.set_env(&token(&["nomasx1"], TERM_DAYS));
    // "Updating the env var but not restarting. | New license isn't picked up."
    assert_eq!(get(&router, "/screen/nomasx1/x").await.0, 404);
    app.reload().await.unwrap();
    assert_eq!(
        get(&router, "/api/license").await.1["connectors"],
        serde_json::json!(["nomasx1"])
    );
    assert_eq!(
        get(&router, "/screen/nomaubl/x").await.0,
        404,
        "env wins, the file value is ignored"
    );
}

#[tokio::test]
async fn recommended_toml_substitutes_the_env_var_and_starts_without_it() {
    let w = World::new().await;
    w.write_toml("${LIBERTY_LICENSE_KEY}");
    let app = w.start().await;
    let router = app.router();
    let (_, lic) = get(&router, "/api/license").await;
    assert_eq!(lic["valid"], false, "no variable, no license, but the framework runs");
    assert!(
        lic["message"].as_str().unwrap().contains("LIBERTY_LICENSE_KEY"),
        "{lic}"
    );
    assert_eq!(get(&router, "/health").await.0, 200);
    w.set_env(&token(&["nomajde"], TERM_DAYS));
    app.reload().await.unwrap();
    assert_eq!(get(&router, "/screen/nomajde/x").await.0, 200);
}

#[tokio::test]
async fn rejections_say_why_in_words_and_code() {
    let w = World::new().await;
    let app = w.start().await;
    let router = app.router();
    assert_eq!(get(&router, "/api/license").await.1["code"], "license_missing");

    let mut order = LibertyLicense::new("ACME Corp", &["nomasx1"], T0, T0.plus_days(30));
    order.audience = Some("liberty-classic".into());
    w.set_env(&Vendor::new(Seed::Liberty).unwrap().sign(&order.claims()).unwrap());
    app.reload().await.unwrap();
    let (_, lic) = get(&router, "/api/license").await;
    assert_eq!(
        (lic["reason"].as_str(), lic["code"].as_str()),
        (Some("wrong audience"), Some("license_wrong_audience"))
    );

    let forged = Vendor::impostor(Seed::Liberty)
        .unwrap()
        .sign(&LibertyLicense::new("ACME", &["nomasx1"], T0, T0.plus_days(30)).claims())
        .unwrap();
    w.set_env(&forged);
    app.reload().await.unwrap();
    let (_, lic) = get(&router, "/api/license").await;
    assert_eq!(
        (lic["reason"].as_str(), lic["code"].as_str()),
        (Some("bad signature"), Some("license_bad_signature"))
    );
    assert_eq!(get(&router, "/screen/nomasx1/x").await.0, 404);

    // "Pasting the JWT with line breaks. | The signature check fails." licet strips whitespace first, so a
    // wrapped JWT loads; the manual's advice still holds for any other damage.
    let good = token(&["nomasx1"], 30);
    let (a, b) = good.split_at(40);
    w.set_env(&format!("{a}\n{b}\n"));
    app.reload().await.unwrap();
    assert_eq!(get(&router, "/screen/nomasx1/x").await.0, 200);
}

#[tokio::test]
async fn reload_after_expiry_unloads_and_a_new_license_loads_the_new_set() {
    let w = World::new().await;
    w.set_env(&token(&["nomasx1"], 30));
    let app = w.start().await;
    let router = app.router();
    w.clock.set(T0.plus_days(31));
    assert_eq!(
        get(&router, "/screen/nomasx1/x").await.0,
        200,
        "not checked per request"
    );
    app.reload().await.unwrap();
    assert_eq!(get(&router, "/screen/nomasx1/x").await.0, 404);
    assert_eq!(get(&router, "/api/license").await.1["code"], "license_expired");

    w.set_env(&token(&["nomajde", "nomaubl"], 400));
    app.reload().await.unwrap();
    for (key, want) in [("nomasx1", 404), ("nomajde", 200), ("nomaubl", 200)] {
        assert_eq!(get(&router, &format!("/screen/{key}/x")).await.0, want, "{key}");
    }
    let ids = menu_ids(&get(&router, "/api/menus").await.1);
    assert!(ids.contains(&"nomaubl".to_owned()) && !ids.contains(&"nomasx1".to_owned()));
}

#[tokio::test]
async fn a_broken_source_on_reload_keeps_the_license_in_force_and_says_why() {
    let w = World::new().await;
    w.set_env(&token(&["nomasx1"], TERM_DAYS));
    let app = w.start().await;
    let router = app.router();
    w.set_env("not a license");
    app.reload().await.unwrap();
    let (_, lic) = get(&router, "/api/license").await;
    assert_eq!(lic["valid"], true, "{lic}");
    assert_eq!(lic["source_error"]["code"], "license_malformed", "{lic}");
    assert!(
        lic["source_error"]["message"]
            .as_str()
            .unwrap()
            .contains("LIBERTY_LICENSE_KEY"),
        "{lic}"
    );
    assert_eq!(get(&router, "/screen/nomasx1/x").await.0, 200);
}
