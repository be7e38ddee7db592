//! HTTP: the admin JSON API under `/v1/...` (vendor admin token), the two endpoints installs call
//! (`GET /v1/renew`, `POST /v1/activation`), and the console page.

mod auth;
mod console;
mod customers;
mod exchange;
mod installs;
mod keys;
mod licenses;

use axum::extract::DefaultBodyLimit;
use axum::routing::get;
use axum::Router;

use crate::service::Vendor;

pub fn router(vendor: Vendor) -> Router {
    let limit = vendor.config().max_body_bytes;
    let admin = Router::new()
        .merge(customers::routes())
        .merge(installs::routes())
        .merge(licenses::routes())
        .merge(keys::routes())
        .route_layer(axum::middleware::from_fn_with_state(
            vendor.clone(),
            auth::require_admin,
        ));
    Router::new()
        .merge(admin)
        .merge(exchange::routes())
        .merge(console::routes())
        .route("/healthz", get(|| async { "ok" }))
        .layer(DefaultBodyLimit::max(limit))
        .with_state(vendor)
}

/// Shorthand for handler results.
type ApiResult<T> = Result<T, crate::error::VendorError>;

/// `Json` that answers a rejected body with licet's `{code, message}` instead of axum's plain text.
struct Body<T>(T);

impl<T, S> axum::extract::FromRequest<S> for Body<T>
where
    T: serde::de::DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = crate::error::VendorError;

    async fn from_request(req: axum::extract::Request, state: &S) -> Result<Self, Self::Rejection> {
        axum::Json::<T>::from_request(req, state)
            .await
            .map(|axum::Json(v)| Body(v))
            .map_err(|e| crate::error::VendorError::InvalidRequest(e.body_text()))
    }
}
