//! Test helpers (feature `testkit`): boot the real server on a free loopback port over a temporary SQLite file,
//! with a throwaway vendor key and a clock the test moves, and hand tests a client. kanidm's testkit, for licet.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects
)] // test support: failing loudly is the point

use std::collections::BTreeMap;
use std::sync::Arc;

use licet_core::claims::{Claims, Customer, License, Limit, OrgEntitlement, Renewal};
use licet_core::{Alg, Audience, Encoding, FileSigner, Keyring, PrivateKey, TrustedKey, UnixTime, Verifier};
pub use reqwest::{Client, Method, RequestBuilder, Response};
use serde_json::{json as json_value, Value};

use crate::{AppState, LicenseService, RuntimeService, ServerOptions};

pub const ISSUER: &str = "testkit-vendor";
pub const AUDIENCE: &str = "testkit-product";
/// 2025-06-15T00:00:00Z: where test clocks start.
pub const START: UnixTime = UnixTime(1_749_945_600);

/// A throwaway vendor: a fresh Ed25519 key per test run (never written to disk).
pub struct TestVendor {
    signer: FileSigner,
    pub verifier: Verifier,
}

impl Default for TestVendor {
    fn default() -> Self {
        Self::new()
    }
}

impl TestVendor {
    pub fn new() -> TestVendor {
        let key = PrivateKey::generate(Alg::EdDSA, &mut rand_core::OsRng).unwrap();
        let public = key.public_key();
        let signer = FileSigner::new("testkit-1", key).unwrap();
        let ring = Keyring::new(vec![TrustedKey::new("testkit-1", Alg::EdDSA, public).unwrap()]).unwrap();
        TestVendor {
            signer,
            verifier: Verifier::new(ring, ISSUER, AUDIENCE),
        }
    }

    /// Claims for `customer` with `sequence`, valid from `iat` for `days` days.
    pub fn claims(&self, customer: &str, sequence: u64, iat: UnixTime, days: i64) -> Claims {
        Claims {
            iss: ISSUER.into(),
            sub: customer.into(),
            aud: Audience::one(AUDIENCE),
            iat,
            nbf: Some(iat),
            exp: Some(iat.plus_days(days)),
            jti: Some(format!("{customer}-{sequence}")),
            lic: License {
                edition: Some("enterprise".into()),
                products: vec!["reports".into(), "connectors".into()],
                features: vec!["sso".into(), "audit-export".into()],
                limits: BTreeMap::from([
                    ("users".to_owned(), Limit::Count(50)),
                    ("agents".into(), Limit::Unlimited),
                ]),
                ..License::new(
                    Customer {
                        id: customer.to_lowercase(),
                        name: customer.into(),
                    },
                    sequence,
                )
            },
            extra: BTreeMap::new(),
        }
    }

    pub fn sign(&self, claims: &Claims, encoding: Encoding) -> String {
        licet_core::issue(claims, &self.signer, encoding).unwrap()
    }

    /// A compact license for `customer`, `sequence`, valid 365 days from `iat`.
    pub fn license(&self, customer: &str, sequence: u64, iat: UnixTime) -> String {
        self.sign(&self.claims(customer, sequence, iat, 365), Encoding::Compact)
    }

    /// `token` (compact) with one signature character changed: well-formed, but the signature no longer matches.
    pub fn tamper(token: &str) -> String {
        let mut chars: Vec<char> = token.chars().collect();
        // Ten from the end: inside the signature, away from the last character's padding bits.
        let i = chars.len() - 10;
        chars[i] = if chars[i] == 'A' { 'B' } else { 'A' };
        chars.into_iter().collect()
    }

    pub fn with_org(mut claims: Claims, id: &str, until: UnixTime) -> Claims {
        claims.lic.orgs.push(OrgEntitlement {
            id: id.into(),
            plan: Some("team".into()),
            features: vec!["sso".into()],
            limits: BTreeMap::from([("users".to_owned(), Limit::Count(10))]),
            valid_from: None,
            valid_until: Some(until),
            extra: BTreeMap::new(),
        });
        claims
    }

    pub fn with_renewal(mut claims: Claims, url: &str) -> Claims {
        claims.lic.renewal = Some(Renewal { url: url.into() });
        claims
    }
}

/// A clock the test sets (the runtime's manual clock, which also wakes the runtime's timers when moved).
#[derive(Clone)]
pub struct TestClock(Arc<licet_runtime::ManualClock>);

impl TestClock {
    pub fn new(start: UnixTime) -> TestClock {
        TestClock(Arc::new(licet_runtime::ManualClock::new(start)))
    }

    pub fn now(&self) -> UnixTime {
        licet_runtime::Clock::now(self.0.as_ref())
    }

    pub fn advance_days(&self, days: i64) {
        self.0.advance_days(days);
    }

    pub fn advance_secs(&self, secs: u64) {
        self.0.advance(std::time::Duration::from_secs(secs));
    }

    pub fn runtime_clock(&self) -> Arc<dyn licet_runtime::Clock> {
        self.0.clone()
    }
}

/// A running server and a client for it. Dropping the last handle to a server this process started stops it.
pub struct TestServer {
    pub base: String,
    pub client: Client,
    pub token: Option<String>,
    shutdown: Option<Arc<tokio::sync::oneshot::Sender<()>>>,
}

/// The real thing: [`RuntimeService`] (licet-runtime over SQLite in a temporary directory).
pub struct Local {
    pub server: TestServer,
    pub vendor: TestVendor,
    pub clock: TestClock,
    pub service: Arc<RuntimeService>,
    pub dir: tempfile::TempDir,
}

impl Local {
    /// Starts under the named reference profile (`nivq`, `justiam`, …).
    pub async fn start(profile: &str) -> Local {
        Local::start_with(profile, |_| Vec::new(), None).await
    }

    /// As [`Local::start`], with environment variables for the runtime's sources, made with the test vendor (a
    /// license in `LIBERTY_LICENSE_KEY`, say). Nothing from the real environment is visible.
    pub async fn start_with_env(profile: &str, env: impl FnOnce(&TestVendor) -> Vec<(&'static str, String)>) -> Local {
        Local::start_with(profile, env, None).await
    }

    /// Starts with `license.jwt` in the data directory holding `bytes`, as the profile's license file (a seed for
    /// `nivq`).
    pub async fn start_with_license_file(profile: &str, bytes: &[u8]) -> Local {
        Local::start_with(profile, |_| Vec::new(), Some(bytes)).await
    }

    async fn start_with(
        profile: &str,
        env: impl FnOnce(&TestVendor) -> Vec<(&'static str, String)>,
        license_file: Option<&[u8]>,
    ) -> Local {
        let vendor = TestVendor::new();
        let env: BTreeMap<String, String> = env(&vendor).into_iter().map(|(k, v)| (k.to_owned(), v)).collect();
        let dir = tempfile::tempdir().unwrap();
        let store = licet_store::open_in_data_dir(dir.path()).await.unwrap();
        let clock = TestClock::new(START);
        let policy = licet_core::profiles::by_name(profile).unwrap_or_else(|| panic!("no profile {profile}"));
        let mut builder = licet_runtime::Runtime::builder(policy.clone(), vendor.verifier.clone(), store)
            .clock(clock.runtime_clock())
            .env(Arc::new(move |k: &str| env.get(k).cloned()));
        if let Some(bytes) = license_file {
            let path = dir.path().join("license.jwt");
            std::fs::write(&path, bytes).unwrap();
            builder = builder.license_file(path);
        }
        let runtime = builder.build().await.unwrap();
        let service = Arc::new(RuntimeService::new(runtime).await.unwrap());
        let server = TestServer::start(service.clone(), ServerOptions::default()).await;
        Local {
            server,
            vendor,
            clock,
            service,
            dir,
        }
    }
}

impl TestServer {
    pub async fn start(service: Arc<dyn LicenseService>, options: ServerOptions) -> TestServer {
        let app = crate::router(AppState::new(service, options));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let (addr_tx, addr_rx) = tokio::sync::oneshot::channel();
        tokio::spawn(crate::serve(
            listener,
            app,
            move |addr| {
                let _ = addr_tx.send(addr);
            },
            async move {
                let _ = rx.await;
            },
        ));
        let addr = addr_rx.await.unwrap();
        TestServer {
            base: format!("http://{addr}"),
            client: Client::new(),
            token: None,
            shutdown: Some(Arc::new(tx)),
        }
    }

    /// A client for a server started elsewhere (`licet serve` as a process), at `base` (`http://host:port`).
    pub fn connect(base: &str) -> TestServer {
        TestServer {
            base: base.trim_end_matches('/').to_owned(),
            client: Client::new(),
            token: None,
            shutdown: None,
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    pub fn req(&self, method: Method, path: &str) -> RequestBuilder {
        let r = self.client.request(method, self.url(path));
        match &self.token {
            Some(t) => r.bearer_auth(t),
            None => r,
        }
    }

    /// The same server, calling with `token`.
    pub fn with_token(&self, token: Option<&str>) -> TestServer {
        TestServer {
            base: self.base.clone(),
            client: self.client.clone(),
            token: token.map(str::to_owned),
            shutdown: self.shutdown.clone(),
        }
    }

    /// `method path` with no body.
    pub async fn call(&self, method: Method, path: &str) -> Response {
        self.req(method, path).send().await.unwrap()
    }

    /// `method path` with a JSON body.
    pub async fn call_json(&self, method: Method, path: &str, body: Value) -> Response {
        self.req(method, path).json(&body).send().await.unwrap()
    }

    /// `method path` with a text body of `content_type`.
    pub async fn call_text(&self, method: Method, path: &str, content_type: &str, body: &str) -> Response {
        self.req(method, path)
            .header("content-type", content_type)
            .body(body.to_owned())
            .send()
            .await
            .unwrap()
    }

    /// `GET path`, which must answer 200 with JSON.
    pub async fn get_json(&self, path: &str) -> Value {
        json(self.call(Method::GET, path).await, 200).await
    }

    /// `method path` (no body) must be refused with `status` and `code`.
    pub async fn refused(&self, method: Method, path: &str, status: u16, code: &str) {
        error(self.call(method, path).await, status, code).await;
    }

    pub async fn status(&self) -> Value {
        self.get_json("/v1/license/status").await
    }

    /// The newest `limit` audit entries, newest first.
    pub async fn audit(&self, limit: u32) -> Vec<Value> {
        let page = self.get_json(&format!("/v1/license/audit?limit={limit}")).await;
        page["entries"].as_array().unwrap().clone()
    }

    /// POST a raw license (`text/plain`).
    pub async fn install(&self, license: &str) -> Response {
        self.call_text(Method::POST, "/v1/license", "text/plain", license).await
    }

    /// `PUT /v1/license/orgs/{id}` with a raw license.
    pub async fn put_org(&self, id: &str, license: &str) -> Response {
        self.call_text(Method::PUT, &format!("/v1/license/orgs/{id}"), "text/plain", license)
            .await
    }

    /// `POST /v1/license/import` as JSON `{license, reason}` (no `reason` member when `None`).
    pub async fn import(&self, license: &str, reason: Option<&str>) -> Response {
        let mut body = json_value!({ "license": license });
        if let Some(r) = reason {
            body["reason"] = r.into();
        }
        self.call_json(Method::POST, "/v1/license/import", body).await
    }

    /// Mints a token with `role` (this server's token must be an owner's) and returns its secret.
    pub async fn mint(&self, name: &str, role: &str) -> String {
        let body = json_value!({ "name": name, "role": role });
        let res = self.call_json(Method::POST, "/v1/license/tokens", body).await;
        json(res, 201).await["token"].as_str().unwrap().to_owned()
    }
}

/// A vendor's renewal endpoint on a free loopback port, answering whatever the test puts in the returned cell
/// (empty at first); and its URL, for a license's `renewal.url`.
pub async fn renewal_endpoint() -> (Arc<std::sync::Mutex<String>>, String) {
    let answer = Arc::new(std::sync::Mutex::new(String::new()));
    let served = answer.clone();
    let app = axum::Router::new().route(
        "/renew",
        axum::routing::get(move || {
            let served = served.clone();
            async move { served.lock().unwrap().clone() }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/renew", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (answer, url)
}

/// The owner token a first install answers (shown once), from the answer's JSON.
pub fn owner_token(change: &Value) -> String {
    change["owner_token"]["token"]
        .as_str()
        .unwrap_or_else(|| panic!("no owner token in {change}"))
        .to_owned()
}

/// Assert the status and parse the body as JSON.
pub async fn json(res: Response, status: u16) -> Value {
    let got = res.status().as_u16();
    let text = res.text().await.unwrap();
    assert_eq!(got, status, "body: {text}");
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("not JSON ({e}): {text}"))
}

/// Assert an error response: status, `code`, and a sentence in `message`.
pub async fn error(res: Response, status: u16, code: &str) {
    let body = json(res, status).await;
    assert_eq!(body["code"], code, "{body}");
    let message = body["message"].as_str().unwrap();
    assert!(message.ends_with('.'), "{message}");
}
