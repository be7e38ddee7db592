//! Connected renewal: `GET /v1/renew` with the install credential.

use axum::http::StatusCode;
use licet_core::UnixTime;
use serde_json::json;

use crate::both;
use crate::env::{Env, T0};

both!(
    renew_answers_the_latest_until_something_changes,
    |env: Env| async move {
        let credential = env.seed().await;
        let first = env.call("GET", "/v1/renew", Some(&credential), None, "").await;
        assert_eq!(first.status, StatusCode::OK, "{}", first.text);
        assert!(first.headers["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/plain"));
        assert_eq!(first.headers["cache-control"], "no-store");
        let (_, claims) = env.open(&first.text).await;
        assert_eq!(claims.lic.sequence, 1);

        // Nothing changed: the same license again, no new issue.
        env.advance_days(1);
        let again = env.call("GET", "/v1/renew", Some(&credential), None, "").await;
        assert_eq!(again.text, first.text);
        let view = env.admin("GET", "/v1/installs/inst-1", None).await.json();
        assert_eq!(view["sequence"], 1);
        assert_eq!(view["last_refresh_at"], json!(T0 + 86_400));
    }
);

both!(an_org_added_appears_at_the_next_refresh, |env: Env| async move {
    let credential = env.seed().await;
    let first = env.call("GET", "/v1/renew", Some(&credential), None, "").await.text;
    let (_, before) = env.open(&first).await;
    assert!(!before.lic.orgs.iter().any(|o| o.id == "tenant-new"));

    let org = json!({"id": "tenant-new", "plan": "enterprise", "limits": {"users": "unlimited"}});
    let r = env
        .admin("PUT", "/v1/installs/inst-1/entitlements/orgs/tenant-new", Some(org))
        .await;
    assert_eq!(r.status, StatusCode::OK);

    let next = env.call("GET", "/v1/renew", Some(&credential), None, "").await.text;
    assert_ne!(next, first);
    let (_, after) = env.open(&next).await;
    let added = after
        .lic
        .orgs
        .iter()
        .find(|o| o.id == "tenant-new")
        .expect("the new org is in the license");
    assert_eq!(added.plan.as_deref(), Some("enterprise"));
    assert_eq!(after.lic.sequence, 2);

    // Removing it is a change too.
    env.admin("DELETE", "/v1/installs/inst-1/entitlements/orgs/tenant-new", None)
        .await;
    let (_, removed) = env
        .open(&env.call("GET", "/v1/renew", Some(&credential), None, "").await.text)
        .await;
    assert!(!removed.lic.orgs.iter().any(|o| o.id == "tenant-new"));
    assert_eq!(removed.lic.sequence, 3);
});

both!(renew_reissues_inside_the_expiry_window, |env: Env| async move {
    let credential = env.seed().await;
    let (_, first) = env
        .open(&env.call("GET", "/v1/renew", Some(&credential), None, "").await.text)
        .await;
    // 365-day validity, 7-day window: day 357 is outside, day 359 inside.
    env.advance_days(357);
    let (_, same) = env
        .open(&env.call("GET", "/v1/renew", Some(&credential), None, "").await.text)
        .await;
    assert_eq!(same.lic.sequence, first.lic.sequence);
    env.advance_days(2);
    let (_, renewed) = env
        .open(&env.call("GET", "/v1/renew", Some(&credential), None, "").await.text)
        .await;
    assert_eq!(renewed.lic.sequence, first.lic.sequence + 1);
    assert_eq!(renewed.exp, Some(UnixTime(T0).plus_days(359 + 365)));
});

both!(
    renew_reissues_after_binding_change_and_key_rotation,
    |env: Env| async move {
        let credential = env.seed().await;
        let (_, first) = env
            .open(&env.call("GET", "/v1/renew", Some(&credential), None, "").await.text)
            .await;
        env.admin(
            "PATCH",
            "/v1/installs/inst-1",
            Some(json!({"domains": ["licet.acme.test"]})),
        )
        .await;
        let (_, rebound) = env
            .open(&env.call("GET", "/v1/renew", Some(&credential), None, "").await.text)
            .await;
        assert_eq!(rebound.lic.binding.domains, ["licet.acme.test"]);
        assert_eq!(rebound.lic.sequence, first.lic.sequence + 1);

        env.add_key("k2", 2, true).await;
        let (header, rotated) = env
            .open(&env.call("GET", "/v1/renew", Some(&credential), None, "").await.text)
            .await;
        assert_eq!(header["kid"], "k2");
        assert_eq!(rotated.lic.sequence, rebound.lic.sequence + 1);
    }
);

both!(renew_needs_a_valid_credential, |env: Env| async move {
    let credential = env.seed().await;
    for auth in [None, Some("licet_ic_not-a-real-one"), Some(crate::env::ADMIN)] {
        let r = env.call("GET", "/v1/renew", auth, None, "").await;
        assert_eq!(
            (r.status, r.code().as_str()),
            (StatusCode::UNAUTHORIZED, "install_credential_invalid")
        );
    }
    let rotated = env.admin("POST", "/v1/installs/inst-1/credential", None).await.json();
    let new = rotated["credential"].as_str().unwrap();
    assert_eq!(
        env.call("GET", "/v1/renew", Some(&credential), None, "").await.status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        env.call("GET", "/v1/renew", Some(new), None, "").await.status,
        StatusCode::OK
    );
    let view = env.admin("GET", "/v1/installs/inst-1", None).await.json();
    assert_eq!(view["last_refresh_at"], json!(T0));
});

both!(admin_renew_matches_what_the_install_would_get, |env: Env| async move {
    let credential = env.seed().await;
    let admin = env.admin("POST", "/v1/installs/inst-1/renew", None).await.json();
    let install = env.call("GET", "/v1/renew", Some(&credential), None, "").await.text;
    assert_eq!(admin["token"].as_str().unwrap(), install);
    assert_eq!(admin["sequence"], 1);
});
