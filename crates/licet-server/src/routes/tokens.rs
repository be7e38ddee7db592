//! API tokens: `POST/GET /v1/license/tokens`, `DELETE /v1/license/tokens/{id}`. Owner only. Secrets are shown
//! once, at creation, and stored hashed below.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{delete, get, post};
use axum::{Json, Router};
use serde::Deserialize;

use crate::auth::Caller;
use crate::error::{ApiError, ApiResult};
use crate::service::{NewToken, Role, TokenInfo};
use crate::state::AppState;
use crate::upload::JsonBody;

pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/v1/license/tokens", post(create))
        .route("/v1/license/tokens", get(list))
        .route("/v1/license/tokens/{id}", delete(revoke))
}

#[derive(Deserialize)]
struct CreateToken {
    name: String,
    role: Role,
}

const MAX_NAME_LEN: usize = 64;

async fn create(
    State(state): State<AppState>,
    caller: Caller,
    JsonBody(req): JsonBody<CreateToken>,
) -> ApiResult<(StatusCode, Json<NewToken>)> {
    let actor = caller.require(Role::Owner)?;
    let name = req.name.trim();
    if name.is_empty() || name.chars().count() > MAX_NAME_LEN || name.chars().any(char::is_control) {
        return Err(ApiError::BadRequest(format!(
            "a token name is 1 to {MAX_NAME_LEN} printable characters"
        )));
    }
    let service = state.service();
    let token = service.create_token(name, req.role).await?;
    let detail = format!("{} token {:?} ({})", req.role.as_str(), name, token.info.id);
    service.record(actor, "token_created", Some(detail)).await?;
    Ok((StatusCode::CREATED, Json(token)))
}

async fn list(State(state): State<AppState>, caller: Caller) -> ApiResult<Json<Vec<TokenInfo>>> {
    caller.require(Role::Owner)?;
    Ok(Json(state.service().list_tokens().await?))
}

async fn revoke(State(state): State<AppState>, caller: Caller, Path(id): Path<String>) -> ApiResult<StatusCode> {
    let actor = caller.require(Role::Owner)?;
    let service = state.service();
    service.revoke_token(&id).await?;
    service.record(actor, "token_revoked", Some(id)).await?;
    Ok(StatusCode::NO_CONTENT)
}
