//! The `upload_body` target: `POST /v1/license` as licet-server's real router handles it, in every form an
//! operator sends a license (raw body or pasted text, JSON `{license, reason}`, multipart with the license file),
//! over a recording [`LicenseService`] so that what the upload extractor hands on can be checked.
//!
//! Input format (so that seeds stay readable and the mutator can change the framing too): header lines
//! `name: value`, a blank line, then the body. Headers are sent as given (an invalid one is skipped); the
//! pseudo-header `x-fuzz-chunk: <n>` is not sent but cuts the body into frames of `n` bytes, as a socket would.
//!
//! Besides "no panic": no 5xx; every refusal is a JSON error with a code; what reaches the service is at most the
//! body limit, never blank, is the exact body (raw), the JSON `license` member (JSON), or a run of the body's
//! bytes (multipart); the reason is trimmed, non-empty and at most 1000 characters; a raw or JSON body over the
//! limit is 413.

use std::cell::RefCell;
use std::convert::Infallible;
use std::sync::{Arc, Mutex};

use axum::body::{Body, Bytes};
use axum::http::{HeaderName, HeaderValue, Method, Request, StatusCode};
use axum::Router;
use licet_server::{
    ActivationFile, Actor, AppState, AuditEntry, Identity, LicenseService, NewToken, Role, Scope, ServerOptions,
    ServiceError, StatusView, TokenInfo,
};
use tower::ServiceExt;

/// Small, so that inputs the fuzzer can reach (max_len 8192) fall on both sides of it.
pub const BODY_LIMIT: usize = 4096;
const MAX_REASON_CHARS: usize = 1000;
const CHUNK_HEADER: &str = "x-fuzz-chunk";

/// What the upload extractor handed to `install`.
#[derive(Debug)]
struct Installed {
    license: Vec<u8>,
    reason: Option<String>,
}

/// A service with nothing installed and no owner, so an anonymous upload is a first install; records installs.
#[derive(Default)]
struct Recorder {
    installs: Mutex<Vec<Installed>>,
}

impl Recorder {
    fn take(&self) -> Vec<Installed> {
        self.installs
            .lock()
            .map(|mut v| std::mem::take(&mut *v))
            .unwrap_or_default()
    }
}

fn missing() -> StatusView {
    StatusView {
        state: "missing".into(),
        effect: "locked".into(),
        reason: None,
        sentence: "No license is installed.".into(),
        customer: None,
        tier: None,
        expires_at: None,
        days_remaining: None,
        evaluated_at: "1970-01-01T00:00:00Z".into(),
        products: Vec::new(),
        features: Vec::new(),
        all_features: false,
        limits: Vec::new(),
        orgs: Vec::new(),
        source: None,
        license_fingerprint: None,
        fingerprint: "LICET-FP-FUZZ".into(),
        install_id: "fuzz".into(),
        last_refresh: None,
        source_error: None,
    }
}

fn unavailable<T>() -> Result<T, ServiceError> {
    Err(ServiceError::Unavailable("not part of the upload fuzz target".into()))
}

#[async_trait::async_trait]
impl LicenseService for Recorder {
    async fn status(&self) -> Result<StatusView, ServiceError> {
        Ok(missing())
    }
    async fn identity(&self) -> Result<Identity, ServiceError> {
        unavailable()
    }
    async fn install(
        &self,
        _: Scope,
        license: Vec<u8>,
        _: &'static str,
        _: Actor,
        reason: Option<String>,
    ) -> Result<StatusView, ServiceError> {
        if let Ok(mut installs) = self.installs.lock() {
            installs.push(Installed { license, reason });
        }
        Ok(missing())
    }
    async fn clear(&self, _: Scope, _: Actor, _: Option<String>) -> Result<StatusView, ServiceError> {
        unavailable()
    }
    async fn refresh(&self, _: Scope, _: Actor) -> Result<StatusView, ServiceError> {
        unavailable()
    }
    async fn activation_request(&self) -> Result<ActivationFile, ServiceError> {
        unavailable()
    }
    async fn audit(&self, _: Option<i64>, _: u32) -> Result<Vec<AuditEntry>, ServiceError> {
        Ok(Vec::new())
    }
    async fn record(&self, _: Actor, _: &str, _: Option<String>) -> Result<(), ServiceError> {
        Ok(())
    }
    async fn create_token(&self, name: &str, role: Role) -> Result<NewToken, ServiceError> {
        Ok(NewToken {
            info: TokenInfo {
                id: "t1".into(),
                name: name.into(),
                role,
                created_at: "2025-01-01T00:00:00Z".into(),
            },
            token: "licet_fuzz_owner".into(),
        })
    }
    async fn list_tokens(&self) -> Result<Vec<TokenInfo>, ServiceError> {
        Ok(Vec::new())
    }
    async fn revoke_token(&self, _: &str) -> Result<(), ServiceError> {
        unavailable()
    }
    async fn authenticate(&self, _: &str) -> Result<Option<TokenInfo>, ServiceError> {
        Ok(None)
    }
    async fn has_owner(&self) -> Result<bool, ServiceError> {
        Ok(false)
    }
}

/// One router, recorder and runtime per thread: built once, so an execution costs only the request.
struct Harness {
    runtime: tokio::runtime::Runtime,
    router: Router,
    recorder: Arc<Recorder>,
}

impl Harness {
    fn new() -> Harness {
        let runtime = match tokio::runtime::Builder::new_current_thread().build() {
            Ok(runtime) => runtime,
            Err(e) => panic!("no tokio runtime: {e}"),
        };
        let recorder = Arc::new(Recorder::default());
        let options = ServerOptions {
            open_reads: true,
            body_limit: BODY_LIMIT,
        };
        let router = licet_server::router(AppState::new(recorder.clone(), options));
        Harness {
            runtime,
            router,
            recorder,
        }
    }
}

thread_local! {
    static HARNESS: RefCell<Option<Harness>> = const { RefCell::new(None) };
}

/// The request the input describes: its headers, its body, and the frame size to deliver the body in.
struct Input<'a> {
    headers: Vec<(HeaderName, HeaderValue)>,
    chunk: usize,
    body: &'a [u8],
}

fn split_input(data: &[u8]) -> Input<'_> {
    let (head, body) = match data.windows(2).position(|w| w == b"\n\n") {
        Some(at) => (
            data.get(..at).unwrap_or_default(),
            data.get(at + 2..).unwrap_or_default(),
        ),
        None => (&[][..], data),
    };
    let mut input = Input {
        headers: Vec::new(),
        chunk: 0,
        body,
    };
    for line in head.split(|b| *b == b'\n') {
        let Some(colon) = line.iter().position(|b| *b == b':') else {
            continue;
        };
        let (name, value) = (
            line.get(..colon).unwrap_or_default(),
            line.get(colon + 1..).unwrap_or_default(),
        );
        let value = value.trim_ascii();
        if name.eq_ignore_ascii_case(CHUNK_HEADER.as_bytes()) {
            input.chunk = std::str::from_utf8(value)
                .ok()
                .and_then(|v| v.parse().ok())
                .unwrap_or(0);
            continue;
        }
        if let (Ok(name), Ok(value)) = (HeaderName::from_bytes(name), HeaderValue::from_bytes(value)) {
            input.headers.push((name, value));
        }
    }
    input
}

/// How the server reads a body of this content type (the extractor's own table, restated as the contract).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Raw,
    Json,
    Multipart,
    Other,
}

fn kind(input: &Input) -> Kind {
    let Some((_, ct)) = input
        .headers
        .iter()
        .find(|(n, _)| n == axum::http::header::CONTENT_TYPE)
    else {
        return Kind::Other;
    };
    let essence = ct
        .to_str()
        .unwrap_or_default()
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    match essence.as_str() {
        "text/plain" | "application/jwt" | "application/jose" | "application/octet-stream" => Kind::Raw,
        "application/json" | "application/jose+json" => Kind::Json,
        "multipart/form-data" => Kind::Multipart,
        _ => Kind::Other,
    }
}

fn body(input: &Input) -> Body {
    if input.chunk == 0 {
        return Body::from(input.body.to_vec());
    }
    let frames: Vec<Result<Bytes, Infallible>> = input
        .body
        .chunks(input.chunk)
        .map(|c| Ok(Bytes::copy_from_slice(c)))
        .collect();
    Body::from_stream(futures_util::stream::iter(frames))
}

pub fn upload_body(data: &[u8]) {
    upload_status(data);
}

/// Runs the target on `data` and returns the HTTP status the server answered (for the replay test's seed check).
pub fn upload_status(data: &[u8]) -> StatusCode {
    let input = split_input(data);
    let mut request = Request::builder().method(Method::POST).uri("/v1/license");
    for (name, value) in &input.headers {
        request = request.header(name, value);
    }
    let request = match request.body(body(&input)) {
        Ok(request) => request,
        Err(e) => panic!("a request from valid header names and values does not build: {e}"),
    };
    let (status, answer, installs) = HARNESS.with_borrow_mut(|harness| {
        let harness = harness.get_or_insert_with(Harness::new);
        let router = harness.router.clone();
        let (status, answer) = harness.runtime.block_on(async move {
            let response = match router.oneshot(request).await {
                Ok(response) => response,
                Err(e) => match e {},
            };
            let status = response.status();
            let answer = axum::body::to_bytes(response.into_body(), usize::MAX)
                .await
                .unwrap_or_default();
            (status, answer)
        });
        (status, answer, harness.recorder.take())
    });
    check(&input, status, &answer, &installs);
    status
}

fn check(input: &Input, status: StatusCode, answer: &[u8], installs: &[Installed]) {
    let kind = kind(input);
    assert!(!status.is_server_error(), "{status} for an upload");
    if !status.is_success() {
        assert!(installs.is_empty(), "{status}, but the service was asked to install");
        let code = serde_json::from_slice::<serde_json::Value>(answer)
            .ok()
            .and_then(|v| v.get("code").and_then(|c| c.as_str()).map(str::to_owned));
        assert!(code.is_some_and(|c| !c.is_empty()), "{status} without an error code");
        return;
    }
    if input.body.len() > BODY_LIMIT {
        // Multipart may stop reading at the closing boundary; raw and JSON bodies are read whole.
        assert!(kind == Kind::Multipart, "a {} byte body was accepted", input.body.len());
    }
    let [installed] = installs else {
        panic!("{status} after {} installs", installs.len());
    };
    let license = &installed.license;
    assert!(
        license.len() <= BODY_LIMIT,
        "a {} byte license got through",
        license.len()
    );
    assert!(
        !license.iter().all(u8::is_ascii_whitespace),
        "a blank license got through"
    );
    if let Some(reason) = &installed.reason {
        assert!(
            !reason.is_empty() && reason.trim() == reason,
            "reason {reason:?} not cleaned"
        );
        assert!(
            reason.chars().count() <= MAX_REASON_CHARS,
            "reason of {} chars",
            reason.chars().count()
        );
    }
    match kind {
        Kind::Raw => assert_eq!(license.as_slice(), input.body, "a raw body changed on the way"),
        Kind::Json => assert_eq!(
            json_license(input.body).as_deref().map(str::as_bytes),
            Some(license.as_slice()),
            "the license is not the JSON body's license member"
        ),
        Kind::Multipart => assert!(
            license.is_empty() || input.body.windows(license.len()).any(|w| w == license.as_slice()),
            "the multipart license is not a part of the body"
        ),
        Kind::Other => panic!("an upload without a supported content type was accepted"),
    }
}

/// The `license` member of an accepted JSON body, which must be a JSON object in valid UTF-8 with no repeated
/// member (two leniencies this target found, bytes that are not UTF-8 in an ignored member and the array form
/// `["<license>", "<reason>"]`, are refused now; their inputs are in fuzz/regressions/upload_body/).
fn json_license(body: &[u8]) -> Option<String> {
    let object = licet_core::json::parse_strict_object(body).ok()?;
    object.get("license")?.as_str().map(str::to_owned)
}
