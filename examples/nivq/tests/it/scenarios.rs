use std::sync::Arc;

use axum::http::Method;
use axum::Router;
use licet_runtime::ManualClock;
use nivq_example::{Config, Nivq};
use seed_testkit::scenarios::NIVQ;
use seed_testkit::translate::nivq::NivqLicense;
use seed_testkit::{Seed, Vendor, T0};
use serde_json::{json, Value};

use seed_testkit::http::{call_with, get, post};

struct World {
    clock: ManualClock,
    dir: tempfile::TempDir,
    store: Arc<dyn licet_store::Store>,
}

impl World {
    async fn new() -> World {
        let dir = tempfile::tempdir().unwrap();
        let store = licet_store::open_in_data_dir(dir.path()).await.unwrap();
        World {
            clock: ManualClock::new(T0),
            dir,
            store,
        }
    }

    async fn start_on(&self, backend_url: Option<&str>) -> Nivq {
        Nivq::start(Config {
            verifier: Seed::Nivq.verifier().unwrap(),
            store: self.store.clone(),
            clock: Arc::new(self.clock.clone()),
            license_file: Some(self.dir.path().join("license.jwt")),
            backend_url: backend_url.map(Into::into),
            // Whatever an operator puts in the environment, nothing unlocks a feature.
            env: Arc::new(|k| (k.contains("FEATURE") || k.contains("LICEN")).then(|| "self_learning".to_owned())),
        })
        .await
        .unwrap()
    }

    async fn start(&self) -> Nivq {
        self.start_on(None).await
    }
}

fn token(order: &NivqLicense) -> String {
    Vendor::new(Seed::Nivq).unwrap().sign(&order.claims()).unwrap()
}

async fn upload(router: &Router, bearer: Option<&str>, tok: &str) -> (u16, Value) {
    let auth = bearer.map(|b| format!("Bearer {b}"));
    let mut headers = vec![("content-type", "multipart/form-data; boundary=XyZ")];
    if let Some(a) = &auth {
        headers.push(("authorization", a.as_str()));
    }
    let body = format!(
        "--XyZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"license.jwt\"\r\n\r\n{tok}\r\n--XyZ--\r\n"
    );
    call_with(router, Method::POST, "/v1/license/upload", &headers, Some(body)).await
}

async fn sign_in(router: &Router, user: &str) -> String {
    let (code, v) = post(router, "/v1/auth/sign-in", json!({ "user": user })).await;
    assert_eq!(code, 200);
    v["token"].as_str().unwrap().to_owned()
}

async fn state(router: &Router, bearer: &str) -> Value {
    let auth = format!("Bearer {bearer}");
    call_with(
        router,
        Method::GET,
        "/v1/license/status",
        &[("authorization", &auth)],
        None,
    )
    .await
    .1
}

#[tokio::test]
async fn activation_pending_then_first_upload_open_then_owner_only() {
    let w = World::new().await;
    let app = w.start().await;
    let r = app.router();
    let (code, body) = get(&r, "/v1/workspaces").await;
    assert_eq!((code, body["code"].as_str()), (403, Some("license_locked")));
    let (code, fp) = get(&r, "/v1/license/fingerprint").await;
    assert_eq!(code, 200);
    let fp = fp.as_str().unwrap().to_owned();
    assert!(
        fp.starts_with("NIVQ-FP-") && fp.len() == "NIVQ-FP-XXXXX-XXXXX-XXXXX-XXXXX".len(),
        "{fp}"
    );
    let owner = sign_in(&r, "owner").await;
    assert_eq!(state(&r, &owner).await["state"], "ACTIVATION_PENDING");

    let mut first = NivqLicense::team(T0, 1);
    first.fingerprint = Some(fp.clone());
    assert_eq!(
        upload(&r, None, &token(&first)).await,
        (200, json!({ "state": "VALID" })),
        "first upload is open"
    );
    assert_eq!(get(&r, "/v1/workspaces").await.0, 200, "activated without a restart");

    let second = token(&NivqLicense::team(T0, 2));
    assert_eq!(upload(&r, None, &second).await.1["code"], "owner_required");
    let member = sign_in(&r, "member").await;
    assert_eq!(upload(&r, Some(&member), &second).await.0, 403);
    assert_eq!(upload(&r, Some(&owner), &second).await.0, 200);

    // "Rolling back to an older licence is rejected"
    let (code, body) = upload(&r, Some(&owner), &token(&first)).await;
    assert_eq!((code, body["code"].as_str()), (409, Some("license_rolled_back")));
    // Only a Nivorbit-signed licence is ever accepted.
    let forged = Vendor::impostor(Seed::Nivq)
        .unwrap()
        .sign(&NivqLicense::team(T0, 9).claims())
        .unwrap();
    assert_eq!(
        upload(&r, Some(&owner), &forged).await.1["code"],
        "license_bad_signature"
    );
    // A licence bound to another host is refused; the current one is kept.
    let mut elsewhere = NivqLicense::team(T0, 10);
    elsewhere.fingerprint = Some("NIVQ-FP-AAAAA-BBBBB-CCCCC-DDDDD".into());
    assert_eq!(
        upload(&r, Some(&owner), &token(&elsewhere)).await.1["code"],
        "license_host_mismatch"
    );
    assert_eq!(state(&r, &owner).await["state"], "VALID");
}

#[tokio::test]
async fn lifecycle_walk_grace_is_read_only_then_locked() {
    let w = World::new().await;
    let app = w.start().await;
    let r = app.router();
    assert_eq!(upload(&r, None, &token(&NivqLicense::team(T0, 1))).await.0, 200);
    let owner = sign_in(&r, "owner").await;
    for row in NIVQ {
        w.clock.set(T0.plus_days(row.day));
        app.runtime.reevaluate().await.unwrap();
        let st = state(&r, &owner).await;
        assert_eq!(st["state"], row.label, "day {}", row.day);
        assert_eq!(get(&r, "/v1/workspaces").await.0, row.read, "day {}", row.day);
        // Agents are unlimited (maxAgents 0), so a refusal here is the lifecycle alone.
        let (code, body) = post(&r, "/v1/agents", json!({})).await;
        assert_eq!(code, row.write, "day {}: {body}", row.day);
        assert_eq!(
            post(&r, "/v1/auth/sign-in", json!({ "user": "member" })).await.0,
            row.sign_in
        );
    }
    assert_eq!(post(&r, "/v1/agents", json!({})).await.1["code"], "license_expired");
    // A renewal can still be installed while locked, by the owner, and takes effect at once.
    let mut renewal = NivqLicense::team(T0.plus_days(379), 2);
    renewal.expires = T0.plus_days(800);
    assert_eq!(upload(&r, Some(&owner), &token(&renewal)).await.0, 200);
    assert_eq!(post(&r, "/v1/agents", json!({})).await.0, 201);
}

#[tokio::test]
async fn grace_blocks_writes_with_read_only_code() {
    let w = World::new().await;
    let app = w.start().await;
    let r = app.router();
    upload(&r, None, &token(&NivqLicense::team(T0, 1))).await;
    w.clock.set(T0.plus_days(370));
    app.runtime.reevaluate().await.unwrap();
    assert_eq!(
        post(&r, "/v1/workspaces", json!({"name": "x"})).await.1["code"],
        "license_read_only"
    );
}

#[tokio::test]
async fn editions_features_and_quotas_zero_is_unlimited() {
    let w = World::new().await;
    let app = w.start().await;
    let r = app.router();
    upload(&r, None, &token(&NivqLicense::team(T0, 1))).await; // workspaces 2, agents 0 (unlimited), users 5
    assert_eq!(get(&r, "/v1/features/rbac").await.0, 200);
    let (code, body) = get(&r, "/v1/features/self_learning").await;
    assert_eq!(
        (code, body["code"].as_str()),
        (403, Some("feature_not_licensed")),
        "no env unlock"
    );
    for _ in 0..2 {
        assert_eq!(post(&r, "/v1/workspaces", json!({"name": "w"})).await.0, 201);
    }
    let (code, body) = post(&r, "/v1/workspaces", json!({"name": "w3"})).await;
    assert_eq!(
        (code, body["code"].as_str(), body["limit"].as_u64()),
        (403, Some("quota_exceeded"), Some(2))
    );
    for _ in 0..25 {
        assert_eq!(
            post(&r, "/v1/agents", json!({})).await.0,
            201,
            "maxAgents 0 = unlimited"
        );
    }
    for _ in 0..3 {
        assert_eq!(post(&r, "/v1/users", json!({"user": "u"})).await.0, 201); // 2 seeded + 3 = 5
    }
    assert_eq!(
        post(&r, "/v1/users", json!({"user": "u6"})).await.1["code"],
        "quota_exceeded"
    );

    let owner = sign_in(&r, "owner").await;
    let mut ent = NivqLicense::team(T0, 2);
    ent.edition = "enterprise".into();
    ent.features.clear();
    upload(&r, Some(&owner), &token(&ent)).await;
    assert_eq!(
        get(&r, "/v1/features/self_learning").await.0,
        200,
        "enterprise grants the full set"
    );
}

#[tokio::test]
async fn clock_rollback_is_caught() {
    let w = World::new().await;
    let app = w.start().await;
    let r = app.router();
    upload(&r, None, &token(&NivqLicense::team(T0, 1))).await;
    w.clock.set(T0.plus_days(100));
    app.runtime.reevaluate().await.unwrap();
    w.clock.set(T0.plus_days(50));
    app.runtime.reevaluate().await.unwrap();
    let owner = sign_in(&r, "owner").await;
    let st = state(&r, &owner).await;
    assert_eq!(
        (st["state"].as_str(), st["reason"].as_str()),
        (Some("INVALID"), Some("clock_rollback_detected"))
    );
    assert_eq!(get(&r, "/v1/workspaces").await.0, 403);
}

#[tokio::test]
async fn domain_binding_with_wildcard() {
    let mut order = NivqLicense::team(T0, 1);
    order.domain = Some("*.acme.com".into());
    let w = World::new().await;
    // "the host of BACKEND_URL, e.g. api.acme.com", whatever the scheme, port and path.
    let r = w.start_on(Some("https://api.acme.com:8443/v1")).await.router();
    assert_eq!(upload(&r, None, &token(&order)).await.0, 200);
    let w2 = World::new().await;
    let r2 = w2.start_on(Some("https://acme.com")).await.router();
    assert_eq!(
        upload(&r2, None, &token(&order)).await.1["code"],
        "license_domain_mismatch"
    );
}

#[tokio::test]
async fn mounted_file_seeds_the_database_once() {
    let w = World::new().await;
    std::fs::write(w.dir.path().join("license.jwt"), token(&NivqLicense::team(T0, 1))).unwrap();
    let app = w.start().await;
    let r = app.router();
    let owner = sign_in(&r, "owner").await;
    assert_eq!(state(&r, &owner).await["state"], "VALID");
    let mut ent = NivqLicense::team(T0, 2);
    ent.edition = "enterprise".into();
    assert_eq!(upload(&r, Some(&owner), &token(&ent)).await.0, 200);
    // The file changes and the container restarts: the database stays the truth.
    std::fs::write(w.dir.path().join("license.jwt"), token(&NivqLicense::team(T0, 3))).unwrap();
    drop(app);
    let r = w.start().await.router();
    let owner = sign_in(&r, "owner").await;
    assert_eq!(state(&r, &owner).await["edition"], "enterprise");
    // And deleting the file costs nothing.
    std::fs::remove_file(w.dir.path().join("license.jwt")).unwrap();
    let r = w.start().await.router();
    assert_eq!(get(&r, "/v1/workspaces").await.0, 200);
}

#[test]
fn backend_host_is_the_urls_host() {
    use nivq_example::backend_host;
    assert_eq!(backend_host("https://api.acme.com").as_deref(), Some("api.acme.com"));
    assert_eq!(
        backend_host("https://API.Acme.com:8443/v1/x?y").as_deref(),
        Some("api.acme.com")
    );
    assert_eq!(backend_host("http://10.0.0.7:8080").as_deref(), Some("10.0.0.7"));
    assert_eq!(backend_host("http://[2001:db8::1]:80/").as_deref(), Some("2001:db8::1"));
    assert_eq!(backend_host("/relative/path"), None);
}

/// The manual's licence as Nivorbit would write it (edition, features, the three ceilings with 0 = unlimited,
/// a domain binding), signed by `jsonwebtoken`, uploaded with the manual's `curl -F` on a deployment whose
/// BACKEND_URL is `https://api.acme.com`.
#[tokio::test]
async fn the_manuals_own_licence_is_accepted_unchanged() {
    let w = World::new().await;
    let r = w.start_on(Some("https://api.acme.com")).await.router();
    let licence = Vendor::new(Seed::Nivq)
        .unwrap()
        .sign(&json!({
            "sub": "acme", "edition": "team", "features": ["rbac"],
            "maxWorkspaces": 1, "maxAgents": 0, "maxUsers": 0, "domain": "*.acme.com",
            "iat": T0.0, "exp": T0.plus_days(365).0
        }))
        .unwrap();
    let (code, body) = upload(&r, None, &licence).await;
    assert_eq!((code, body["state"].as_str()), (200, Some("VALID")), "{body}");
    let owner = sign_in(&r, "owner").await;
    let st = state(&r, &owner).await;
    assert_eq!(st["limits"]["agents"], "unlimited", "{st}");
    assert_eq!(st["limits"]["users"], "unlimited");
    assert_eq!(post(&r, "/v1/workspaces", json!({"name": "a"})).await.0, 201);
    assert_eq!(
        post(&r, "/v1/workspaces", json!({"name": "b"})).await.1["code"],
        "quota_exceeded"
    );
    for _ in 0..20 {
        assert_eq!(
            post(&r, "/v1/agents", json!({})).await.0,
            201,
            "maxAgents: 0 is unlimited"
        );
    }
}

/// A fresh deployment says it waits for activation, not that a licence lapsed; a refused upload keeps the
/// licence in force and does not claim the product is locked.
#[tokio::test]
async fn sentences_say_what_is_true_now() {
    let w = World::new().await;
    let r = w.start().await.router();
    let (code, body) = get(&r, "/v1/workspaces").await;
    assert_eq!(code, 403);
    let message = body["message"].as_str().unwrap();
    assert!(!message.contains("lapsed"), "{message}");
    let owner = sign_in(&r, "owner").await;
    assert_eq!(state(&r, &owner).await["state"], "ACTIVATION_PENDING");
    assert_eq!(upload(&r, None, &token(&NivqLicense::team(T0, 2))).await.0, 200);
    let (code, body) = upload(&r, Some(&owner), &token(&NivqLicense::team(T0, 1))).await;
    assert_eq!((code, body["code"].as_str()), (409, Some("license_rolled_back")));
    let message = body["message"].as_str().unwrap();
    assert!(
        !message.contains("Only sign-in"),
        "the licence in force still works: {message}"
    );
    assert_eq!(state(&r, &owner).await["state"], "VALID");
}
