//! The offline and connected paths: `GET activation-request` (a file signed by this install's own key),
//! `POST import` (the vendor's answer, with a required reason) and `POST refresh` (renew from the renewal URL).

use axum::extract::State;
use axum::http::header::{CONTENT_DISPOSITION, CONTENT_TYPE};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};

use super::install::instance_actor;
use super::{install_as, ChangeResponse};
use crate::auth::Caller;
use crate::error::{ApiError, ApiResult};
use crate::service::{Role, Scope, StatusView};
use crate::state::AppState;
use crate::upload::LicenseUpload;

pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/v1/license/activation-request", get(activation_request))
        .route("/v1/license/import", post(import))
        .route("/v1/license/refresh", post(refresh))
}

async fn activation_request(State(state): State<AppState>, caller: Caller) -> ApiResult<Response> {
    caller.may_read(&state)?;
    let file = state.service().activation_request().await?;
    // The filename is ours (install id based), but quote-strip it anyway: it goes into a header.
    let filename: String = file.filename.chars().filter(|c| *c != '"' && !c.is_control()).collect();
    Ok((
        [
            (CONTENT_TYPE, file.content_type),
            (CONTENT_DISPOSITION, format!("attachment; filename=\"{filename}\"")),
        ],
        file.body,
    )
        .into_response())
}

/// An import is an install that must say why. Before the first owner exists it follows the first-install
/// window like `POST /v1/license` (air-gapped installs activate this way); after, it needs admin.
async fn import(
    State(state): State<AppState>,
    caller: Caller,
    upload: Result<LicenseUpload, ApiError>,
) -> ApiResult<Json<ChangeResponse>> {
    let _guard = state.lock_changes().await;
    // The caller's right comes before the body's faults: without it, a 401/403 and nothing about the body.
    let (actor, first) = if caller.is_anonymous() {
        instance_actor(&state, &caller).await?
    } else {
        (caller.require(Role::Admin)?, false)
    };
    let upload = upload?;
    if upload.reason.is_none() {
        return Err(ApiError::ReasonRequired);
    }
    let response = install_as(&state, Scope::Instance, upload, "import", actor, first).await?;
    Ok(Json(response))
}

async fn refresh(State(state): State<AppState>, caller: Caller) -> ApiResult<Json<StatusView>> {
    let actor = caller.require(Role::Admin)?;
    let _guard = state.lock_changes().await;
    Ok(Json(state.service().refresh(Scope::Instance, actor).await?))
}
