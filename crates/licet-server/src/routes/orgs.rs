//! Per-organization licenses: `GET/PUT/DELETE /v1/license/orgs/{id}` and `POST /v1/license/orgs/{id}/refresh`.
//! An org's own license beats the instance-wide entitlement for that org, and renews on its own.

use axum::extract::{Path, State};
use axum::routing::{delete, get, post, put};
use axum::{Json, Router};

use crate::auth::Caller;
use crate::error::{ApiError, ApiResult};
use crate::service::{OrgView, Role, Scope, StatusView};
use crate::state::AppState;
use crate::upload::{clean_reason, LicenseUpload, OptionalJson, ReasonBody};

pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/v1/license/orgs/{id}", get(get_org))
        .route("/v1/license/orgs/{id}", put(put_org))
        .route("/v1/license/orgs/{id}", delete(delete_org))
        .route("/v1/license/orgs/{id}/refresh", post(refresh_org))
}

const MAX_ORG_ID_LEN: usize = 128;

fn org_id(id: String) -> ApiResult<String> {
    let ok = !id.is_empty()
        && id.len() <= MAX_ORG_ID_LEN
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | ':'));
    if ok {
        Ok(id)
    } else {
        Err(ApiError::BadRequest(
            "an org id is 1 to 128 letters, digits, '-', '_', '.' or ':'".into(),
        ))
    }
}

async fn find(state: &AppState, id: &str) -> ApiResult<Option<OrgView>> {
    Ok(state.service().status().await?.orgs.into_iter().find(|o| o.id == id))
}

async fn get_org(State(state): State<AppState>, caller: Caller, Path(id): Path<String>) -> ApiResult<Json<OrgView>> {
    caller.may_read(&state)?;
    let id = org_id(id)?;
    find(&state, &id)
        .await?
        .map(Json)
        .ok_or_else(|| ApiError::NotFound(format!("Organization {id:?}")))
}

async fn put_org(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    upload: Result<LicenseUpload, ApiError>,
) -> ApiResult<Json<StatusView>> {
    // Who may act is answered before what was sent: a caller without the role learns nothing about the body
    // (schemathesis found a 400 where the missing token deserved its 401).
    caller.require(Role::Admin)?;
    let id = org_id(id)?;
    let upload = upload?;
    let _guard = state.lock_changes().await;
    let replacing = find(&state, &id).await?.is_some_and(|o| o.own_license);
    let actor = caller.require(if replacing { Role::Owner } else { Role::Admin })?;
    let status = state
        .service()
        .install_with(
            Scope::Org(id),
            upload.license,
            "upload",
            actor,
            upload.reason,
            upload.acknowledge,
        )
        .await?;
    Ok(Json(status))
}

async fn delete_org(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    OptionalJson(body): OptionalJson<ReasonBody>,
) -> ApiResult<Json<StatusView>> {
    let actor = caller.require(Role::Owner)?;
    let id = org_id(id)?;
    let reason = clean_reason(body.reason)?;
    let _guard = state.lock_changes().await;
    Ok(Json(state.service().clear(Scope::Org(id), actor, reason).await?))
}

/// Renews the org's own license from its renewal URL now; the same role and profile rule as the instance's
/// `POST /v1/license/refresh`.
async fn refresh_org(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<Json<StatusView>> {
    let actor = caller.require(Role::Admin)?;
    let id = org_id(id)?;
    let _guard = state.lock_changes().await;
    Ok(Json(state.service().refresh(Scope::Org(id), actor).await?))
}
