//! "Renewing — connected installs", "Renewing — offline installs" and "Adding a new organization to the license",
//! against the real control plane (licet-vendor) on a loopback port, through time on the shared manual clock.

use std::time::Duration;

use axum::http::Method;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use licet_runtime::ManualClock;
use seed_testkit::T0;
use serde_json::{json, Value};

use crate::common::{start, World};
use crate::control_plane::{org, ControlPlane};

/// An install the control plane knows: started once to make its install id (as on first start), registered with
/// org-eu, restarted with its renewal credential when `connected`, and set up with the license the console issues.
async fn registered(connected: bool) -> (World, ControlPlane) {
    let dir = tempfile::tempdir().unwrap();
    let clock = ManualClock::new(T0);
    let cp = ControlPlane::start(&clock).await;
    let first = start(&dir, &clock, None, None).await.unwrap();
    let (id, fingerprint) = (
        first.runtime.install_id().to_owned(),
        first.runtime.fingerprint().to_owned(),
    );
    drop(first);
    let credential = cp
        .register(&id, &fingerprint, json!([org("org-eu", "enterprise", 3)]))
        .await;
    let app = start(&dir, &clock, connected.then_some(credential), None)
        .await
        .unwrap();
    let mut w = World {
        r: app.router(),
        app,
        clock,
        dir,
        owner: String::new(),
    };
    w.setup(&cp.issue(&id).await).await;
    (w, cp)
}

/// Waits (real time, bounded) until System → License satisfies `done`: the hourly job runs on its own task.
async fn until(w: &World, what: &str, done: impl Fn(&Value) -> bool) -> Value {
    for _ in 0..500 {
        let lic = w.license().await;
        if done(&lic) {
            return lic;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("timed out waiting for {what}: {}", w.license().await);
}

fn names(lic: &Value, id: &str) -> bool {
    lic["orgs"].as_array().unwrap().iter().any(|o| o["id"] == id)
}

/// "runs hourly": one hour on the clock, whatever the constant says.
fn an_hour_later(w: &World, hours: u32) -> String {
    w.clock.advance(Duration::from_secs(3600));
    T0.plus_seconds(i64::from(hours) * 3600).to_rfc3339()
}

#[tokio::test]
async fn an_org_added_upstream_appears_at_the_next_hourly_refresh() {
    let (w, cp) = registered(true).await;
    let id = w.install_id();
    assert_eq!(w.create_org("org-new").await.1["code"], "org_not_licensed");
    cp.add_org(&id, org("org-new", "team", 2)).await;
    assert!(
        !names(&w.license().await, "org-new"),
        "nothing changes before the refresh"
    );

    // "On the next hourly refresh, the new organization appears in your entitlements"
    let at = an_hour_later(&w, 1);
    let lic = until(&w, "the refresh", |l| l["last_refresh"]["at"] == at.as_str()).await;
    assert!(names(&lic, "org-new"), "{lic}");
    // "You see the refresh result in System → License." "The time of the last successful refresh."
    assert_eq!(lic["last_refresh"]["ok"], true);
    assert_eq!(lic["last_successful_refresh"], at.as_str());
    // "… and the protected organization wizard will accept its creation."
    assert_eq!(w.create_org("org-new").await.0, 201);
    let (_, status) = w.get("/v1/license/status").await;
    assert_eq!(status["source"], "renewal");
}

#[tokio::test]
async fn a_failed_refresh_keeps_the_license_and_the_next_interval_brings_the_renewal() {
    let (w, cp) = registered(true).await;
    let id = w.install_id();
    let before = w.license().await;

    // "If renewal fails (network blip, control plane outage), the job retries on the next interval. The license
    // you currently hold remains valid until its own expiry."
    cp.set_down(true);
    let at = an_hour_later(&w, 1);
    let lic = until(&w, "the failed refresh", |l| l["last_refresh"]["at"] == at.as_str()).await;
    assert_eq!(lic["last_refresh"]["ok"], false);
    assert_eq!(lic["last_refresh"]["error"]["code"], "renewal_failed");
    assert_eq!(lic["last_successful_refresh"], Value::Null);
    assert_eq!(lic["license_fingerprint"], before["license_fingerprint"]);
    assert_eq!(lic["state"], "Active");
    assert_eq!(w.create_org("org-eu").await.0, 201, "still fully licensed");
    let (code, body) = w.post("/v1/license/refresh", json!({})).await;
    assert_eq!((code, body["code"].as_str()), (502, Some("renewal_failed")), "{body}");

    // "When your commercial team renews the contract upstream, the new license appears in your install on the
    // next refresh window — typically within an hour, no operator action required."
    let path = format!("/v1/installs/{id}/entitlements");
    let mut ent = cp.admin(Method::GET, &path, Value::Null, 200).await;
    ent["validity_days"] = json!(730);
    cp.admin(Method::PUT, &path, ent, 200).await;
    cp.set_down(false);
    let at = an_hour_later(&w, 2);
    let lic = until(&w, "the renewal", |l| l["last_successful_refresh"] == at.as_str()).await;
    assert_ne!(lic["license_fingerprint"], before["license_fingerprint"]);
    assert_eq!(lic["valid_until"], T0.plus_seconds(7200).plus_days(730).to_rfc3339());
}

/// `compact` with its payload edited by `edit` and the signature left as it was: well-formed, not what was signed.
fn alter(compact: &str, edit: impl FnOnce(&mut Value)) -> String {
    let parts: Vec<&str> = compact.trim().split('.').collect();
    let mut payload: Value = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts[1]).unwrap()).unwrap();
    edit(&mut payload);
    let payload = URL_SAFE_NO_PAD.encode(serde_json::to_vec(&payload).unwrap());
    format!("{}.{payload}.{}", parts[0], parts[2])
}

#[tokio::test]
async fn offline_activation_request_then_import_with_a_reason() {
    let (w, cp) = registered(false).await;
    let id = w.install_id();
    cp.add_org(&id, org("org-new", "team", 2)).await;
    let viewer = w.token("ops-viewer", "viewer").await;
    let admin = w.token("ops-admin", "admin").await;

    // "click Generate activation request. The system creates a signed file describing your install's current
    // state (install ID, app keys, last license fingerprint)."
    let (code, file) = w
        .call(&viewer, Method::GET, "/v1/license/activation-request", None)
        .await;
    assert_eq!(code, 200);
    let file = file.as_str().unwrap().to_owned();
    let signed = licet_proto::SignedActivationRequest::parse(&file).unwrap();
    let verified = signed.verify().unwrap();
    let req = verified.request();
    let lic = w.license().await;
    assert_eq!(req.install_id, id);
    assert_eq!(req.products, ["ledger"]);
    assert_eq!(req.license_fingerprint.as_deref(), lic["license_fingerprint"].as_str());

    // "Both files are signed end-to-end": an altered request is refused by the portal, an altered license by the
    // install.
    let more_apps = alter(signed.compact(), |p| p["products"] = json!(["ledger", "crm"]));
    let (code, body) = cp.activate(&more_apps).await;
    assert_eq!(
        (code, body["code"].as_str()),
        (400, Some("activation_request_bad_signature")),
        "{body}"
    );

    // "upload that file to the Novantra control plane portal. The portal returns a refreshed signed license, also
    // as a file."
    let (code, license_file) = cp.activate(&file).await;
    assert_eq!(code, 200, "{license_file}");
    let license_file = license_file.as_str().unwrap().to_owned();
    assert!(license_file.starts_with("-----BEGIN LICENSE-----"));
    let compact = licet_proto::armor::dearmor("LICENSE", &license_file).unwrap();
    let more_orgs = alter(&compact, |p| p["lic"]["max_orgs"] = json!(50));
    let (code, body) = w.import(Some(&admin), &more_orgs, Some("USB from the portal")).await;
    assert_eq!(
        (code, body["code"].as_str()),
        (422, Some("license_bad_signature")),
        "{body}"
    );

    // "import the refreshed license through System → License → Import. Provide a reason (audited). The system
    // verifies the signature and replaces the previous license." "Then create the org through the protected
    // wizard."
    let (code, body) = w
        .import(Some(&admin), &license_file, Some("offline renewal via USB"))
        .await;
    assert_eq!(code, 200, "{body}");
    let lic = w.license().await;
    assert!(names(&lic, "org-new"), "{lic}");
    assert_eq!(
        lic["last_refresh"],
        Value::Null,
        "offline: no connected refresh ever ran"
    );
    assert_eq!(w.create_org("org-new").await.0, 201);
    let entry = w.last_install().await;
    assert_eq!(
        (entry["actor"].as_str(), entry["reason"].as_str()),
        (Some("ops-admin"), Some("offline renewal via USB"))
    );
}
