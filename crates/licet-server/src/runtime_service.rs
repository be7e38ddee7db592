//! [`LicenseService`] over licet-runtime: the runtime verifies once per change of bytes, keeps the snapshot,
//! seeds from the mounted file, follows other replicas and renews; the store keeps tokens and the audit log.
//! This is what `licet serve` runs and what a product that embeds a [`licet_runtime::Runtime`] mounts.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Mutex;

use licet_core::{Alg, FileSigner, PrivateKey};
use licet_runtime::{Error as RuntimeError, RefreshOutcome, Runtime};
use licet_store::Store;

use crate::accepts::{self, Way};
use crate::service::{
    ActivationFile, Actor, AuditEntry, Identity, LicenseService, NewToken, Role, Scope, ServiceError, StatusView,
    TokenInfo,
};
use crate::tokens_store::{audit_rejection, internal, mint_token, store_scope, token_info};
use crate::view::{org_from_status, ViewExtras};

/// Oldest snapshot the API shows without re-evaluating.
const REEVALUATE_AFTER_SECONDS: i64 = 60;

pub struct RuntimeService {
    runtime: Runtime,
    identity: Identity,
    install_key: FileSigner,
    usage: Mutex<BTreeMap<String, u64>>,
}

fn runtime_err(e: RuntimeError) -> ServiceError {
    match e {
        RuntimeError::Refused { reason, .. } => ServiceError::Rejected(reason),
        RuntimeError::Renewal { message } => ServiceError::Upstream(message),
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
            .map_err(internal)?;
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
    }

    fn store(&self) -> &dyn Store {
        self.runtime.store().as_ref()
    }

    pub fn store_handle(&self) -> &std::sync::Arc<dyn Store> {
        self.runtime.store()
    }

    async fn view(&self) -> Result<StatusView, ServiceError> {
        let now = self.runtime.clock().now();
        // The runtime's timer re-evaluates when the state is due to change; the API also does when that moment has
        // passed, when the clock went back, or once a minute (cheap: no signature work), so that what the page shows
        // is judged at about this `now` even without background tasks.
        let snap = self.runtime.snapshot_full();
        let stale = snap.next_change.is_some_and(|t| now >= t)
            || now < snap.evaluated_at
            || now.seconds().saturating_sub(snap.evaluated_at.seconds()) >= REEVALUATE_AFTER_SECONDS;
        let snap = if stale {
            self.runtime.reevaluate().await.map_err(runtime_err)?
        } else {
            snap
        };
        let mut status = snap.instance.status.clone();
        let records = self.store().current_licenses().await.map_err(internal)?;
        let mut own = BTreeSet::new();
        let mut stored_fingerprint = None;
        let mut stored_origin = None;
        for r in &records {
            match &r.scope {
                licet_store::Scope::Instance => {
                    stored_fingerprint = Some(r.fingerprint.clone());
                    stored_origin = Some(r.source.clone());
                }
                licet_store::Scope::Org(id) => {
                    own.insert(id.as_str().to_owned());
                }
            }
        }
        for id in &own {
            if let Some(org) = snap.orgs.get(id) {
                status.orgs.retain(|o| &o.id != id);
                status.orgs.push(org_from_status(id, &org.status));
            }
        }
        status.orgs.sort_by(|a, b| a.id.cmp(&b.id));
        let renewal = self
            .store()
            .renewal_state(&licet_store::Scope::Instance)
            .await
            .map_err(internal)?;
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
            last_refresh: renewal.map(|r| crate::service::RefreshView {
                at: r.last_attempt_at.to_rfc3339(),
                ok: r.last_error.is_none(),
                message: r.last_error.map_or_else(|| "renewed".to_owned(), |e| e.message),
            }),
            usage: self.usage.lock().map(|u| u.clone()).unwrap_or_default(),
            orgs_with_own_license: own,
        };
        Ok(StatusView::from_core(&status, &self.identity, &extras))
    }
}

#[async_trait::async_trait]
impl LicenseService for RuntimeService {
    async fn status(&self) -> Result<StatusView, ServiceError> {
        self.view().await
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
        accepts::check(self.runtime.policy(), Way::of_source(source))?;
        let target = store_scope(&scope)?;
        match self
            .runtime
            .install_from(&bytes, &actor.0, reason.as_deref(), target, source)
            .await
        {
            Ok(_) => self.view().await,
            Err(RuntimeError::Refused { reason: why, .. }) => {
                let now = self.runtime.clock().now();
                audit_rejection(self.store(), &scope, &actor, reason, why, now).await;
                Err(ServiceError::Rejected(why))
            }
            Err(e) => Err(runtime_err(e)),
        }
    }

    async fn clear(&self, scope: Scope, actor: Actor, reason: Option<String>) -> Result<StatusView, ServiceError> {
        accepts::check(self.runtime.policy(), Way::Store)?;
        let target = store_scope(&scope)?;
        if self.store().current_license(&target).await.map_err(internal)?.is_none() {
            return Err(ServiceError::NotFound(format!("A license for {scope}")));
        }
        self.runtime
            .clear(target, &actor.0, reason.as_deref())
            .await
            .map_err(runtime_err)?;
        self.view().await
    }

    /// The renewal itself is audited by the runtime; this records who asked for it and how it went.
    async fn refresh(&self, actor: Actor) -> Result<StatusView, ServiceError> {
        accepts::check(self.runtime.policy(), Way::Renewal)?;
        let result = self.runtime.refresh_now().await;
        let outcome = match &result {
            Ok(RefreshOutcome::Installed { sequence, .. }) => format!("installed sequence {sequence}"),
            Ok(RefreshOutcome::NotNewer) => "the vendor has nothing newer".to_owned(),
            Ok(RefreshOutcome::NoRenewalUrl) => "no renewal URL".to_owned(),
            Err(e) => e.code().to_owned(),
        };
        self.record(actor, "license_refresh", Some(outcome)).await?;
        match result.map_err(runtime_err)? {
            RefreshOutcome::Installed { .. } | RefreshOutcome::NotNewer => self.view().await,
            RefreshOutcome::NoRenewalUrl => Err(ServiceError::Unavailable(
                "The installed license names no renewal URL".into(),
            )),
        }
    }

    async fn activation_request(&self) -> Result<ActivationFile, ServiceError> {
        let status = self.view().await?;
        crate::activation::request(&self.install_key, &self.identity, &status, self.runtime.clock().now())
    }

    async fn audit(&self, before: Option<i64>, limit: u32) -> Result<Vec<AuditEntry>, ServiceError> {
        let entries = self.store().list_audit(before, limit).await.map_err(internal)?;
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
        self.store().append_audit(entry).await.map_err(internal)?;
        Ok(())
    }

    async fn create_token(&self, name: &str, role: Role) -> Result<NewToken, ServiceError> {
        mint_token(self.store(), name, role, self.runtime.clock().now()).await
    }

    async fn list_tokens(&self) -> Result<Vec<TokenInfo>, ServiceError> {
        let tokens = self.store().list_api_tokens().await.map_err(internal)?;
        Ok(tokens.iter().filter(|t| t.is_active()).map(token_info).collect())
    }

    async fn revoke_token(&self, id: &str) -> Result<(), ServiceError> {
        let not_found = || ServiceError::NotFound(format!("Token {id:?}"));
        let uuid = uuid::Uuid::parse_str(id).map_err(|_| not_found())?;
        let now = self.runtime.clock().now();
        if self.store().revoke_api_token(uuid, now).await.map_err(internal)? {
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
            .map_err(internal)?;
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

    async fn has_owner(&self) -> Result<bool, ServiceError> {
        Ok(self.store().count_active_owners().await.map_err(internal)? > 0)
    }
}
