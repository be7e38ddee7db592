//! Rows as stored, and their conversion into records. Both backends store the same column types.

use licet_core::time::UnixTime;
use uuid::Uuid;

use crate::error::{Result, StoreError};
use crate::records::{ApiToken, LicenseRecord, RenewalError, RenewalState, Role};
use crate::scope::Scope;

/// Columns of `license_history h`, in [`LicenseRow`] order.
macro_rules! license_cols {
    () => {
        "h.id, h.scope, h.token, h.fingerprint, h.installed_at, h.actor, h.source, h.sequence, h.customer_id, \
         h.expires_at, h.replaced_at, h.replaced_by, h.cleared_at, h.cleared_by"
    };
}
pub(crate) use license_cols;

#[derive(sqlx::FromRow)]
pub(crate) struct LicenseRow {
    id: i64,
    scope: String,
    token: String,
    fingerprint: String,
    installed_at: i64,
    actor: String,
    source: String,
    sequence: Option<i64>,
    customer_id: Option<String>,
    expires_at: Option<i64>,
    replaced_at: Option<i64>,
    replaced_by: Option<i64>,
    cleared_at: Option<i64>,
    cleared_by: Option<String>,
}

impl TryFrom<LicenseRow> for LicenseRecord {
    type Error = StoreError;
    fn try_from(r: LicenseRow) -> Result<Self> {
        Ok(LicenseRecord {
            id: r.id,
            scope: Scope::from_key(&r.scope)?,
            token: r.token,
            fingerprint: r.fingerprint,
            installed_at: UnixTime(r.installed_at),
            actor: r.actor,
            source: r.source,
            sequence: r.sequence,
            customer_id: r.customer_id,
            expires_at: r.expires_at.map(UnixTime),
            replaced_at: r.replaced_at.map(UnixTime),
            replaced_by: r.replaced_by,
            cleared_at: r.cleared_at.map(UnixTime),
            cleared_by: r.cleared_by,
        })
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct ApiTokenRow {
    id: String,
    name: String,
    role: String,
    created_at: i64,
    last_used_at: Option<i64>,
    revoked_at: Option<i64>,
}

impl TryFrom<ApiTokenRow> for ApiToken {
    type Error = StoreError;
    fn try_from(r: ApiTokenRow) -> Result<Self> {
        Ok(ApiToken {
            id: parse_uuid("api token id", &r.id)?,
            name: r.name,
            role: Role::parse(&r.role)
                .ok_or_else(|| StoreError::Corrupt(format!("unknown token role {:?}", r.role)))?,
            created_at: UnixTime(r.created_at),
            last_used_at: r.last_used_at.map(UnixTime),
            revoked_at: r.revoked_at.map(UnixTime),
        })
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct RenewalRow {
    scope: String,
    last_attempt_at: i64,
    last_success_at: Option<i64>,
    last_error_code: Option<String>,
    last_error_message: Option<String>,
}

impl TryFrom<RenewalRow> for RenewalState {
    type Error = StoreError;
    fn try_from(r: RenewalRow) -> Result<Self> {
        let last_error = match (r.last_error_code, r.last_error_message) {
            (Some(code), message) => Some(RenewalError {
                code,
                message: message.unwrap_or_default(),
            }),
            (None, _) => None,
        };
        Ok(RenewalState {
            scope: Scope::from_key(&r.scope)?,
            last_attempt_at: UnixTime(r.last_attempt_at),
            last_success_at: r.last_success_at.map(UnixTime),
            last_error,
        })
    }
}

pub(crate) fn parse_uuid(what: &str, s: &str) -> Result<Uuid> {
    Uuid::parse_str(s).map_err(|_| StoreError::Corrupt(format!("{what} {s:?} is not a UUID")))
}

pub(crate) fn parse_json(what: &str, s: &str) -> Result<serde_json::Value> {
    serde_json::from_str(s).map_err(|_| StoreError::Corrupt(format!("{what} is not JSON")))
}
