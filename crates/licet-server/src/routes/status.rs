//! `GET /v1/license/status` and `GET /v1/license/fingerprint`.

use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};

use crate::auth::Caller;
use crate::error::ApiResult;
use crate::service::{Identity, StatusView};
use crate::state::AppState;

pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/v1/license/status", get(status))
        .route("/v1/license/fingerprint", get(fingerprint))
}

async fn status(State(state): State<AppState>, caller: Caller) -> ApiResult<Json<StatusView>> {
    caller.may_read(&state)?;
    Ok(Json(state.service().status().await?))
}

async fn fingerprint(State(state): State<AppState>, caller: Caller) -> ApiResult<Json<Identity>> {
    caller.may_read(&state)?;
    Ok(Json(state.service().identity().await?))
}
