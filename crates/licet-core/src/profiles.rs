//! The five reference profiles, each reproducing one seed product's licensing behaviour as a [`Policy`], and
//! [`STANDARD`], the generic profile `licet serve` runs when no profile is named.
//!
//! `docs/profiles.md` quotes, for every setting, the sentence of the seed manual it implements, and says where the
//! manual is silent and licet chose. A vendor starts from the closest profile:
//! `Policy { name: Cow::Borrowed("acme"), ..profiles::NIVQ }`.

use std::borrow::Cow;

use crate::claims::Limit;
use crate::format::LicenseFormat;
use crate::policy::{
    days, EditionRule, Effect, Effects, FreeTier, Implied, NoLicense, OperatorSwitch, Policy, Quota, Reevaluate,
    Source, Sources,
};

const NO_NAMES: Cow<'static, [Cow<'static, str>]> = Cow::Borrowed(&[]);
const NO_EDITIONS: Cow<'static, [EditionRule]> = Cow::Borrowed(&[]);

/// Liberty: licensed connectors load only under a valid license; the framework itself is never gated; hard
/// expiry; checked at load time only.
pub const LIBERTY: Policy = Policy {
    name: Cow::Borrowed("liberty"),
    warn_seconds: days(30),
    grace_seconds: 0,
    no_license: NoLicense::Missing,
    effects: Effects {
        missing: Effect::ModulesUnloaded,
        activation_pending: Effect::ModulesUnloaded,
        free_tier: Effect::ModulesUnloaded,
        invalid: Effect::ModulesUnloaded,
        active: Effect::Full,
        expiring_soon: Effect::Full,
        grace: Effect::ModulesUnloaded,
        expired: Effect::ModulesUnloaded,
    },
    free_tier: FreeTier::NONE,
    blocked_kinds: NO_NAMES,
    baseline_features: NO_NAMES,
    editions: NO_EDITIONS,
    orgs_must_be_named: false,
    operator_switch: None,
    clock_tolerance_seconds: Policy::DEFAULT_CLOCK_TOLERANCE,
    sources: Sources {
        order: Cow::Borrowed(&[Source::Env, Source::ConfigFile]),
        env_var: Some(Cow::Borrowed("LIBERTY_LICENSE_KEY")),
        config_key: Some(Cow::Borrowed("license.key")),
        file: None,
        file_seeds_store_once: false,
        upload: false,
        offline_import: false,
        renewal: false,
    },
    format: LicenseFormat::Mapped(&formats::LIBERTY),
    reevaluate: Reevaluate::OnLoad,
};

/// Honeyframe: a request gate with an allowlist; grace window; per-org licenses; enforcement off without a
/// license unless the operator forces it on (`LICENSE_ENFORCE=1`), and switchable off (`LICENSE_ENFORCE=0`).
pub const HONEYFRAME: Policy = Policy {
    name: Cow::Borrowed("honeyframe"),
    warn_seconds: 0,
    grace_seconds: days(7),
    no_license: NoLicense::Missing,
    effects: Effects {
        missing: Effect::Unenforced,
        activation_pending: Effect::Locked,
        free_tier: Effect::Locked,
        invalid: Effect::Locked,
        active: Effect::Full,
        expiring_soon: Effect::Full,
        grace: Effect::Banner,
        expired: Effect::Locked,
    },
    free_tier: FreeTier::NONE,
    blocked_kinds: NO_NAMES,
    baseline_features: NO_NAMES,
    editions: NO_EDITIONS,
    orgs_must_be_named: false,
    operator_switch: Some(OperatorSwitch {
        env_var: Cow::Borrowed("LICENSE_ENFORCE"),
        missing_when_forced_on: Effect::Locked,
    }),
    clock_tolerance_seconds: Policy::DEFAULT_CLOCK_TOLERANCE,
    sources: Sources {
        order: Cow::Borrowed(&[Source::Store, Source::Env, Source::File]),
        env_var: Some(Cow::Borrowed("LICENSE_KEY")),
        config_key: None,
        file: Some(Cow::Borrowed("$DATA_DIR/license.json")),
        file_seeds_store_once: false,
        upload: true,
        offline_import: false,
        renewal: false,
    },
    format: LicenseFormat::Mapped(&formats::HONEYFRAME),
    reevaluate: Reevaluate::Continuous,
};

/// Sovereign: Active → Warning → Grace (writes allowed) → Read-only; never deletes or blocks reads; organizations
/// only if named; hourly renewal or offline import with an audited reason.
pub const SOVEREIGN: Policy = Policy {
    name: Cow::Borrowed("sovereign"),
    warn_seconds: days(30),
    grace_seconds: days(7),
    no_license: NoLicense::Missing,
    effects: Effects {
        missing: Effect::ReadOnly,
        activation_pending: Effect::ReadOnly,
        free_tier: Effect::ReadOnly,
        invalid: Effect::ReadOnly,
        active: Effect::Full,
        expiring_soon: Effect::Banner,
        grace: Effect::Banner,
        expired: Effect::ReadOnly,
    },
    free_tier: FreeTier::NONE,
    blocked_kinds: NO_NAMES,
    baseline_features: NO_NAMES,
    editions: NO_EDITIONS,
    orgs_must_be_named: true,
    operator_switch: None,
    clock_tolerance_seconds: Policy::DEFAULT_CLOCK_TOLERANCE,
    sources: Sources {
        order: Cow::Borrowed(&[Source::Store]),
        env_var: None,
        config_key: None,
        file: None,
        file_seeds_store_once: false,
        upload: false,
        offline_import: true,
        renewal: true,
    },
    format: LicenseFormat::Mapped(&formats::SOVEREIGN),
    reevaluate: Reevaluate::Continuous,
};

const NIVQ_EDITIONS: &[EditionRule] = &[EditionRule {
    edition: Cow::Borrowed("enterprise"),
    implies: Implied::All,
}];

/// nivq: activation-pending without a licence; VALID → EXPIRING_SOON (banner) → GRACE_PERIOD (read-only) →
/// LOCKED; enterprise implies every feature; no way to switch enforcement off.
pub const NIVQ: Policy = Policy {
    name: Cow::Borrowed("nivq"),
    warn_seconds: days(30),
    grace_seconds: days(14),
    no_license: NoLicense::ActivationPending,
    effects: Effects {
        missing: Effect::Locked,
        activation_pending: Effect::Locked,
        free_tier: Effect::Locked,
        invalid: Effect::Locked,
        active: Effect::Full,
        expiring_soon: Effect::Banner,
        grace: Effect::ReadOnly,
        expired: Effect::Locked,
    },
    free_tier: FreeTier::NONE,
    blocked_kinds: NO_NAMES,
    baseline_features: Cow::Borrowed(&[Cow::Borrowed("core")]),
    editions: Cow::Borrowed(NIVQ_EDITIONS),
    orgs_must_be_named: false,
    operator_switch: None,
    clock_tolerance_seconds: Policy::DEFAULT_CLOCK_TOLERANCE,
    sources: Sources {
        order: Cow::Borrowed(&[Source::Store, Source::File]),
        env_var: None,
        config_key: None,
        file: Some(Cow::Borrowed("/etc/nivq/license.jwt")),
        file_seeds_store_once: true,
        upload: true,
        offline_import: false,
        renewal: false,
    },
    format: LicenseFormat::Mapped(&formats::NIVQ),
    reevaluate: Reevaluate::Continuous,
};

const JUSTIAM_FREE_LIMITS: &[Quota] = &[
    Quota {
        kind: Cow::Borrowed("users"),
        limit: Limit::Unlimited,
    },
    Quota {
        kind: Cow::Borrowed("users_per_tenant"),
        limit: Limit::Count(10),
    },
];

/// JustIAM: free tier without a license (10 users per tenant, 2 tenants); active → expiring_soon (≤ 30 d) →
/// grace_period (30 d, everything works) → expired (new users blocked, logins fine).
pub const JUSTIAM: Policy = Policy {
    name: Cow::Borrowed("justiam"),
    warn_seconds: days(30),
    grace_seconds: days(30),
    no_license: NoLicense::FreeTier,
    effects: Effects {
        missing: Effect::FreeTier,
        activation_pending: Effect::FreeTier,
        free_tier: Effect::FreeTier,
        invalid: Effect::FreeTier,
        active: Effect::Full,
        expiring_soon: Effect::Banner,
        grace: Effect::Banner,
        expired: Effect::CreationBlocked,
    },
    free_tier: FreeTier {
        products: NO_NAMES,
        features: NO_NAMES,
        limits: Cow::Borrowed(JUSTIAM_FREE_LIMITS),
        max_orgs: Some(Limit::Count(2)),
    },
    blocked_kinds: Cow::Borrowed(&[Cow::Borrowed("users"), Cow::Borrowed("users_per_tenant")]),
    baseline_features: NO_NAMES,
    editions: NO_EDITIONS,
    orgs_must_be_named: false,
    operator_switch: None,
    clock_tolerance_seconds: Policy::DEFAULT_CLOCK_TOLERANCE,
    sources: Sources {
        order: Cow::Borrowed(&[Source::Store]),
        env_var: None,
        config_key: None,
        file: None,
        file_seeds_store_once: false,
        upload: true,
        offline_import: false,
        renewal: true,
    },
    format: LicenseFormat::Mapped(&formats::JUSTIAM),
    reevaluate: Reevaluate::Continuous,
};

/// Standard: the generic profile for a product that follows no seed manual, and what `licet serve` runs without
/// `--profile`. active → expiring soon (30 d, banner) → grace (14 d, banner) → read-only; without a valid
/// license the product is read-only, never locked or emptied. The license lives in the store and arrives by upload
/// (the first install is open, as the server's first-install window makes it); licet's own license format only.
pub const STANDARD: Policy = Policy {
    name: Cow::Borrowed("standard"),
    warn_seconds: days(30),
    grace_seconds: days(14),
    no_license: NoLicense::Missing,
    effects: Effects {
        missing: Effect::ReadOnly,
        activation_pending: Effect::ReadOnly,
        free_tier: Effect::ReadOnly,
        invalid: Effect::ReadOnly,
        active: Effect::Full,
        expiring_soon: Effect::Banner,
        grace: Effect::Banner,
        expired: Effect::ReadOnly,
    },
    free_tier: FreeTier::NONE,
    blocked_kinds: NO_NAMES,
    baseline_features: NO_NAMES,
    editions: NO_EDITIONS,
    orgs_must_be_named: false,
    operator_switch: None,
    clock_tolerance_seconds: Policy::DEFAULT_CLOCK_TOLERANCE,
    sources: Sources {
        order: Cow::Borrowed(&[Source::Store]),
        env_var: None,
        config_key: None,
        file: None,
        file_seeds_store_once: false,
        upload: true,
        offline_import: false,
        renewal: false,
    },
    format: LicenseFormat::Licet,
    reevaluate: Reevaluate::Continuous,
};

/// Every reference profile, in seed order. [`STANDARD`] is not one: it reproduces no seed manual.
pub static ALL: [&Policy; 5] = [&LIBERTY, &HONEYFRAME, &SOVEREIGN, &NIVQ, &JUSTIAM];

/// A profile by name (`standard`, `liberty`, `honeyframe`, `sovereign`, `nivq`, `justiam`), case-insensitive.
pub fn by_name(name: &str) -> Option<&'static Policy> {
    std::iter::once(&STANDARD)
        .chain(ALL.iter().copied())
        .find(|p| p.name.eq_ignore_ascii_case(name))
}

/// The names `by_name` knows: `standard`, then the seed profiles.
pub fn names() -> impl Iterator<Item = &'static str> {
    std::iter::once(&STANDARD)
        .chain(ALL.iter().copied())
        .map(|p| match &p.name {
            Cow::Borrowed(name) => *name,
            Cow::Owned(_) => "",
        })
}

pub mod formats;

#[cfg(test)]
mod tests;
