//! A vendor on a fresh database with a settable clock and a test-only Ed25519 key, driven through its router.

use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use ed25519_dalek::pkcs8::EncodePrivateKey;
use licet_core::{Claims, Keyring, TrustedKey, UnixTime, Verifier};
use licet_vendor::{Db, Keys, Vendor, VendorConfig};
use serde_json::{json, Value};
use tower::ServiceExt;

pub const ADMIN: &str = "test-admin-token-0123456789";
pub const T0: i64 = 1_750_000_000;

pub enum Backend {
    Sqlite,
    Postgres,
}

/// Runs `$body(env)` on SQLite, and on PostgreSQL when `LICET_TEST_DATABASE_URL` is set.
#[macro_export]
macro_rules! both {
    ($name:ident, $body:expr) => {
        mod $name {
            use super::*;
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                if let Some(env) = $crate::env::Env::new($crate::env::Backend::Sqlite).await {
                    ($body)(env).await;
                }
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                if let Some(env) = $crate::env::Env::new($crate::env::Backend::Postgres).await {
                    let cleanup = env.cleanup();
                    ($body)(env).await;
                    cleanup.run().await;
                }
            }
        }
    };
}

pub struct Env {
    pub vendor: Vendor,
    pub now: Arc<AtomicI64>,
    pub dir: tempfile::TempDir,
    schema: Option<String>,
}

/// Drops a PostgreSQL test's schema once the test has passed (a failed test leaves it, to look at).
pub struct Cleanup(Option<(Db, String)>);

impl Cleanup {
    pub async fn run(self) {
        if let Some((Db::Postgres(pool), schema)) = self.0 {
            sqlx::query(&format!("DROP SCHEMA {schema} CASCADE"))
                .execute(&pool)
                .await
                .unwrap();
            pool.close().await;
        }
    }
}

pub struct Reply {
    pub status: StatusCode,
    pub headers: axum::http::HeaderMap,
    pub text: String,
}

impl Reply {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.text).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.text))
    }

    pub fn code(&self) -> String {
        self.json()["code"].as_str().unwrap_or_default().to_owned()
    }
}

impl Env {
    pub async fn new(backend: Backend) -> Option<Env> {
        let dir = tempfile::tempdir().unwrap();
        let mut schema_name = None;
        let db = match backend {
            Backend::Sqlite => {
                let url = format!("sqlite://{}", dir.path().join("vendor.db").display());
                Db::connect(&url).await.unwrap()
            }
            Backend::Postgres => {
                let Ok(url) = std::env::var("LICET_TEST_DATABASE_URL") else {
                    eprintln!("note: LICET_TEST_DATABASE_URL is not set; skipping the PostgreSQL variant");
                    return None;
                };
                let schema = format!("licet_vendor_test_{}", uuid::Uuid::new_v4().simple());
                let db = Db::connect_postgres_schema(&url, &schema).await.unwrap();
                schema_name = Some(schema);
                db
            }
        };
        let now = Arc::new(AtomicI64::new(T0));
        let clock_now = now.clone();
        let config = VendorConfig {
            admin_token: ADMIN.into(),
            public_url: "https://vendor.test/".into(),
            issuer: "acme-vendor".into(),
            default_audience: "justiam".into(),
            ..VendorConfig::default()
        };
        let clock: licet_vendor::Clock = Arc::new(move || UnixTime(clock_now.load(Ordering::SeqCst)));
        let vendor = Vendor::new(db, config, clock, Box::new(Keys::default()));
        let env = Env {
            vendor,
            now,
            dir,
            schema: schema_name,
        };
        env.add_key("k1", 1, true).await;
        Some(env)
    }

    pub fn cleanup(&self) -> Cleanup {
        Cleanup(self.schema.clone().map(|s| (self.vendor.db().clone(), s)))
    }

    pub fn advance_days(&self, days: i64) {
        self.now.fetch_add(days * 86_400, Ordering::SeqCst);
    }

    /// Writes a test-only Ed25519 key (fixed seed) and registers it.
    pub async fn add_key(&self, kid: &str, seed: u8, activate: bool) -> Value {
        let key = ed25519_dalek::SigningKey::from_bytes(&[seed; 32]);
        let path = self.dir.path().join(format!("{kid}-test-only.pem"));
        std::fs::write(&path, key.to_pkcs8_pem(Default::default()).unwrap().as_bytes()).unwrap();
        let r = self
            .admin(
                "POST",
                "/v1/keys",
                Some(json!({"kid": kid, "private_ref": format!("file:{}", path.display()), "activate": activate})),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
        r.json()
    }

    pub async fn call(&self, method: &str, path: &str, auth: Option<&str>, body: Option<Body>, ctype: &str) -> Reply {
        let mut req = Request::builder().method(method).uri(path);
        if let Some(auth) = auth {
            req = req.header(header::AUTHORIZATION, format!("Bearer {auth}"));
        }
        if body.is_some() {
            req = req.header(header::CONTENT_TYPE, ctype);
        }
        let req = req.body(body.unwrap_or_else(Body::empty)).unwrap();
        let resp = licet_vendor::router(self.vendor.clone()).oneshot(req).await.unwrap();
        let status = resp.status();
        let headers = resp.headers().clone();
        let bytes = axum::body::to_bytes(resp.into_body(), 1 << 20).await.unwrap();
        Reply {
            status,
            headers,
            text: String::from_utf8(bytes.to_vec()).unwrap(),
        }
    }

    pub async fn admin(&self, method: &str, path: &str, body: Option<Value>) -> Reply {
        let body = body.map(|b| Body::from(b.to_string()));
        self.call(method, path, Some(ADMIN), body, "application/json").await
    }

    /// A customer `acme`, an install `inst-1` bound to `LICET-FP-1` and entitlements with one org.
    /// Returns the install credential.
    pub async fn seed(&self) -> String {
        let r = self
            .admin(
                "POST",
                "/v1/customers",
                Some(json!({"id": "acme", "name": "Acme Corp"})),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
        let r = self
            .admin(
                "POST",
                "/v1/installs",
                Some(json!({"id": "inst-1", "customer_id": "acme", "fingerprints": ["LICET-FP-1"], "domains": ["*.acme.test"]})),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
        let credential = r.json()["credential"].as_str().unwrap().to_owned();
        let r = self
            .admin("PUT", "/v1/installs/inst-1/entitlements", Some(entitlements()))
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        credential
    }

    /// Verifies `token` with licet-core's verifier against every key the vendor lists (as a product's keyring
    /// would), and returns its header and claims.
    pub async fn open(&self, token: &str) -> (Value, Claims) {
        let keys = self.admin("GET", "/v1/keys", None).await.json();
        let trusted = keys
            .as_array()
            .unwrap()
            .iter()
            .map(|k| {
                let alg = licet_core::Alg::from_jose(k["alg"].as_str().unwrap()).unwrap();
                TrustedKey::from_spki_pem(k["kid"].as_str().unwrap(), alg, k["public_pem"].as_str().unwrap()).unwrap()
            })
            .collect();
        let issuer = self.vendor.config().issuer.clone();
        let verifier = Verifier::new(Keyring::new(trusted).unwrap(), issuer, "justiam");
        let verified = verifier.verify(token.as_bytes()).expect("the license verifies");
        assert_eq!(
            verified.fingerprint(),
            licet_core::Jws::decode(token.as_bytes(), usize::MAX)
                .unwrap()
                .fingerprint()
        );
        let header_b64 = token.trim().split('.').next().unwrap();
        let header: Value = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(header_b64).unwrap()).unwrap();
        assert_eq!(header["kid"].as_str(), Some(verified.kid()));
        (header, verified.claims().clone())
    }
}

pub fn entitlements() -> Value {
    json!({
        "edition": "enterprise",
        "products": ["sso", "scim"],
        "features": ["audit_export"],
        "limits": {"users": 500, "tenants": "unlimited"},
        "orgs": [{"id": "tenant-a", "plan": "pro", "features": ["sso"], "limits": {"users": 50}}],
        "max_orgs": 10,
        "validity_days": 365
    })
}

pub fn dearmor_license(text: &str) -> String {
    licet_proto::armor::dearmor("LICENSE", text).expect("an armored LICENSE")
}
