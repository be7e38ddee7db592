//! System → License in the manual's terms: `GET /api/system/license`, what the admin shell's banner and the
//! console read. The install-side API and page themselves (`/v1/license/*`, `/settings/license`) are licet-server's,
//! mounted by [`crate::Sovereign::router`]; this summary sits behind the same tokens (the license view permission).

use std::sync::Arc;

use axum::routing::get;
use axum::{Extension, Json, Router};
use licet_core::{State as LicState, Status, UnixTime};
use licet_runtime::Snapshot;
use licet_server::{ApiError, AppState, Caller, Role};
use licet_store::Scope;
use serde_json::{json, Value};

use crate::{label, Sovereign};

pub(crate) fn routes(app: Sovereign, server: AppState) -> Router {
    Router::new()
        .route("/api/system/license", get(view))
        .layer(Extension(app))
        .with_state(server)
}

async fn view(caller: Caller, Extension(app): Extension<Sovereign>) -> Result<Json<Value>, ApiError> {
    caller.require(Role::Viewer)?;
    app.license_view().await.map(Json)
}

/// `notice` < `warning` < `critical`: the banner gets louder as the license runs out ("Banners appear" in
/// Warning, "louder banners" in Grace, writes failing in Read-only).
pub(crate) fn banner(st: &Status, now: UnixTime) -> Option<Value> {
    let date = |t: Option<UnixTime>| t.map(|t| t.to_rfc3339()).unwrap_or_default();
    let (level, text) = match st.state {
        LicState::Active => return None,
        LicState::ExpiringSoon => (
            "notice",
            format!(
                "The license expires in {}, on {}. Time to renew.",
                days(st.days_remaining.unwrap_or_default()),
                date(st.expires_at)
            ),
        ),
        LicState::Grace => {
            let left = st.grace_ends_at.map_or(0, |end| days_until(end, now));
            (
                "warning",
                format!(
                    "The license expired on {}. Changes stop in {}, on {}: apply a renewed license now.",
                    date(st.expires_at),
                    days(left),
                    date(st.grace_ends_at)
                ),
            )
        }
        LicState::Expired => (
            "critical",
            "License expired: the install is read-only. Sign-in, reads, export, storage and backups still work; \
             apply a fresh license to make changes."
                .to_owned(),
        ),
        LicState::Missing | LicState::ActivationPending | LicState::FreeTier | LicState::Invalid => (
            "critical",
            format!("No valid license: the install is read-only. {}", st.sentence),
        ),
    };
    Some(json!({ "level": level, "text": text }))
}

fn days(n: i64) -> String {
    match n {
        1 => "1 day".to_owned(),
        n => format!("{n} days"),
    }
}

/// Whole days from `now` until `t`, rounded up: "1 day left" until the very end.
fn days_until(t: UnixTime, now: UnixTime) -> i64 {
    let secs = t.seconds().saturating_sub(now.seconds()).max(0);
    secs.saturating_add(86_399) / 86_400
}

fn rfc3339(t: Option<UnixTime>) -> Option<String> {
    t.map(|t| t.to_rfc3339())
}

impl Sovereign {
    /// The snapshot, re-evaluated first if a change of state has come due since it was made (the runtime's timer
    /// does the same on its own; a page must not show yesterday's state).
    async fn fresh(&self) -> Arc<Snapshot> {
        let snap = self.runtime.snapshot_full();
        let now = self.runtime.clock().now();
        if snap.next_change.is_some_and(|t| now >= t) || now < snap.evaluated_at {
            match self.runtime.reevaluate().await {
                Ok(fresh) => return fresh,
                Err(e) => tracing::error!(code = e.code(), "re-evaluation failed; showing the last state: {e}"),
            }
        }
        snap
    }

    /// "Your customer and install identifiers; the list of apps included; all organizations covered, with each
    /// one's plan, features, and validity window; the license's overall validity window; the current license
    /// state; the time of the last successful refresh."
    pub async fn license_view(&self) -> Result<Value, ApiError> {
        let snap = self.fresh().await;
        let st = &snap.instance.status;
        let now = self.runtime.clock().now();
        let refresh = self
            .runtime
            .store()
            .renewal_state(&Scope::Instance)
            .await
            .map_err(|e| ApiError::Internal(e.to_string()))?;
        let created: Vec<String> = self
            .db
            .lock()
            .map(|db| db.orgs.keys().cloned().collect())
            .map_err(|_| ApiError::Internal("the product database lock is poisoned".into()))?;
        let orgs: Vec<Value> = st
            .orgs
            .iter()
            .map(|o| {
                json!({
                    "id": o.id,
                    "plan": o.plan,
                    "state": label(o.state),
                    "features": crate::product::features(&o.entitlements.features),
                    "limits": o.entitlements.limits,
                    "valid_from": rfc3339(o.valid_from),
                    "valid_until": rfc3339(o.valid_until),
                    "created": created.contains(&o.id),
                })
            })
            .collect();
        let unnamed: Vec<&String> = created.iter().filter(|id| st.org_status(id).is_none()).collect();
        Ok(json!({
            "state": label(st.state),
            "state_code": st.state.code(),
            "reason": st.reason.map(|r| json!({ "code": r.code(), "message": st.sentence })),
            "message": st.sentence,
            "banner": banner(st, now),
            "writable": st.entitlements.allows_write(),
            "customer_id": st.customer.as_ref().map(|c| c.id.clone()),
            "customer_name": st.customer.as_ref().map(|c| c.name.clone()),
            "install_id": self.runtime.install_id(),
            "apps": st.products().iter().collect::<Vec<_>>(),
            "valid_from": rfc3339(st.not_before),
            "valid_until": rfc3339(st.expires_at),
            "grace_ends_at": rfc3339(st.grace_ends_at),
            "max_orgs": st.entitlements.max_orgs,
            "orgs": orgs,
            "orgs_not_in_license": unnamed,
            "license_fingerprint": st.license.as_ref().map(|l| l.fingerprint.clone()),
            "last_refresh": refresh.as_ref().map(|r| json!({
                "at": r.last_attempt_at.to_rfc3339(),
                "ok": r.last_error.is_none(),
                "error": r.last_error.as_ref().map(|e| json!({ "code": e.code, "message": e.message })),
            })),
            "last_successful_refresh": refresh.and_then(|r| r.last_success_at).map(|t| t.to_rfc3339()),
        }))
    }
}
