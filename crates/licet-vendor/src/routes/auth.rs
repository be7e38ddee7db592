//! The two bearer credentials: the vendor admin token (admin API, console) and install credentials (renewal).

use axum::extract::{Request, State};
use axum::http::header::AUTHORIZATION;
use axum::http::HeaderMap;
use axum::middleware::Next;
use axum::response::Response;
use sha2::{Digest, Sha256};

use crate::error::VendorError;
use crate::service::Vendor;

/// The token after `Bearer `, if the header is there and well-formed.
pub(crate) fn bearer(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| token.trim())
        .filter(|t| !t.is_empty())
}

pub(crate) async fn require_admin(
    State(vendor): State<Vendor>,
    req: Request,
    next: Next,
) -> Result<Response, VendorError> {
    let expected = vendor.config().admin_token.as_bytes();
    // Comparing digests keeps the comparison's timing independent of how much of the token matched.
    let ok = !expected.is_empty()
        && bearer(req.headers()).is_some_and(|t| Sha256::digest(t.as_bytes()) == Sha256::digest(expected));
    if !ok {
        return Err(VendorError::AdminTokenRequired);
    }
    Ok(next.run(req).await)
}
