//! The two endpoints an install calls: connected renewal and the offline activation exchange.

use axum::extract::State;
use axum::http::{header, HeaderMap};
use axum::response::IntoResponse;
use axum::routing::{get, post};
use axum::Router;
use licet_proto::{media, paths};

use super::ApiResult;
use crate::error::VendorError;
use crate::service::Vendor;
use crate::token;

pub(super) fn routes() -> Router<Vendor> {
    Router::new()
        .route(paths::RENEW, get(renew))
        .route(paths::ACTIVATION, post(activation))
}

/// `Authorization: Bearer <install credential>` → the freshest license, compact, as `text/plain`.
async fn renew(State(v): State<Vendor>, headers: HeaderMap) -> ApiResult<impl IntoResponse> {
    let credential = super::auth::bearer(&headers).ok_or(VendorError::InstallCredentialInvalid)?;
    let license = v.renew(credential).await?;
    Ok((
        [
            (header::CONTENT_TYPE, media::LICENSE),
            (header::CACHE_CONTROL, "no-store"),
        ],
        license.token,
    ))
}

/// Body: the armored activation request (or its compact form). Answer: the armored license file.
async fn activation(State(v): State<Vendor>, body: String) -> ApiResult<impl IntoResponse> {
    let license = v.activate(&body).await?;
    Ok((
        [
            (header::CONTENT_TYPE, media::LICENSE),
            (header::CACHE_CONTROL, "no-store"),
        ],
        token::armored(&license.token),
    ))
}
