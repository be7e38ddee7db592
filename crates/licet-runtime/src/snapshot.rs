//! What the hot path reads: one immutable value, swapped whole when anything changes.
//!
//! A request takes an `arc_swap` guard (no lock, no allocation), asks the precomputed [`licet_core::Entitlements`]
//! inside, and lets go. Signatures were checked when the bytes arrived; time was judged when the snapshot was made,
//! and the timer makes a new snapshot exactly when `next_change` comes.

use std::collections::HashMap;
use std::sync::Arc;

use licet_core::{Reason, State, Status, UnixTime, VerifiedLicense};

use crate::source::{source_name, Source};

/// One scope's (the instance's or an org's) evaluated license.
#[derive(Clone, Debug)]
pub struct ScopeSnapshot {
    pub status: Status,
    /// The source that won; `None` when no source holds a license.
    pub source: Option<Source>,
    /// The verified license in force, if the winning bytes verified.
    pub license: Option<Arc<VerifiedLicense>>,
}

impl ScopeSnapshot {
    pub fn state(&self) -> State {
        self.status.state
    }

    pub fn reason(&self) -> Option<Reason> {
        self.status.reason
    }

    pub fn source_name(&self) -> Option<&'static str> {
        self.source.map(source_name)
    }
}

/// A license source that could not be read, or whose bytes are not a license this build accepts.
///
/// The rule: a broken source never takes away a license that verified. While a verified license is in force it stays
/// in force (its status is what `instance` shows) and the problem is reported here and logged; with none (at start),
/// the instance is `invalid` with [`SourceProblem::reason`]. The problem clears on the first load that reads the
/// source cleanly.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SourceProblem {
    pub source: Source,
    /// `license_malformed` (not a license, not text), `license_too_large`, any other verification code
    /// (`license_bad_signature`, …), or `config_error` (unreadable file, unset variable, bad TOML).
    pub code: &'static str,
    /// What is wrong and where, in words an operator can act on.
    pub message: String,
    /// The reason the instance shows when no verified license is kept (`license_invalid` for a `config_error`).
    pub reason: Reason,
}

/// Everything the install knows about its license at `evaluated_at`.
#[derive(Clone, Debug)]
pub struct Snapshot {
    pub instance: ScopeSnapshot,
    /// Set while the winning license source is unreadable or holds no valid license (see [`SourceProblem`]).
    pub source_error: Option<SourceProblem>,
    /// Org-scoped statuses: from an org's own license, or the org's entry in the instance license.
    pub orgs: HashMap<String, ScopeSnapshot>,
    /// Which registered modules are loaded, in registration order.
    pub modules_loaded: Arc<[bool]>,
    pub evaluated_at: UnixTime,
    /// When the next evaluation is due (the earliest `next_change` over all scopes).
    pub next_change: Option<UnixTime>,
}

impl Snapshot {
    /// The status that applies to `org`: its own when one exists, else the instance's.
    #[inline]
    pub fn scope(&self, org: Option<&str>) -> &ScopeSnapshot {
        match org {
            Some(id) if !self.orgs.is_empty() => self.orgs.get(id).unwrap_or(&self.instance),
            _ => &self.instance,
        }
    }

    pub fn status(&self) -> &Status {
        &self.instance.status
    }

    /// Whether the registered module at `index` is loaded.
    #[inline]
    pub fn module_loaded(&self, index: usize) -> bool {
        self.modules_loaded.get(index).copied().unwrap_or(false)
    }
}

/// A change of state the runtime announces (to logs, webhooks, metrics).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StateChange {
    /// `None` for the instance, else the org id.
    pub org: Option<String>,
    pub from: State,
    pub to: State,
    pub reason: Option<Reason>,
    /// Whether the license itself changed (install, clear, renewal, another replica), not only time.
    pub license_changed: bool,
    pub at: UnixTime,
    /// What caused the re-evaluation: `start`, `timer`, `install`, `clear`, `store_event`, `renewal`, `reload`.
    pub cause: &'static str,
}

/// The changes between two snapshots, instance first, then orgs by id.
pub fn diff(old: &Snapshot, new: &Snapshot, cause: &'static str) -> Vec<StateChange> {
    let mut out = Vec::new();
    let mut push = |org: Option<&str>, a: Option<&ScopeSnapshot>, b: &ScopeSnapshot| {
        let from = a.map(|s| s.status.state);
        let fp = |s: &ScopeSnapshot| s.status.license.as_ref().map(|l| l.fingerprint.clone());
        let license_changed = a.map(fp) != Some(fp(b)) || a.map(|s| s.source) != Some(b.source);
        let state_changed = from != Some(b.status.state) || a.map(|s| s.status.reason) != Some(b.status.reason);
        if state_changed || license_changed {
            out.push(StateChange {
                org: org.map(str::to_owned),
                from: from.unwrap_or(State::Missing),
                to: b.status.state,
                reason: b.status.reason,
                license_changed,
                at: new.evaluated_at,
                cause,
            });
        }
    };
    push(None, Some(&old.instance), &new.instance);
    let mut ids: Vec<&String> = new.orgs.keys().collect();
    ids.sort();
    for id in ids {
        if let Some(b) = new.orgs.get(id) {
            push(Some(id), old.orgs.get(id), b);
        }
    }
    out
}
