//! [`LicenseService`] over licet-runtime: the runtime verifies once per change of bytes, keeps the snapshot,
//! seeds from the mounted file, follows other replicas and renews; the store keeps tokens and the audit log.
//! This is what `licet serve` runs and what a product that embeds a [`licet_runtime::Runtime`] mounts.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use arc_swap::ArcSwapOption;

use licet_core::{Alg, FileSigner, PrivateKey};
use licet_runtime::{access_denied, Error as RuntimeError, RefreshOutcome, Runtime, Snapshot};
use licet_store::Store;

use crate::accepts::{self, Way};
use crate::service::{
    ActivationFile, Actor, AuditEntry, CheckQuery, CheckView, Identity, LicenseService, NewToken, RefreshView, Role,
    Scope, ServiceError, StatusView, TokenInfo,
};
use crate::tokens_store::{audit_rejection, internal, mint_token, store_err, store_scope, token_info};
use crate::view::{org_from_status, ViewExtras};

/// Oldest snapshot the API shows without re-evaluating.
const REEVALUATE_AFTER_SECONDS: i64 = 60;
/// Oldest store facts the status shows while nothing this process sees has changed: another replica's renewal
/// attempt writes the store without an event, and shows here within this long.
const FACTS_MAX_AGE: Duration = Duration::from_secs(10);

pub struct RuntimeService {
    runtime: Runtime,
    identity: Identity,
    install_key: FileSigner,
    usage: Mutex<BTreeMap<String, u64>>,
    /// The store's facts as last read. Reused while the snapshot they were read for is the runtime's current one
    /// (every install, clear, reload and store event publishes a new snapshot) and no renewal attempt was recorded
    /// since, so the status does no store round trip per request; also served while the store cannot be reached.
    facts: ArcSwapOption<CachedFacts>,
    /// The status body last rendered, with what it was rendered from: served as it is while the snapshot, the
    /// facts and the reported usage are the same ones.
    rendered: ArcSwapOption<Rendered>,
    /// Bumped by [`RuntimeService::set_usage`].
    usage_version: std::sync::atomic::AtomicU64,
}

struct Rendered {
    snapshot: Arc<Snapshot>,
    facts: Arc<CachedFacts>,
    usage_version: u64,
    body: axum::body::Bytes,
}

struct CachedFacts {
    snapshot: Arc<Snapshot>,
    renewal_attempts: u64,
    read_at: Instant,
    facts: StoreFacts,
}

impl CachedFacts {
    fn holds_for(&self, snapshot: &Arc<Snapshot>, renewal_attempts: u64) -> bool {
        Arc::ptr_eq(&self.snapshot, snapshot)
            && self.renewal_attempts == renewal_attempts
            && self.read_at.elapsed() < FACTS_MAX_AGE
    }
}

/// What the status shows from the store besides the runtime's snapshot.
#[derive(Clone, Debug, Default)]
struct StoreFacts {
    /// Fingerprint and origin (`upload`, `import`, `file`, `renewal`) of the stored instance license.
    stored: Option<(String, String)>,
    /// Orgs with their own installed license.
    own: BTreeSet<String>,
    instance_refresh: Option<RefreshView>,
    /// The last renewal attempt of each org's own license.
    org_refresh: BTreeMap<String, RefreshView>,
}

fn refresh_view(r: licet_store::RenewalState) -> RefreshView {
    RefreshView {
        at: r.last_attempt_at.to_rfc3339(),
        ok: r.last_error.is_none(),
        message: r.last_error.map_or_else(|| "renewed".to_owned(), |e| e.message),
    }
}

fn runtime_err(e: RuntimeError) -> ServiceError {
    match e {
        RuntimeError::Refused { reason, detail } => ServiceError::Rejected { reason, detail },
        RuntimeError::ChangeNeedsAck { losses } => ServiceError::ChangeNeedsAck(losses),
        RuntimeError::Renewal { message } => ServiceError::Upstream(message),
        RuntimeError::RenewalUrlRefused { why } => ServiceError::RenewalUrlRefused(why),
        RuntimeError::Store {
            code: "store_unavailable",
            message,
        } => ServiceError::StoreUnavailable(message),
        other => internal(other),
    }
}

impl RuntimeService {
    /// Wraps a built runtime; makes (once, stored) the install's own activation-request key.
    pub async fn new(runtime: Runtime) -> Result<RuntimeService, ServiceError> {
        let now = runtime.clock().now();
        let candidate = PrivateKey::generate(Alg::EdDSA, &mut rand_core::OsRng).map_err(internal)?;
        let candidate_pem = candidate.to_pkcs8_pem().map_err(internal)?;
        let pem = runtime
            .store()
            .ensure_install_key(&candidate_pem, now)
            .await
            .map_err(store_err)?;
        let kid = format!("install-{}", runtime.install_id());
        let install_key = FileSigner::from_pkcs8_pem(kid, &pem).map_err(internal)?;
        Ok(RuntimeService {
            identity: Identity {
                fingerprint: runtime.fingerprint().to_owned(),
                install_id: runtime.install_id().to_owned(),
            },
            runtime,
            install_key,
            usage: Mutex::new(BTreeMap::new()),
            facts: ArcSwapOption::empty(),
            rendered: ArcSwapOption::empty(),
            usage_version: std::sync::atomic::AtomicU64::new(0),
        })
    }

    pub fn runtime(&self) -> &Runtime {
        &self.runtime
    }

    /// The product reports how much of a quota is in use; shown on the page and in `/metrics`.
    pub fn set_usage(&self, kind: &str, used: u64) {
        if let Ok(mut usage) = self.usage.lock() {
            usage.insert(kind.to_owned(), used);
        }
        self.usage_version.fetch_add(1, std::sync::atomic::Ordering::Release);
    }

    fn store(&self) -> &dyn Store {
        self.runtime.store().as_ref()
    }

    pub fn store_handle(&self) -> &std::sync::Arc<dyn Store> {
        self.runtime.store()
    }

    async fn read_facts(&self) -> Result<StoreFacts, licet_store::StoreError> {
        let mut facts = StoreFacts::default();
        for r in self.store().current_licenses().await? {
            match &r.scope {
                licet_store::Scope::Instance => facts.stored = Some((r.fingerprint, r.source)),
                licet_store::Scope::Org(id) => {
                    if let Some(state) = self.store().renewal_state(&r.scope).await? {
                        facts.org_refresh.insert(id.as_str().to_owned(), refresh_view(state));
                    }
                    facts.own.insert(id.as_str().to_owned());
                }
            }
        }
        let instance = self.store().renewal_state(&licet_store::Scope::Instance).await?;
        facts.instance_refresh = instance.map(refresh_view);
        Ok(facts)
    }

    /// The store's facts for `snapshot`: the cached ones while they hold, else read now; while the store cannot be
    /// reached, the last ones read, so that the status (the runtime's last published one) is still served.
    async fn facts(&self, snapshot: &Arc<Snapshot>) -> Result<Arc<CachedFacts>, ServiceError> {
        // Read before the store, so that an attempt recorded meanwhile makes the next request read again.
        let renewal_attempts = self.runtime.renewal_attempts();
        let last = self.facts.load_full();
        if let Some(cached) = last.as_ref().filter(|c| c.holds_for(snapshot, renewal_attempts)) {
            return Ok(cached.clone());
        }
        match self.read_facts().await {
            Ok(facts) => {
                let cached = Arc::new(CachedFacts {
                    snapshot: snapshot.clone(),
                    renewal_attempts,
                    read_at: Instant::now(),
                    facts,
                });
                self.facts.store(Some(cached.clone()));
                Ok(cached)
            }
            Err(e @ licet_store::StoreError::Unavailable(_)) => match last {
                Some(cached) => {
                    tracing::warn!(error = %e, "license store unavailable; the status shows what it last read");
                    Ok(cached)
                }
                None => Err(store_err(e)),
            },
            Err(e) => Err(store_err(e)),
        }
    }

    /// The snapshot judged at about `now`. The runtime's timer re-evaluates when the state is due to change; the
    /// API also does when that moment has passed, when the clock went back, or once a minute (cheap: no signature
    /// work), so that what it answers holds even without background tasks.
    async fn fresh_snapshot(&self) -> Result<Arc<Snapshot>, ServiceError> {
        let now = self.runtime.clock().now();
        let snap = self.runtime.snapshot_full();
        let stale = snap.next_change.is_some_and(|t| now >= t)
            || now < snap.evaluated_at
            || now.seconds().saturating_sub(snap.evaluated_at.seconds()) >= REEVALUATE_AFTER_SECONDS;
        if stale {
            self.runtime.reevaluate().await.map_err(runtime_err)
        } else {
            Ok(snap)
        }
    }

    async fn view(&self) -> Result<StatusView, ServiceError> {
        let snap = self.fresh_snapshot().await?;
        let facts = self.facts(&snap).await?;
        Ok(self.render(&snap, &facts.facts))
    }

    /// The status body, rendered again only when what it shows changed.
    async fn view_json(&self) -> Result<axum::body::Bytes, ServiceError> {
        let snap = self.fresh_snapshot().await?;
        let facts = self.facts(&snap).await?;
        let usage_version = self.usage_version.load(std::sync::atomic::Ordering::Acquire);
        if let Some(r) = self.rendered.load().as_deref() {
            if Arc::ptr_eq(&r.snapshot, &snap) && Arc::ptr_eq(&r.facts, &facts) && r.usage_version == usage_version {
                return Ok(r.body.clone());
            }
        }
        let body = crate::service::status_body(&self.render(&snap, &facts.facts))?;
        self.rendered.store(Some(Arc::new(Rendered {
            snapshot: snap,
            facts,
            usage_version,
            body: body.clone(),
        })));
        Ok(body)
    }

    fn render(&self, snap: &Snapshot, facts: &StoreFacts) -> StatusView {
        let mut status = snap.instance.status.clone();
        for id in &facts.own {
            if let Some(org) = snap.orgs.get(id) {
                status.orgs.retain(|o| &o.id != id);
                status.orgs.push(org_from_status(id, &org.status));
            }
        }
        status.orgs.sort_by(|a, b| a.id.cmp(&b.id));
        let (stored_fingerprint, stored_origin) = facts.stored.clone().unzip();
        let extras = ViewExtras {
            // For a license held by the store, say how it got there (upload, import, renewal, file).
            source: match snap.instance.source_name() {
                Some("store") => stored_origin.or(Some("store".to_owned())),
                other => other.map(str::to_owned),
            },
            source_error: snap.source_error.as_ref().map(|p| crate::service::ReasonView {
                code: p.code.to_owned(),
                message: p.message.clone(),
            }),
            stored_fingerprint,
            last_refresh: facts.instance_refresh.clone(),
            usage: self.usage.lock().map(|u| u.clone()).unwrap_or_default(),
            orgs_with_own_license: facts.own.clone(),
            org_refresh: facts.org_refresh.clone(),
        };
        StatusView::from_core(&status, &self.identity, &extras)
    }

    /// `NotFound` unless the store holds a license for `scope` (`target` in the store's terms).
    async fn require_stored(&self, scope: &Scope, target: &licet_store::Scope) -> Result<(), ServiceError> {
        match self.store().current_license(target).await.map_err(store_err)? {
            Some(_) => Ok(()),
            None => Err(ServiceError::NotFound(format!("A license for {scope}"))),
        }
    }

    /// Audits who asked for a renewal, of which scope, and how it went (the renewal itself is audited by the
    /// runtime when it installs).
    async fn record_refresh(&self, actor: Actor, scope: &Scope, outcome: String) -> Result<(), ServiceError> {
        let change = licet_store::Change::new(actor.0, self.runtime.clock().now())
            .with_reason(outcome)
            .with_details(serde_json::json!({ "scope": scope.to_string() }));
        let entry = licet_store::NewAuditEntry {
            action: "license.refresh".to_owned(),
            fingerprint: None,
            change,
        };
        self.store().append_audit(entry).await.map_err(store_err)?;
        Ok(())
    }
}

#[async_trait::async_trait]
impl LicenseService for RuntimeService {
    async fn status(&self) -> Result<StatusView, ServiceError> {
        self.view().await
    }

    async fn status_json(&self) -> Result<axum::body::Bytes, ServiceError> {
        self.view_json().await
    }

    async fn identity(&self) -> Result<Identity, ServiceError> {
        Ok(self.identity.clone())
    }

    async fn install(
        &self,
        scope: Scope,
        bytes: Vec<u8>,
        source: &'static str,
        actor: Actor,
        reason: Option<String>,
    ) -> Result<StatusView, ServiceError> {
        self.install_with(scope, bytes, source, actor, reason, false).await
    }

    async fn install_with(
        &self,
        scope: Scope,
        bytes: Vec<u8>,
        source: &'static str,
        actor: Actor,
        reason: Option<String>,
        acknowledge: bool,
    ) -> Result<StatusView, ServiceError> {
        accepts::check(self.runtime.policy(), Way::of_source(source))?;
        let target = store_scope(&scope)?;
        // A refused change (`ChangeNeedsAck`) is audited by the runtime with its list; the other refusals here.
        match self
            .runtime
            .install_with(&bytes, &actor.0, reason.as_deref(), target, source, acknowledge)
            .await
        {
            Ok(_) => self.view().await,
            Err(RuntimeError::Refused { reason: why, detail }) => {
                let now = self.runtime.clock().now();
                audit_rejection(self.store(), &scope, &actor, reason, why, now).await;
                Err(ServiceError::Rejected { reason: why, detail })
            }
            Err(e) => Err(runtime_err(e)),
        }
    }

    async fn clear(&self, scope: Scope, actor: Actor, reason: Option<String>) -> Result<StatusView, ServiceError> {
        accepts::check(self.runtime.policy(), Way::Store)?;
        let target = store_scope(&scope)?;
        self.require_stored(&scope, &target).await?;
        self.runtime
            .clear(target, &actor.0, reason.as_deref())
            .await
            .map_err(runtime_err)?;
        self.view().await
    }

    async fn refresh(&self, scope: Scope, actor: Actor) -> Result<StatusView, ServiceError> {
        accepts::check(self.runtime.policy(), Way::Renewal)?;
        let target = store_scope(&scope)?;
        // An org without a license of its own renews with the instance; there is nothing of its own to renew.
        if matches!(target, licet_store::Scope::Org(_)) {
            self.require_stored(&scope, &target).await?;
        }
        let result = self.runtime.refresh_scope(&target).await;
        let outcome = match &result {
            Ok(RefreshOutcome::Installed { sequence, .. }) => format!("installed sequence {sequence}"),
            Ok(RefreshOutcome::NotNewer) => "the vendor has nothing newer".to_owned(),
            Ok(RefreshOutcome::NoRenewalUrl) => "no renewal URL".to_owned(),
            Err(e) => e.code().to_owned(),
        };
        self.record_refresh(actor, &scope, outcome).await?;
        match result.map_err(runtime_err)? {
            RefreshOutcome::Installed { .. } | RefreshOutcome::NotNewer => self.view().await,
            RefreshOutcome::NoRenewalUrl => Err(ServiceError::Unavailable(match scope {
                Scope::Instance => "The installed license names no renewal URL".to_owned(),
                Scope::Org(id) => format!("The license of organization {id:?} names no renewal URL"),
            })),
        }
    }

    async fn activation_request(&self) -> Result<ActivationFile, ServiceError> {
        let status = self.view().await?;
        crate::activation::request(&self.install_key, &self.identity, &status, self.runtime.clock().now())
    }

    async fn audit(&self, before: Option<i64>, limit: u32) -> Result<Vec<AuditEntry>, ServiceError> {
        let entries = self.store().list_audit(before, limit).await.map_err(store_err)?;
        Ok(entries.into_iter().map(crate::activation::audit_entry).collect())
    }

    async fn record(&self, actor: Actor, action: &str, detail: Option<String>) -> Result<(), ServiceError> {
        let mut change = licet_store::Change::new(actor.0, self.runtime.clock().now());
        change.reason = detail;
        let entry = licet_store::NewAuditEntry {
            action: action.replace('_', "."),
            fingerprint: None,
            change,
        };
        self.store().append_audit(entry).await.map_err(store_err)?;
        Ok(())
    }

    async fn create_token(&self, name: &str, role: Role) -> Result<NewToken, ServiceError> {
        mint_token(self.store(), name, role, self.runtime.clock().now()).await
    }

    async fn list_tokens(&self) -> Result<Vec<TokenInfo>, ServiceError> {
        let tokens = self.store().list_api_tokens().await.map_err(store_err)?;
        Ok(tokens.iter().filter(|t| t.is_active()).map(token_info).collect())
    }

    async fn revoke_token(&self, id: &str) -> Result<(), ServiceError> {
        let not_found = || ServiceError::NotFound(format!("Token {id:?}"));
        let uuid = uuid::Uuid::parse_str(id).map_err(|_| not_found())?;
        let now = self.runtime.clock().now();
        if self.store().revoke_api_token(uuid, now).await.map_err(store_err)? {
            Ok(())
        } else {
            Err(not_found())
        }
    }

    async fn authenticate(&self, secret: &str) -> Result<Option<TokenInfo>, ServiceError> {
        let found = self
            .store()
            .find_api_token(&licet_store::TokenHash::of(secret))
            .await
            .map_err(store_err)?;
        match found {
            Some(t) if t.is_active() => {
                if let Err(e) = self.store().touch_api_token(t.id, self.runtime.clock().now()).await {
                    tracing::warn!(error = %e, "cannot record token use");
                }
                Ok(Some(token_info(&t)))
            }
            _ => Ok(None),
        }
    }

    async fn check(&self, q: CheckQuery) -> Result<CheckView, ServiceError> {
        let snap = self.fresh_snapshot().await?;
        let status = &snap.scope(q.org.as_deref()).status;
        let ent = &status.entitlements;
        // The order of a request through the gate and then the handler's guards: access, writes, then what the
        // action needs.
        let denied = match access_denied(status) {
            Some(reason) => Some((reason, serde_json::Map::new())),
            None => {
                let checks = [
                    q.write.then(|| ent.guard_write()),
                    q.module.as_deref().map(|m| ent.check_module(m)),
                    q.feature.as_deref().map(|f| ent.check_feature(f)),
                    q.quota.as_deref().zip(q.current).map(|(k, n)| ent.check_quota(k, n)),
                ];
                checks.into_iter().flatten().find_map(Result::err).map(|d| {
                    let mut details = match serde_json::to_value(&d) {
                        Ok(serde_json::Value::Object(m)) => m,
                        _ => serde_json::Map::new(),
                    };
                    details.remove("code");
                    (d.reason(), details)
                })
            }
        };
        let (code, message, details) = match denied {
            Some((reason, details)) => (
                Some(reason.code().to_owned()),
                Some(reason.sentence().to_owned()),
                details,
            ),
            None => (None, None, serde_json::Map::new()),
        };
        Ok(CheckView {
            allowed: code.is_none(),
            state: status.state.code().to_owned(),
            effect: status.effect().code().to_owned(),
            org: status.org.clone(),
            code,
            message,
            details,
        })
    }

    async fn has_owner(&self) -> Result<bool, ServiceError> {
        Ok(self.store().count_active_owners().await.map_err(store_err)? > 0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The runtime failing to reach the store (an install, a reload, a re-evaluation) is the retryable 503.
    #[test]
    fn a_store_outage_below_the_runtime_is_store_unavailable() {
        let down = RuntimeError::Store {
            code: "store_unavailable",
            message: "the license store is unavailable: pool timed out".into(),
        };
        assert!(matches!(runtime_err(down), ServiceError::StoreUnavailable(_)));
        let other = RuntimeError::Store {
            code: "store_corrupt",
            message: "damaged".into(),
        };
        assert!(matches!(runtime_err(other), ServiceError::Internal(_)));
    }
}
