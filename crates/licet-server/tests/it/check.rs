//! `GET /v1/license/check`: the gate's and guards' decision for products that ask a license server, through the
//! lifecycle (nivq: active → read-only grace → locked).

use licet_core::Encoding;
use licet_server::testkit::{Local, START};
use reqwest::Method;
use serde_json::{json, Value};

use crate::support::json;

async fn check(t: &Local, query: &str, status: u16) -> Value {
    json(
        t.server.call(Method::GET, &format!("/v1/license/check?{query}")).await,
        status,
    )
    .await
}

/// The refusal's `code`, and that every refusal carries a sentence.
fn refused(v: &Value) -> &str {
    assert_eq!(v["allowed"], false, "{v}");
    assert!(!v["message"].as_str().unwrap_or_default().is_empty(), "{v}");
    v["code"].as_str().unwrap()
}

#[tokio::test]
async fn answers_what_the_gate_and_guards_would_through_the_lifecycle() {
    let t = Local::start("nivq").await;
    // No license yet: nivq waits for activation, locked.
    let v = check(&t, "feature=sso", 403).await;
    assert_eq!(
        (refused(&v), &v["state"]),
        ("license_locked", &json!("activation_pending"))
    );

    // Not nivq's `enterprise` edition, which implies every feature.
    let mut team = t.vendor.claims("Hooli", 1, START, 365);
    team.lic.edition = Some("team".into());
    json(t.server.install(&t.vendor.sign(&team, Encoding::Compact)).await, 200).await;
    let v = check(&t, "feature=sso&module=reports&quota=users&current=49&write=true", 200).await;
    assert_eq!(v, json!({"allowed": true, "state": "active", "effect": "full"}));
    check(&t, "quota=agents&current=1000000", 200).await;
    let v = check(&t, "feature=billing", 403).await;
    assert_eq!(
        (refused(&v), &v["feature"]),
        ("feature_not_licensed", &json!("billing"))
    );
    let v = check(&t, "module=erp&feature=billing", 403).await;
    assert_eq!((refused(&v), &v["module"]), ("module_not_licensed", &json!("erp")));
    let v = check(&t, "quota=users&current=50", 403).await;
    assert_eq!(refused(&v), "quota_exceeded");
    assert_eq!(
        (&v["kind"], &v["limit"], &v["current"]),
        (&json!("users"), &json!(50), &json!(50))
    );

    // Past expiry: read-only grace. Reads and features still pass, writes and creation do not.
    t.clock.advance_days(366);
    let v = check(&t, "feature=sso", 200).await;
    assert_eq!((&v["state"], &v["effect"]), (&json!("grace"), &json!("read_only")));
    for q in ["write=true", "quota=users&current=1"] {
        assert_eq!(refused(&check(&t, q, 403).await), "license_read_only", "{q}");
    }
    // Past grace: locked, whatever is asked.
    t.clock.advance_days(14);
    for q in ["", "feature=sso"] {
        let v = check(&t, q, 403).await;
        assert_eq!(
            (refused(&v), &v["state"]),
            ("license_expired", &json!("expired")),
            "{q}"
        );
    }
}

#[tokio::test]
async fn a_question_it_cannot_read_is_refused_not_allowed() {
    let t = Local::start("nivq").await;
    json(t.server.install(&t.vendor.license("Hooli", 1, START)).await, 200).await;
    for q in [
        "featur=sso",
        "quota=users",
        "current=3",
        "quota=users&current=-1",
        "write=maybe",
    ] {
        t.server
            .refused(Method::GET, &format!("/v1/license/check?{q}"), 400, "malformed_request")
            .await;
    }
}
