//! `GET /v1/license/audit?before=ID&limit=N`: the audit log, newest first, paged by id.

use axum::extract::{Query, State};
use axum::routing::get;
use axum::{Json, Router};
use serde::{Deserialize, Serialize};

use crate::auth::Caller;
use crate::error::{ApiError, ApiResult};
use crate::service::AuditEntry;
use crate::state::AppState;

pub(crate) fn routes() -> Router<AppState> {
    Router::new().route("/v1/license/audit", get(audit))
}

const DEFAULT_LIMIT: u32 = 50;
const MAX_LIMIT: u32 = 500;

#[derive(Deserialize)]
struct Page {
    before: Option<i64>,
    limit: Option<u32>,
}

#[derive(Serialize)]
struct AuditPage {
    entries: Vec<AuditEntry>,
    /// Pass as `before` to get the next (older) page; absent on the last page.
    next_before: Option<i64>,
}

async fn audit(
    State(state): State<AppState>,
    caller: Caller,
    page: Result<Query<Page>, axum::extract::rejection::QueryRejection>,
) -> ApiResult<Json<AuditPage>> {
    caller.may_read(&state)?;
    let Query(page) =
        page.map_err(|_| ApiError::BadRequest("`before` and `limit` must be non-negative integers".into()))?;
    let limit = page.limit.unwrap_or(DEFAULT_LIMIT);
    if limit == 0 || limit > MAX_LIMIT {
        return Err(ApiError::BadRequest(format!(
            "`limit` must be between 1 and {MAX_LIMIT}"
        )));
    }
    let entries = state.service().audit(page.before, limit).await?;
    let full = u32::try_from(entries.len()).unwrap_or(u32::MAX) >= limit;
    let next_before = if full { entries.last().map(|e| e.id) } else { None };
    Ok(Json(AuditPage { entries, next_before }))
}
