//! "Creating an organization in Sovereign requires its organization ID to appear in the signed license", the
//! maximum, and each org's own plan, features, limits and validity window.

use axum::http::Method;
use serde_json::json;

use crate::common::{order, sign, World};

#[tokio::test]
async fn orgs_only_if_the_license_names_them_and_up_to_its_maximum() {
    let w = World::licensed().await;
    // "The install will not create an organization the license does not name."
    let (code, body) = w.create_org("org-xx").await;
    assert_eq!((code, body["code"].as_str()), (403, Some("org_not_licensed")), "{body}");
    assert_eq!(w.create_org("org-eu").await.0, 201);
    assert_eq!(w.create_org("org-us").await.0, 201);
    // "Maximum organizations — the cap on how many organizations the install may host." (2; org-ap is named too)
    let (code, body) = w.create_org("org-ap").await;
    assert_eq!((code, body["code"].as_str()), (403, Some("max_orgs_reached")), "{body}");
    assert_eq!(w.create_org("org-eu").await.1["code"], "org_exists");
    let orgs = w.get("/api/orgs").await.1;
    assert_eq!(orgs["orgs"].as_array().unwrap().len(), 2);
}

#[tokio::test]
async fn each_org_has_its_own_plan_features_limits_and_window() {
    let w = World::licensed().await;
    w.create_org("org-eu").await;
    w.create_org("org-us").await;
    let (_, eu) = w.get("/api/orgs/org-eu").await;
    assert_eq!(
        (eu["plan"].clone(), eu["features"].clone(), eu["limits"].clone()),
        (json!("enterprise"), json!(["reports"]), json!({ "members": 3 }))
    );
    let (_, us) = w.get("/api/orgs/org-us").await;
    assert_eq!(us["plan"], "team");
    assert_eq!(us["valid_until"], crate::common::day(100).to_rfc3339());

    // Features are the org's: org-eu has `reports`, org-us does not.
    assert_eq!(w.get("/api/orgs/org-eu/reports").await.0, 200);
    let (code, body) = w.get("/api/orgs/org-us/reports").await;
    assert_eq!((code, body["code"].as_str()), (403, Some("feature_not_licensed")));
    // Limits are the org's: org-us may have 2 members, org-eu 3.
    for name in ["a", "b"] {
        assert_eq!(w.member("org-us", name).await.0, 201);
    }
    let (code, body) = w.member("org-us", "c").await;
    assert_eq!(
        (code, body["code"].as_str(), body["kind"].as_str()),
        (403, Some("quota_exceeded"), Some("members"))
    );
    assert_eq!(w.member("org-eu", "c").await.0, 201);

    // The window is the org's: org-us ends on day 100, then runs through the same grace into read-only while the
    // install and org-eu stay Active.
    w.travel(101).await;
    assert_eq!(w.get("/api/orgs/org-us").await.1["state"], "Grace");
    assert_eq!(w.write("org-us", "still allowed in grace").await.0, 201);
    w.travel(108).await;
    let (_, us) = w.get("/api/orgs/org-us").await;
    assert_eq!(
        (us["state"].as_str(), us["writable"].as_bool()),
        (Some("Read-only"), Some(false))
    );
    assert_eq!(w.write("org-us", "refused").await.1["code"], "license_read_only");
    assert_eq!(
        w.get("/api/orgs/org-us/records").await.1["records"],
        json!(["still allowed in grace"])
    );
    assert_eq!(w.write("org-eu", "fine").await.0, 201);
    let lic = w.license().await;
    assert_eq!(lic["state"], "Active");
    let states: Vec<(&str, &str)> = lic["orgs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| (o["id"].as_str().unwrap(), o["state"].as_str().unwrap()))
        .collect();
    assert_eq!(
        states,
        [("org-eu", "Active"), ("org-us", "Read-only"), ("org-ap", "Active")]
    );
}

#[tokio::test]
async fn an_org_the_license_stops_naming_stays_readable_and_takes_no_changes() {
    let w = World::licensed().await;
    w.create_org("org-eu").await;
    w.create_org("org-us").await;
    w.write("org-us", "kept").await;
    let mut narrower = order(&w.install_id());
    narrower.orgs.retain(|o| o.id != "org-us");
    narrower.sequence = 2;
    // Dropping an org takes something away: refused with the list until the import acknowledges it (issue #14).
    let narrower = sign(&narrower);
    let (code, body) = w.import(Some(&w.owner), &narrower, Some("org-us moved out")).await;
    assert_eq!(
        (code, body["code"].as_str()),
        (409, Some("license_change_needs_ack")),
        "{body}"
    );
    assert_eq!(body["changes"], json!([{"what": "org", "removed": "org-us"}]));
    let body = json!({ "license": narrower, "reason": "org-us moved out", "acknowledge": true });
    let (code, body) = w.call(&w.owner, Method::POST, "/v1/license/import", Some(body)).await;
    assert_eq!(code, 200, "{body}");

    let (code, body) = w.write("org-us", "refused").await;
    assert_eq!((code, body["code"].as_str()), (403, Some("org_not_licensed")), "{body}");
    assert_eq!(w.get("/api/orgs/org-us/records").await.1["records"], json!(["kept"]));
    assert_eq!(w.get("/api/orgs/org-us/export").await.0, 200);
    assert_eq!(w.write("org-eu", "fine").await.0, 201);
    assert_eq!(w.license().await["orgs_not_in_license"], json!(["org-us"]));
}
