use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{get, post, put};
use axum::{Json, Router};
use licet_core::OrgEntitlement;
use serde::{Deserialize, Serialize};

use super::{ApiResult, Body, Params, Segments};
use crate::error::VendorError;
use crate::model::{Entitlements, Install};
use crate::service::Vendor;
use crate::store::installs::NewInstall;
use crate::{credential, store};

pub(super) fn routes() -> Router<Vendor> {
    Router::new()
        .route("/v1/installs", get(list).post(create))
        .route("/v1/installs/{id}", get(one).patch(update).delete(remove))
        .route("/v1/installs/{id}/credential", post(rotate_credential))
        .route("/v1/installs/{id}/activation-key/reset", post(reset_activation_key))
        .route(
            "/v1/installs/{id}/entitlements",
            get(entitlements).put(put_entitlements),
        )
        .route(
            "/v1/installs/{id}/entitlements/orgs/{org}",
            put(put_org).delete(delete_org),
        )
}

/// Ids go into URLs, claims and file names: keep them to a plain alphabet.
pub(super) fn check_id(what: &str, id: Option<&str>) -> Result<(), VendorError> {
    match id {
        Some(id)
            if id.is_empty()
                || id.len() > 128
                || !id.chars().all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c)) =>
        {
            Err(VendorError::InvalidRequest(format!(
                "{what} must be 1–128 characters of [A-Za-z0-9._-]"
            )))
        }
        _ => Ok(()),
    }
}

/// An audience is the `aud` every license for the install carries, which the product compares with its own.
fn check_audience(audience: Option<&str>) -> Result<(), VendorError> {
    match audience {
        Some(a) if a.trim().is_empty() => Err(VendorError::InvalidRequest("audience must not be empty".into())),
        _ => Ok(()),
    }
}

/// An install with the state of its licenses, as the console shows it.
#[derive(Serialize)]
pub(super) struct InstallView {
    #[serde(flatten)]
    install: Install,
    license: Option<super::licenses::LicenseSummary>,
}

pub(super) async fn view(v: &Vendor, install: Install) -> ApiResult<InstallView> {
    let license = store::licenses::latest(v.db(), &install.id).await?.map(Into::into);
    Ok(InstallView { install, license })
}

#[derive(Deserialize)]
struct ListQuery {
    customer_id: Option<String>,
}

async fn list(State(v): State<Vendor>, Params(q): Params<ListQuery>) -> ApiResult<Json<Vec<InstallView>>> {
    let mut out = Vec::new();
    for install in store::installs::list(v.db(), q.customer_id.as_deref()).await? {
        out.push(view(&v, install).await?);
    }
    Ok(Json(out))
}

/// The credential is in this answer and nowhere else, ever.
#[derive(Serialize)]
struct Created {
    install: Install,
    credential: String,
}

async fn create(State(v): State<Vendor>, Body(new): Body<NewInstall>) -> ApiResult<(StatusCode, Json<Created>)> {
    check_id("install id", Some(&new.id))?;
    check_audience(new.audience.as_deref())?;
    let audience = new
        .audience
        .clone()
        .unwrap_or_else(|| v.config().default_audience.clone());
    let cred = credential::generate();
    let install = store::installs::create(v.db(), &new, &audience, &cred.hash, v.now(), "admin").await?;
    Ok((
        StatusCode::CREATED,
        Json(Created {
            install,
            credential: cred.secret,
        }),
    ))
}

async fn one(State(v): State<Vendor>, Segments(id): Segments<String>) -> ApiResult<Json<InstallView>> {
    let install = store::installs::get(v.db(), &id).await?;
    Ok(Json(view(&v, install).await?))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct InstallPatch {
    #[serde(default)]
    fingerprints: Option<Vec<String>>,
    #[serde(default)]
    domains: Option<Vec<String>>,
    #[serde(default)]
    audience: Option<String>,
}

async fn update(
    State(v): State<Vendor>,
    Segments(id): Segments<String>,
    Body(p): Body<InstallPatch>,
) -> ApiResult<Json<Install>> {
    check_audience(p.audience.as_deref())?;
    let install = store::installs::update(
        v.db(),
        &id,
        p.fingerprints.as_deref(),
        p.domains.as_deref(),
        p.audience.as_deref(),
        v.now(),
        "admin",
    )
    .await?;
    Ok(Json(install))
}

async fn remove(State(v): State<Vendor>, Segments(id): Segments<String>) -> ApiResult<StatusCode> {
    store::installs::delete(v.db(), &id, v.now(), "admin").await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Serialize)]
struct NewCredential {
    install_id: String,
    credential: String,
}

async fn rotate_credential(State(v): State<Vendor>, Segments(id): Segments<String>) -> ApiResult<Json<NewCredential>> {
    let cred = credential::generate();
    store::installs::set_credential(v.db(), &id, &cred.hash, v.now(), "admin").await?;
    Ok(Json(NewCredential {
        install_id: id,
        credential: cred.secret,
    }))
}

async fn reset_activation_key(State(v): State<Vendor>, Segments(id): Segments<String>) -> ApiResult<StatusCode> {
    store::installs::reset_activation_key(v.db(), &id, v.now(), "admin").await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn entitlements(State(v): State<Vendor>, Segments(id): Segments<String>) -> ApiResult<Json<Entitlements>> {
    store::installs::get(v.db(), &id).await?;
    let e = store::entitlements::get(v.db(), &id).await?;
    e.map(Json).ok_or(VendorError::EntitlementsMissing(id))
}

async fn put_entitlements(
    State(v): State<Vendor>,
    Segments(id): Segments<String>,
    Body(e): Body<Entitlements>,
) -> ApiResult<Json<Entitlements>> {
    store::entitlements::put(v.db(), &id, &e, v.now(), "admin").await?;
    Ok(Json(e))
}

async fn put_org(
    State(v): State<Vendor>,
    Segments((id, org)): Segments<(String, String)>,
    Body(o): Body<OrgEntitlement>,
) -> ApiResult<Json<OrgEntitlement>> {
    if o.id != org {
        return Err(VendorError::InvalidRequest(format!(
            "body names org {:?}, the path {org:?}",
            o.id
        )));
    }
    store::entitlements::put_org(v.db(), &id, &o, v.now(), "admin").await?;
    Ok(Json(o))
}

async fn delete_org(State(v): State<Vendor>, Segments((id, org)): Segments<(String, String)>) -> ApiResult<StatusCode> {
    store::entitlements::delete_org(v.db(), &id, &org, v.now(), "admin").await?;
    Ok(StatusCode::NO_CONTENT)
}
