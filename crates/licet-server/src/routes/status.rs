//! `GET /v1/license/status`, `GET /v1/license/fingerprint` and `GET /v1/license/check`.

use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::routing::get;
use axum::{Json, Router};

use crate::auth::Caller;
use crate::error::{ApiError, ApiResult};
use crate::service::{CheckQuery, CheckView, Identity};
use crate::state::AppState;

pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/v1/license/status", get(status))
        .route("/v1/license/fingerprint", get(fingerprint))
        .route("/v1/license/check", get(check))
}

/// The body comes rendered from the service (kept while nothing in it changed); the schema is `StatusView`'s.
async fn status(State(state): State<AppState>, caller: Caller) -> ApiResult<impl axum::response::IntoResponse> {
    caller.may_read(&state)?;
    let body = state.service().status_json().await?;
    Ok(([(axum::http::header::CONTENT_TYPE, "application/json")], body))
}

async fn fingerprint(State(state): State<AppState>, caller: Caller) -> ApiResult<Json<Identity>> {
    caller.may_read(&state)?;
    Ok(Json(state.service().identity().await?))
}

/// 200 when allowed, 403 with the refusal's code otherwise: the answer a product's gate and guards would give.
async fn check(
    State(state): State<AppState>,
    caller: Caller,
    query: Result<Query<CheckQuery>, QueryRejection>,
) -> ApiResult<(StatusCode, Json<CheckView>)> {
    caller.may_read(&state)?;
    let Query(query) = query.map_err(|e| ApiError::BadRequest(e.body_text()))?;
    if query.quota.is_some() != query.current.is_some() {
        return Err(ApiError::BadRequest("give `quota` and `current` together".into()));
    }
    let view = state.service().check(query).await?;
    let status = if view.allowed {
        StatusCode::OK
    } else {
        StatusCode::FORBIDDEN
    };
    Ok((status, Json(view)))
}
