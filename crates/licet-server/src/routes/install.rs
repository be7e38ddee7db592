//! `POST /v1/license` (install or replace) and `DELETE /v1/license` (clear).
//!
//! The first-install window: while nothing is installed and no owner token exists, anyone who can reach the
//! server may install once; the answer carries the owner token, shown that one time. After that, installing where
//! nothing is installed needs admin, replacing or clearing an installed license needs owner.

use axum::extract::State;
use axum::routing::{delete, post};
use axum::{Json, Router};

use super::{install_as, ChangeResponse};
use crate::auth::Caller;
use crate::error::{ApiError, ApiResult};
use crate::service::{Actor, Role, Scope, StatusView};
use crate::state::AppState;
use crate::upload::{clean_reason, LicenseUpload, OptionalJson, ReasonBody};

pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/v1/license", post(install))
        .route("/v1/license", delete(clear))
}

/// Decides who is acting on the instance license. Call with the change lock held.
pub(crate) async fn instance_actor(state: &AppState, caller: &Caller) -> ApiResult<(Actor, bool)> {
    let service = state.service();
    let installed = service.status().await?.has_license();
    if caller.is_anonymous() {
        if !installed && !service.has_owner().await? {
            return Ok((Actor(Actor::FIRST_INSTALL.to_owned()), true));
        }
        return Err(ApiError::Unauthorized);
    }
    let needed = if installed { Role::Owner } else { Role::Admin };
    Ok((caller.require(needed)?, false))
}

async fn install(
    State(state): State<AppState>,
    caller: Caller,
    upload: Result<LicenseUpload, ApiError>,
) -> ApiResult<Json<ChangeResponse>> {
    let _guard = state.lock_changes().await;
    // The caller's right comes before the body's faults: without it, a 401/403 and nothing about the body.
    let (actor, first) = instance_actor(&state, &caller).await?;
    let upload = upload?;
    let response = install_as(&state, Scope::Instance, upload, "upload", actor, first).await?;
    Ok(Json(response))
}

async fn clear(
    State(state): State<AppState>,
    caller: Caller,
    OptionalJson(body): OptionalJson<ReasonBody>,
) -> ApiResult<Json<StatusView>> {
    let actor = caller.require(Role::Owner)?;
    let reason = clean_reason(body.reason)?;
    let _guard = state.lock_changes().await;
    Ok(Json(state.service().clear(Scope::Instance, actor, reason).await?))
}
