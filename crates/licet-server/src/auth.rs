//! Who is calling, and whether they may. A request carries at most one bearer token; a token that is present but
//! unknown is refused outright (never silently treated as anonymous), so a typo cannot look like "no permission".

use axum::extract::FromRequestParts;
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;

use crate::error::{ApiError, ApiResult};
use crate::service::{Actor, Role, TokenInfo};
use crate::state::AppState;

/// Longest token we bother to look up; real ones are far shorter.
const MAX_TOKEN_LEN: usize = 256;

/// The caller: a known token, or anonymous.
#[derive(Clone, Debug)]
pub struct Caller(pub Option<TokenInfo>);

impl Caller {
    /// The actor name for the audit log if the caller holds at least `role`.
    pub fn require(&self, role: Role) -> ApiResult<Actor> {
        match &self.0 {
            None => Err(ApiError::Unauthorized),
            Some(t) if t.role < role => Err(ApiError::Forbidden { needed: role }),
            Some(t) => Ok(Actor(t.name.clone())),
        }
    }

    /// Reads are open unless the server was built with `open_reads = false`.
    pub fn may_read(&self, state: &AppState) -> ApiResult<()> {
        if state.options().open_reads {
            Ok(())
        } else {
            self.require(Role::Viewer).map(|_| ())
        }
    }

    pub fn is_anonymous(&self) -> bool {
        self.0.is_none()
    }
}

fn bearer(parts: &Parts) -> ApiResult<Option<&str>> {
    let Some(value) = parts.headers.get(AUTHORIZATION) else {
        return Ok(None);
    };
    let value = value.to_str().map_err(|_| ApiError::Unauthorized)?;
    let token = value
        .strip_prefix("Bearer ")
        .or_else(|| value.strip_prefix("bearer "))
        .map(str::trim)
        .ok_or(ApiError::Unauthorized)?;
    if token.is_empty() || token.len() > MAX_TOKEN_LEN {
        return Err(ApiError::Unauthorized);
    }
    Ok(Some(token))
}

impl FromRequestParts<AppState> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        match bearer(parts)? {
            None => Ok(Caller(None)),
            Some(secret) => match state.service().authenticate(secret).await? {
                Some(info) => Ok(Caller(Some(info))),
                None => Err(ApiError::Unauthorized),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn token(role: Role) -> Caller {
        Caller(Some(TokenInfo {
            id: "t1".into(),
            name: "ops".into(),
            role,
            created_at: "2025-01-01T00:00:00Z".into(),
        }))
    }

    #[test]
    fn roles_include_the_lower_ones() {
        assert!(token(Role::Owner).require(Role::Admin).is_ok());
        assert!(token(Role::Admin).require(Role::Viewer).is_ok());
        assert!(matches!(
            token(Role::Admin).require(Role::Owner),
            Err(ApiError::Forbidden { needed: Role::Owner })
        ));
        assert!(matches!(
            Caller(None).require(Role::Viewer),
            Err(ApiError::Unauthorized)
        ));
        assert_eq!(token(Role::Owner).require(Role::Owner).ok(), Some(Actor("ops".into())));
    }

    #[test]
    fn bearer_header_forms() {
        let parts = |v: &str| {
            let (p, ()) = axum::http::Request::builder()
                .header(AUTHORIZATION, v)
                .body(())
                .unwrap()
                .into_parts();
            p
        };
        assert_eq!(bearer(&parts("Bearer abc")).unwrap(), Some("abc"));
        assert!(bearer(&parts("Basic abc")).is_err());
        assert!(bearer(&parts("Bearer ")).is_err());
        assert!(bearer(&parts(&format!("Bearer {}", "x".repeat(300)))).is_err());
    }
}
