//! "License states" and "When a license expires": Active → Warning → Grace → Read-only, what each allows, and the
//! way back.

use axum::http::Method;
use licet_store::{Change, NewLicense, Scope};
use seed_testkit::scenarios::SOVEREIGN;
use seed_testkit::T0;
use serde_json::json;
use sovereign_example::Recovery;

use crate::common::{day, order, sign, start, World};

const LOUDNESS: [&str; 3] = ["notice", "warning", "critical"];

fn loudness(license: &serde_json::Value) -> Option<usize> {
    let level = license["banner"]["level"].as_str()?;
    LOUDNESS.iter().position(|l| *l == level)
}

#[tokio::test]
async fn walk_active_warning_grace_read_only_and_reads_never_blocked() {
    let w = World::licensed().await;
    assert_eq!(w.create_org("org-eu").await.0, 201);
    let mut louder = None;
    let mut grace_texts = Vec::new();
    for row in SOVEREIGN {
        w.travel(row.day).await;
        let lic = w.license().await;
        assert_eq!(lic["state"], row.label, "day {}", row.day);
        assert_eq!(lic["banner"].is_object(), row.banner, "day {}: {lic}", row.day);
        let level = loudness(&lic);
        assert!(
            level >= louder,
            "day {}: the banner never gets quieter ({lic})",
            row.day
        );
        louder = level;
        if row.label == "Grace" {
            grace_texts.push(lic["banner"]["text"].as_str().unwrap().to_owned());
        }
        let (code, body) = w.write("org-eu", &format!("day {}", row.day)).await;
        assert_eq!(code, row.write, "day {}: {body}", row.day);
        if code == 403 {
            // "Writes start failing with a clear “license expired” error."
            assert_eq!(body["code"], "license_read_only");
            assert!(
                body["message"].as_str().unwrap().starts_with("License expired"),
                "{body}"
            );
        }
        let (code, body) = w.get("/api/orgs/org-eu/records").await;
        assert_eq!(code, row.read, "day {}", row.day);
        let written = SOVEREIGN.iter().filter(|r| r.day <= row.day && r.write == 201).count();
        assert_eq!(
            body["records"].as_array().unwrap().len(),
            written,
            "nothing is ever deleted"
        );
    }
    assert_eq!(louder, Some(2), "read-only is the loudest");
    // "increasingly visible warnings": the grace banner counts down to read-only.
    assert_eq!(grace_texts.len(), 2);
    assert!(grace_texts[0].contains("Changes stop in 7 days"), "{}", grace_texts[0]);
    assert!(grace_texts[1].contains("Changes stop in 1 day,"), "{}", grace_texts[1]);
}

#[tokio::test]
async fn read_only_keeps_data_sign_in_export_storage_and_backups() {
    let w = World::licensed().await;
    w.create_org("org-eu").await;
    w.member("org-eu", "ada").await;
    w.write("org-eu", "ledger entry").await;
    w.call(&w.owner, Method::PUT, "/api/storage/org-eu/a.txt", None).await;
    w.travel(372).await;
    assert_eq!(w.license().await["state"], "Read-only");

    // "no writes, no new organizations, no new members"
    assert_eq!(w.create_org("org-us").await.1["code"], "license_read_only");
    assert_eq!(w.member("org-eu", "bob").await.1["code"], "license_read_only");
    // "Sign-ins still work; existing data is fully readable; you can still investigate and export."
    let (code, _) = w
        .post("/api/auth/sign-in", json!({ "org": "org-eu", "member": "ada" }))
        .await;
    assert_eq!(code, 200);
    let (code, export) = w.get("/api/orgs/org-eu/export").await;
    assert_eq!((code, export["records"].clone()), (200, json!(["ledger entry"])));
    assert_eq!(export["members"], json!(["ada"]));
    // Self Managed Storage: "A read-only install can still read and write your own bucket".
    let put = w
        .call(
            &w.owner,
            Method::PUT,
            "/api/storage/org-eu/b.txt",
            Some(json!("report")),
        )
        .await;
    assert_eq!(put.0, 201, "{}", put.1);
    assert_eq!(w.get("/api/storage/org-eu/b.txt").await.0, 200);
    // "Backup runs continue in any license state."
    let (code, backup) = w.post("/api/system/backups", json!({})).await;
    assert_eq!(code, 201);
    assert_eq!(backup["orgs"]["org-eu"]["records"], json!(["ledger entry"]));
}

#[tokio::test]
async fn a_fresh_license_returns_to_active_at_once_and_the_data_is_still_there() {
    let w = World::licensed().await;
    w.create_org("org-eu").await;
    w.write("org-eu", "before").await;
    w.travel(400).await;
    assert_eq!(w.write("org-eu", "refused").await.0, 403);

    let mut renewed = order(&w.install_id());
    renewed.valid_from = day(399);
    renewed.valid_until = day(399 + 365);
    renewed.sequence = 2;
    let (code, body) = w.import(Some(&w.owner), &sign(&renewed), Some("renewal 2027")).await;
    assert_eq!(code, 200, "{body}");
    // "Applying a fresh valid license returns the install to Active immediately — no restart needed."
    assert_eq!(w.license().await["state"], "Active");
    assert_eq!(w.write("org-eu", "after").await.0, 201);
    assert_eq!(
        w.get("/api/orgs/org-eu/records").await.1["records"],
        json!(["before", "after"])
    );
}

#[tokio::test]
async fn without_a_license_no_new_orgs_and_reads_still_work() {
    let w = World::boot().await;
    let (code, lic) = w.call("", Method::GET, "/v1/license/fingerprint", None).await;
    assert_eq!(code, 401, "reads need the view permission, even before setup: {lic}");
    let lic = w.app.license_view().await.unwrap();
    assert_eq!(
        (lic["state"].as_str(), lic["reason"]["code"].as_str()),
        (Some("Read-only"), Some("license_missing"))
    );
    let (code, body) = w.create_org("org-eu").await;
    assert_eq!((code, body["code"].as_str()), (403, Some("license_read_only")));
    assert_eq!(w.get("/api/orgs").await, (200, json!({ "orgs": [] })));
}

/// Overwrites the stored license with `token` behind the product's back, as an edit of the database would.
async fn tamper(dir: &tempfile::TempDir, token: String) {
    let store = licet_store::open_in_data_dir(dir.path()).await.unwrap();
    // The fingerprint a verifier would give it does not matter here: the product must refuse the token itself.
    let fingerprint =
        licet_core::Jws::decode(token.as_bytes(), usize::MAX).map_or_else(|_| "0".repeat(64), |j| j.fingerprint());
    let license = NewLicense {
        scope: Scope::Instance,
        token,
        fingerprint,
        source: "import".into(),
        customer_id: None,
        sequence: None,
        expires_at: None,
        change: Change::new("someone", T0),
    };
    store.install_license(license).await.unwrap();
    store.close().await;
}

#[tokio::test]
async fn an_altered_license_refuses_to_start_until_replaced() {
    let w = World::licensed().await;
    let good = sign(&order(&w.install_id()));
    // One more org in the payload, the signature left as it was.
    let mut more = order(&w.install_id());
    more.max_orgs = 50;
    let forged = sign(&more);
    let parts: Vec<&str> = forged.split('.').collect();
    let altered = format!("{}.{}.{}", parts[0], parts[1], good.split('.').nth(2).unwrap());
    let World { app, r, clock, dir, .. } = w;
    drop((app, r));
    tamper(&dir, altered).await;

    // "an altered license will not pass verification and the system will refuse to start in that state"
    let refused = start(&dir, &clock, None, None).await.err().unwrap();
    assert_eq!(refused.code(), "stored_license_unverified");
    assert!(refused.to_string().contains("license_bad_signature"), "{refused}");

    let recovery = Recovery {
        license: good.clone(),
        actor: "ops".into(),
        reason: "restore the license from the control plane".into(),
    };
    let app = start(&dir, &clock, None, Some(recovery)).await.unwrap();
    let lic = app.license_view().await.unwrap();
    assert_eq!(
        (lic["state"].as_str(), lic["max_orgs"].as_u64()),
        (Some("Active"), Some(2))
    );
    let history = app.runtime.store().list_audit(None, 1).await.unwrap();
    assert_eq!(history[0].actor, "ops");
    assert_eq!(
        history[0].reason.as_deref(),
        Some("restore the license from the control plane")
    );
}

#[tokio::test]
async fn a_lapsed_license_is_not_altered_the_install_starts_read_only() {
    let w = World::licensed().await;
    let World { app, r, clock, dir, .. } = w;
    drop((app, r));
    clock.set(day(500));
    // "Updates & Upgrades — license state is independent of the running version": a restart keeps the license.
    let app = start(&dir, &clock, None, None).await.unwrap();
    let lic = app.license_view().await.unwrap();
    assert_eq!(
        (lic["state"].as_str(), lic["customer_id"].as_str()),
        (Some("Read-only"), Some("cust-acme"))
    );
}
