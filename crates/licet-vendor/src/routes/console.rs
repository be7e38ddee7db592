//! The vendor console: one static page whose script calls the JSON API with the admin token the operator types
//! in (kept in the tab's sessionStorage only). No build step; the file is compiled into the binary.

use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::get;
use axum::Router;

use crate::service::Vendor;

const PAGE: &str = include_str!("console.html");

pub(super) fn routes() -> Router<Vendor> {
    Router::new().route("/", get(page)).route("/console", get(page))
}

async fn page() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/html; charset=utf-8"),
            (
                header::CONTENT_SECURITY_POLICY,
                "default-src 'none'; script-src 'self' 'unsafe-inline'; style-src 'unsafe-inline'; connect-src 'self'; img-src 'self' data:; form-action 'none'; frame-ancestors 'none'",
            ),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        ],
        PAGE,
    )
}
