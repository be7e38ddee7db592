//! Loading, verifying (only when bytes change), evaluating and swapping.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use licet_core::lifecycle::{compare, LicenseInput, Loss};
use licet_core::policy::Reevaluate;
use licet_core::{
    evaluate, evaluate_org, Context, Entitlements, HighWater, Policy, Reason, SequenceKey, State, UnixTime,
};
use licet_core::{Status, VerifiedLicense, VerifyError};
use licet_store::{Change, NewLicense, Scope, StoreError};
use sha2::{Digest, Sha256};

use crate::error::Error;
use crate::registry::ModuleRegistry;
use crate::runtime::Inner;
use crate::snapshot::{diff, ScopeSnapshot, Snapshot, SourceProblem};
use crate::source::{pick, source_name, Source};

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
    cache: HashMap<[u8; 32], Result<Arc<VerifiedLicense>, VerifyError>>,
    /// The module set decided at the last load (`Reevaluate::OnLoad` keeps it until the next one).
    frozen_modules: Option<Arc<[bool]>>,
    /// The winning source's problem at the last load, if any.
    source_error: Option<SourceProblem>,
    /// Why the mounted file did not seed the store at start; shown while the store holds no license.
    pub(crate) seed_error: Option<SourceProblem>,
    /// What the last evaluation read from the store, for the timer to go on with while the store is unreachable.
    context: Option<Context>,
}

impl LoadedToken {
    /// What identifies the license for change detection: where it came from and which bytes (or why they failed).
    fn identity(&self) -> (Source, Result<String, Reason>) {
        let verified = self
            .verified
            .as_ref()
            .map(|v| v.fingerprint().to_owned())
            .map_err(|r| *r);
        (self.source, verified)
    }
}

impl Loaded {
    fn verify(&mut self, inner: &Inner, token: &str) -> Result<Arc<VerifiedLicense>, Reason> {
        self.verify_detailed(inner, token).map_err(|e| e.reason())
    }

    /// As [`Loaded::verify`], keeping the specifics (which part did not decode, which kid) for whoever is told.
    fn verify_detailed(&mut self, inner: &Inner, token: &str) -> Result<Arc<VerifiedLicense>, VerifyError> {
        let hash: [u8; 32] = Sha256::digest(token.as_bytes()).into();
        if let Some(hit) = self.cache.get(&hash) {
            return hit.clone();
        }
        let result = inner.verifier.verify(token.as_bytes()).map(Arc::new).inspect_err(|e| {
            tracing::warn!(code = e.reason().code(), "license refused by verification: {e}");
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

/// The token text the store keeps: the compact serialization, whatever form it arrived in (armored, flattened
/// JSON, compact with line breaks), so that what the store keeps reads the same to every tool; a signed document
/// in its one normal spelling likewise. Bytes that do not decode are kept as text, for verification to refuse with
/// its reason.
pub(crate) fn normalize(token: &[u8]) -> Result<String, Error> {
    if let Ok(jws) = licet_core::Jws::decode(token, licet_core::MAX_TOKEN_BYTES) {
        return Ok(jws.compact().to_owned());
    }
    // A signed document (Honeyframe's format) is kept in its one normal spelling, for the same reason.
    if let Ok(doc) = licet_core::SignedDocument::decode(token, licet_core::MAX_TOKEN_BYTES) {
        return Ok(doc.normalized().to_owned());
    }
    let text = std::str::from_utf8(token).map_err(|_| Error::Refused {
        reason: Reason::LicenseMalformed,
        detail: Some("not UTF-8 text".to_owned()),
    })?;
    Ok(text.trim().to_owned())
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
            source_error: None,
            orgs: HashMap::new(),
            modules_loaded: vec![false; modules].into(),
            evaluated_at: now,
            next_change: None,
        }
    }
}

impl Inner {
    /// The install's context with the sequence marks of every (customer, scope) loaded, plus `extra`'s (a license
    /// about to be installed in a scope).
    async fn context(&self, loaded: &Loaded, extra: Option<(&VerifiedLicense, &Scope)>) -> Result<Context, Error> {
        let customer = |t: &LoadedToken| t.verified.as_ref().ok().map(|v| v.claims().lic.customer.id.clone());
        let mut keys: Vec<(String, Scope)> = loaded
            .instance
            .iter()
            .filter_map(|t| Some((customer(t)?, Scope::Instance)))
            .collect();
        for (id, t) in &loaded.orgs {
            // Org ids in `loaded` came from the store or a license's claims; one the store would not accept as
            // a scope cannot have a mark either.
            if let (Some(c), Ok(scope)) = (customer(t), Scope::org(id.as_str())) {
                keys.push((c, scope));
            }
        }
        keys.extend(extra.map(|(v, scope)| (v.claims().lic.customer.id.clone(), scope.clone())));
        keys.sort();
        keys.dedup();
        let mut high_water = HighWater {
            last_seen: self.store.high_water_marks(None).await?.latest_seen,
            ..HighWater::default()
        };
        for (customer, scope) in keys {
            let marks = self.store.high_water_marks(Some((&customer, &scope))).await?;
            if let Some(seq) = marks.sequence.and_then(|s| u64::try_from(s).ok()) {
                let org = match scope {
                    Scope::Instance => None,
                    Scope::Org(id) => Some(id.as_str().to_owned()),
                };
                high_water.sequences.insert(SequenceKey { customer, org }, seq);
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
        let source_error = loaded.source_error.clone().or_else(|| {
            // A failed seed explains an empty store; once the store holds a license it no longer matters.
            loaded.seed_error.clone().filter(|_| loaded.instance.is_none())
        });
        Snapshot {
            instance: scope_snapshot(status, loaded.instance.as_ref()),
            source_error,
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

    /// Re-reads sources and store, verifies changed bytes, evaluates and publishes. A source that cannot be read or
    /// holds no valid license never fails the load (a product must not crash-loop on a bad file): see
    /// [`SourceProblem`] for what is kept and shown. Only the store failing is an error.
    pub(crate) async fn reload(&self, cause: &'static str) -> Result<(), Error> {
        let mut loaded = self.loaded.lock().await;
        self.reload_locked(&mut loaded, cause).await
    }

    async fn reload_locked(&self, loaded: &mut Loaded, cause: &'static str) -> Result<(), Error> {
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
        let mut reading = Source::Store;
        let found = pick(&order, |kind| {
            reading = kind;
            match kind {
                Source::Store => Ok(store_instance.clone()),
                Source::File if seeds_only => Ok(None),
                other => self.sources.read(other, &*self.env),
            }
        });
        let before = loaded.instance.as_ref().map(LoadedToken::identity);
        let problem = match found {
            Ok(found) => {
                let token = found.map(|f| LoadedToken {
                    source: f.kind,
                    verified: loaded.verify(self, &f.token),
                });
                match token {
                    // The store holds only licenses that verified at install; one refused now (a build that no
                    // longer trusts its key) is the store's truth, not a broken source.
                    Some(LoadedToken {
                        source,
                        verified: Err(reason),
                    }) if source != Source::Store => Some(self.problem(source, &Error::refused(reason))),
                    token => {
                        loaded.instance = token;
                        None
                    }
                }
            }
            Err(e) => Some(self.problem(reading, &e)),
        };
        if let Some(p) = &problem {
            let kept = loaded.instance.as_ref().is_some_and(|t| t.verified.is_ok());
            tracing::error!(
                source = source_name(p.source),
                code = p.code,
                kept_previous = kept,
                "license source problem: {}",
                p.message
            );
            if !kept {
                loaded.instance = Some(LoadedToken {
                    source: p.source,
                    verified: Err(p.reason),
                });
            }
        }
        loaded.source_error = problem;
        let after = loaded.instance.as_ref().map(LoadedToken::identity);
        // `Reevaluate::OnLoad` decides modules at load: an explicit reload and any change of license (install,
        // clear, another replica) decide again; timer re-evaluations in between do not.
        if cause == "reload" || before != after {
            loaded.frozen_modules = None;
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
        self.evaluate_and_publish(loaded, cause).await
    }

    /// A source's failure in the words the snapshot and the log carry.
    pub(crate) fn problem(&self, source: Source, e: &Error) -> SourceProblem {
        let (reason, what) = match e {
            Error::Refused { reason, detail } => (
                *reason,
                match detail {
                    Some(d) => format!("{} ({d})", reason.sentence()),
                    None => reason.sentence().to_owned(),
                },
            ),
            Error::Config { message } => (Reason::LicenseInvalid, message.clone()),
            other => (Reason::LicenseInvalid, other.to_string()),
        };
        SourceProblem {
            source,
            code: e.code(),
            message: format!("{}: {what}", self.sources.describe(source)),
            reason,
        }
    }

    pub(crate) async fn reevaluate(&self, cause: &'static str) -> Result<(), Error> {
        let mut loaded = self.loaded.lock().await;
        self.evaluate_and_publish(&mut loaded, cause).await
    }

    async fn evaluate_and_publish(&self, loaded: &mut Loaded, cause: &'static str) -> Result<(), Error> {
        let first = cause == "start";
        let now = self.clock.now();
        // Time keeps moving while the store is away: a license due to expire during an outage expires on time.
        // The timer judges the licenses it already holds against the marks it last read; marks only rise and
        // nothing new is let in here (installs and reloads need the store).
        let timer = cause == "timer";
        let (ctx, reached) = match self.context(loaded, None).await {
            Ok(ctx) => (ctx, true),
            Err(e) => match loaded.context.clone().filter(|_| timer) {
                Some(ctx) => {
                    tracing::warn!(code = e.code(), "re-evaluating on the last read high-water marks: {e}");
                    (ctx, false)
                }
                None => return Err(e),
            },
        };
        let next = self.compute(loaded, &ctx, now);
        // Not tried against a store that just failed: each try holds the lock for the store's whole timeout.
        if reached {
            match self.store.observe_time(now).await {
                Ok(_) => {}
                Err(e) if timer => tracing::warn!(code = e.code(), "cannot record the time seen: {e}"),
                Err(e) => return Err(e.into()),
            }
        }
        loaded.context = Some(ctx);
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
        acknowledge: bool,
    ) -> Result<Arc<Snapshot>, Error> {
        let token = normalize(token)?;
        let mut loaded = self.loaded.lock().await;
        let verified = loaded.verify_detailed(self, &token).map_err(Error::from)?;
        // The license the store already holds for this scope, in any spelling (another encoding, an ES256
        // signature re-spelled as (r, n − s)): nothing changes, so nothing is written or audited a second time.
        let in_force = match &scope {
            Scope::Instance => loaded.instance.as_ref(),
            Scope::Org(id) => loaded.orgs.get(id.as_str()),
        };
        if in_force.is_some_and(|t| {
            t.source == Source::Store
                && t.verified
                    .as_ref()
                    .is_ok_and(|v| v.fingerprint() == verified.fingerprint())
        }) {
            tracing::info!(actor, origin, scope = %scope.key(), "license already installed; nothing changes");
            return Ok(self.snapshot.load_full());
        }
        let now = self.clock.now();
        let ctx = self.context(&loaded, Some((&verified, &scope))).await?;
        // The license in force and the candidate, judged at one instant against one context, so that what the
        // comparison reports is what the install would enforce the moment after the swap.
        // An org's first license of its own is a first install: what the instance license grants the org stays
        // the instance's, so there is nothing of the org's to compare with.
        let (current, status) = match &scope {
            Scope::Instance => (
                Some(evaluate(&self.policy, &ctx, input(loaded.instance.as_ref()), now)),
                evaluate(&self.policy, &ctx, LicenseInput::Verified(&verified), now),
            ),
            Scope::Org(id) => {
                let instance = evaluate(&self.policy, &ctx, input(loaded.instance.as_ref()), now);
                let own = loaded.orgs.get(id.as_str());
                (
                    own.map(|own| evaluate_org(&self.policy, &ctx, &instance, id.as_str(), input(Some(own)), now)),
                    evaluate_org(
                        &self.policy,
                        &ctx,
                        &instance,
                        id.as_str(),
                        LicenseInput::Verified(&verified),
                        now,
                    ),
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
            // The status's sentence would describe this license as if it were in force (its effect), which it is
            // not: the refusal carries the reason and only the specifics that help.
            let detail = match reason {
                Reason::LicenseNotYetValid => verified.claims().nbf.map(|nbf| format!("it starts on {nbf}")),
                _ => None,
            };
            return Err(Error::Refused { reason, detail });
        }
        let losses = current.map(|current| compare(&current, &status)).unwrap_or_default();
        if !losses.is_empty() && !acknowledge {
            tracing::warn!(
                code = Reason::LicenseChangeNeedsAck.code(),
                actor,
                origin,
                scope = %scope.key(),
                "license install refused; the current license is kept: {}",
                crate::error::losses_text(&losses)
            );
            self.audit_refused_change(&verified, actor, reason, &scope, origin, &losses, now)
                .await;
            return Err(Error::ChangeNeedsAck { losses });
        }
        let lic = &verified.claims().lic;
        let mut change = Change::new(actor, now);
        if let Some(r) = reason {
            change = change.with_reason(r);
        }
        if !losses.is_empty() {
            tracing::warn!(actor, origin, scope = %scope.key(), "license change acknowledged: {}", crate::error::losses_text(&losses));
            change = change.with_details(serde_json::json!({ "acknowledged": true, "changes": losses }));
        }
        let new = NewLicense {
            scope: scope.clone(),
            token,
            fingerprint: verified.fingerprint().to_owned(),
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
        self.reload_locked(&mut loaded, "install").await?;
        Ok(self.snapshot.load_full())
    }
}

impl Inner {
    /// The refused attempt goes in the audit log beside the installs, with what it would have taken away, so that
    /// an operator can tell "nobody tried" from "someone tried and was stopped". A store that cannot take the
    /// entry does not turn the refusal into another error: the refusal stands and is logged.
    #[allow(clippy::too_many_arguments)]
    async fn audit_refused_change(
        &self,
        verified: &VerifiedLicense,
        actor: &str,
        reason: Option<&str>,
        scope: &Scope,
        origin: &str,
        losses: &[Loss],
        now: UnixTime,
    ) {
        let mut change = Change::new(actor, now).with_details(serde_json::json!({
            "scope": scope.key(),
            "source": origin,
            "outcome": Reason::LicenseChangeNeedsAck.code(),
            "changes": losses,
        }));
        change.reason = reason.map(str::to_owned);
        let entry = licet_store::NewAuditEntry {
            action: "license.rejected".to_owned(),
            fingerprint: Some(verified.fingerprint().to_owned()),
            change,
        };
        if let Err(e) = self.store.append_audit(entry).await {
            tracing::error!(code = e.code(), "cannot audit a refused license change: {e}");
        }
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
