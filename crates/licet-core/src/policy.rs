//! The vendor's policy: what each license state means for the product.
//!
//! A policy is compiled into the product (every field is `const`-constructible, see [`crate::profiles`]) and can
//! also be loaded with serde, e.g. for tests or for a vendor that ships its policy as a signed resource. Nothing in
//! a policy is read from the operator's environment: the one switch an operator may flip ([`OperatorSwitch`]) exists
//! only if the vendor put it here, and core never reads the environment itself.

use std::borrow::Cow;

use serde::{Deserialize, Serialize};

use crate::claims::Limit;
use crate::format::LicenseFormat;

/// A list of names that can be written as a `const` (borrowed) or loaded (owned).
pub type Names = Cow<'static, [Cow<'static, str>]>;

pub const SECONDS_PER_DAY: i64 = 86_400;

/// `n` days in seconds, for writing windows as constants.
pub const fn days(n: i64) -> i64 {
    n.saturating_mul(SECONDS_PER_DAY)
}

/// What the product does in a given state.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Effect {
    /// Everything the entitlements grant works.
    Full,
    /// As `full`, plus a renewal/warning banner.
    Banner,
    /// Reads work, writes (and every creation) are refused with `license_read_only`. Nothing is deleted.
    ReadOnly,
    /// Only sign-in, health and the license endpoints work; everything else is refused with `license_locked`.
    Locked,
    /// The product works, but every licensed module/connector is skipped (404, menus pruned).
    ModulesUnloaded,
    /// The policy's free-tier entitlements apply instead of the license's.
    FreeTier,
    /// Writes and sign-ins work, but creating items of the policy's `blocked_kinds` (e.g. new users) is refused
    /// with `license_expired`. JustIAM's "new user creation is blocked; existing users and logins continue".
    CreationBlocked,
    /// The gate is off: every check passes. Only reachable when the vendor's policy says so (a missing license
    /// under a policy whose `effects.missing` is `unenforced`, or an operator switch the policy allows).
    Unenforced,
}

impl Effect {
    pub fn code(self) -> &'static str {
        match self {
            Effect::Full => "full",
            Effect::Banner => "banner",
            Effect::ReadOnly => "read_only",
            Effect::Locked => "locked",
            Effect::ModulesUnloaded => "modules_unloaded",
            Effect::FreeTier => "free_tier",
            Effect::CreationBlocked => "creation_blocked",
            Effect::Unenforced => "unenforced",
        }
    }

    /// Whether the UI should show a license banner in this state.
    pub fn shows_banner(self) -> bool {
        !matches!(self, Effect::Full | Effect::Unenforced)
    }
}

impl std::fmt::Display for Effect {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.code())
    }
}

/// What "no license installed" means for this product.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NoLicense {
    /// State `missing`.
    Missing,
    /// State `activation_pending`: the install waits for its first license.
    ActivationPending,
    /// State `free_tier`, with [`Policy::free_tier`]'s entitlements.
    FreeTier,
}

/// The effect of each state.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Effects {
    pub missing: Effect,
    pub activation_pending: Effect,
    pub free_tier: Effect,
    pub invalid: Effect,
    pub active: Effect,
    pub expiring_soon: Effect,
    pub grace: Effect,
    pub expired: Effect,
}

/// One quota as a policy writes it (the free tier's limits).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Quota {
    pub kind: Cow<'static, str>,
    pub limit: Limit,
}

/// What an install gets without a license (or under the `free_tier` effect).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FreeTier {
    #[serde(default)]
    pub products: Names,
    #[serde(default)]
    pub features: Names,
    #[serde(default)]
    pub limits: Cow<'static, [Quota]>,
    /// Cap on organizations (tenants, workspaces) under the free tier; `None` is no cap.
    #[serde(default)]
    pub max_orgs: Option<Limit>,
}

impl FreeTier {
    pub const NONE: FreeTier = FreeTier {
        products: Cow::Borrowed(&[]),
        features: Cow::Borrowed(&[]),
        limits: Cow::Borrowed(&[]),
        max_orgs: None,
    };
}

/// Which features an edition implies, on top of the features the license lists.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Implied {
    /// Every feature, including ones this build has never heard of (nivq: "an enterprise licence grants the full
    /// set").
    All,
    /// These features.
    Features(Names),
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct EditionRule {
    pub edition: Cow<'static, str>,
    pub implies: Implied,
}

/// An operator's enforcement switch, honoured by the runtime only because the vendor put it in the policy.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OperatorSwitch {
    /// The variable the runtime reads (core never does), e.g. `LICENSE_ENFORCE`: `1` forces on, `0` forces off.
    pub env_var: Cow<'static, str>,
    /// The effect of `missing` when the operator forces enforcement on.
    pub missing_when_forced_on: Effect,
}

/// The operator's choice, as the runtime read it. Ignored unless the policy has an [`OperatorSwitch`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Enforcement {
    #[default]
    Default,
    ForcedOn,
    ForcedOff,
}

/// A place the runtime may read a license from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Source {
    /// The environment variable [`Sources::env_var`].
    Env,
    /// A key in the product's configuration file ([`Sources::config_key`]).
    ConfigFile,
    /// A file path ([`Sources::file`]), e.g. a mounted secret.
    File,
    /// The install's own store (what uploads, imports and renewals write).
    Store,
}

/// Where licenses come from, in priority order, and how new ones arrive. The runtime acts on this; core only
/// carries it so that a profile is one value.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Sources {
    /// Sources in priority order: the first that holds a license wins.
    pub order: Cow<'static, [Source]>,
    #[serde(default)]
    pub env_var: Option<Cow<'static, str>>,
    #[serde(default)]
    pub config_key: Option<Cow<'static, str>>,
    #[serde(default)]
    pub file: Option<Cow<'static, str>>,
    /// The file is read once to seed the store, then no longer consulted (nivq's mounted secret).
    #[serde(default)]
    pub file_seeds_store_once: bool,
    /// An operator may paste or upload a license (HTTP/UI); it goes to the store.
    #[serde(default)]
    pub upload: bool,
    /// Offline activation: the install signs a request, the operator imports the vendor's answer with a reason.
    #[serde(default)]
    pub offline_import: bool,
    /// The runtime fetches the freshest license from the license's `renewal.url` (or the control plane).
    #[serde(default)]
    pub renewal: bool,
}

/// When the runtime re-evaluates.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Reevaluate {
    /// Only at load / reload / restart (Liberty: "the check runs at load time, not per request").
    OnLoad,
    /// Also at every `next_change` (a timer), so states move on their own.
    Continuous,
}

/// A vendor's licensing policy. See [`crate::profiles`] for the five reference profiles.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Policy {
    pub name: Cow<'static, str>,
    /// `expiring_soon` starts this many seconds before `exp` (0: no such state).
    pub warn_seconds: i64,
    /// `grace` lasts this many seconds after `exp` (0: hard expiry, `expired` at exactly `exp`).
    pub grace_seconds: i64,
    pub no_license: NoLicense,
    pub effects: Effects,
    #[serde(default = "free_tier_none")]
    pub free_tier: FreeTier,
    /// Kinds whose creation [`Effect::CreationBlocked`] refuses.
    #[serde(default)]
    pub blocked_kinds: Names,
    /// Features every license grants whatever its edition.
    #[serde(default)]
    pub baseline_features: Names,
    #[serde(default)]
    pub editions: Cow<'static, [EditionRule]>,
    /// An organization may be created only if the license names its id.
    #[serde(default)]
    pub orgs_must_be_named: bool,
    /// `None` (the default): enforcement cannot be switched off by anyone.
    #[serde(default)]
    pub operator_switch: Option<OperatorSwitch>,
    /// `now` may be this much earlier than the latest time already seen before it counts as a clock rollback.
    pub clock_tolerance_seconds: i64,
    pub sources: Sources,
    pub reevaluate: Reevaluate,
    /// The vendor's own license format, read beside licet's. Compiled in only: a policy loaded with serde (from a
    /// file an operator could edit) never carries one, so no configuration can remap what a license grants.
    #[serde(skip)]
    pub format: LicenseFormat,
}

fn free_tier_none() -> FreeTier {
    FreeTier::NONE
}

impl Policy {
    /// The default clock-rollback tolerance: one hour (NTP steps and VM restores stay well inside it).
    pub const DEFAULT_CLOCK_TOLERANCE: i64 = 3_600;

    /// Windows as used by evaluation: negative values (only reachable through a hand-written policy) count as 0.
    pub(crate) fn warn(&self) -> i64 {
        self.warn_seconds.max(0)
    }

    pub(crate) fn grace(&self) -> i64 {
        self.grace_seconds.max(0)
    }

    pub(crate) fn clock_tolerance(&self) -> i64 {
        self.clock_tolerance_seconds.max(0)
    }

    /// The features an edition implies: `None` means all features.
    pub(crate) fn implied_features(&self, edition: Option<&str>) -> Option<&[Cow<'static, str>]> {
        let rule = edition.and_then(|e| self.editions.iter().find(|r| r.edition == e));
        match rule.map(|r| &r.implies) {
            Some(Implied::All) => None,
            Some(Implied::Features(names)) => Some(names),
            None => Some(&[]),
        }
    }

    /// Problems a hand-written policy may have; an empty list means the policy is sound.
    pub fn problems(&self) -> Vec<String> {
        let mut out = Vec::new();
        for (name, v) in [
            ("warn_seconds", self.warn_seconds),
            ("grace_seconds", self.grace_seconds),
            ("clock_tolerance_seconds", self.clock_tolerance_seconds),
        ] {
            if v < 0 {
                out.push(format!("{name} is negative ({v}); it is treated as 0"));
            }
        }
        let e = &self.effects;
        if e.active != Effect::Full && e.active != Effect::Banner {
            out.push(format!(
                "an active license has effect {}; expected full or banner",
                e.active
            ));
        }
        if self.operator_switch.is_none() && [e.invalid, e.expired, e.activation_pending].contains(&Effect::Unenforced)
        {
            out.push("a license problem leaves the product unenforced although no operator switch exists".into());
        }
        if self.sources.order.is_empty() {
            out.push("no license source is allowed".into());
        }
        out
    }
}
