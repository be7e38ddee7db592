//! HTTP: the admin JSON API under `/v1/...` (vendor admin token), the two endpoints installs call
//! (`GET /v1/renew`, `POST /v1/activation`), the console page, and the API's description (`GET /v1/openapi.json`).
//! Each file owns its routes; every `.route` call names one path and its methods, so the OpenAPI test can read the
//! route table from these sources.

mod auth;
mod console;
mod customers;
mod exchange;
mod installs;
mod keys;
mod licenses;

use axum::extract::rejection::JsonRejection;
use axum::extract::DefaultBodyLimit;
use axum::http::header::CONTENT_TYPE;
use axum::response::IntoResponse;
use axum::routing::get;
use axum::Router;

use crate::error::VendorError;
use crate::service::Vendor;

/// The API description, written by hand; `tests/it/openapi.rs` checks it against the route table.
pub const OPENAPI: &str = include_str!("../../openapi.json");

pub fn router(vendor: Vendor) -> Router {
    let limit = vendor.config().max_body_bytes;
    let admin = Router::new()
        .merge(customers::routes())
        .merge(installs::routes())
        .merge(licenses::routes())
        .merge(keys::routes())
        .route_layer(axum::middleware::from_fn_with_state(
            vendor.clone(),
            auth::require_admin,
        ));
    Router::new()
        .merge(admin)
        .merge(exchange::routes())
        .merge(console::routes())
        .route("/healthz", get(|| async { "ok" }))
        .route("/v1/openapi.json", get(openapi))
        .fallback(|| async { VendorError::RouteNotFound })
        .method_not_allowed_fallback(|| async { VendorError::MethodNotAllowed })
        .layer(DefaultBodyLimit::max(limit))
        .with_state(vendor)
}

async fn openapi() -> impl IntoResponse {
    ([(CONTENT_TYPE, "application/json")], OPENAPI)
}

/// Shorthand for handler results.
type ApiResult<T> = Result<T, crate::error::VendorError>;

/// `Json` that answers a rejected body with licet's `{code, message}` instead of axum's plain text.
///
/// JSON does not tell `3` from `3.0`, and JSON Schema calls both integers (so does the OpenAPI document): a number
/// written with a zero fraction where a count is expected is read as that count. The body is read as it was sent
/// first (so a repeated member is still refused); only if its data does not fit is it read again with such numbers
/// as integers. Every body is a JSON object: serde would read a struct from an array of its members in order too.
struct Body<T>(T);

impl<T, S> axum::extract::FromRequest<S> for Body<T>
where
    T: serde::de::DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = VendorError;

    async fn from_request(req: axum::extract::Request, state: &S) -> Result<Self, Self::Rejection> {
        let (parts, body) = req.into_parts();
        let headers = parts.headers.clone();
        let bytes = axum::body::Bytes::from_request(axum::extract::Request::from_parts(parts, body), state)
            .await
            .map_err(|e| VendorError::InvalidRequest(e.body_text()))?;
        if bytes.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'[') {
            return Err(VendorError::InvalidRequest(
                "the body must be a JSON object, not an array".into(),
            ));
        }
        let mut again = axum::extract::Request::new(axum::body::Body::from(bytes.clone()));
        *again.headers_mut() = headers;
        match axum::Json::<T>::from_request(again, state).await {
            Ok(axum::Json(v)) => Ok(Body(v)),
            Err(e) => {
                // Read again through a `Value`, which keeps the last of a repeated member: refuse those first.
                if matches!(e, JsonRejection::JsonDataError(_))
                    && serde_json::from_slice::<NoRepeatedMembers>(&bytes).is_ok()
                {
                    let integral = serde_json::from_slice(&bytes).ok().and_then(integral_numbers);
                    if let Some(v) = integral.and_then(|v| serde_json::from_value(v).ok()) {
                        return Ok(Body(v));
                    }
                }
                Err(VendorError::InvalidRequest(e.body_text()))
            }
        }
    }
}

/// `value` with every number written with a zero fraction (`3.0`, `1e3`) as that integer, if there was one.
fn integral_numbers(mut value: serde_json::Value) -> Option<serde_json::Value> {
    fn walk(v: &mut serde_json::Value) -> bool {
        match v {
            serde_json::Value::Array(items) => items.iter_mut().map(walk).fold(false, |a, b| a | b),
            serde_json::Value::Object(members) => members.values_mut().map(walk).fold(false, |a, b| a | b),
            serde_json::Value::Number(n) if n.is_f64() => {
                let Some(f) = n.as_f64().filter(|f| f.is_finite() && f.fract() == 0.0) else {
                    return false;
                };
                // 2^64 and -2^63: the first value past u64 and the least i64, both exact in f64.
                let int = if (0.0..18_446_744_073_709_551_616.0).contains(&f) {
                    serde_json::Number::from(f as u64)
                } else if (-9_223_372_036_854_775_808.0..0.0).contains(&f) {
                    serde_json::Number::from(f as i64)
                } else {
                    return false;
                };
                *n = int;
                true
            }
            _ => false,
        }
    }
    walk(&mut value).then_some(value)
}

/// Any JSON in which no object names a member twice.
struct NoRepeatedMembers;

impl<'de> serde::Deserialize<'de> for NoRepeatedMembers {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(NoRepeatedMembers)
    }
}

impl<'de> serde::de::Visitor<'de> for NoRepeatedMembers {
    type Value = NoRepeatedMembers;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("JSON without a repeated member")
    }
    fn visit_bool<E>(self, _: bool) -> Result<Self, E> {
        Ok(self)
    }
    fn visit_i64<E>(self, _: i64) -> Result<Self, E> {
        Ok(self)
    }
    fn visit_u64<E>(self, _: u64) -> Result<Self, E> {
        Ok(self)
    }
    fn visit_f64<E>(self, _: f64) -> Result<Self, E> {
        Ok(self)
    }
    fn visit_str<E>(self, _: &str) -> Result<Self, E> {
        Ok(self)
    }
    fn visit_unit<E>(self) -> Result<Self, E> {
        Ok(self)
    }
    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<Self, A::Error> {
        while seq.next_element::<NoRepeatedMembers>()?.is_some() {}
        Ok(self)
    }
    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Self, A::Error> {
        let mut seen = std::collections::BTreeSet::new();
        while let Some(key) = map.next_key::<String>()? {
            if !seen.insert(key) {
                return Err(serde::de::Error::custom("a member is repeated"));
            }
            map.next_value::<NoRepeatedMembers>()?;
        }
        Ok(self)
    }
}

/// `Query` that answers a query it cannot read with licet's `{code, message}` instead of axum's plain text.
struct Params<T>(T);

impl<T, S> axum::extract::FromRequestParts<S> for Params<T>
where
    T: serde::de::DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = VendorError;

    async fn from_request_parts(parts: &mut axum::http::request::Parts, state: &S) -> Result<Self, Self::Rejection> {
        axum::extract::Query::<T>::from_request_parts(parts, state)
            .await
            .map(|axum::extract::Query(v)| Params(v))
            .map_err(|e| VendorError::InvalidRequest(e.body_text()))
    }
}

/// `Path` that answers a path segment it cannot read (not UTF-8 once decoded) with licet's `{code, message}`.
struct Segments<T>(T);

impl<T, S> axum::extract::FromRequestParts<S> for Segments<T>
where
    T: serde::de::DeserializeOwned + Send,
    S: Send + Sync,
{
    type Rejection = VendorError;

    async fn from_request_parts(parts: &mut axum::http::request::Parts, state: &S) -> Result<Self, Self::Rejection> {
        axum::extract::Path::<T>::from_request_parts(parts, state)
            .await
            .map(|axum::extract::Path(v)| Segments(v))
            .map_err(|e| VendorError::InvalidRequest(e.body_text()))
    }
}
