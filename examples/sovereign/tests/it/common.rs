//! A Sovereign install on a temporary SQLite store with a manual clock, driven over its router, and the license
//! orders the tests sign with Novantra's test-only key.

use std::sync::Arc;

use axum::http::Method;
use axum::Router;
use licet_runtime::ManualClock;
use seed_testkit::http::call_with;
use seed_testkit::scenarios::TERM_DAYS;
use seed_testkit::translate::sovereign::{SovereignLicense, SovereignOrg};
use seed_testkit::{Seed, Vendor, T0};
use serde_json::{json, Value};
use sovereign_example::{Config, Error, Recovery, Sovereign};

pub fn day(n: i64) -> licet_core::UnixTime {
    T0.plus_days(n)
}

pub struct World {
    pub app: Sovereign,
    pub r: Router,
    pub clock: ManualClock,
    pub dir: tempfile::TempDir,
    /// The install-admin's token (owner), minted by the first import.
    pub owner: String,
}

pub async fn start(
    dir: &tempfile::TempDir,
    clock: &ManualClock,
    credential: Option<String>,
    recovery: Option<Recovery>,
) -> Result<Sovereign, Error> {
    Sovereign::start(Config {
        verifier: Seed::Sovereign.verifier().unwrap(),
        store: licet_store::open_in_data_dir(dir.path()).await.unwrap(),
        clock: Arc::new(clock.clone()),
        install_credential: credential,
        recovery,
    })
    .await
}

fn org(id: &str, plan: &str, features: &[&str], members: u64, valid_until: Option<i64>) -> SovereignOrg {
    SovereignOrg {
        id: id.into(),
        plan: plan.into(),
        features: features.iter().map(|f| (*f).to_owned()).collect(),
        limits: vec![("members".into(), members)],
        valid_from: None,
        valid_until: valid_until.map(day),
    }
}

/// ACME's order: app `ledger`; org-eu (enterprise, `reports`, 3 members), org-us (team, 2 members, until day 100),
/// org-ap (team); at most 2 orgs; valid 365 days from T0.
pub fn order(install_id: &str) -> SovereignLicense {
    SovereignLicense {
        customer_id: "cust-acme".into(),
        customer_name: "ACME".into(),
        install_id: install_id.into(),
        app_keys: vec!["ledger".into()],
        orgs: vec![
            org("org-eu", "enterprise", &["reports"], 3, None),
            org("org-us", "team", &[], 2, Some(100)),
            org("org-ap", "team", &[], 2, None),
        ],
        valid_from: T0,
        valid_until: day(TERM_DAYS),
        max_orgs: 2,
        renewal_url: None,
        sequence: 1,
    }
}

pub fn sign(l: &SovereignLicense) -> String {
    Vendor::new(Seed::Sovereign).unwrap().sign(&l.claims()).unwrap()
}

impl World {
    /// A fresh install at T0 with no license: read-only, nothing to show.
    pub async fn boot() -> World {
        let dir = tempfile::tempdir().unwrap();
        let clock = ManualClock::new(T0);
        let app = start(&dir, &clock, None, None).await.unwrap();
        World {
            r: app.router(),
            app,
            clock,
            dir,
            owner: String::new(),
        }
    }

    /// Installation: the first license is applied during setup (no token exists yet); keeps the owner token.
    pub async fn setup(&mut self, token: &str) {
        let (code, body) = self.import(None, token, Some("initial setup")).await;
        assert_eq!(code, 200, "{body}");
        self.owner = body["owner_token"]["token"].as_str().unwrap().to_owned();
    }

    /// A fresh install with ACME's order imported at setup.
    pub async fn licensed() -> World {
        let mut w = World::boot().await;
        w.setup(&sign(&order(&w.install_id()))).await;
        w
    }

    pub fn install_id(&self) -> String {
        self.app.runtime.install_id().to_owned()
    }

    /// Moves the clock to day `n` and lets the runtime judge the license at that time (its timer would too).
    pub async fn travel(&self, n: i64) {
        self.clock.set(day(n));
        self.app.runtime.reevaluate().await.unwrap();
    }

    /// A request as `token` (none when empty).
    pub async fn call(&self, token: &str, method: Method, path: &str, body: Option<Value>) -> (u16, Value) {
        let bearer = format!("Bearer {token}");
        let auth: Vec<(&str, &str)> = if token.is_empty() {
            vec![]
        } else {
            vec![("authorization", bearer.as_str())]
        };
        call_with(&self.r, method, path, &auth, body.map(|b| b.to_string())).await
    }

    pub async fn get(&self, path: &str) -> (u16, Value) {
        self.call(&self.owner, Method::GET, path, None).await
    }

    pub async fn post(&self, path: &str, body: Value) -> (u16, Value) {
        self.call(&self.owner, Method::POST, path, Some(body)).await
    }

    /// System → License, as the install admin sees it.
    pub async fn license(&self) -> Value {
        let (code, body) = self.get("/api/system/license").await;
        assert_eq!(code, 200, "{body}");
        body
    }

    /// System → License → Import, as `token` (anonymous when `None`).
    pub async fn import(&self, token: Option<&str>, license: &str, reason: Option<&str>) -> (u16, Value) {
        let body = match reason {
            Some(r) => json!({ "license": license, "reason": r }),
            None => json!({ "license": license }),
        };
        self.call(token.unwrap_or(""), Method::POST, "/v1/license/import", Some(body))
            .await
    }

    /// A token with `role` (`viewer`: license view; `admin`: view and import), made by the install admin.
    pub async fn token(&self, name: &str, role: &str) -> String {
        let (code, body) = self
            .post("/v1/license/tokens", json!({ "name": name, "role": role }))
            .await;
        assert_eq!(code, 201, "{body}");
        body["token"].as_str().unwrap().to_owned()
    }

    pub async fn create_org(&self, id: &str) -> (u16, Value) {
        self.post("/api/orgs", json!({ "id": id })).await
    }

    pub async fn write(&self, org: &str, text: &str) -> (u16, Value) {
        self.post(&format!("/api/orgs/{org}/records"), json!({ "text": text }))
            .await
    }

    pub async fn member(&self, org: &str, name: &str) -> (u16, Value) {
        self.post(&format!("/api/orgs/{org}/members"), json!({ "name": name }))
            .await
    }

    /// The newest `license.install` entry of the audit log.
    pub async fn last_install(&self) -> Value {
        let entries = self.audit().await;
        entries.into_iter().find(|e| e["action"] == "license.install").unwrap()
    }

    pub async fn audit(&self) -> Vec<Value> {
        let (code, body) = self.get("/v1/license/audit").await;
        assert_eq!(code, 200, "{body}");
        body["entries"].as_array().unwrap().clone()
    }
}
