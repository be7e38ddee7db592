//! The request gate: a tower layer in front of the product's routes.
//!
//! Per request it loads the snapshot (lock-free), and answers from precomputed values: allowlisted prefixes
//! (sign-in, health, license endpoints) always pass; routes of a module that is not loaded answer 404; a locked
//! product answers 403 `license_invalid` / `license_expired` / `license_locked`; a read-only product refuses
//! writes (anything but GET, HEAD, OPTIONS) with 403 `license_read_only`. With an org extractor, the org's own
//! status applies when one exists.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use axum::body::Body;
use axum::response::{IntoResponse, Response};
use http::{Method, Request, StatusCode};
use licet_core::{Effect, Reason, State, Status};
use pin_project_lite::pin_project;

use crate::runtime::Runtime;
use crate::snapshot::Snapshot;

/// Reads the org a request is for (from a header, a path segment, a session…); `None` is instance-wide.
pub type OrgExtractor = Arc<dyn Fn(&http::request::Parts) -> Option<String> + Send + Sync>;

/// What the gate decided.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Decision {
    Allow,
    /// A route of a module that is not loaded: it does not exist for this install.
    NotFound,
    Deny(Reason),
}

/// The product's gate configuration.
#[derive(Clone, Default)]
pub struct GateConfig {
    /// Path prefixes that always pass (e.g. `/login`, `/health`, `/v1/license`).
    pub allow: Vec<String>,
    pub org: Option<OrgExtractor>,
}

impl GateConfig {
    pub fn allow(mut self, prefix: impl Into<String>) -> Self {
        self.allow.push(prefix.into());
        self
    }

    pub fn org_from(mut self, f: impl Fn(&http::request::Parts) -> Option<String> + Send + Sync + 'static) -> Self {
        self.org = Some(Arc::new(f));
        self
    }

    /// Reads the org from a request header (e.g. `x-org-id`).
    pub fn org_from_header(self, name: &'static str) -> Self {
        self.org_from(move |p| p.headers.get(name).and_then(|v| v.to_str().ok()).map(str::to_owned))
    }
}

/// `path` is `prefix` or below it (`/api` matches `/api` and `/api/x`, not `/apix`).
#[inline]
fn under(path: &str, prefix: &str) -> bool {
    match path.strip_prefix(prefix) {
        Some(rest) => rest.is_empty() || rest.starts_with('/') || prefix.ends_with('/'),
        None => false,
    }
}

/// The decision logic, shared by the layer and the benchmarks. Cloned once per request by axum's routing, so it
/// is one `Arc`.
#[derive(Clone)]
pub struct Gate(Arc<GateInner>);

struct GateInner {
    runtime: Runtime,
    allow: Vec<String>,
    /// Module route prefixes with the module's registry index.
    module_routes: Vec<(String, usize)>,
    org: Option<OrgExtractor>,
}

impl Gate {
    pub fn new(runtime: Runtime, config: GateConfig) -> Self {
        let module_routes = runtime
            .registry()
            .modules()
            .iter()
            .enumerate()
            .flat_map(|(i, m)| m.route_prefixes.iter().map(move |p| (p.clone(), i)))
            .collect();
        Gate(Arc::new(GateInner {
            runtime,
            allow: config.allow,
            module_routes,
            org: config.org,
        }))
    }

    pub fn runtime(&self) -> &Runtime {
        &self.0.runtime
    }

    /// Decides one request against `snap`.
    #[inline]
    pub fn decide(&self, snap: &Snapshot, method: &Method, path: &str, org: Option<&str>) -> Decision {
        if self.0.allow.iter().any(|p| under(path, p)) {
            return Decision::Allow;
        }
        for (prefix, index) in self.0.module_routes.iter() {
            if under(path, prefix) && !snap.module_loaded(*index) {
                return Decision::NotFound;
            }
        }
        let status = &snap.scope(org).status;
        if let Some(reason) = access_denied(status) {
            return Decision::Deny(reason);
        }
        match status.entitlements.effect {
            Effect::ReadOnly if !is_safe(method) => Decision::Deny(Reason::LicenseReadOnly),
            _ => Decision::Allow,
        }
    }
}

/// Why a product under `status` serves nothing beyond its allowlist, or `None` when it serves: the one mapping of
/// a locked state to the code clients see (`license_invalid`, `license_expired`, `license_locked`).
#[inline]
pub fn access_denied(status: &Status) -> Option<Reason> {
    (status.entitlements.effect == Effect::Locked).then_some(match status.state {
        State::Invalid => Reason::LicenseInvalid,
        State::Expired | State::Grace => Reason::LicenseExpired,
        _ => Reason::LicenseLocked,
    })
}

#[inline]
fn is_safe(m: &Method) -> bool {
    matches!(*m, Method::GET | Method::HEAD | Method::OPTIONS)
}

/// The JSON error body every refusal uses: `{code, message}` plus details.
pub(crate) fn json_error(status: StatusCode, body: serde_json::Value) -> Response {
    (status, axum::Json(body)).into_response()
}

pub(crate) fn deny_response(reason: Reason) -> Response {
    json_error(
        StatusCode::FORBIDDEN,
        serde_json::json!({ "code": reason.code(), "message": reason.sentence() }),
    )
}

fn not_found() -> Response {
    json_error(
        StatusCode::NOT_FOUND,
        serde_json::json!({ "code": "not_found", "message": "No such route." }),
    )
}

/// What the gate leaves in request extensions for [`crate::guard::LicenseGuard`].
#[derive(Clone)]
pub struct RequestLicense {
    pub runtime: Runtime,
    pub org: Option<String>,
}

/// `tower::Layer` for [`Gate`].
#[derive(Clone)]
pub struct GateLayer {
    gate: Gate,
}

impl GateLayer {
    pub fn new(runtime: Runtime, config: GateConfig) -> Self {
        GateLayer {
            gate: Gate::new(runtime, config),
        }
    }
}

impl<S> tower::Layer<S> for GateLayer {
    type Service = GateService<S>;

    fn layer(&self, inner: S) -> Self::Service {
        GateService {
            gate: self.gate.clone(),
            inner,
        }
    }
}

#[derive(Clone)]
pub struct GateService<S> {
    gate: Gate,
    inner: S,
}

impl<S, B> tower::Service<Request<B>> for GateService<S>
where
    S: tower::Service<Request<B>, Response = Response<Body>>,
{
    type Response = Response<Body>;
    type Error = S::Error;
    type Future = GateFuture<S::Future, S::Error>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, req: Request<B>) -> Self::Future {
        let gate = &self.gate.0;
        // Only an org extractor needs the request's parts; splitting and rebuilding the request costs two moves of
        // it on every call, so the common case reads method and path in place.
        let (mut req, org) = match &gate.org {
            Some(f) => {
                let (parts, body) = req.into_parts();
                let org = f(&parts);
                (Request::from_parts(parts, body), org)
            }
            None => (req, None),
        };
        let decision = {
            let snap = gate.runtime.snapshot();
            self.gate.decide(&snap, req.method(), req.uri().path(), org.as_deref())
        };
        match decision {
            Decision::Allow => {
                req.extensions_mut().insert(RequestLicense {
                    runtime: gate.runtime.clone(),
                    org,
                });
                GateFuture::Inner {
                    fut: self.inner.call(req),
                }
            }
            Decision::NotFound => GateFuture::Ready {
                resp: Some(not_found()),
                _e: std::marker::PhantomData,
            },
            Decision::Deny(reason) => GateFuture::Ready {
                resp: Some(deny_response(reason)),
                _e: std::marker::PhantomData,
            },
        }
    }
}

pin_project! {
    #[project = GateFutureProj]
    pub enum GateFuture<F, E> {
        Inner { #[pin] fut: F },
        Ready { resp: Option<Response<Body>>, _e: std::marker::PhantomData<E> },
    }
}

impl<F, E> Future for GateFuture<F, E>
where
    F: Future<Output = Result<Response<Body>, E>>,
{
    type Output = Result<Response<Body>, E>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        match self.project() {
            GateFutureProj::Inner { fut } => fut.poll(cx),
            GateFutureProj::Ready { resp, .. } => match resp.take() {
                Some(r) => Poll::Ready(Ok(r)),
                None => Poll::Ready(Ok(StatusCode::INTERNAL_SERVER_ERROR.into_response())),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::under;

    #[test]
    fn prefixes_match_on_segment_boundaries() {
        assert!(under("/api", "/api"));
        assert!(under("/api/x", "/api"));
        assert!(!under("/apix", "/api"));
        assert!(under("/v1/license/status", "/v1/license"));
        assert!(under("/static/app.js", "/static/"));
        assert!(!under("/", "/api"));
    }
}
