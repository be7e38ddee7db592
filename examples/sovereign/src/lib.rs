//! Sovereign (seed 002) as a licet example.
//!
//! - The license (signed by Novantra's release key) names the customer, the install it is bound to, the apps, each
//!   organization it covers with its own plan, features, limits and window, and the maximum number of orgs.
//! - States, in the manual's words: Active → Warning (banner) → Grace (writes allowed, louder banner) → Read-only
//!   (reads, sign-in, export, storage and backups work; every change answers 403 `license_read_only`, "License
//!   expired: …"). No state deletes data or blocks reads. A fresh license applies at once, without a restart.
//! - Organizations are created only for ids the license names, up to its maximum; an org the license no longer
//!   names stays readable and refuses changes (`org_not_licensed`).
//! - System → License is licet-server's install-side API and page, mounted under `/v1/license` and
//!   `/settings/license` over the same runtime: import with a required reason (audited with actor, time,
//!   fingerprint and reason), audit log, signed activation request for offline installs, refresh. Reads need the
//!   license view permission (a `viewer` token), import the import permission (`admin`); the owner token minted by
//!   the first import (setup) holds both. `GET /api/system/license` is the page's summary in the manual's terms.
//! - Connected installs run `reconcile-license-state` hourly: the runtime's renewal fetches the freshest license
//!   from the license's renewal URL by the injected clock; a failure keeps the license in force and is retried on
//!   the next interval.
//! - A stored license that no longer verifies (altered) stops the start ([`Error::StoredLicenseUnverified`]),
//!   unless a recovery license is given to replace it.

mod product;
mod system;

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use licet_core::{Reason, State as LicState, Verifier};
use licet_runtime::{Clock, GateConfig, GateLayer, RenewalConfig, Runtime};
use licet_server::{AppState, RuntimeService, ServerOptions};
use licet_store::{Scope, Store};

/// How often `reconcile-license-state` runs, and the retry after a failure ("retries on the next interval").
pub const RECONCILE_EVERY: Duration = Duration::from_secs(3600);

#[derive(Clone)]
pub struct Config {
    /// Novantra's release key, compiled in.
    pub verifier: Verifier,
    pub store: Arc<dyn Store>,
    pub clock: Arc<dyn Clock>,
    /// Connected installs: the credential the control plane issued for this install; `reconcile-license-state`
    /// then runs hourly. `None`: an offline install, renewed by activation request and import only.
    pub install_credential: Option<String>,
    /// Replaces a stored license that no longer verifies, so that the install can start again.
    pub recovery: Option<Recovery>,
}

/// A license from the control plane given at start, with who gives it and why (both audited).
#[derive(Clone, Debug)]
pub struct Recovery {
    pub license: String,
    pub actor: String,
    pub reason: String,
}

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(
        "the stored license does not pass verification ({}: {}) and Sovereign will not start on it; start once \
         with a license file from the Novantra control plane as the recovery license (and a reason) to replace it",
        .0.code(),
        .0.sentence()
    )]
    StoredLicenseUnverified(Reason),
    #[error(transparent)]
    Runtime(#[from] licet_runtime::Error),
    #[error("the license service cannot start: {0}")]
    Service(#[from] licet_server::ServiceError),
}

impl Error {
    pub fn code(&self) -> &'static str {
        match self {
            Error::StoredLicenseUnverified(_) => "stored_license_unverified",
            Error::Runtime(e) => e.code(),
            Error::Service(_) => "license_service_unavailable",
        }
    }
}

/// The manual's state names. Without a valid license the install is read-only too ("existing organizations may
/// also fall back to read-only"); the payload's `reason` says why.
pub fn label(state: LicState) -> &'static str {
    match state {
        LicState::Active => "Active",
        LicState::ExpiringSoon => "Warning",
        LicState::Grace => "Grace",
        LicState::Expired
        | LicState::Missing
        | LicState::ActivationPending
        | LicState::FreeTier
        | LicState::Invalid => "Read-only",
    }
}

/// One organization's data. Kept in memory: the example is about what the license allows, not about storage.
#[derive(Default)]
struct Org {
    name: String,
    members: Vec<String>,
    records: Vec<String>,
    /// The org's own bucket (Self Managed Storage).
    files: BTreeMap<String, String>,
}

#[derive(Default)]
struct Db {
    orgs: BTreeMap<String, Org>,
    backups: Vec<serde_json::Value>,
}

#[derive(Clone)]
pub struct Sovereign {
    pub runtime: Runtime,
    /// licet-server's state over the same runtime: the install-side license API this product mounts.
    server: AppState,
    db: Arc<Mutex<Db>>,
}

impl Sovereign {
    pub async fn start(config: Config) -> Result<Sovereign, Error> {
        let renewal = RenewalConfig {
            enabled: config.install_credential.is_some(),
            interval: RECONCILE_EVERY,
            backoff_base: RECONCILE_EVERY,
            backoff_max: RECONCILE_EVERY,
            // Each install's hour starts when it does, which already spreads a fleet; the manual promises "the
            // next refresh window", so no jitter on top.
            jitter: 0.0,
            credential: config.install_credential,
            ..RenewalConfig::default()
        };
        let runtime = Runtime::builder(licet_core::profiles::SOVEREIGN, config.verifier, config.store)
            .clock(config.clock)
            .renewal(renewal)
            .build()
            .await?;
        refuse_unverified(&runtime, config.recovery).await?;
        let license = Arc::new(RuntimeService::new(runtime.clone()).await?);
        let options = ServerOptions {
            // "Viewing the license requires the license view permission."
            open_reads: false,
            ..ServerOptions::default()
        };
        Ok(Sovereign {
            runtime,
            server: AppState::new(license, options),
            db: Arc::default(),
        })
    }

    /// The product's routes behind the license gate, the ones the license never stops, and licet-server's
    /// install-side API and page.
    pub fn router(&self) -> Router {
        let gate = GateConfig::default().org_from(|p| product::org_in_path(p.uri.path()));
        product::gated()
            .layer(GateLayer::new(self.runtime.clone(), gate))
            .merge(product::ungated())
            .with_state(self.clone())
            .merge(system::routes(self.clone(), self.server.clone()))
            .merge(licet_server::router(self.server.clone()))
    }
}

/// "An altered license will not pass verification and the system will refuse to start in that state." A license
/// that verifies but no longer applies (expired, bound elsewhere) is not altered: the install starts read-only.
async fn refuse_unverified(runtime: &Runtime, recovery: Option<Recovery>) -> Result<(), Error> {
    let snap = runtime.snapshot_full();
    let stored_but_unverified = snap.instance.source.is_some() && snap.instance.license.is_none();
    if !stored_but_unverified {
        return Ok(());
    }
    let reason = snap.instance.status.reason.unwrap_or(Reason::LicenseInvalid);
    let Some(r) = recovery else {
        tracing::error!(
            code = reason.code(),
            "the stored license does not verify; refusing to start"
        );
        return Err(Error::StoredLicenseUnverified(reason));
    };
    runtime
        .install_from(
            r.license.as_bytes(),
            &r.actor,
            Some(&r.reason),
            Scope::Instance,
            "import",
        )
        .await?;
    tracing::warn!(
        actor = r.actor,
        "the unverifiable stored license was replaced by the recovery license"
    );
    Ok(())
}
