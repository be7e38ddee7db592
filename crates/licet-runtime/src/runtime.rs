//! The runtime a product holds: one per process, cheap to clone, shared by every request.
//!
//! Reads are lock-free ([`Runtime::snapshot`]); writes (install, clear, reload, re-evaluation) are serialized by
//! one async mutex so that two of them never interleave their store reads and swaps.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use arc_swap::{ArcSwap, Guard};
use licet_core::{Enforcement, Policy, Verifier};
use licet_store::{Change, Scope, Store};
use tokio::sync::{broadcast, Mutex};
use tokio::task::AbortHandle;

use crate::clock::{Clock, SystemClock};
use crate::error::Error;
use crate::fingerprint::{fingerprint, DEFAULT_PREFIX};
use crate::load::Loaded;
use crate::registry::{ModuleDecision, ModuleRegistry};
use crate::snapshot::{Snapshot, StateChange};
use crate::source::Sources;

/// How the runtime looks up environment variables; tests pass a map.
pub type EnvFn = Arc<dyn Fn(&str) -> Option<String> + Send + Sync>;

/// The store setting that records that the mounted license file has seeded the store.
pub const SEED_SETTING: &str = "licet.seeded_from_file";

/// A cheap handle; clones share one runtime.
#[derive(Clone)]
pub struct Runtime {
    pub(crate) inner: Arc<Inner>,
}

pub(crate) struct Inner {
    pub(crate) policy: Policy,
    pub(crate) verifier: Verifier,
    pub(crate) store: Arc<dyn Store>,
    pub(crate) clock: Arc<dyn Clock>,
    pub(crate) sources: Sources,
    pub(crate) env: EnvFn,
    pub(crate) registry: ModuleRegistry,
    pub(crate) install_id: String,
    pub(crate) fingerprint: String,
    pub(crate) domain: Option<String>,
    pub(crate) enforcement: Enforcement,
    pub(crate) snapshot: ArcSwap<Snapshot>,
    pub(crate) loaded: Mutex<Loaded>,
    pub(crate) events: broadcast::Sender<StateChange>,
    pub(crate) safety_interval: Duration,
    pub(crate) renewal: crate::renewal::RenewalConfig,
    pub(crate) tasks: std::sync::Mutex<Vec<AbortHandle>>,
    /// Renewal attempts recorded in the store by this process: they change what the store says without a new
    /// snapshot (a failed attempt installs nothing), so whoever caches store facts per snapshot also watches this.
    pub(crate) renewal_attempts: std::sync::atomic::AtomicU64,
}

impl Drop for Inner {
    fn drop(&mut self) {
        if let Ok(tasks) = self.tasks.lock() {
            tasks.iter().for_each(AbortHandle::abort);
        }
    }
}

/// Configures and starts a [`Runtime`].
pub struct RuntimeBuilder {
    policy: Policy,
    verifier: Verifier,
    store: Arc<dyn Store>,
    clock: Arc<dyn Clock>,
    env: EnvFn,
    config_path: Option<PathBuf>,
    license_file: Option<PathBuf>,
    registry: ModuleRegistry,
    fingerprint_prefix: String,
    domain: Option<String>,
    safety_interval: Duration,
    renewal: crate::renewal::RenewalConfig,
    spawn_tasks: bool,
}

impl RuntimeBuilder {
    /// Inject a clock (tests: [`crate::ManualClock`]).
    pub fn clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    /// Inject environment lookups (default: the process environment).
    pub fn env(mut self, env: EnvFn) -> Self {
        self.env = env;
        self
    }

    /// The product's TOML config file; the profile's `config_key` says where the license is inside it.
    pub fn config_file(mut self, path: impl Into<PathBuf>) -> Self {
        self.config_path = Some(path.into());
        self
    }

    /// Overrides the profile's license file path (e.g. under the product's data directory).
    pub fn license_file(mut self, path: impl Into<PathBuf>) -> Self {
        self.license_file = Some(path.into());
        self
    }

    pub fn modules(mut self, registry: ModuleRegistry) -> Self {
        self.registry = registry;
        self
    }

    /// e.g. `NIVQ-FP-`; default `LICET-FP-`.
    pub fn fingerprint_prefix(mut self, prefix: impl Into<String>) -> Self {
        self.fingerprint_prefix = prefix.into();
        self
    }

    /// The domain the product is served on, for domain-bound licenses.
    pub fn domain(mut self, domain: impl Into<String>) -> Self {
        self.domain = Some(domain.into());
        self
    }

    /// Re-evaluate at least this often even when no change is due (default one hour).
    pub fn safety_interval(mut self, every: Duration) -> Self {
        self.safety_interval = every;
        self
    }

    pub fn renewal(mut self, config: crate::renewal::RenewalConfig) -> Self {
        self.renewal = config;
        self
    }

    /// Do not start the timer, store-listener and renewal tasks (benchmarks; tests that drive everything by hand).
    pub fn without_background_tasks(mut self) -> Self {
        self.spawn_tasks = false;
        self
    }

    /// Reads the install id, seeds the store from a mounted file if the profile says so, loads every source,
    /// evaluates, logs the module decisions and starts the background tasks. Must run inside a tokio runtime.
    pub async fn build(self) -> Result<Runtime, Error> {
        let now = self.clock.now();
        let install = self.store.ensure_installation(now).await?;
        let install_id = install.install_id.to_string();
        let env = self.env.clone();
        let mut sources = Sources::from_policy(&self.policy.sources, self.config_path, &*env)?;
        if self.license_file.is_some() {
            sources.file = self.license_file;
        }
        let enforcement = match &self.policy.operator_switch {
            Some(switch) => read_switch(env(&switch.env_var).as_deref()),
            None => Enforcement::Default,
        };
        let initial = Snapshot::placeholder(&self.policy, now, self.registry.modules().len());
        let (events, _) = broadcast::channel(64);
        let inner = Arc::new(Inner {
            fingerprint: fingerprint(&self.fingerprint_prefix, &install_id),
            policy: self.policy,
            verifier: self.verifier,
            store: self.store,
            clock: self.clock,
            sources,
            env,
            registry: self.registry,
            install_id,
            domain: self.domain,
            enforcement,
            snapshot: ArcSwap::from_pointee(initial),
            loaded: Mutex::new(Loaded::default()),
            events,
            safety_interval: self.safety_interval,
            renewal: self.renewal,
            tasks: std::sync::Mutex::new(Vec::new()),
            renewal_attempts: std::sync::atomic::AtomicU64::new(0),
        });
        let rt = Runtime { inner };
        rt.seed_from_file().await?;
        rt.inner.reload("start").await?;
        if self.spawn_tasks {
            crate::tasks::spawn(&rt);
        }
        Ok(rt)
    }
}

fn read_switch(value: Option<&str>) -> Enforcement {
    match value.map(|v| v.trim().to_ascii_lowercase()).as_deref() {
        Some("1" | "true" | "yes" | "on") => Enforcement::ForcedOn,
        Some("0" | "false" | "no" | "off") => Enforcement::ForcedOff,
        _ => Enforcement::Default,
    }
}

impl Runtime {
    /// Starts configuring a runtime for a product: its profile, its vendor's verifier, its store. The verifier
    /// reads the profile's license format (licet's own, plus the vendor's if the profile maps one).
    pub fn builder(policy: Policy, verifier: Verifier, store: Arc<dyn Store>) -> RuntimeBuilder {
        RuntimeBuilder {
            verifier: verifier.with_format(policy.format),
            policy,
            store,
            clock: Arc::new(SystemClock),
            env: Arc::new(|k| std::env::var(k).ok()),
            config_path: None,
            license_file: None,
            registry: ModuleRegistry::default(),
            fingerprint_prefix: DEFAULT_PREFIX.to_owned(),
            domain: None,
            safety_interval: Duration::from_secs(3600),
            renewal: crate::renewal::RenewalConfig::default(),
            spawn_tasks: true,
        }
    }

    /// The current snapshot: lock-free, no signature work. Hold the guard briefly (one request), not across awaits.
    #[inline]
    pub fn snapshot(&self) -> Guard<Arc<Snapshot>> {
        self.inner.snapshot.load()
    }

    /// How many renewal attempts this process has recorded in the store. Together with the snapshot (a new one
    /// is published on every install, clear, reload and re-evaluation) it says when facts read from the store
    /// about this install may have changed.
    pub fn renewal_attempts(&self) -> u64 {
        self.inner.renewal_attempts.load(std::sync::atomic::Ordering::Acquire)
    }

    /// The current snapshot as an owned `Arc`, for holding longer.
    pub fn snapshot_full(&self) -> Arc<Snapshot> {
        self.inner.snapshot.load_full()
    }

    pub fn policy(&self) -> &Policy {
        &self.inner.policy
    }

    pub fn store(&self) -> &Arc<dyn Store> {
        &self.inner.store
    }

    pub fn clock(&self) -> &Arc<dyn Clock> {
        &self.inner.clock
    }

    pub fn install_id(&self) -> &str {
        &self.inner.install_id
    }

    /// `LICET-FP-XXXXX-XXXXX-XXXXX-XXXXX` (or the product's prefix); the same on every replica sharing the store.
    pub fn fingerprint(&self) -> &str {
        &self.inner.fingerprint
    }

    pub fn registry(&self) -> &ModuleRegistry {
        &self.inner.registry
    }

    /// State changes from now on (instance and orgs), for logs, webhooks and metrics.
    pub fn subscribe(&self) -> broadcast::Receiver<StateChange> {
        self.inner.events.subscribe()
    }

    /// The module decisions in force (loaded or skipped, with the reason in words).
    pub fn module_decisions(&self) -> Vec<ModuleDecision> {
        let snap = self.snapshot();
        self.inner
            .registry
            .decide(&snap.instance.status)
            .into_iter()
            .enumerate()
            .map(|(i, mut d)| {
                if snap.module_loaded(i) {
                    d.skipped = None;
                }
                d
            })
            .collect()
    }

    /// Names of the loaded modules.
    pub fn active_modules(&self) -> Vec<String> {
        let snap = self.snapshot();
        let modules = self.inner.registry.modules().iter().enumerate();
        modules
            .filter(|(i, _)| snap.module_loaded(*i))
            .map(|(_, m)| m.name.clone())
            .collect()
    }

    pub fn module_active(&self, name: &str) -> bool {
        let snap = self.snapshot();
        let mut modules = self.inner.registry.modules().iter().enumerate();
        modules.any(|(i, m)| m.name == name && snap.module_loaded(i))
    }

    /// Verifies `token`, checks it against the store's high-water marks and the install, refuses it (keeping the
    /// current license) if it is invalid or older, or if it would take away what the license in force grants
    /// ([`Error::ChangeNeedsAck`]; see [`Runtime::install_with`] to acknowledge), else writes it through the store
    /// in one transaction and swaps the snapshot before returning. `origin` is what history shows (`upload`,
    /// `paste`, `import`, …).
    pub async fn install(
        &self,
        token: &[u8],
        actor: &str,
        reason: Option<&str>,
        scope: Scope,
    ) -> Result<Arc<Snapshot>, Error> {
        self.install_from(token, actor, reason, scope, "upload").await
    }

    pub async fn install_from(
        &self,
        token: &[u8],
        actor: &str,
        reason: Option<&str>,
        scope: Scope,
        origin: &str,
    ) -> Result<Arc<Snapshot>, Error> {
        self.install_with(token, actor, reason, scope, origin, false).await
    }

    /// [`Runtime::install_from`], and with `acknowledge` the operator accepts what the new license takes away
    /// (a fall in state, another customer, fewer grants: [`licet_core::lifecycle::compare`]); the install's audit
    /// entry then lists it. Invalid, older and wrongly bound licenses are refused either way.
    pub async fn install_with(
        &self,
        token: &[u8],
        actor: &str,
        reason: Option<&str>,
        scope: Scope,
        origin: &str,
        acknowledge: bool,
    ) -> Result<Arc<Snapshot>, Error> {
        self.inner
            .install(token, actor, reason, scope, origin, acknowledge)
            .await
    }

    /// Removes the scope's license (back to missing / free tier / activation pending, as the profile says).
    pub async fn clear(&self, scope: Scope, actor: &str, reason: Option<&str>) -> Result<Arc<Snapshot>, Error> {
        let mut change = Change::new(actor, self.inner.clock.now());
        if let Some(r) = reason {
            change = change.with_reason(r);
        }
        self.inner.store.clear_license(&scope, change).await?;
        self.inner.reload("clear").await?;
        Ok(self.snapshot_full())
    }

    /// Re-reads every source and the store (verifying only bytes that changed) and re-evaluates.
    pub async fn reload(&self) -> Result<Arc<Snapshot>, Error> {
        self.inner.reload("reload").await?;
        Ok(self.snapshot_full())
    }

    /// Re-evaluates the loaded licenses at the clock's `now` (no source reads, no signature work).
    pub async fn reevaluate(&self) -> Result<Arc<Snapshot>, Error> {
        self.inner.reevaluate("timer").await?;
        Ok(self.snapshot_full())
    }

    /// Fetches the instance license's renewal URL now (see [`crate::renewal`]).
    pub async fn refresh_now(&self) -> Result<crate::renewal::RefreshOutcome, Error> {
        self.refresh_scope(&Scope::Instance).await
    }

    /// Fetches `scope`'s renewal URL now: the instance's, or an org's own license's (`NoRenewalUrl` for an org
    /// without its own license or whose license names none). Recorded in the store under that scope.
    pub async fn refresh_scope(&self, scope: &Scope) -> Result<crate::renewal::RefreshOutcome, Error> {
        crate::renewal::refresh(&self.inner, scope).await
    }

    async fn seed_from_file(&self) -> Result<(), Error> {
        let inner = &self.inner;
        let order = &inner.policy.sources.order;
        if !inner.policy.sources.file_seeds_store_once || !order.contains(&crate::source::Source::File) {
            return Ok(());
        }
        if inner.store.get_setting(SEED_SETTING).await?.is_some() {
            return Ok(());
        }
        let now = inner.clock.now();
        let path = inner.sources.file.as_ref().map(|p| p.display().to_string());
        if inner.store.current_license(&Scope::Instance).await?.is_some() {
            let v = serde_json::json!({ "skipped": "the store already holds a license", "path": path });
            inner.store.put_setting(SEED_SETTING, &v, now).await?;
            return Ok(());
        }
        let file = crate::source::Source::File;
        let token = match inner.sources.read(file, &*inner.env) {
            Ok(Some(token)) => token,
            Ok(None) => return Ok(()),
            Err(e) => return self.seed_failed(e).await,
        };
        let why = "seeded from the mounted license file";
        match inner
            .install(token.as_bytes(), "system", Some(why), Scope::Instance, "file", false)
            .await
        {
            Ok(snap) => {
                let fp = snap.instance.status.license.as_ref().map(|l| l.fingerprint.clone());
                let v = serde_json::json!({ "path": path, "fingerprint": fp, "at": now });
                inner.store.put_setting(SEED_SETTING, &v, now).await?;
                tracing::info!(path = ?path, "license seeded into the store from the mounted file; the store is now the truth");
                Ok(())
            }
            Err(e) => self.seed_failed(e).await,
        }
    }

    /// Not recorded as seeded: a corrected file is tried again on the next start. Until then the snapshot says why
    /// the store is empty.
    async fn seed_failed(&self, e: Error) -> Result<(), Error> {
        let problem = self.inner.problem(crate::source::Source::File, &e);
        tracing::error!(
            code = problem.code,
            "mounted license file not seeded: {}",
            problem.message
        );
        self.inner.loaded.lock().await.seed_error = Some(problem);
        Ok(())
    }
}

impl std::fmt::Debug for Runtime {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Runtime")
            .field("policy", &self.inner.policy.name)
            .field("install_id", &self.inner.install_id)
            .field("state", &self.snapshot().instance.status.state)
            .finish()
    }
}
