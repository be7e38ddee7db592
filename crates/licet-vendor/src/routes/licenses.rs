use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::IntoResponse;
use axum::routing::{get, post};
use axum::{Json, Router};
use licet_core::UnixTime;
use licet_proto::IssuedLicense;
use serde::{Deserialize, Serialize};

use super::{ApiResult, Params, Segments};
use crate::error::VendorError;
use crate::model::{AuditEntry, LicenseRecord};
use crate::service::Vendor;
use crate::{store, token};

pub(super) fn routes() -> Router<Vendor> {
    Router::new()
        .route("/v1/installs/{id}/licenses", post(issue).get(list))
        .route("/v1/installs/{id}/licenses/{seq}/file", get(file))
        .route("/v1/installs/{id}/renew", post(renew))
        .route("/v1/audit", get(audit))
}

/// A license without its token, for lists.
#[derive(Serialize)]
pub(super) struct LicenseSummary {
    sequence: u64,
    revision: u64,
    kid: String,
    fingerprint: String,
    issued_at: UnixTime,
    exp: Option<UnixTime>,
}

impl From<LicenseRecord> for LicenseSummary {
    fn from(l: LicenseRecord) -> Self {
        LicenseSummary {
            sequence: l.sequence,
            revision: l.revision,
            kid: l.kid,
            fingerprint: l.fingerprint,
            issued_at: l.issued_at,
            exp: l.exp,
        }
    }
}

pub(crate) fn issued(l: LicenseRecord) -> IssuedLicense {
    IssuedLicense {
        armored: token::armored(&l.token),
        install_id: l.install_id,
        sequence: l.sequence,
        fingerprint: l.fingerprint,
        issued_at: l.issued_at,
        exp: l.exp,
        token: l.token,
    }
}

#[derive(Deserialize)]
struct IssueQuery {
    /// `?profile=justiam`: sign in that profile's own (its manual's) format instead of licet's (licet's for
    /// `standard`, which has none).
    profile: Option<String>,
}

async fn issue(
    State(v): State<Vendor>,
    Segments(id): Segments<String>,
    Params(q): Params<IssueQuery>,
) -> ApiResult<(StatusCode, Json<IssuedLicense>)> {
    // A profile's own format, or licet's for a profile that has none (`standard`): every profile name is accepted.
    let format = match q.profile.as_deref() {
        None => None,
        Some(name) => licet_core::profiles::by_name(name)
            .ok_or_else(|| {
                let known: Vec<&str> = licet_core::profiles::names().collect();
                VendorError::InvalidRequest(format!("no profile {name:?}; the profiles are {}", known.join(", ")))
            })?
            .format
            .mapping(),
    };
    let license = v.issue_in(&id, "admin", format).await?;
    Ok((StatusCode::CREATED, Json(issued(license))))
}

/// What `GET /v1/renew` would answer this install, without its credential and without marking it refreshed.
async fn renew(State(v): State<Vendor>, Segments(id): Segments<String>) -> ApiResult<Json<IssuedLicense>> {
    Ok(Json(issued(v.freshest(&id, "admin").await?)))
}

#[derive(Deserialize)]
struct Limit {
    limit: Option<u32>,
}

async fn list(
    State(v): State<Vendor>,
    Segments(id): Segments<String>,
    Params(q): Params<Limit>,
) -> ApiResult<Json<Vec<LicenseSummary>>> {
    store::installs::get(v.db(), &id).await?;
    let list = store::licenses::list(v.db(), &id, q.limit.unwrap_or(100)).await?;
    Ok(Json(list.into_iter().map(Into::into).collect()))
}

/// The license file, as a download. `{seq}` is a sequence number or `latest`.
async fn file(
    State(v): State<Vendor>,
    Segments((id, seq)): Segments<(String, String)>,
) -> ApiResult<impl IntoResponse> {
    let license = if seq == "latest" {
        store::licenses::latest(v.db(), &id)
            .await?
            .ok_or_else(|| VendorError::not_found("license", &id))?
    } else {
        let n = seq
            .parse()
            .map_err(|_| VendorError::InvalidRequest("sequence is a number or `latest`".into()))?;
        store::licenses::get(v.db(), &id, n).await?
    };
    let name = format!(
        "attachment; filename=\"license-{}-{}.lic\"",
        license.install_id, license.sequence
    );
    Ok((
        [
            (header::CONTENT_TYPE, licet_proto::media::LICENSE.to_owned()),
            (header::CONTENT_DISPOSITION, name),
        ],
        token::armored(&license.token),
    ))
}

#[derive(Deserialize)]
struct AuditQuery {
    install_id: Option<String>,
    limit: Option<u32>,
}

async fn audit(State(v): State<Vendor>, Params(q): Params<AuditQuery>) -> ApiResult<Json<Vec<AuditEntry>>> {
    Ok(Json(
        store::audit::list(v.db(), q.install_id.as_deref(), q.limit.unwrap_or(100)).await?,
    ))
}
