//! Operations: `GET /metrics` (Prometheus), `GET /healthz`, `GET /v1/openapi.json`.

use axum::extract::State;
use axum::http::header::CONTENT_TYPE;
use axum::response::IntoResponse;
use axum::routing::get;
use axum::{Json, Router};
use serde_json::json;

use crate::auth::Caller;
use crate::error::ApiResult;
use crate::metrics;
use crate::state::AppState;

/// The API description, written by hand; `tests/it/openapi.rs` checks it against the route table.
pub const OPENAPI: &str = include_str!("../../openapi.json");

pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/metrics", get(prometheus))
        .route("/healthz", get(healthz))
        .route("/v1/openapi.json", get(openapi))
}

async fn prometheus(State(state): State<AppState>, caller: Caller) -> ApiResult<impl IntoResponse> {
    caller.may_read(&state)?;
    let status = state.service().status().await?;
    Ok(([(CONTENT_TYPE, metrics::CONTENT_TYPE)], metrics::render(&status)))
}

/// Healthy means the service answers a status; the license state itself is not health.
async fn healthz(State(state): State<AppState>) -> ApiResult<Json<serde_json::Value>> {
    let status = state.service().status().await?;
    Ok(Json(json!({"ok": true, "state": status.state})))
}

async fn openapi() -> impl IntoResponse {
    ([(CONTENT_TYPE, "application/json")], OPENAPI)
}
