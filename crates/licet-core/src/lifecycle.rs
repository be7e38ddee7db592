//! The one function that decides a license's state: [`evaluate`].
//!
//! Given what verification produced (a [`VerifiedLicense`], a rejection reason, or nothing), the vendor's
//! [`Policy`], the install's [`Context`] and `now`, it returns a [`Status`]. Pure and synchronous; cheap enough to
//! run on every license swap and timer, not meant to run per request (ask the [`Entitlements`] inside the status).
//!
//! # Order of checks for a verified license
//! 1. sequence below the high-water mark of this customer in this scope (the instance, or one org: each is renewed
//!    on its own) → `invalid(license_rolled_back)`;
//! 2. binding (install id, host fingerprint, domain) → `invalid(license_*_mismatch)`;
//! 3. `now` earlier than the latest time seen minus the policy's tolerance → `invalid(clock_rollback_detected)`;
//! 4. `now < nbf` → `invalid(license_not_yet_valid)`;
//! 5. the time windows.
//!
//! # Time windows (half-open intervals, so every instant has exactly one state)
//! With `W` the warn window and `G` the grace window of the policy (both ≥ 0, arithmetic saturating):
//! - `active`        for `now < exp − W`
//! - `expiring_soon` for `exp − W ≤ now < exp`
//! - `grace`         for `exp ≤ now < exp + G`   (at exactly `exp` the license is past expiry, as RFC 7519 says)
//! - `expired`       for `exp + G ≤ now`         (with `G = 0`, expired at exactly `exp`: hard expiry)
//!
//! A license without `exp` is `active` for ever. An empty window is simply skipped (e.g. `nbf` inside the warn
//! window starts in `expiring_soon`). `next_change` is the first instant after `now` at which the evaluation would
//! answer a different state or reason, computed by evaluating the candidate boundaries, so it is exact by
//! construction.

use std::collections::BTreeMap;

use crate::binding::{self, Install};
use crate::claims::{Claims, OrgEntitlement};
use crate::entitlement::{Entitlements, FeatureSet, NameSet, OrgRule};
use crate::policy::{Effect, Enforcement, NoLicense, Policy};
use crate::reason::Reason;
use crate::signature::VerifiedLicense;
use crate::status::{Change, LicenseRef, OrgStatus, State, Status};
use crate::time::UnixTime;

mod compare;
#[cfg(test)]
pub(crate) mod tests;

pub use compare::{compare, Loss, Lost};

/// What verification produced.
#[derive(Clone, Copy, Debug)]
pub enum LicenseInput<'a> {
    /// No license in any allowed source.
    None,
    /// Bytes were found but verification refused them (bad signature, wrong audience, …).
    Rejected(Reason),
    Verified(&'a VerifiedLicense),
}

/// Whose sequence a high-water mark counts: one customer's licenses in one scope. The instance license and an
/// org license of the same customer are issued and renewed independently, so each keeps its own mark.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SequenceKey {
    pub customer: String,
    /// `None` for the instance-wide license, the org id for an org-scoped one.
    pub org: Option<String>,
}

impl SequenceKey {
    pub fn instance(customer: impl Into<String>) -> Self {
        SequenceKey {
            customer: customer.into(),
            org: None,
        }
    }

    pub fn org(customer: impl Into<String>, org: impl Into<String>) -> Self {
        SequenceKey {
            customer: customer.into(),
            org: Some(org.into()),
        }
    }
}

/// What the store remembers, so that going back in time is noticed.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct HighWater {
    /// The latest `now` any evaluation on this install has seen.
    pub last_seen: Option<UnixTime>,
    /// The highest `lic.sequence` accepted on this install, per customer and scope.
    pub sequences: BTreeMap<SequenceKey, u64>,
}

impl HighWater {
    /// The marks to store after an evaluation: `last_seen` never goes back, and a license in force raises its
    /// customer's sequence in the status's scope (`status.org`). A rejected license (including one refused for
    /// rollback) changes no sequence.
    pub fn advance(&self, license: Option<&VerifiedLicense>, status: &Status, now: UnixTime) -> HighWater {
        let mut next = self.clone();
        next.last_seen = Some(self.last_seen.map_or(now, |seen| seen.max(now)));
        if let Some(license) = license {
            let same = status
                .license
                .as_ref()
                .is_some_and(|r| r.fingerprint == license.fingerprint());
            if same && status.state.is_licensed() {
                let lic = &license.claims().lic;
                let key = SequenceKey {
                    customer: lic.customer.id.clone(),
                    org: status.org.clone(),
                };
                let seq = next.sequences.entry(key).or_insert(0);
                *seq = (*seq).max(lic.sequence);
            }
        }
        next
    }
}

/// The install as the runtime sees it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Context {
    pub install_id: Option<String>,
    pub fingerprint: Option<String>,
    /// Host the product is served on, without scheme or port.
    pub domain: Option<String>,
    pub high_water: HighWater,
    /// The operator's enforcement switch as the runtime read it; ignored unless the policy allows a switch.
    pub enforcement: Enforcement,
}

impl Context {
    fn install(&self) -> Install<'_> {
        Install {
            install_id: self.install_id.as_deref(),
            fingerprint: self.fingerprint.as_deref(),
            domain: self.domain.as_deref(),
        }
    }
}

/// State (and reason) of a window `[from, until)` under the policy's warn and grace windows at `t`.
pub fn window_state(
    policy: &Policy,
    from: Option<UnixTime>,
    until: Option<UnixTime>,
    t: UnixTime,
) -> (State, Option<Reason>) {
    if from.is_some_and(|from| t < from) {
        return (State::Invalid, Some(Reason::LicenseNotYetValid));
    }
    let Some(exp) = until else {
        return (State::Active, None);
    };
    if t >= exp.plus_seconds(policy.grace()) {
        (State::Expired, Some(Reason::LicenseExpired))
    } else if t >= exp {
        (State::Grace, Some(Reason::LicenseExpired))
    } else if t >= UnixTime(exp.0.saturating_sub(policy.warn())) {
        (State::ExpiringSoon, None)
    } else {
        (State::Active, None)
    }
}

/// The candidate instants at which `window_state` may change.
fn window_boundaries(policy: &Policy, from: Option<UnixTime>, until: Option<UnixTime>) -> [Option<UnixTime>; 4] {
    [
        from,
        until.map(|e| UnixTime(e.0.saturating_sub(policy.warn()))),
        until,
        until.map(|e| e.plus_seconds(policy.grace())),
    ]
}

/// The first boundary after `now` where `at` answers something else than it answers at `now`.
fn next_change(
    now: UnixTime,
    boundaries: impl IntoIterator<Item = Option<UnixTime>>,
    at: impl Fn(UnixTime) -> (State, Option<Reason>),
) -> Option<Change> {
    let current = at(now);
    let mut candidates: Vec<UnixTime> = boundaries.into_iter().flatten().filter(|b| *b > now).collect();
    candidates.sort_unstable();
    candidates.into_iter().find_map(|b| {
        let (state, reason) = at(b);
        ((state, reason) != current).then_some(Change { at: b, to: state })
    })
}

/// Time-independent checks: rollback of the sequence (against the mark of `org`'s scope), then binding.
fn static_check(claims: &Claims, ctx: &Context, org: Option<&str>) -> Result<(), Reason> {
    let lic = &claims.lic;
    let key = SequenceKey {
        customer: lic.customer.id.clone(),
        org: org.map(str::to_owned),
    };
    if ctx
        .high_water
        .sequences
        .get(&key)
        .is_some_and(|seen| lic.sequence < *seen)
    {
        return Err(Reason::LicenseRolledBack);
    }
    binding::check(&lic.binding, ctx.install())
}

/// Time-dependent checks for a license that passed [`static_check`].
fn license_state_at(policy: &Policy, claims: &Claims, ctx: &Context, t: UnixTime) -> (State, Option<Reason>) {
    if let Some(seen) = ctx.high_water.last_seen {
        if t < UnixTime(seen.0.saturating_sub(policy.clock_tolerance())) {
            return (State::Invalid, Some(Reason::ClockRollbackDetected));
        }
    }
    window_state(policy, claims.nbf, claims.exp, t)
}

fn clock_boundary(policy: &Policy, ctx: &Context) -> Option<UnixTime> {
    ctx.high_water
        .last_seen
        .map(|seen| UnixTime(seen.0.saturating_sub(policy.clock_tolerance())))
}

/// The effect of a state under the policy and the operator's (allowed) switch.
pub fn effect_of(policy: &Policy, ctx: &Context, state: State) -> Effect {
    let e = &policy.effects;
    let base = match state {
        State::Missing => e.missing,
        State::ActivationPending => e.activation_pending,
        State::FreeTier => e.free_tier,
        State::Invalid => e.invalid,
        State::Active => e.active,
        State::ExpiringSoon => e.expiring_soon,
        State::Grace => e.grace,
        State::Expired => e.expired,
    };
    match (&policy.operator_switch, ctx.enforcement) {
        (Some(_), Enforcement::ForcedOff) => Effect::Unenforced,
        (Some(switch), Enforcement::ForcedOn) if state == State::Missing => switch.missing_when_forced_on,
        _ => base,
    }
}

fn names<'a>(items: impl IntoIterator<Item = &'a str>) -> NameSet {
    NameSet::new(items.into_iter().map(str::to_owned).collect())
}

/// Features granted: listed ∪ baseline ∪ what the edition (or plan) implies.
fn features(policy: &Policy, edition: Option<&str>, listed: &[String]) -> FeatureSet {
    match policy.implied_features(edition) {
        None => FeatureSet::All,
        Some(implied) => FeatureSet::Listed(names(
            listed
                .iter()
                .map(String::as_str)
                .chain(implied.iter().map(|f| f.as_ref()))
                .chain(policy.baseline_features.iter().map(|f| f.as_ref())),
        )),
    }
}

/// What the policy grants without a license (or under the `free_tier` effect); nothing unless `effect` is free tier.
fn unlicensed_entitlements(policy: &Policy, effect: Effect) -> Entitlements {
    let mut ent = Entitlements::locked();
    ent.effect = effect;
    ent.blocked_kinds = names(policy.blocked_kinds.iter().map(|k| k.as_ref()));
    if effect == Effect::FreeTier {
        let free = &policy.free_tier;
        ent.products = names(free.products.iter().map(|p| p.as_ref()));
        ent.features = FeatureSet::Listed(names(free.features.iter().map(|f| f.as_ref())));
        ent.limits = free.limits.iter().map(|q| (q.kind.to_string(), q.limit)).collect();
        ent.max_orgs = free.max_orgs;
    } else {
        ent.max_orgs = None;
    }
    ent
}

fn license_entitlements(policy: &Policy, claims: &Claims, effect: Effect) -> Entitlements {
    if effect == Effect::FreeTier {
        return unlicensed_entitlements(policy, effect);
    }
    let lic = &claims.lic;
    Entitlements {
        effect,
        products: names(lic.products.iter().map(String::as_str)),
        features: features(policy, lic.edition.as_deref(), &lic.features),
        limits: lic.limits.clone(),
        max_orgs: lic.max_orgs,
        orgs: if policy.orgs_must_be_named {
            OrgRule::Named(names(lic.orgs.iter().map(|o| o.id.as_str())))
        } else {
            OrgRule::Any
        },
        blocked_kinds: names(policy.blocked_kinds.iter().map(|k| k.as_ref())),
    }
}

fn org_entitlements(policy: &Policy, claims: &Claims, org: &OrgEntitlement, effect: Effect) -> Entitlements {
    if effect == Effect::FreeTier {
        return unlicensed_entitlements(policy, effect);
    }
    Entitlements {
        effect,
        products: names(claims.lic.products.iter().map(String::as_str)),
        features: features(policy, org.plan.as_deref(), &org.features),
        limits: org.limits.clone(),
        max_orgs: None,
        orgs: OrgRule::Any,
        blocked_kinds: names(policy.blocked_kinds.iter().map(|k| k.as_ref())),
    }
}

/// Whole days from `now` until `exp`, rounded toward zero: 1 with 1.5 days left, 0 within a day either side of
/// `exp`, -2 for a license that expired 2.5 days ago. Counted the way people count ("expired 2 days ago"); the
/// state says which side of `exp` a 0 is on. Every `days_remaining` (status, org status, and so the API, page,
/// `/metrics` and `licet status`) comes from here.
pub fn days_until(exp: UnixTime, now: UnixTime) -> i64 {
    let diff = i128::from(exp.0) - i128::from(now.0);
    // Integer division truncates toward zero; the quotient of two i64 by 86 400 always fits back in an i64.
    i64::try_from(diff / i128::from(UnixTime::SECONDS_PER_DAY)).unwrap_or(i64::MAX)
}

fn effect_sentence(effect: Effect) -> String {
    match effect {
        Effect::Full | Effect::Banner => String::new(),
        Effect::ReadOnly => " The product is read-only until a valid license is installed; your data is kept.".into(),
        Effect::Locked => " Only sign-in, health and the license page work until a valid license is installed.".into(),
        Effect::ModulesUnloaded => " Licensed modules are not loaded; the rest of the product works.".into(),
        Effect::FreeTier => " Free-tier limits apply.".into(),
        // The blocked kinds are the policy's internal names (`users_per_tenant`); a product that wants to name
        // them says so in its own words.
        Effect::CreationBlocked => {
            " New items the license counts cannot be created; existing ones and sign-ins keep working.".into()
        }
        Effect::Unenforced => " License enforcement is off.".into(),
    }
}

fn sentence(policy: &Policy, state: State, reason: Option<Reason>, effect: Effect, claims: Option<&Claims>) -> String {
    let exp = claims.and_then(|c| c.exp);
    let head = match (state, exp) {
        (State::Active, None) => "The license is active and does not expire.".to_owned(),
        (State::Active, Some(exp)) => format!("The license is active until {exp}."),
        (State::ExpiringSoon, Some(exp)) => {
            format!("The license expires on {exp}. Install a renewed license before then.")
        }
        (State::Grace, Some(exp)) => format!(
            "The license expired on {exp}; the grace period ends on {}. Install a renewed license.",
            exp.plus_seconds(policy.grace())
        ),
        (State::Expired, Some(exp)) => {
            format!("The license expired on {exp}. Install a renewed license from your vendor.")
        }
        (State::FreeTier, _) => "No license is installed.".to_owned(),
        (State::Invalid, _) if reason == Some(Reason::LicenseNotYetValid) => match claims.and_then(|c| c.nbf) {
            Some(nbf) => format!("{} It starts on {nbf}.", Reason::LicenseNotYetValid.sentence()),
            None => Reason::LicenseNotYetValid.sentence().to_owned(),
        },
        _ => reason
            .map_or(Reason::LicenseInvalid.sentence(), Reason::sentence)
            .to_owned(),
    };
    head + &effect_sentence(effect)
}

fn base_status(policy: &Policy, now: UnixTime, state: State, reason: Option<Reason>, ent: Entitlements) -> Status {
    Status {
        policy: policy.name.to_string(),
        evaluated_at: now,
        state,
        reason,
        sentence: sentence(policy, state, reason, ent.effect, None),
        org: None,
        license: None,
        customer: None,
        edition: None,
        not_before: None,
        expires_at: None,
        grace_ends_at: None,
        days_remaining: None,
        entitlements: ent,
        orgs: Vec::new(),
        next_change: None,
    }
}

/// The state of the install at `now`. See the module documentation for the rules.
pub fn evaluate(policy: &Policy, ctx: &Context, license: LicenseInput<'_>, now: UnixTime) -> Status {
    evaluate_in(policy, ctx, license, now, None)
}

/// [`evaluate`] for the license of one scope: the instance (`org = None`) or one org's own license.
fn evaluate_in(policy: &Policy, ctx: &Context, license: LicenseInput<'_>, now: UnixTime, org: Option<&str>) -> Status {
    match license {
        LicenseInput::None => {
            let (state, reason) = match policy.no_license {
                NoLicense::Missing => (State::Missing, Some(Reason::LicenseMissing)),
                NoLicense::ActivationPending => (State::ActivationPending, Some(Reason::ActivationPending)),
                NoLicense::FreeTier => (State::FreeTier, None),
            };
            let effect = effect_of(policy, ctx, state);
            base_status(policy, now, state, reason, unlicensed_entitlements(policy, effect))
        }
        LicenseInput::Rejected(reason) => invalid(policy, ctx, now, reason),
        LicenseInput::Verified(license) => evaluate_verified(policy, ctx, license, now, org),
    }
}

fn invalid(policy: &Policy, ctx: &Context, now: UnixTime, reason: Reason) -> Status {
    let effect = effect_of(policy, ctx, State::Invalid);
    base_status(
        policy,
        now,
        State::Invalid,
        Some(reason),
        unlicensed_entitlements(policy, effect),
    )
}

fn evaluate_verified(
    policy: &Policy,
    ctx: &Context,
    license: &VerifiedLicense,
    now: UnixTime,
    org: Option<&str>,
) -> Status {
    let claims = license.claims();
    let (state, reason, next) = match static_check(claims, ctx, org) {
        Err(reason) => (State::Invalid, Some(reason), None),
        Ok(()) => {
            let at = |t| license_state_at(policy, claims, ctx, t);
            let (state, reason) = at(now);
            let bounds = window_boundaries(policy, claims.nbf, claims.exp);
            let next = next_change(now, bounds.into_iter().chain([clock_boundary(policy, ctx)]), at);
            (state, reason, next)
        }
    };
    let effect = effect_of(policy, ctx, state);
    let entitlements = if state.is_licensed() {
        license_entitlements(policy, claims, effect)
    } else {
        unlicensed_entitlements(policy, effect)
    };
    let orgs = if state.is_licensed() {
        claims
            .lic
            .orgs
            .iter()
            .map(|org| org_status(policy, ctx, claims, org, now))
            .collect()
    } else {
        Vec::new()
    };
    Status {
        policy: policy.name.to_string(),
        evaluated_at: now,
        state,
        reason,
        sentence: sentence(policy, state, reason, effect, Some(claims)),
        org: None,
        license: Some(LicenseRef {
            fingerprint: license.fingerprint().to_owned(),
            kid: license.kid().to_owned(),
            sequence: claims.lic.sequence,
            jti: claims.jti.clone(),
            subject: claims.sub.clone(),
            issued_at: claims.iat,
        }),
        customer: Some(claims.lic.customer.clone()),
        edition: claims.lic.edition.clone(),
        not_before: claims.nbf,
        expires_at: claims.exp,
        grace_ends_at: claims.exp.map(|e| e.plus_seconds(policy.grace())),
        days_remaining: claims.exp.map(|e| days_until(e, now)),
        entitlements,
        orgs,
        next_change: next,
    }
}

fn min_opt(a: Option<UnixTime>, b: Option<UnixTime>) -> Option<UnixTime> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

fn max_opt(a: Option<UnixTime>, b: Option<UnixTime>) -> Option<UnixTime> {
    a.max(b)
}

/// One org of a license that passed the static checks: its window is the intersection of the license's and its own.
fn org_status(policy: &Policy, ctx: &Context, claims: &Claims, org: &OrgEntitlement, now: UnixTime) -> OrgStatus {
    let from = max_opt(claims.nbf, org.valid_from);
    let until = min_opt(claims.exp, org.valid_until);
    let at = |t| match license_state_at(policy, claims, ctx, t) {
        invalid @ (State::Invalid, _) => invalid,
        _ => window_state(policy, from, until, t),
    };
    let (state, reason) = at(now);
    let bounds = window_boundaries(policy, claims.nbf, claims.exp)
        .into_iter()
        .chain(window_boundaries(policy, from, until))
        .chain([clock_boundary(policy, ctx)]);
    let next_change = next_change(now, bounds, at);
    let effect = effect_of(policy, ctx, state);
    let entitlements = if state.is_licensed() {
        org_entitlements(policy, claims, org, effect)
    } else {
        unlicensed_entitlements(policy, effect)
    };
    OrgStatus {
        id: org.id.clone(),
        plan: org.plan.clone(),
        state,
        reason,
        valid_from: from,
        valid_until: until,
        days_remaining: until.map(|u| days_until(u, now)),
        entitlements,
        next_change,
    }
}

/// The status for one organization.
///
/// An org-scoped license (`org_license`, e.g. Honeyframe's per-org row) beats the instance-wide one for that org,
/// even when it fails verification (it is the org's license; an invalid one fails closed for that org only). With
/// no org license the instance status applies, narrowed to the org's own entry when the license names it. A
/// license that names orgs but not this one, or names none while the policy requires orgs to be named, makes the
/// org `invalid(org_not_licensed)`.
pub fn evaluate_org(
    policy: &Policy,
    ctx: &Context,
    instance: &Status,
    org_id: &str,
    org_license: LicenseInput<'_>,
    now: UnixTime,
) -> Status {
    match org_license {
        LicenseInput::None => scope_to_org(policy, ctx, instance.clone(), org_id, !policy.orgs_must_be_named, now),
        other => {
            let own = evaluate_in(policy, ctx, other, now, Some(org_id));
            scope_to_org(policy, ctx, own, org_id, true, now)
        }
    }
}

fn scope_to_org(
    policy: &Policy,
    ctx: &Context,
    status: Status,
    org_id: &str,
    unnamed_ok: bool,
    now: UnixTime,
) -> Status {
    let mut status = status;
    status.org = Some(org_id.to_owned());
    if !status.state.is_licensed() {
        status.orgs.clear();
        return status;
    }
    let orgs = std::mem::take(&mut status.orgs);
    let license_names_orgs = !orgs.is_empty();
    match orgs.into_iter().find(|o| o.id == org_id) {
        Some(org) => {
            status.state = org.state;
            status.reason = org.reason;
            status.not_before = org.valid_from;
            status.expires_at = org.valid_until;
            status.grace_ends_at = org.valid_until.map(|u| u.plus_seconds(policy.grace()));
            status.days_remaining = org.days_remaining;
            status.sentence = format!("Organization {org_id}: {}", org_sentence(&org));
            status.entitlements = org.entitlements;
            status.next_change = org.next_change;
            status
        }
        None if unnamed_ok && !license_names_orgs => status,
        None => {
            let mut out = invalid(policy, ctx, now, Reason::OrgNotLicensed);
            out.org = Some(org_id.to_owned());
            out.license = status.license;
            out.customer = status.customer;
            out.edition = status.edition;
            out
        }
    }
}

fn org_sentence(org: &OrgStatus) -> String {
    let effect = effect_sentence(org.entitlements.effect);
    let head = match (org.state, org.valid_until) {
        (State::Active, None) => "active.".to_owned(),
        (State::Active, Some(u)) => format!("active until {u}."),
        (State::ExpiringSoon, Some(u)) => format!("expires on {u}."),
        (State::Grace, Some(u)) => format!("expired on {u}; in grace period."),
        (State::Expired, Some(u)) => format!("expired on {u}."),
        _ => org
            .reason
            .map_or(Reason::LicenseInvalid.sentence(), Reason::sentence)
            .to_owned(),
    };
    head + &effect
}
