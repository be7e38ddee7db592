//! One request through an axum router, JSON back: what every example's end-to-end suite sends its requests with.
//!
//! Requests go through the router in process (`tower::ServiceExt::oneshot`), the same stack a socket would reach.
//! A reply that is not JSON comes back as `Value::String` of its text.
//! Test support: a request that cannot be built or read is a broken test, so this panics instead of returning
//! errors every caller would unwrap.
#![allow(clippy::expect_used)]

use axum::body::Body;
use axum::http::{Method, Request};
use axum::Router;
use http_body_util::BodyExt;
use serde_json::Value;
use tower::ServiceExt;

/// `body`, if any, is sent as JSON.
pub async fn call(app: &Router, method: Method, path: &str, body: Option<Value>) -> (u16, Value) {
    call_with(app, method, path, &[], body.map(|b| b.to_string())).await
}

/// `body` is sent as `application/json` unless `headers` name another content type.
pub async fn call_with(
    app: &Router,
    method: Method,
    path: &str,
    headers: &[(&str, &str)],
    body: Option<String>,
) -> (u16, Value) {
    let mut req = Request::builder().method(method).uri(path);
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    let typed = headers.iter().any(|(k, _)| k.eq_ignore_ascii_case("content-type"));
    if body.is_some() && !typed {
        req = req.header("content-type", "application/json");
    }
    let req = req
        .body(body.map_or_else(Body::empty, Body::from))
        .expect("a well-formed test request");
    let resp = app.clone().oneshot(req).await.expect("routers are infallible");
    let status = resp.status().as_u16();
    let bytes = resp
        .into_body()
        .collect()
        .await
        .expect("a readable response body")
        .to_bytes();
    let value =
        serde_json::from_slice(&bytes).unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&bytes).into()));
    (status, value)
}

pub async fn get(app: &Router, path: &str) -> (u16, Value) {
    call(app, Method::GET, path, None).await
}

pub async fn post(app: &Router, path: &str, body: Value) -> (u16, Value) {
    call(app, Method::POST, path, Some(body)).await
}
