//! The product itself: organizations (created through the protected wizard), their members and records, sign-in,
//! export, the org's own storage bucket and backups.
//!
//! Gated routes sit behind licet's gate, which answers 403 `license_read_only` to every change while the license
//! (or the org's own window) is read-only and lets every read through. Sign-in, storage and backups are outside
//! the gate: the manual keeps them working in every license state.

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use axum::{Json, Router};
use licet_core::{Denied, FeatureSet};
use licet_runtime::{GuardError, LicenseGuard};
use serde_json::{json, Value};

use crate::{label, Db, Org, Sovereign};

/// The org a request is about: `/api/orgs/{id}/…`.
pub(crate) fn org_in_path(path: &str) -> Option<String> {
    let rest = path.strip_prefix("/api/orgs/")?;
    let id = rest.split('/').next().filter(|s| !s.is_empty())?;
    Some(id.to_owned())
}

pub(crate) fn gated() -> Router<Sovereign> {
    Router::new()
        .route("/api/orgs", get(list_orgs).post(create_org))
        .route("/api/orgs/{id}", get(get_org))
        .route("/api/orgs/{id}/members", post(add_member))
        .route("/api/orgs/{id}/records", get(list_records).post(add_record))
        .route("/api/orgs/{id}/export", get(export))
        .route("/api/orgs/{id}/reports", get(reports))
}

pub(crate) fn ungated() -> Router<Sovereign> {
    Router::new()
        // "Sign-ins still work."
        .route("/api/auth/sign-in", post(sign_in))
        // "Self Managed Storage continues to function regardless of license state."
        .route("/api/storage/{org}/{name}", put(put_file).get(get_file))
        // "Backups. Backup runs continue in any license state."
        .route("/api/system/backups", post(run_backup).get(list_backups))
}

/// Why the product refuses a request. License refusals keep licet's codes (`license_read_only`,
/// `org_not_licensed`, `max_orgs_reached`, `feature_not_licensed`, `quota_exceeded`) and details.
#[derive(Debug)]
pub(crate) enum Refusal {
    License(GuardError),
    NoSuchOrg(String),
    OrgExists(String),
    NoSuchFile(String),
    BadRequest(&'static str),
    BadCredentials,
    Internal,
}

impl From<GuardError> for Refusal {
    fn from(e: GuardError) -> Self {
        Refusal::License(e)
    }
}

impl IntoResponse for Refusal {
    fn into_response(self) -> Response {
        let (status, code, message) = match self {
            Refusal::License(e) => return e.into_response(),
            Refusal::NoSuchOrg(id) => (
                StatusCode::NOT_FOUND,
                "no_such_org",
                format!("No organization {id:?} on this install."),
            ),
            Refusal::OrgExists(id) => (
                StatusCode::CONFLICT,
                "org_exists",
                format!("Organization {id:?} exists."),
            ),
            Refusal::NoSuchFile(name) => (StatusCode::NOT_FOUND, "no_such_file", format!("No file {name:?}.")),
            Refusal::BadRequest(why) => (StatusCode::BAD_REQUEST, "bad_request", why.to_owned()),
            Refusal::BadCredentials => (
                StatusCode::UNAUTHORIZED,
                "bad_credentials",
                "Unknown member.".to_owned(),
            ),
            Refusal::Internal => (
                StatusCode::INTERNAL_SERVER_ERROR,
                "internal_error",
                "Internal error.".to_owned(),
            ),
        };
        (status, Json(json!({ "code": code, "message": message }))).into_response()
    }
}

type Answer = Result<Response, Refusal>;

fn created(body: Value) -> Answer {
    Ok((StatusCode::CREATED, Json(body)).into_response())
}

fn ok(body: Value) -> Answer {
    Ok(Json(body).into_response())
}

fn field<'a>(v: &'a Value, name: &str) -> &'a str {
    v.get(name).and_then(Value::as_str).unwrap_or_default()
}

impl Sovereign {
    fn with_db<T>(&self, f: impl FnOnce(&mut Db) -> Result<T, Refusal>) -> Result<T, Refusal> {
        let mut db = self.db.lock().map_err(|_| Refusal::Internal)?;
        f(&mut db)
    }

    fn with_org<T>(&self, id: &str, f: impl FnOnce(&mut Org) -> Result<T, Refusal>) -> Result<T, Refusal> {
        self.with_db(|db| {
            db.orgs
                .get_mut(id)
                .map_or_else(|| Err(Refusal::NoSuchOrg(id.to_owned())), f)
        })
    }
}

/// A change to org `id`: refused while its license scope is read-only, and for an org the license no longer names
/// (the license decides which orgs this install runs; the org's data stays readable).
fn may_change(guard: &LicenseGuard, id: &str) -> Result<(), Refusal> {
    guard.write()?;
    if guard.status().org.as_deref() != Some(id) {
        return Err(GuardError::Denied(Denied::OrgNotLicensed { org: id.to_owned() }).into());
    }
    Ok(())
}

pub(crate) fn features(f: &FeatureSet) -> Vec<String> {
    match f {
        FeatureSet::All => vec!["*".to_owned()],
        FeatureSet::Listed(set) => set.iter().map(str::to_owned).collect(),
    }
}

/// The protected organization wizard: only ids the license names, up to its maximum, never while read-only.
async fn create_org(State(app): State<Sovereign>, guard: LicenseGuard, Json(b): Json<Value>) -> Answer {
    let id = field(&b, "id").to_owned();
    if id.is_empty() || id.contains('/') {
        return Err(Refusal::BadRequest("`id` must be a non-empty organization id."));
    }
    let n = app.with_db(|db| {
        if db.orgs.contains_key(&id) {
            return Err(Refusal::OrgExists(id.clone()));
        }
        guard.create_org(&id, db.orgs.len() as u64)?;
        let name = Some(field(&b, "name")).filter(|n| !n.is_empty()).unwrap_or(&id);
        let org = Org {
            name: name.to_owned(),
            ..Org::default()
        };
        db.orgs.insert(id.clone(), org);
        Ok(db.orgs.len())
    })?;
    created(json!({ "id": id, "orgs": n }))
}

async fn list_orgs(State(app): State<Sovereign>) -> Answer {
    let snap = app.runtime.snapshot_full();
    let orgs = app.with_db(|db| {
        Ok(db
            .orgs
            .iter()
            .map(|(id, o)| {
                let scope = snap.orgs.get(id);
                json!({
                    "id": id,
                    "name": o.name,
                    "members": o.members.len(),
                    "records": o.records.len(),
                    "named_in_license": scope.is_some(),
                    "state": label(scope.map_or(snap.instance.status.state, |s| s.status.state)),
                })
            })
            .collect::<Vec<_>>())
    })?;
    ok(json!({ "orgs": orgs }))
}

/// An org with what its license entry grants: plan, features, limits, validity window, state.
async fn get_org(State(app): State<Sovereign>, guard: LicenseGuard, Path(id): Path<String>) -> Answer {
    let (name, members, records) = app.with_org(&id, |o| Ok((o.name.clone(), o.members.len(), o.records.len())))?;
    let snap = app.runtime.snapshot_full();
    let entry = snap.instance.status.org_status(&id);
    let st = guard.status();
    let named = st.org.as_deref() == Some(id.as_str());
    ok(json!({
        "id": id,
        "name": name,
        "members": members,
        "records": records,
        "named_in_license": named,
        "state": label(st.state),
        "writable": named && st.entitlements.allows_write(),
        "plan": entry.and_then(|o| o.plan.clone()),
        "features": entry.map(|o| features(&o.entitlements.features)),
        "limits": entry.map(|o| &o.entitlements.limits),
        "valid_from": entry.and_then(|o| o.valid_from).map(|t| t.to_rfc3339()),
        "valid_until": entry.and_then(|o| o.valid_until).map(|t| t.to_rfc3339()),
    }))
}

/// "no new members" in read-only; the org's `members` limit otherwise.
async fn add_member(
    State(app): State<Sovereign>,
    guard: LicenseGuard,
    Path(id): Path<String>,
    Json(b): Json<Value>,
) -> Answer {
    let n = app.with_org(&id, |o| {
        may_change(&guard, &id)?;
        guard.quota("members", o.members.len() as u64)?;
        o.members.push(field(&b, "name").to_owned());
        Ok(o.members.len())
    })?;
    created(json!({ "members": n }))
}

async fn add_record(
    State(app): State<Sovereign>,
    guard: LicenseGuard,
    Path(id): Path<String>,
    Json(b): Json<Value>,
) -> Answer {
    let n = app.with_org(&id, |o| {
        may_change(&guard, &id)?;
        o.records.push(field(&b, "text").to_owned());
        Ok(o.records.len())
    })?;
    created(json!({ "records": n }))
}

async fn list_records(State(app): State<Sovereign>, Path(id): Path<String>) -> Answer {
    let records = app.with_org(&id, |o| Ok(o.records.clone()))?;
    ok(json!({ "records": records }))
}

/// "you can still investigate and export": everything the org holds.
async fn export(State(app): State<Sovereign>, Path(id): Path<String>) -> Answer {
    let exported = app.with_org(&id, |o| {
        Ok(json!({
            "id": id,
            "name": o.name,
            "members": o.members,
            "records": o.records,
            "files": o.files,
        }))
    })?;
    ok(exported)
}

/// A per-org feature: the org's own feature flags decide, not the install's.
async fn reports(State(app): State<Sovereign>, guard: LicenseGuard, Path(id): Path<String>) -> Answer {
    let (members, records) = app.with_org(&id, |o| Ok((o.members.len(), o.records.len())))?;
    guard.feature("reports")?;
    ok(json!({ "org": id, "records": records, "members": members }))
}

async fn sign_in(State(app): State<Sovereign>, Json(b): Json<Value>) -> Answer {
    let (org, member) = (field(&b, "org"), field(&b, "member"));
    let known = app.with_db(|db| Ok(db.orgs.get(org).is_some_and(|o| o.members.iter().any(|m| m == member))))?;
    if !known {
        return Err(Refusal::BadCredentials);
    }
    ok(json!({ "org": org, "member": member, "session": "ok" }))
}

async fn put_file(State(app): State<Sovereign>, Path((org, name)): Path<(String, String)>, body: Bytes) -> Answer {
    let text = String::from_utf8_lossy(&body).into_owned();
    let n = app.with_org(&org, |o| {
        o.files.insert(name.clone(), text);
        Ok(o.files.len())
    })?;
    created(json!({ "org": org, "name": name, "files": n }))
}

async fn get_file(State(app): State<Sovereign>, Path((org, name)): Path<(String, String)>) -> Answer {
    let text = app.with_org(&org, |o| {
        o.files.get(&name).cloned().ok_or(Refusal::NoSuchFile(name.clone()))
    })?;
    Ok(text.into_response())
}

async fn run_backup(State(app): State<Sovereign>) -> Answer {
    let at = app.runtime.clock().now().to_rfc3339();
    let backup = app.with_db(|db| {
        let orgs: serde_json::Map<String, Value> = db
            .orgs
            .iter()
            .map(|(id, o)| (id.clone(), json!({ "members": o.members, "records": o.records })))
            .collect();
        let b = json!({ "id": db.backups.len() + 1, "at": at, "orgs": orgs });
        db.backups.push(b.clone());
        Ok(b)
    })?;
    created(backup)
}

async fn list_backups(State(app): State<Sovereign>) -> Answer {
    let backups = app.with_db(|db| Ok(db.backups.clone()))?;
    ok(json!({ "backups": backups }))
}
