//! licet-server: the install-side license server. See README.md.
//!
//! [`router`] gives a product everything under `/v1/license`, `/metrics`, `/healthz`, `/v1/openapi.json` and the
//! Settings → License page, over any [`LicenseService`]; [`serve`] runs it the way `licet serve` does.

mod accepts;
mod activation;
mod auth;
pub mod config;
mod error;
mod metrics;
mod page;
mod routes;
pub mod runtime_service;
mod serve;
mod service;
mod state;
#[cfg(feature = "testkit")]
pub mod testkit;
mod tokens_store;
mod upload;
mod view;

use axum::extract::DefaultBodyLimit;
use axum::Router;

pub use auth::Caller;
pub use config::{ConfigError, ServeConfig};
pub use error::{ApiError, ErrorBody};
pub use routes::ops::OPENAPI;
pub use runtime_service::RuntimeService;
pub use serve::{serve, shutdown_signal};
pub use service::{
    ActivationFile, Actor, AuditEntry, CheckQuery, CheckView, CustomerView, Identity, LicenseService, LimitView,
    NewToken, OrgView, ReasonView, RefreshView, Role, Scope, ServiceError, StatusView, TokenInfo,
};
pub use state::{AppState, ServerOptions};
pub use tokens_store::mint_token;
pub use upload::REASON_HEADER;
pub use view::ViewExtras;

/// The whole install-side surface as one router, ready to `merge` into a product's or to serve.
pub fn router(state: AppState) -> Router {
    let body_limit = state.options().body_limit;
    Router::new()
        .merge(routes::status::routes())
        .merge(routes::install::routes())
        .merge(routes::activation::routes())
        .merge(routes::orgs::routes())
        .merge(routes::audit::routes())
        .merge(routes::tokens::routes())
        .merge(routes::ops::routes())
        .merge(page::routes())
        .fallback(|| async { ApiError::RouteNotFound })
        .method_not_allowed_fallback(|| async { ApiError::MethodNotAllowed })
        .layer(DefaultBodyLimit::max(body_limit))
        .layer(tower_http::trace::TraceLayer::new_for_http())
        .with_state(state)
}
