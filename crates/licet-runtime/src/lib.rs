//! licet-runtime: what a product embeds to hold its license and enforce it. See README.md.
//!
//! One [`Runtime`] per process: it reads the license from the sources the profile allows, verifies it once per
//! change of bytes, keeps the evaluated [`Snapshot`] in an `ArcSwap` for lock-free reads, re-evaluates exactly
//! when the state is due to change, follows other replicas through the store, renews from the vendor, and offers
//! the product a module registry, a tower gate layer and handler guards.

pub mod clock;
pub mod error;
pub mod fingerprint;
pub mod gate;
pub mod guard;
mod load;
pub mod logs;
pub mod registry;
pub mod renewal;
mod runtime;
pub mod snapshot;
pub mod source;
pub mod subst;
mod tasks;
pub mod testkit;

pub use clock::{Clock, ManualClock, SystemClock};
pub use error::Error;
pub use gate::{access_denied, Decision, Gate, GateConfig, GateLayer, GateService, OrgExtractor, RequestLicense};
pub use guard::{Feature, GuardError, LicenseGuard, RequireFeature};
pub use logs::log_colour;
pub use registry::{Module, ModuleDecision, ModuleRegistry, SkipReason};
pub use renewal::{RefreshOutcome, RenewalConfig};
pub use runtime::{EnvFn, Runtime, RuntimeBuilder, SEED_SETTING};
pub use snapshot::{ScopeSnapshot, Snapshot, SourceProblem, StateChange};
pub use source::{ConfigSource, Source, Sources};
