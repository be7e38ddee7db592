//! Loading, verifying (only when bytes change), evaluating and swapping.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use licet_core::lifecycle::LicenseInput;
use licet_core::policy::Reevaluate;
use licet_core::{evaluate, evaluate_org, Context, Entitlements, HighWater, Policy, Reason, State, UnixTime};
use licet_core::{Status, VerifiedLicense};
use licet_store::{Change, NewLicense, Scope, StoreError};
use sha2::{Digest, Sha256};

use crate::error::Error;
use crate::registry::ModuleRegistry;
use crate::runtime::Inner;
use crate::snapshot::{diff, ScopeSnapshot, Snapshot};
use crate::source::{pick, Source};

/// Verification results kept per token hash; a handful of licenses is all one install ever sees at once.
const VERIFY_CACHE_MAX: usize = 64;

#[derive(Clone, Debug)]
pub(crate) struct LoadedToken {
    pub(crate) source: Source,
    pub(crate) verified: Result<Arc<VerifiedLicense>, Reason>,
}

/// What the last load found, so that timers can re-evaluate without touching sources or signatures.
#[derive(Default)]
pub(crate) struct Loaded {
    pub(crate) instance: Option<LoadedToken>,
    pub(crate) orgs: BTreeMap<String, LoadedToken>,
    cache: HashMap<[u8; 32], Result<Arc<VerifiedLicense>, Reason>>,
    frozen_modules: Option<Arc<[bool]>>,
}

impl Loaded {
    fn verify(&mut self, inner: &Inner, token: &str) -> Result<Arc<VerifiedLicense>, Reason> {
        let hash: [u8; 32] = Sha256::digest(token.as_bytes()).into();
        if let Some(hit) = self.cache.get(&hash) {
            return hit.clone();
        }
        let result = inner.verifier.verify(token.as_bytes()).map(Arc::new).map_err(|e| {
            tracing::warn!(code = e.reason().code(), "license refused by verification: {e}");
            e.reason()
        });
        if self.cache.len() >= VERIFY_CACHE_MAX {
            self.cache.clear();
        }
        self.cache.insert(hash, result.clone());
        result
    }
}

fn input(token: Option<&LoadedToken>) -> LicenseInput<'_> {
    match token.map(|t| &t.verified) {
        None => LicenseInput::None,
        Some(Ok(v)) => LicenseInput::Verified(v),
        Some(Err(r)) => LicenseInput::Rejected(*r),
    }
}

/// The token text the store keeps: compact tokens lose all whitespace; armored and JSON forms keep their layout.
pub(crate) fn normalize(token: &[u8]) -> Result<String, Error> {
    let text = std::str::from_utf8(token).map_err(|_| Error::refused(Reason::LicenseMalformed))?;
    let trimmed = text.trim();
    if trimmed.starts_with("-----BEGIN") || trimmed.starts_with('{') {
        Ok(trimmed.to_owned())
    } else {
        Ok(trimmed.chars().filter(|c| !c.is_ascii_whitespace()).collect())
    }
}

impl Snapshot {
    /// What callers see before the first load: locked, nothing granted.
    pub(crate) fn placeholder(policy: &Policy, now: UnixTime, modules: usize) -> Snapshot {
        let mut status = evaluate(policy, &Context::default(), LicenseInput::None, now);
        status.entitlements = Entitlements::locked();
        Snapshot {
            instance: ScopeSnapshot {
                status,
                source: None,
                license: None,
            },
            orgs: HashMap::new(),
            modules_loaded: vec![false; modules].into(),
            evaluated_at: now,
            next_change: None,
        }
    }
}

impl Inner {
    async fn context(&self, loaded: &Loaded, extra: Option<&VerifiedLicense>) -> Result<Context, Error> {
        let mut customers: Vec<String> = loaded
            .instance
            .iter()
            .chain(loaded.orgs.values())
            .filter_map(|t| t.verified.as_ref().ok().map(|v| v.claims().lic.customer.id.clone()))
            .collect();
        customers.extend(extra.map(|v| v.claims().lic.customer.id.clone()));
        customers.sort();
        customers.dedup();
        let mut high_water = HighWater {
            last_seen: self.store.high_water_marks(None).await?.latest_seen,
            ..HighWater::default()
        };
        for c in customers {
            let marks = self.store.high_water_marks(Some(&c)).await?;
            if let Some(seq) = marks.sequence.and_then(|s| u64::try_from(s).ok()) {
                high_water.sequences.insert(c, seq);
            }
        }
        Ok(Context {
            install_id: Some(self.install_id.clone()),
            fingerprint: Some(self.fingerprint.clone()),
            domain: self.domain.clone(),
            high_water,
            enforcement: self.enforcement,
        })
    }

    fn compute(&self, loaded: &mut Loaded, ctx: &Context, now: UnixTime) -> Snapshot {
        let status = evaluate(&self.policy, ctx, input(loaded.instance.as_ref()), now);
        let mut orgs = HashMap::new();
        for (id, tok) in &loaded.orgs {
            let s = evaluate_org(&self.policy, ctx, &status, id, input(Some(tok)), now);
            orgs.insert(id.clone(), scope_snapshot(s, Some(tok)));
        }
        for named in &status.orgs {
            if !orgs.contains_key(&named.id) {
                let s = evaluate_org(&self.policy, ctx, &status, &named.id, LicenseInput::None, now);
                orgs.insert(named.id.clone(), scope_snapshot(s, loaded.instance.as_ref()));
            }
        }
        let modules_loaded = match (&loaded.frozen_modules, self.policy.reevaluate) {
            (Some(frozen), Reevaluate::OnLoad) => frozen.clone(),
            _ => module_flags(&self.registry, &status),
        };
        if loaded.frozen_modules.is_none() {
            loaded.frozen_modules = Some(modules_loaded.clone());
        }
        let next_change = orgs
            .values()
            .filter_map(|o| o.status.next_wakeup())
            .chain(status.next_wakeup())
            .min();
        Snapshot {
            instance: scope_snapshot(status, loaded.instance.as_ref()),
            orgs,
            modules_loaded,
            evaluated_at: now,
            next_change,
        }
    }

    /// Swaps in `next`, announces and logs what changed.
    fn publish(&self, next: Snapshot, cause: &'static str, first: bool) {
        let old = self.snapshot.load_full();
        let changes = diff(&old, &next, cause);
        let modules_changed = first || old.modules_loaded != next.modules_loaded;
        let next = Arc::new(next);
        self.snapshot.store(next.clone());
        for c in &changes {
            let org = c.org.as_deref().unwrap_or("instance");
            let reason = c.reason.map(Reason::code).unwrap_or("");
            let scope = if first {
                "license state"
            } else {
                "license state changed"
            };
            tracing::info!(org, from = %c.from, to = %c.to, reason, cause, license_changed = c.license_changed, "{scope}: {} → {}", c.from, c.to);
            // No receivers is fine: events are for whoever listens.
            let _ = self.events.send(c.clone());
        }
        if modules_changed {
            let decisions = self.registry.decide(&next.instance.status);
            let loaded: Vec<_> = decisions
                .into_iter()
                .enumerate()
                .map(|(i, mut d)| {
                    if next.module_loaded(i) && d.skipped.is_some() {
                        d.skipped = None;
                        d.line = format!("Loaded licensed {} {}", self.registry.noun(), d.name);
                    }
                    d
                })
                .collect();
            ModuleRegistry::log(&loaded);
        }
    }

    /// Re-reads sources and store, verifies changed bytes, evaluates and publishes. With `strict`, a source error
    /// fails (startup); otherwise it is logged and the previous license is kept.
    pub(crate) async fn reload(&self, cause: &'static str, strict: bool) -> Result<(), Error> {
        let mut loaded = self.loaded.lock().await;
        self.reload_locked(&mut loaded, cause, strict).await
    }

    async fn reload_locked(&self, loaded: &mut Loaded, cause: &'static str, strict: bool) -> Result<(), Error> {
        let records = self.store.current_licenses().await?;
        let mut store_instance = None;
        let mut store_orgs = BTreeMap::new();
        for r in records {
            match r.scope {
                Scope::Instance => store_instance = Some(r.token),
                Scope::Org(id) => {
                    store_orgs.insert(id.as_str().to_owned(), r.token);
                }
            }
        }
        let order = self.policy.sources.order.clone();
        let seeds_only = self.policy.sources.file_seeds_store_once;
        let found = pick(&order, |kind| match kind {
            Source::Store => Ok(store_instance.clone()),
            Source::File if seeds_only => Ok(None),
            other => self.sources.read(other, &*self.env),
        });
        match found {
            Ok(found) => {
                loaded.instance = found.map(|f| LoadedToken {
                    source: f.kind,
                    verified: loaded.verify(self, &f.token),
                });
            }
            Err(e) if strict => return Err(e),
            Err(e) => tracing::error!(
                code = e.code(),
                "license source unreadable; keeping the current license: {e}"
            ),
        }
        let mut orgs = BTreeMap::new();
        for (id, token) in store_orgs {
            let verified = loaded.verify(self, &token);
            orgs.insert(
                id,
                LoadedToken {
                    source: Source::Store,
                    verified,
                },
            );
        }
        loaded.orgs = orgs;
        self.evaluate_and_publish(loaded, cause, strict).await
    }

    pub(crate) async fn reevaluate(&self, cause: &'static str) -> Result<(), Error> {
        let mut loaded = self.loaded.lock().await;
        self.evaluate_and_publish(&mut loaded, cause, false).await
    }

    async fn evaluate_and_publish(&self, loaded: &mut Loaded, cause: &'static str, first: bool) -> Result<(), Error> {
        let now = self.clock.now();
        let ctx = self.context(loaded, None).await?;
        let next = self.compute(loaded, &ctx, now);
        self.store.observe_time(now).await?;
        self.publish(next, cause, first);
        Ok(())
    }

    pub(crate) async fn install(
        &self,
        token: &[u8],
        actor: &str,
        reason: Option<&str>,
        scope: Scope,
        origin: &str,
    ) -> Result<Arc<Snapshot>, Error> {
        let token = normalize(token)?;
        let mut loaded = self.loaded.lock().await;
        let verified = loaded.verify(self, &token).map_err(Error::refused)?;
        let now = self.clock.now();
        let ctx = self.context(&loaded, Some(&verified)).await?;
        let status = match &scope {
            Scope::Instance => evaluate(&self.policy, &ctx, LicenseInput::Verified(&verified), now),
            Scope::Org(id) => {
                let instance = evaluate(&self.policy, &ctx, input(loaded.instance.as_ref()), now);
                evaluate_org(
                    &self.policy,
                    &ctx,
                    &instance,
                    id.as_str(),
                    LicenseInput::Verified(&verified),
                    now,
                )
            }
        };
        if status.state == State::Invalid {
            let reason = status.reason.unwrap_or(Reason::LicenseInvalid);
            tracing::warn!(
                code = reason.code(),
                actor,
                "license install refused; the current license is kept"
            );
            return Err(Error::Refused {
                reason,
                detail: Some(status.sentence),
            });
        }
        let lic = &verified.claims().lic;
        let mut change = Change::new(actor, now);
        if let Some(r) = reason {
            change = change.with_reason(r);
        }
        let new = NewLicense {
            scope: scope.clone(),
            token,
            source: origin.to_owned(),
            customer_id: Some(lic.customer.id.clone()),
            sequence: i64::try_from(lic.sequence).ok(),
            expires_at: verified.claims().exp,
            change,
        };
        match self.store.install_license(new).await {
            Ok(_) => {}
            Err(StoreError::SequenceRolledBack { .. }) => return Err(Error::refused(Reason::LicenseRolledBack)),
            Err(e) => return Err(e.into()),
        }
        tracing::info!(actor, origin, scope = %scope.key(), sequence = lic.sequence, "license installed");
        // Still under the lock, so the store listener's reload (same bytes, no change) comes after ours.
        self.reload_locked(&mut loaded, "install", false).await?;
        Ok(self.snapshot.load_full())
    }
}

fn scope_snapshot(status: Status, token: Option<&LoadedToken>) -> ScopeSnapshot {
    ScopeSnapshot {
        license: token.and_then(|t| t.verified.as_ref().ok().cloned()),
        source: token.map(|t| t.source),
        status,
    }
}

fn module_flags(registry: &ModuleRegistry, status: &Status) -> Arc<[bool]> {
    let ent = &status.entitlements;
    registry
        .modules()
        .iter()
        .map(|m| ent.allows_module(&m.product_key))
        .collect()
}
