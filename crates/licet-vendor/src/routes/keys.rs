use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;

use super::{ApiResult, Body, Segments};
use crate::model::SigningKey;
use crate::service::Vendor;
use crate::store;

pub(super) fn routes() -> Router<Vendor> {
    Router::new()
        .route("/v1/keys", get(list).post(add))
        .route("/v1/keys/{kid}", get(one))
        .route("/v1/keys/{kid}/activate", post(activate))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NewKey {
    kid: String,
    /// `file:<path>` or `pkcs11:<label>`.
    private_ref: String,
    /// Make it the active key at once.
    #[serde(default)]
    activate: bool,
}

async fn list(State(v): State<Vendor>) -> ApiResult<Json<Vec<SigningKey>>> {
    Ok(Json(store::keys::list(v.db()).await?))
}

async fn one(State(v): State<Vendor>, Segments(kid): Segments<String>) -> ApiResult<Json<SigningKey>> {
    Ok(Json(store::keys::get(v.db(), &kid).await?))
}

async fn add(State(v): State<Vendor>, Body(new): Body<NewKey>) -> ApiResult<(StatusCode, Json<SigningKey>)> {
    let mut key = v.add_key(&new.kid, &new.private_ref, "admin").await?;
    if new.activate {
        v.activate_key(&key.kid, "admin").await?;
        key.active = true;
    }
    Ok((StatusCode::CREATED, Json(key)))
}

async fn activate(State(v): State<Vendor>, Segments(kid): Segments<String>) -> ApiResult<Json<SigningKey>> {
    v.activate_key(&kid, "admin").await?;
    Ok(Json(store::keys::get(v.db(), &kid).await?))
}
