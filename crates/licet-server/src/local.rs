//! The production [`LicenseService`]: licet-core judges, licet-store remembers.
//!
//! Every install is verified (signature, issuer, audience), evaluated against the install (binding, rollback,
//! clock) and refused unless the result is a license in force, before anything is written; the store then makes
//! it current, raises the high-water marks and appends the audit entry in one transaction. The status is
//! re-evaluated on each read at the injected clock's `now`, from a cached verification of the stored token.
//!
//! licet-runtime will own the cached snapshot, sources and renewal loop; when it lands this file shrinks to an
//! adapter over it (see the crate README).

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex};

use licet_core::lifecycle::{evaluate, evaluate_org, Context, HighWater, LicenseInput};
use licet_core::{Alg, FileSigner, PrivateKey, Reason, State, Status, UnixTime, VerifiedLicense, Verifier};
use licet_store::{Change, LicenseRecord, NewApiToken, NewAuditEntry, NewLicense, Store, StoreError, TokenHash};
use sha2::{Digest, Sha256};

use crate::service::{
    ActivationFile, Actor, AuditEntry, Identity, LicenseService, NewToken, Role, Scope, ServiceError, StatusView,
    TokenInfo,
};
use crate::view::ViewExtras;

/// Where `now` comes from: the caller's clock (licet never reads it here).
pub type Clock = Arc<dyn Fn() -> UnixTime + Send + Sync>;

/// Longest renewal answer read.
const MAX_RENEWAL_BYTES: usize = 256 * 1024;

pub struct LocalService {
    store: Arc<dyn Store>,
    verifier: Verifier,
    policy: licet_core::Policy,
    clock: Clock,
    identity: Identity,
    install_key: FileSigner,
    /// Verification of stored tokens, by token text: signatures are checked once per token, not per read.
    verified: Mutex<BTreeMap<String, Result<VerifiedLicense, Reason>>>,
    usage: Mutex<BTreeMap<String, u64>>,
    http: reqwest::Client,
}

pub(crate) fn internal(e: impl std::fmt::Display) -> ServiceError {
    ServiceError::Internal(e.to_string())
}

pub(crate) fn store_err(e: StoreError) -> ServiceError {
    match e {
        StoreError::SequenceRolledBack { .. } => ServiceError::Rejected(Reason::LicenseRolledBack),
        other => internal(other),
    }
}

/// `LICET-FP-` and 16 hex digits in groups of four, from the install id: stable across restarts and replicas
/// sharing a database, different for every install.
pub fn host_fingerprint(install_id: &str) -> String {
    let digest = hex::encode_upper(Sha256::digest(format!("licet-fingerprint:{install_id}").as_bytes()));
    let groups: Vec<&str> = (0..4).filter_map(|i| digest.get(i * 4..i * 4 + 4)).collect();
    format!("LICET-FP-{}", groups.join("-"))
}

pub(crate) fn store_scope(scope: &Scope) -> Result<licet_store::Scope, ServiceError> {
    match scope {
        Scope::Instance => Ok(licet_store::Scope::Instance),
        Scope::Org(id) => licet_store::Scope::org(id.clone()).map_err(|e| ServiceError::NotFound(e.to_string())),
    }
}

pub(crate) fn role_to_store(r: Role) -> licet_store::Role {
    match r {
        Role::Viewer => licet_store::Role::Viewer,
        Role::Admin => licet_store::Role::Admin,
        Role::Owner => licet_store::Role::Owner,
    }
}

pub(crate) fn role_from_store(r: licet_store::Role) -> Role {
    match r {
        licet_store::Role::Viewer => Role::Viewer,
        licet_store::Role::Admin => Role::Admin,
        licet_store::Role::Owner => Role::Owner,
    }
}

pub(crate) fn token_info(t: &licet_store::ApiToken) -> TokenInfo {
    TokenInfo {
        id: t.id.to_string(),
        name: t.name.clone(),
        role: role_from_store(t.role),
        created_at: t.created_at.to_rfc3339(),
    }
}

/// A fresh API token secret: 32 random bytes, hex, with a prefix that makes leaked ones greppable.
pub(crate) fn new_secret() -> Result<String, ServiceError> {
    let mut bytes = [0u8; 32];
    rand_core::RngCore::try_fill_bytes(&mut rand_core::OsRng, &mut bytes).map_err(internal)?;
    Ok(format!("licet_{}", hex::encode(bytes)))
}

/// Mints an API token in `store` and returns it with its secret (shown once; only its hash is stored). Also what
/// `licet token create` uses for operators with shell access.
pub async fn mint_token(store: &dyn Store, name: &str, role: Role, now: UnixTime) -> Result<NewToken, ServiceError> {
    let secret = new_secret()?;
    let token = NewApiToken {
        name: name.to_owned(),
        role: role_to_store(role),
        hash: TokenHash::of(&secret),
        created_at: now,
    };
    let first_owner = role == Role::Owner && store.count_active_owners().await.map_err(internal)? == 0;
    let stored = if first_owner {
        // Safe across replicas: only one first owner can win; a loser becomes an ordinary owner token.
        match store.create_first_owner_token(token.clone()).await.map_err(internal)? {
            Some(t) => t,
            None => store.create_api_token(token).await.map_err(internal)?,
        }
    } else {
        store.create_api_token(token).await.map_err(internal)?
    };
    Ok(NewToken {
        info: token_info(&stored),
        token: secret,
    })
}

impl LocalService {
    /// Opens the install's identity (made on first start) and its own signing key (likewise).
    pub async fn new(
        store: Arc<dyn Store>,
        verifier: Verifier,
        policy: licet_core::Policy,
        clock: Clock,
    ) -> Result<LocalService, ServiceError> {
        let now = clock();
        let installation = store.ensure_installation(now).await.map_err(internal)?;
        let install_id = installation.install_id.to_string();
        let candidate = PrivateKey::generate(Alg::EdDSA, &mut rand_core::OsRng).map_err(internal)?;
        let candidate_pem = candidate.to_pkcs8_pem().map_err(internal)?;
        let pem = store.ensure_install_key(&candidate_pem, now).await.map_err(internal)?;
        let install_key = FileSigner::from_pkcs8_pem(format!("install-{install_id}"), &pem).map_err(internal)?;
        Ok(LocalService {
            store,
            verifier,
            policy,
            clock,
            identity: Identity {
                fingerprint: host_fingerprint(&install_id),
                install_id,
            },
            install_key,
            verified: Mutex::new(BTreeMap::new()),
            usage: Mutex::new(BTreeMap::new()),
            http: reqwest::Client::builder()
                .timeout(std::time::Duration::from_secs(15))
                .build()
                .map_err(internal)?,
        })
    }

    /// The product reports how much of a quota is in use; shown on the page and in `/metrics`.
    pub fn set_usage(&self, kind: &str, used: u64) {
        if let Ok(mut usage) = self.usage.lock() {
            usage.insert(kind.to_owned(), used);
        }
    }

    pub fn store(&self) -> &Arc<dyn Store> {
        &self.store
    }

    fn verify_cached(&self, token: &str) -> Result<VerifiedLicense, Reason> {
        if let Some(hit) = self.verified.lock().ok().and_then(|m| m.get(token).cloned()) {
            return hit;
        }
        let result = self.verifier.verify(token.as_bytes()).map_err(|e| e.reason());
        if let Ok(mut m) = self.verified.lock() {
            // Bounded: at most one entry per scope is ever read again; drop the rest when it grows.
            if m.len() > 64 {
                m.clear();
            }
            m.insert(token.to_owned(), result.clone());
        }
        result
    }

    async fn context(&self, customer_id: Option<&str>) -> Result<Context, ServiceError> {
        let marks = self.store.high_water_marks(customer_id).await.map_err(internal)?;
        let mut sequences = BTreeMap::new();
        if let (Some(customer), Some(seq)) = (customer_id, marks.sequence) {
            sequences.insert(customer.to_owned(), u64::try_from(seq).unwrap_or(0));
        }
        Ok(Context {
            install_id: Some(self.identity.install_id.clone()),
            fingerprint: Some(self.identity.fingerprint.clone()),
            domain: None,
            high_water: HighWater {
                last_seen: marks.latest_seen,
                sequences,
            },
            enforcement: Default::default(),
        })
    }

    /// The instance status at `now`, from the stored license.
    async fn evaluate_instance(&self, now: UnixTime) -> Result<(Status, Option<LicenseRecord>), ServiceError> {
        let record = self
            .store
            .current_license(&licet_store::Scope::Instance)
            .await
            .map_err(internal)?;
        let Some(record) = record else {
            let ctx = self.context(None).await?;
            return Ok((evaluate(&self.policy, &ctx, LicenseInput::None, now), None));
        };
        let verified = self.verify_cached(&record.token);
        let customer = verified.as_ref().ok().map(|v| v.claims().lic.customer.id.clone());
        let ctx = self.context(customer.as_deref()).await?;
        let input = match &verified {
            Ok(v) => LicenseInput::Verified(v),
            Err(r) => LicenseInput::Rejected(*r),
        };
        Ok((evaluate(&self.policy, &ctx, input, now), Some(record)))
    }

    async fn view(&self) -> Result<StatusView, ServiceError> {
        let now = (self.clock)();
        let (mut status, record) = self.evaluate_instance(now).await?;
        // Remember the latest time seen, so that a clock set back later is noticed (never lowers).
        self.store.observe_time(now).await.map_err(internal)?;
        let mut own = BTreeSet::new();
        for record in self.store.current_licenses().await.map_err(internal)? {
            let licet_store::Scope::Org(id) = &record.scope else {
                continue;
            };
            own.insert(id.as_str().to_owned());
            let verified = self.verify_cached(&record.token);
            let input = match &verified {
                Ok(v) => LicenseInput::Verified(v),
                Err(r) => LicenseInput::Rejected(*r),
            };
            let ctx = self.context(None).await?;
            let org = evaluate_org(&self.policy, &ctx, &status, id.as_str(), input, now);
            status.orgs.retain(|o| o.id != id.as_str());
            status.orgs.push(crate::view::org_from_status(id.as_str(), &org));
        }
        status.orgs.sort_by(|a, b| a.id.cmp(&b.id));
        let renewal = self
            .store
            .renewal_state(&licet_store::Scope::Instance)
            .await
            .map_err(internal)?;
        let extras = ViewExtras {
            source: record.as_ref().map(|r| r.source.clone()),
            stored_fingerprint: record.map(|r| r.fingerprint),
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

    pub(crate) async fn audit_rejection_in(
        store: &dyn Store,
        scope: &Scope,
        actor: &Actor,
        reason: Option<String>,
        why: Reason,
        now: UnixTime,
    ) {
        let mut change = Change::new(actor.0.clone(), now)
            .with_details(serde_json::json!({"scope": scope.to_string(), "outcome": why.code()}));
        change.reason = reason;
        let entry = NewAuditEntry {
            action: "license.rejected".to_owned(),
            fingerprint: None,
            change,
        };
        if let Err(e) = store.append_audit(entry).await {
            tracing::error!(error = %e, "cannot audit a rejected license");
        }
    }
}

#[async_trait::async_trait]
impl LicenseService for LocalService {
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
        let now = (self.clock)();
        let judged = match self.verifier.verify(&bytes) {
            Err(e) => Err(e.reason()),
            Ok(license) => {
                let customer = license.claims().lic.customer.id.clone();
                let ctx = self.context(Some(&customer)).await?;
                let status = evaluate(&self.policy, &ctx, LicenseInput::Verified(&license), now);
                match status.state {
                    State::Invalid => Err(status.reason.unwrap_or(Reason::LicenseInvalid)),
                    State::Expired => Err(Reason::LicenseExpired),
                    _ => Ok(license),
                }
            }
        };
        let license = match judged {
            Ok(l) => l,
            Err(why) => {
                Self::audit_rejection_in(self.store.as_ref(), &scope, &actor, reason, why, now).await;
                return Err(ServiceError::Rejected(why));
            }
        };
        // Store the canonical compact form, so the stored fingerprint is the verified one.
        let token = licet_core::Jws::decode(&bytes, licet_core::MAX_TOKEN_BYTES)
            .map(|j| j.compact().to_owned())
            .map_err(|e| ServiceError::Rejected(e.reason()))?;
        let claims = license.claims();
        let mut change =
            Change::new(actor.0.clone(), now).with_details(serde_json::json!({"scope": scope.to_string()}));
        change.reason = reason;
        let new = NewLicense {
            scope: store_scope(&scope)?,
            token,
            source: source.to_owned(),
            customer_id: Some(claims.lic.customer.id.clone()),
            sequence: i64::try_from(claims.lic.sequence).ok(),
            expires_at: claims.exp,
            change,
        };
        self.store.install_license(new).await.map_err(store_err)?;
        self.view().await
    }

    async fn clear(&self, scope: Scope, actor: Actor, reason: Option<String>) -> Result<StatusView, ServiceError> {
        let now = (self.clock)();
        let mut change = Change::new(actor.0, now);
        change.reason = reason;
        let cleared = self
            .store
            .clear_license(&store_scope(&scope)?, change)
            .await
            .map_err(internal)?;
        if cleared.is_none() {
            return Err(ServiceError::NotFound(format!("A license for {scope}")));
        }
        self.view().await
    }

    async fn refresh(&self, actor: Actor) -> Result<StatusView, ServiceError> {
        let now = (self.clock)();
        let record = self
            .store
            .current_license(&licet_store::Scope::Instance)
            .await
            .map_err(internal)?;
        let url = record
            .and_then(|r| self.verify_cached(&r.token).ok())
            .and_then(|v| v.claims().lic.renewal.clone())
            .map(|r| r.url)
            .ok_or_else(|| ServiceError::Unavailable("The installed license names no renewal URL".into()))?;
        let fetched = async {
            let res = self.http.get(&url).send().await.map_err(|e| e.to_string())?;
            if !res.status().is_success() {
                return Err(format!("{url} answered {}", res.status()));
            }
            let body = res.bytes().await.map_err(|e| e.to_string())?;
            if body.len() > MAX_RENEWAL_BYTES {
                return Err(format!("{url} answered more than {MAX_RENEWAL_BYTES} bytes"));
            }
            Ok(body.to_vec())
        }
        .await;
        let scope = licet_store::Scope::Instance;
        let body = match fetched {
            Ok(b) => b,
            Err(message) => {
                let err = licet_store::RenewalError {
                    code: "renewal_failed".into(),
                    message: message.clone(),
                };
                self.store
                    .record_renewal(&scope, now, Err(err))
                    .await
                    .map_err(internal)?;
                return Err(ServiceError::Upstream(message));
            }
        };
        let result = self.install(Scope::Instance, body, "renewal", actor, None).await;
        let outcome = match &result {
            Ok(_) => Ok(()),
            Err(e) => Err(licet_store::RenewalError {
                code: "renewal_rejected".into(),
                message: e.to_string(),
            }),
        };
        self.store
            .record_renewal(&scope, now, outcome)
            .await
            .map_err(internal)?;
        match result {
            Ok(_) => self.view().await,
            Err(e) => Err(e),
        }
    }

    async fn activation_request(&self) -> Result<ActivationFile, ServiceError> {
        let status = self.view().await?;
        crate::activation::request(&self.install_key, &self.identity, &status, (self.clock)())
    }

    async fn audit(&self, before: Option<i64>, limit: u32) -> Result<Vec<AuditEntry>, ServiceError> {
        let entries = self.store.list_audit(before, limit).await.map_err(internal)?;
        Ok(entries.into_iter().map(crate::activation::audit_entry).collect())
    }

    async fn record(&self, actor: Actor, action: &str, detail: Option<String>) -> Result<(), ServiceError> {
        let now = (self.clock)();
        let mut change = Change::new(actor.0, now);
        change.reason = detail;
        let entry = NewAuditEntry {
            action: action.replace('_', "."),
            fingerprint: None,
            change,
        };
        self.store.append_audit(entry).await.map_err(internal)?;
        Ok(())
    }

    async fn create_token(&self, name: &str, role: Role) -> Result<NewToken, ServiceError> {
        mint_token(self.store.as_ref(), name, role, (self.clock)()).await
    }

    async fn list_tokens(&self) -> Result<Vec<TokenInfo>, ServiceError> {
        let tokens = self.store.list_api_tokens().await.map_err(internal)?;
        Ok(tokens.iter().filter(|t| t.is_active()).map(token_info).collect())
    }

    async fn revoke_token(&self, id: &str) -> Result<(), ServiceError> {
        let not_found = || ServiceError::NotFound(format!("Token {id:?}"));
        let uuid = uuid::Uuid::parse_str(id).map_err(|_| not_found())?;
        if self
            .store
            .revoke_api_token(uuid, (self.clock)())
            .await
            .map_err(internal)?
        {
            Ok(())
        } else {
            Err(not_found())
        }
    }

    async fn authenticate(&self, secret: &str) -> Result<Option<TokenInfo>, ServiceError> {
        let found = self
            .store
            .find_api_token(&TokenHash::of(secret))
            .await
            .map_err(internal)?;
        match found {
            Some(t) if t.is_active() => {
                if let Err(e) = self.store.touch_api_token(t.id, (self.clock)()).await {
                    tracing::warn!(error = %e, "cannot record token use");
                }
                Ok(Some(token_info(&t)))
            }
            _ => Ok(None),
        }
    }

    async fn has_owner(&self) -> Result<bool, ServiceError> {
        Ok(self.store.count_active_owners().await.map_err(internal)? > 0)
    }
}
