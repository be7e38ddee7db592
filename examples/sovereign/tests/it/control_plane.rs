//! Novantra's control plane for the tests: the real licet-vendor (SQLite in a temporary directory) signing with
//! Sovereign's test-only release key, on the same manual clock as the install, served on a loopback port so the
//! install's renewal reaches it over HTTP. `set_down(true)` makes that loopback server answer 503, as an outage
//! would; the admin API and the portal upload are called in process and stay up.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use axum::extract::Request;
use axum::http::{Method, StatusCode};
use axum::middleware::{self, Next};
use axum::response::IntoResponse;
use axum::Router;
use licet_runtime::{Clock, ManualClock};
use licet_vendor::{Db, Keys, Vendor, VendorConfig};
use seed_testkit::http::call_with;
use seed_testkit::Seed;
use serde_json::{json, Value};

const ADMIN: &str = "novantra-admin-token-test-only";

pub struct ControlPlane {
    router: Router,
    down: Arc<AtomicBool>,
    _dir: tempfile::TempDir,
}

impl ControlPlane {
    pub async fn start(clock: &ManualClock) -> ControlPlane {
        let dir = tempfile::tempdir().unwrap();
        let db = Db::connect(&format!("sqlite://{}", dir.path().join("vendor.db").display()))
            .await
            .unwrap();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let config = VendorConfig {
            admin_token: ADMIN.into(),
            public_url: format!("http://{}", listener.local_addr().unwrap()),
            issuer: Seed::Sovereign.issuer().into(),
            default_audience: Seed::Sovereign.audience().into(),
            ..VendorConfig::default()
        };
        let clock = clock.clone();
        let vendor = Vendor::new(db, config, Arc::new(move || clock.now()), Box::new(Keys::default()));
        let down = Arc::new(AtomicBool::new(false));
        let switch = down.clone();
        let router = licet_vendor::router(vendor);
        // Only the install's side goes down; the account team (admin API) keeps working.
        let served = router
            .clone()
            .layer(middleware::from_fn(move |req: Request, next: Next| {
                let down = switch.load(Ordering::SeqCst);
                async move {
                    if down {
                        return StatusCode::SERVICE_UNAVAILABLE.into_response();
                    }
                    next.run(req).await
                }
            }));
        tokio::spawn(async move { axum::serve(listener, served).await.unwrap() });
        let cp = ControlPlane {
            router,
            down,
            _dir: dir,
        };
        let key = cp._dir.path().join("novantra-release-test-only.pem");
        std::fs::write(&key, Seed::Sovereign.test_only_private_pem()).unwrap();
        let body =
            json!({ "kid": Seed::Sovereign.kid(), "private_ref": format!("file:{}", key.display()), "activate": true });
        cp.admin(Method::POST, "/v1/keys", body, 201).await;
        cp
    }

    pub fn set_down(&self, down: bool) {
        self.down.store(down, Ordering::SeqCst);
    }

    /// An admin API call that must answer `expect`.
    pub async fn admin(&self, method: Method, path: &str, body: Value, expect: u16) -> Value {
        let auth = format!("Bearer {ADMIN}");
        let body = (!body.is_null()).then(|| body.to_string());
        let (code, reply) = call_with(&self.router, method, path, &[("authorization", &auth)], body).await;
        assert_eq!(code, expect, "{path}: {reply}");
        reply
    }

    /// Customer ACME and this install (bound to its id and host fingerprint) with `orgs`; returns the install's
    /// renewal credential.
    pub async fn register(&self, install_id: &str, fingerprint: &str, orgs: Value) -> String {
        self.admin(
            Method::POST,
            "/v1/customers",
            json!({ "id": "cust-acme", "name": "ACME" }),
            201,
        )
        .await;
        let install = json!({ "id": install_id, "customer_id": "cust-acme", "fingerprints": [fingerprint] });
        let created = self.admin(Method::POST, "/v1/installs", install, 201).await;
        let entitlements = json!({
            "products": ["ledger"],
            "orgs": orgs,
            "max_orgs": 5,
            "validity_days": 365,
        });
        let path = format!("/v1/installs/{install_id}/entitlements");
        self.admin(Method::PUT, &path, entitlements, 200).await;
        created["credential"].as_str().unwrap().to_owned()
    }

    /// Issues now, as the console's "issue" button: the compact token.
    pub async fn issue(&self, install_id: &str) -> String {
        let path = format!("/v1/installs/{install_id}/licenses");
        let issued = self.admin(Method::POST, &path, Value::Null, 201).await;
        issued["token"].as_str().unwrap().to_owned()
    }

    /// "add the org to your subscription with your account team"
    pub async fn add_org(&self, install_id: &str, org: Value) {
        let id = org["id"].as_str().unwrap().to_owned();
        let path = format!("/v1/installs/{install_id}/entitlements/orgs/{id}");
        self.admin(Method::PUT, &path, org, 200).await;
    }

    /// The portal's upload: the activation request in, the license file (or an error) out.
    pub async fn activate(&self, request: &str) -> (u16, Value) {
        let text = [("content-type", "text/plain")];
        call_with(
            &self.router,
            Method::POST,
            "/v1/activation",
            &text,
            Some(request.to_owned()),
        )
        .await
    }
}

pub fn org(id: &str, plan: &str, members: u64) -> Value {
    json!({ "id": id, "plan": plan, "features": ["reports"], "limits": { "members": members } })
}
