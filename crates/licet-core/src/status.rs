//! The answer every surface asks for: the state of the license and what it allows.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::claims::{Customer, Limit};
use crate::entitlement::{Entitlements, FeatureSet, NameSet};
use crate::policy::Effect;
use crate::reason::Reason;
use crate::time::UnixTime;

/// The license state. For a verified, well-bound license the time states follow each other in this order and never
/// go back: `active` → `expiring_soon` → `grace` → `expired` (see [`crate::lifecycle`] for the exact boundaries).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum State {
    Missing,
    ActivationPending,
    FreeTier,
    /// Rejected; [`Status::reason`] says why.
    Invalid,
    Active,
    ExpiringSoon,
    Grace,
    Expired,
}

impl State {
    pub fn code(self) -> &'static str {
        match self {
            State::Missing => "missing",
            State::ActivationPending => "activation_pending",
            State::FreeTier => "free_tier",
            State::Invalid => "invalid",
            State::Active => "active",
            State::ExpiringSoon => "expiring_soon",
            State::Grace => "grace",
            State::Expired => "expired",
        }
    }

    /// Whether a verified license is in force (its grants apply, whatever the effect).
    pub fn is_licensed(self) -> bool {
        matches!(
            self,
            State::Active | State::ExpiringSoon | State::Grace | State::Expired
        )
    }
}

impl std::fmt::Display for State {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.code())
    }
}

/// The next state change: at `at` the state becomes `to`. A caller schedules its next evaluation at `at` instead
/// of polling.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Change {
    pub at: UnixTime,
    pub to: State,
}

/// Which license this status is about.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LicenseRef {
    /// The verified license's fingerprint ([`crate::fingerprint`]).
    pub fingerprint: String,
    pub kid: String,
    pub sequence: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub jti: Option<String>,
    pub subject: String,
    pub issued_at: UnixTime,
}

/// One organization named by the license, evaluated in its own window.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrgStatus {
    pub id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub plan: Option<String>,
    pub state: State,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<Reason>,
    /// Start of the org's window: the later of the license's `nbf` and the org's `valid_from`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub valid_from: Option<UnixTime>,
    /// End of the org's window: the earlier of the license's `exp` and the org's `valid_until`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub valid_until: Option<UnixTime>,
    /// Whole days until `valid_until`, rounded as [`Status::days_remaining`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub days_remaining: Option<i64>,
    pub entitlements: Entitlements,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_change: Option<Change>,
}

/// The evaluated state of a license (or of its absence) at one instant.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Status {
    /// The policy (profile) name this was evaluated under.
    pub policy: String,
    pub evaluated_at: UnixTime,
    pub state: State,
    /// Why the state is what it is: always set for `invalid`, `missing`, `activation_pending` and `expired`/`grace`
    /// (`license_expired`); `None` when there is nothing to fix.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<Reason>,
    /// A sentence an operator can act on.
    pub sentence: String,
    /// Set when this status is scoped to one organization ([`crate::lifecycle::evaluate_org`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub org: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub license: Option<LicenseRef>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub customer: Option<Customer>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub edition: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub not_before: Option<UnixTime>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<UnixTime>,
    /// When `grace` ends and `expired` begins (`expires_at` + the policy's grace window).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub grace_ends_at: Option<UnixTime>,
    /// Whole days until `expires_at`, rounded toward zero ([`crate::lifecycle::days_until`]: 0 within a day
    /// either side of it, negative once more than a day past it); `None` for perpetual licenses and when there is
    /// no license.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub days_remaining: Option<i64>,
    /// What is allowed now (effect included). `entitlements.effect` is the effect in force.
    pub entitlements: Entitlements,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub orgs: Vec<OrgStatus>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_change: Option<Change>,
}

impl Status {
    pub fn effect(&self) -> Effect {
        self.entitlements.effect
    }

    pub fn products(&self) -> &NameSet {
        &self.entitlements.products
    }

    pub fn features(&self) -> &FeatureSet {
        &self.entitlements.features
    }

    pub fn limits(&self) -> &BTreeMap<String, Limit> {
        &self.entitlements.limits
    }

    pub fn org_status(&self, id: &str) -> Option<&OrgStatus> {
        self.orgs.iter().find(|o| o.id == id)
    }

    /// When anything in this status (the instance or one of its orgs) changes next: when to evaluate again.
    pub fn next_wakeup(&self) -> Option<UnixTime> {
        let orgs = self.orgs.iter().filter_map(|o| o.next_change.map(|c| c.at));
        self.next_change.map(|c| c.at).into_iter().chain(orgs).min()
    }

    /// The reason code, or `""` when there is none.
    pub fn reason_code(&self) -> &'static str {
        self.reason.map(Reason::code).unwrap_or("")
    }
}
