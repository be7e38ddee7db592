use std::collections::BTreeMap;

use proptest::prelude::*;

use super::*;
use crate::claims::{Audience, Binding, Customer, License, Limit};
use crate::entitlement::Denied;
use crate::profiles;

pub(crate) const DAY: i64 = 86_400;
/// 2030-01-01T00:00:00Z
pub(crate) const T0: i64 = 1_893_456_000;

pub(crate) fn claims(nbf: Option<i64>, exp: Option<i64>) -> Claims {
    Claims {
        iss: "vendor".into(),
        sub: "ACME Corp".into(),
        aud: Audience::one("product"),
        iat: UnixTime(nbf.unwrap_or(T0)),
        nbf: nbf.map(UnixTime),
        exp: exp.map(UnixTime),
        jti: Some("lic-1".into()),
        lic: License::new(
            Customer {
                id: "acme".into(),
                name: "ACME Corp".into(),
            },
            5,
        ),
        extra: BTreeMap::new(),
    }
}

pub(crate) fn verified(claims: Claims) -> VerifiedLicense {
    VerifiedLicense::new(claims, "kid-test".into(), "f".repeat(64))
}

pub(crate) fn eval(policy: &Policy, ctx: &Context, lic: &VerifiedLicense, now: i64) -> Status {
    evaluate(policy, ctx, LicenseInput::Verified(lic), UnixTime(now))
}

fn org(id: &str, from: Option<i64>, until: Option<i64>) -> OrgEntitlement {
    OrgEntitlement {
        id: id.into(),
        plan: Some("team".into()),
        features: vec!["reports".into()],
        limits: [("members".to_owned(), Limit::Count(3))].into(),
        valid_from: from.map(UnixTime),
        valid_until: until.map(UnixTime),
        extra: BTreeMap::new(),
    }
}

#[test]
fn no_license_follows_the_policy() {
    let ctx = Context::default();
    let now = UnixTime(T0);
    let s = evaluate(&profiles::LIBERTY, &ctx, LicenseInput::None, now);
    assert_eq!(
        (s.state, s.reason, s.effect()),
        (State::Missing, Some(Reason::LicenseMissing), Effect::ModulesUnloaded)
    );
    assert!(!s.entitlements.allows_module("nomasx1") && s.entitlements.allows_write());

    let s = evaluate(&profiles::NIVQ, &ctx, LicenseInput::None, now);
    assert_eq!((s.state, s.effect()), (State::ActivationPending, Effect::Locked));
    assert_eq!(s.reason, Some(Reason::ActivationPending));
    assert!(!s.entitlements.allows_access());

    let s = evaluate(&profiles::JUSTIAM, &ctx, LicenseInput::None, now);
    assert_eq!(
        (s.state, s.reason, s.effect()),
        (State::FreeTier, None, Effect::FreeTier)
    );
    assert_eq!(s.entitlements.check_quota("users_per_tenant", 9), Ok(()));
    assert_eq!(
        s.entitlements
            .check_quota("users_per_tenant", 10)
            .map_err(|d| d.reason()),
        Err(Reason::QuotaExceeded)
    );
    assert_eq!(
        s.entitlements.can_create_org("t3", 2).map_err(|d| d.reason()),
        Err(Reason::MaxOrgsReached)
    );
    assert_eq!(s.next_change, None);
}

#[test]
fn rejected_bytes_are_invalid_with_the_verifier_reason() {
    let s = evaluate(
        &profiles::HONEYFRAME,
        &Context::default(),
        LicenseInput::Rejected(Reason::LicenseBadSignature),
        UnixTime(T0),
    );
    assert_eq!(
        (s.state, s.reason, s.effect()),
        (State::Invalid, Some(Reason::LicenseBadSignature), Effect::Locked)
    );
    assert!(s.sentence.starts_with(Reason::LicenseBadSignature.sentence()));
    assert!(s.license.is_none());
    // JustIAM: "License shows free_tier despite having a key — key may be invalid".
    let s = evaluate(
        &profiles::JUSTIAM,
        &Context::default(),
        LicenseInput::Rejected(Reason::LicenseWrongAudience),
        UnixTime(T0),
    );
    assert_eq!((s.state, s.effect()), (State::Invalid, Effect::FreeTier));
    assert_eq!(s.entitlements.check_quota("users_per_tenant", 0), Ok(()));
}

#[test]
fn not_yet_valid_changes_at_nbf() {
    let lic = verified(claims(Some(T0 + DAY), Some(T0 + 365 * DAY)));
    let s = eval(&profiles::NIVQ, &Context::default(), &lic, T0);
    assert_eq!((s.state, s.reason), (State::Invalid, Some(Reason::LicenseNotYetValid)));
    assert_eq!(
        s.next_change,
        Some(Change {
            at: UnixTime(T0 + DAY),
            to: State::Active
        })
    );
    assert!(s.sentence.contains("2030-01-02T00:00:00Z"), "{}", s.sentence);
    assert_eq!(
        eval(&profiles::NIVQ, &Context::default(), &lic, T0 + DAY).state,
        State::Active
    );
}

/// The one rounding of `days_remaining`, at its boundaries: whole days toward zero on both sides of `exp`.
#[test]
fn days_until_rounds_toward_zero() {
    let exp = UnixTime(T0);
    let at = |offset: i64| days_until(exp, UnixTime(T0 - offset));
    assert_eq!(at(DAY + DAY / 2), 1, "1.5 days left");
    assert_eq!(at(2 * DAY), 2);
    assert_eq!(at(2 * DAY - 1), 1);
    assert_eq!(at(DAY), 1);
    assert_eq!(at(DAY - 1), 0);
    assert_eq!(at(1), 0);
    assert_eq!(at(0), 0);
    assert_eq!(at(-1), 0);
    assert_eq!(at(-(DAY - 1)), 0);
    assert_eq!(at(-DAY), -1);
    assert_eq!(at(-2 * DAY), -2, "expired 2 days ago");
    assert_eq!(at(-(3 * DAY - 1)), -2, "expired almost 3 days ago");
    assert_eq!(at(-3 * DAY), -3);
    // The widest span, (2^64 - 1) s, is 213 503 982 334 601 whole days either way: no overflow, no saturation.
    assert_eq!(days_until(UnixTime(i64::MAX), UnixTime(i64::MIN)), 213_503_982_334_601);
    assert_eq!(days_until(UnixTime(i64::MIN), UnixTime(i64::MAX)), -213_503_982_334_601);
}

#[test]
fn status_carries_license_identity_and_days() {
    let mut c = claims(None, Some(T0 + 10 * DAY));
    c.lic.edition = Some("enterprise".into());
    c.lic.products = vec!["b".into(), "a".into()];
    let lic = verified(c);
    let s = eval(&profiles::NIVQ, &Context::default(), &lic, T0 + 1);
    assert_eq!(s.days_remaining, Some(9));
    assert_eq!(
        eval(&profiles::NIVQ, &Context::default(), &lic, T0 + 10 * DAY - 1).days_remaining,
        Some(0)
    );
    // Rounded toward zero: a second past expiry is still 0 (the state says expired or grace), not -1.
    assert_eq!(
        eval(&profiles::NIVQ, &Context::default(), &lic, T0 + 10 * DAY + 1).days_remaining,
        Some(0)
    );
    assert_eq!(
        eval(&profiles::NIVQ, &Context::default(), &lic, T0 + 12 * DAY + DAY / 2).days_remaining,
        Some(-2),
        "expired two and a half days ago"
    );
    let r = s.license.as_ref().unwrap();
    assert_eq!(
        (r.kid.as_str(), r.sequence, r.subject.as_str()),
        ("kid-test", 5, "ACME Corp")
    );
    assert_eq!(s.customer.as_ref().map(|c| c.id.as_str()), Some("acme"));
    assert_eq!(s.edition.as_deref(), Some("enterprise"));
    assert_eq!(s.grace_ends_at, Some(UnixTime(T0 + 24 * DAY)));
    assert_eq!(s.products().iter().collect::<Vec<_>>(), ["a", "b"]);
    assert!(
        s.entitlements.allows_feature("self_learning"),
        "enterprise implies every feature"
    );
}

#[test]
fn edition_implies_baseline_plus_listed() {
    let mut c = claims(None, None);
    c.lic.edition = Some("team".into());
    c.lic.features = vec!["rbac".into()];
    let s = eval(&profiles::NIVQ, &Context::default(), &verified(c), T0);
    assert_eq!(s.state, State::Active);
    assert_eq!(s.next_change, None, "perpetual license never changes");
    assert!(s.entitlements.allows_feature("rbac") && s.entitlements.allows_feature("core"));
    assert!(!s.entitlements.allows_feature("enterprise_sso"));
    assert_eq!(
        s.entitlements.check_feature("sso").map_err(|d| d.reason()),
        Err(Reason::FeatureNotLicensed)
    );
}

#[test]
fn binding_mismatch_is_invalid_and_permanent() {
    let mut c = claims(None, Some(T0 + 90 * DAY));
    c.lic.binding.install_id = Some("install-a".into());
    c.lic.binding.domains = vec!["*.acme.com".into()];
    let lic = verified(c);
    let mut ctx = Context {
        install_id: Some("install-b".into()),
        domain: Some("api.acme.com".into()),
        ..Context::default()
    };
    let s = eval(&profiles::JUSTIAM, &ctx, &lic, T0);
    assert_eq!(
        (s.state, s.reason),
        (State::Invalid, Some(Reason::LicenseInstanceMismatch))
    );
    assert_eq!((s.effect(), s.next_change), (Effect::FreeTier, None));
    ctx.install_id = Some("install-a".into());
    assert_eq!(eval(&profiles::JUSTIAM, &ctx, &lic, T0).state, State::Active);
    ctx.domain = None;
    assert_eq!(
        eval(&profiles::JUSTIAM, &ctx, &lic, T0).reason,
        Some(Reason::LicenseDomainMismatch)
    );
    ctx.domain = Some("acme.com".into());
    assert_eq!(
        eval(&profiles::JUSTIAM, &ctx, &lic, T0).reason,
        Some(Reason::LicenseDomainMismatch)
    );
}

#[test]
fn older_sequence_is_a_rollback_and_high_water_advances() {
    let lic = verified(claims(None, Some(T0 + 100 * DAY)));
    let mut ctx = Context::default();
    ctx.high_water.sequences.insert(SequenceKey::instance("acme"), 6);
    let s = eval(&profiles::NIVQ, &ctx, &lic, T0);
    assert_eq!((s.state, s.reason), (State::Invalid, Some(Reason::LicenseRolledBack)));
    let hw = ctx.high_water.advance(Some(&lic), &s, UnixTime(T0));
    assert_eq!(
        hw.sequences.get(&SequenceKey::instance("acme")),
        Some(&6),
        "a refused license raises nothing"
    );
    assert_eq!(hw.last_seen, Some(UnixTime(T0)));

    // Another customer's mark does not apply; equal sequence is the same license again.
    ctx.high_water.sequences = [(SequenceKey::instance("other"), 99), (SequenceKey::instance("acme"), 5)].into();
    let s = eval(&profiles::NIVQ, &ctx, &lic, T0);
    assert_eq!(s.state, State::Active);
    let mut c = claims(None, Some(T0 + 100 * DAY));
    c.lic.sequence = 9;
    let newer = verified(c);
    let s = eval(&profiles::NIVQ, &ctx, &newer, T0);
    let hw = ctx.high_water.advance(Some(&newer), &s, UnixTime(T0 - 5));
    assert_eq!(hw.sequences.get(&SequenceKey::instance("acme")), Some(&9));
    assert_eq!(hw.sequences.get(&SequenceKey::instance("other")), Some(&99));
    let ctx2 = Context {
        high_water: hw,
        ..Context::default()
    };
    assert_eq!(
        eval(&profiles::NIVQ, &ctx2, &lic, T0).reason,
        Some(Reason::LicenseRolledBack)
    );
}

#[test]
fn instance_and_org_licenses_of_one_customer_keep_their_own_sequence_marks() {
    let at = |seq: u64| {
        let mut c = claims(None, Some(T0 + 100 * DAY));
        c.lic.sequence = seq;
        verified(c)
    };
    let policy = &profiles::HONEYFRAME;
    let (instance, org_renewed) = (at(5), at(9));
    let mut ctx = Context::default();
    let inst = eval(policy, &ctx, &instance, T0);
    ctx.high_water = ctx.high_water.advance(Some(&instance), &inst, UnixTime(T0));
    let own = evaluate_org(
        policy,
        &ctx,
        &inst,
        "north",
        LicenseInput::Verified(&org_renewed),
        UnixTime(T0),
    );
    assert_eq!(own.state, State::Active);
    ctx.high_water = ctx.high_water.advance(Some(&org_renewed), &own, UnixTime(T0));
    assert_eq!(
        ctx.high_water.sequences.get(&SequenceKey::org("acme", "north")),
        Some(&9)
    );
    assert_eq!(ctx.high_water.sequences.get(&SequenceKey::instance("acme")), Some(&5));

    // The org's renewal to 9 says nothing about the instance license at 5, nor about another org's license.
    assert_eq!(eval(policy, &ctx, &instance, T0).state, State::Active);
    let south = evaluate_org(
        policy,
        &ctx,
        &inst,
        "south",
        LicenseInput::Verified(&at(3)),
        UnixTime(T0),
    );
    assert_eq!(south.state, State::Active);
    // Within its own scope an older org license is a rollback.
    let back = evaluate_org(
        policy,
        &ctx,
        &inst,
        "north",
        LicenseInput::Verified(&at(8)),
        UnixTime(T0),
    );
    assert_eq!(
        (back.state, back.reason),
        (State::Invalid, Some(Reason::LicenseRolledBack))
    );
}

#[test]
fn clock_rollback_beyond_tolerance_is_detected() {
    let lic = verified(claims(None, Some(T0 + 100 * DAY)));
    let seen = T0 + 10 * DAY;
    let ctx = Context {
        high_water: HighWater {
            last_seen: Some(UnixTime(seen)),
            sequences: BTreeMap::new(),
        },
        ..Context::default()
    };
    let tol = Policy::DEFAULT_CLOCK_TOLERANCE;
    let s = eval(&profiles::NIVQ, &ctx, &lic, seen - tol - 1);
    assert_eq!(
        (s.state, s.reason),
        (State::Invalid, Some(Reason::ClockRollbackDetected))
    );
    assert_eq!(
        s.next_change,
        Some(Change {
            at: UnixTime(seen - tol),
            to: State::Active
        })
    );
    assert_eq!(eval(&profiles::NIVQ, &ctx, &lic, seen - tol).state, State::Active);
    // The mark never goes back.
    let hw = ctx.high_water.advance(Some(&lic), &s, UnixTime(seen - tol - 1));
    assert_eq!(hw.last_seen, Some(UnixTime(seen)));
}

#[test]
fn operator_switch_only_where_the_policy_allows_it() {
    let lic = verified(claims(None, Some(T0)));
    let off = Context {
        enforcement: Enforcement::ForcedOff,
        ..Context::default()
    };
    let s = eval(&profiles::HONEYFRAME, &off, &lic, T0 + 30 * DAY);
    assert_eq!((s.state, s.effect()), (State::Expired, Effect::Unenforced));
    assert!(s.entitlements.allows_feature("anything"));
    // nivq: "there is no flag to turn it off".
    let s = eval(&profiles::NIVQ, &off, &lic, T0 + 30 * DAY);
    assert_eq!((s.state, s.effect()), (State::Expired, Effect::Locked));

    let on = Context {
        enforcement: Enforcement::ForcedOn,
        ..Context::default()
    };
    let missing = |ctx: &Context| evaluate(&profiles::HONEYFRAME, ctx, LicenseInput::None, UnixTime(T0)).effect();
    assert_eq!(missing(&Context::default()), Effect::Unenforced);
    assert_eq!(missing(&on), Effect::Locked);
}

#[test]
fn orgs_have_their_own_window_and_entitlements() {
    let mut c = claims(Some(T0), Some(T0 + 365 * DAY));
    c.lic.max_orgs = Some(Limit::Count(2));
    c.lic.orgs = vec![
        org("north", None, Some(T0 + 40 * DAY)),
        org("south", Some(T0 + 10 * DAY), None),
    ];
    let lic = verified(c);
    let ctx = Context::default();
    let s = eval(&profiles::SOVEREIGN, &ctx, &lic, T0 + DAY);
    assert_eq!(s.state, State::Active);
    let north = s.org_status("north").unwrap();
    assert_eq!((north.state, north.days_remaining), (State::Active, Some(39)));
    assert_eq!(
        north.next_change,
        Some(Change {
            at: UnixTime(T0 + 10 * DAY),
            to: State::ExpiringSoon
        })
    );
    assert!(north.entitlements.allows_feature("reports"));
    assert_eq!(
        north.entitlements.check_quota("members", 3).map_err(|d| d.reason()),
        Err(Reason::QuotaExceeded)
    );
    let south = s.org_status("south").unwrap();
    assert_eq!(
        (south.state, south.reason),
        (State::Invalid, Some(Reason::LicenseNotYetValid))
    );
    assert_eq!(s.next_wakeup(), Some(UnixTime(T0 + 10 * DAY)));

    // Org creation: named only, counted against max_orgs.
    assert_eq!(s.entitlements.can_create_org("north", 0), Ok(()));
    assert_eq!(
        s.entitlements.can_create_org("west", 0).map_err(|d| d.reason()),
        Err(Reason::OrgNotLicensed)
    );
    assert_eq!(
        s.entitlements.can_create_org("south", 2).map_err(|d| d.reason()),
        Err(Reason::MaxOrgsReached)
    );

    // North past its own window + grace: read-only for north only.
    let later = eval(&profiles::SOVEREIGN, &ctx, &lic, T0 + 48 * DAY);
    assert_eq!(later.state, State::Active);
    let north = evaluate_org(
        &profiles::SOVEREIGN,
        &ctx,
        &later,
        "north",
        LicenseInput::None,
        UnixTime(T0 + 48 * DAY),
    );
    assert_eq!(
        (north.state, north.effect(), north.org.as_deref()),
        (State::Expired, Effect::ReadOnly, Some("north"))
    );
    assert_eq!(
        north.entitlements.check_quota("members", 0),
        Err(Denied::LicenseReadOnly)
    );
    let west = evaluate_org(
        &profiles::SOVEREIGN,
        &ctx,
        &later,
        "west",
        LicenseInput::None,
        UnixTime(T0 + 48 * DAY),
    );
    assert_eq!(
        (west.state, west.reason),
        (State::Invalid, Some(Reason::OrgNotLicensed))
    );
    assert_eq!(west.effect(), Effect::ReadOnly);
}

#[test]
fn org_license_beats_instance_license() {
    let instance_lic = verified(claims(None, Some(T0 + 365 * DAY)));
    let ctx = Context::default();
    let now = UnixTime(T0 + 100 * DAY);
    let instance = evaluate(&profiles::HONEYFRAME, &ctx, LicenseInput::Verified(&instance_lic), now);
    let mut c = claims(None, Some(T0 + 50 * DAY));
    c.lic.customer.id = "org-a".into();
    c.lic.features = vec!["chat".into()];
    let org_lic = verified(c);
    let a = evaluate_org(
        &profiles::HONEYFRAME,
        &ctx,
        &instance,
        "org-a",
        LicenseInput::Verified(&org_lic),
        now,
    );
    assert_eq!((a.state, a.effect()), (State::Expired, Effect::Locked));
    let b = evaluate_org(&profiles::HONEYFRAME, &ctx, &instance, "org-b", LicenseInput::None, now);
    assert_eq!(
        (b.state, b.effect(), b.org.as_deref()),
        (State::Active, Effect::Full, Some("org-b"))
    );
    let bad = evaluate_org(
        &profiles::HONEYFRAME,
        &ctx,
        &instance,
        "org-a",
        LicenseInput::Rejected(Reason::LicenseBadSignature),
        now,
    );
    assert_eq!((bad.state, bad.effect()), (State::Invalid, Effect::Locked));
}

#[test]
fn status_round_trips_through_json() {
    let mut c = claims(Some(T0), Some(T0 + 20 * DAY));
    c.lic.limits = [("users".to_owned(), Limit::Unlimited)].into();
    c.lic.orgs = vec![org("north", None, None)];
    let s = eval(&profiles::SOVEREIGN, &Context::default(), &verified(c), T0);
    let json = serde_json::to_string(&s).unwrap();
    assert_eq!(serde_json::from_str::<Status>(&json).unwrap(), s);
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(v["state"], "expiring_soon");
    assert_eq!(v["entitlements"]["effect"], "banner");
    assert_eq!(v["next_change"]["to"], "grace");
    assert_eq!(v["entitlements"]["limits"]["users"], "unlimited");
}

// ---------------------------------------------------------------- properties

fn rank(s: State) -> u8 {
    match s {
        State::Active => 0,
        State::ExpiringSoon => 1,
        State::Grace => 2,
        State::Expired => 3,
        _ => 9,
    }
}

fn window_policy(warn: i64, grace: i64) -> Policy {
    Policy {
        warn_seconds: warn,
        grace_seconds: grace,
        ..profiles::NIVQ
    }
}

const SPAN: i64 = 1 << 50;

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn state_is_monotonic_in_time(
        exp in any::<i64>(), warn in 0..400 * DAY, grace in 0..400 * DAY,
        a in any::<i64>(), b in any::<i64>(),
    ) {
        let (t1, t2) = (a.min(b), a.max(b));
        let lic = verified(claims(None, Some(exp)));
        let p = window_policy(warn, grace);
        let s1 = eval(&p, &Context::default(), &lic, t1);
        let s2 = eval(&p, &Context::default(), &lic, t2);
        prop_assert!(rank(s1.state) <= 3 && rank(s2.state) <= 3);
        prop_assert!(rank(s1.state) <= rank(s2.state), "{:?}@{} then {:?}@{}", s1.state, t1, s2.state, t2);
    }

    /// Against an independent model: half-open intervals in i128 (no saturation needed), exactly one contains t.
    #[test]
    fn windows_partition_the_timeline(
        exp in -SPAN..SPAN, warn in 0..400 * DAY, grace in 0..400 * DAY, offset in -500 * DAY..500 * DAY,
    ) {
        let p = window_policy(warn, grace);
        let lic = verified(claims(None, Some(exp)));
        let (e, w, g) = (i128::from(exp), i128::from(warn), i128::from(grace));
        let intervals = [
            (i128::MIN, e - w, State::Active),
            (e - w, e, State::ExpiringSoon),
            (e, e + g, State::Grace),
            (e + g, i128::MAX, State::Expired),
        ];
        for t in [exp + offset, exp - warn, exp - warn - 1, exp, exp - 1, exp + grace, exp + grace - 1] {
            let containing: Vec<State> = intervals.iter()
                .filter(|(lo, hi, _)| *lo <= i128::from(t) && i128::from(t) < *hi)
                .map(|(_, _, s)| *s)
                .collect();
            prop_assert_eq!(containing.len(), 1);
            prop_assert_eq!(eval(&p, &Context::default(), &lic, t).state, containing[0], "t - exp = {}", t - exp);
        }
    }

    /// `next_change.at` is exactly the first instant with another answer.
    #[test]
    fn next_change_is_exact(
        nbf in proptest::option::of(-SPAN..SPAN), exp in proptest::option::of(-SPAN..SPAN),
        warn in 0..400 * DAY, grace in 0..400 * DAY, seen in proptest::option::of(-SPAN..SPAN),
        now in -SPAN..SPAN, frac in 0.0f64..1.0,
    ) {
        let p = window_policy(warn, grace);
        let lic = verified(claims(nbf, exp));
        let ctx = Context {
            high_water: HighWater { last_seen: seen.map(UnixTime), sequences: BTreeMap::new() },
            ..Context::default()
        };
        let here = eval(&p, &ctx, &lic, now);
        let answer = |t: i64| {
            let s = eval(&p, &ctx, &lic, t);
            (s.state, s.reason)
        };
        match here.next_change {
            Some(change) => {
                let at = change.at.0;
                prop_assert!(at > now);
                prop_assert_eq!(answer(at - 1), (here.state, here.reason));
                let between = now + ((at - now) as f64 * frac) as i64;
                prop_assert_eq!(answer(between.clamp(now, at - 1)), (here.state, here.reason));
                prop_assert_eq!(answer(at).0, change.to);
                prop_assert_ne!(answer(at), (here.state, here.reason));
            }
            None => {
                for t in [now + 1, now + 1000 * DAY, SPAN * 4, i64::MAX] {
                    prop_assert_eq!(answer(t), (here.state, here.reason));
                }
            }
        }
    }
}

fn arb_name() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-z]{1,6}",
        ".{0,12}",
        Just("*.acme.com".to_owned()),
        Just("::1".to_owned())
    ]
}

fn arb_limit() -> impl Strategy<Value = Limit> {
    prop_oneof![any::<u64>().prop_map(Limit::Count), Just(Limit::Unlimited)]
}

fn arb_time() -> impl Strategy<Value = i64> {
    prop_oneof![any::<i64>(), Just(i64::MIN), Just(i64::MAX), Just(0), -SPAN..SPAN]
}

prop_compose! {
    fn arb_claims()(
        nbf in proptest::option::of(arb_time()), exp in proptest::option::of(arb_time()),
        edition in proptest::option::of(prop_oneof![Just("enterprise".to_owned()), arb_name()]),
        products in proptest::collection::vec(arb_name(), 0..4),
        features in proptest::collection::vec(arb_name(), 0..4),
        limits in proptest::collection::btree_map(arb_name(), arb_limit(), 0..3),
        orgs in proptest::collection::vec(
            (arb_name(), proptest::option::of(arb_time()), proptest::option::of(arb_time())), 0..3),
        max_orgs in proptest::option::of(arb_limit()),
        install in proptest::option::of(arb_name()),
        fingerprints in proptest::collection::vec(arb_name(), 0..2),
        domains in proptest::collection::vec(arb_name(), 0..2),
        sequence in any::<u64>(),
        customer in arb_name(),
    ) -> Claims {
        let mut c = claims(nbf, exp);
        c.lic.edition = edition;
        c.lic.products = products;
        c.lic.features = features;
        c.lic.limits = limits;
        c.lic.orgs = orgs.into_iter().map(|(id, f, u)| org(&id, f, u)).collect();
        c.lic.max_orgs = max_orgs;
        c.lic.binding = Binding { install_id: install, fingerprints, domains };
        c.lic.sequence = sequence;
        c.lic.customer.id = customer;
        c
    }
}

prop_compose! {
    fn arb_policy()(
        base in 0..5usize, warn in arb_time(), grace in arb_time(), tol in arb_time(), named in any::<bool>(),
    ) -> Policy {
        Policy {
            warn_seconds: warn,
            grace_seconds: grace,
            clock_tolerance_seconds: tol,
            orgs_must_be_named: named,
            ..profiles::ALL[base].clone()
        }
    }
}

prop_compose! {
    fn arb_context()(
        install_id in proptest::option::of(arb_name()), fingerprint in proptest::option::of(arb_name()),
        domain in proptest::option::of(arb_name()), last_seen in proptest::option::of(arb_time()),
        sequences in proptest::collection::btree_map(
            (arb_name(), proptest::option::of(arb_name())).prop_map(|(customer, org)| SequenceKey { customer, org }),
            any::<u64>(),
            0..3,
        ),
        enforcement in prop_oneof![Just(Enforcement::Default), Just(Enforcement::ForcedOn), Just(Enforcement::ForcedOff)],
    ) -> Context {
        Context {
            install_id, fingerprint, domain,
            high_water: HighWater { last_seen: last_seen.map(UnixTime), sequences },
            enforcement,
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(384))]

    /// Nothing panics, every answer is internally consistent and survives the cache (JSON).
    #[test]
    fn no_input_panics(
        c in arb_claims(), p in arb_policy(), ctx in arb_context(), now in arb_time(), org_id in arb_name(),
        reject in prop_oneof![Just(None), Just(Some(Reason::LicenseBadSignature))],
    ) {
        let lic = verified(c);
        let input = match reject {
            Some(r) => LicenseInput::Rejected(r),
            None => LicenseInput::Verified(&lic),
        };
        let s = evaluate(&p, &ctx, input, UnixTime(now));
        prop_assert!(s.state != State::Invalid || s.reason.is_some());
        prop_assert!(s.state.is_licensed() || s.orgs.is_empty());
        if let Some(change) = s.next_change {
            prop_assert!(change.at.0 > now);
        }
        let o = evaluate_org(&p, &ctx, &s, &org_id, LicenseInput::None, UnixTime(now));
        prop_assert_eq!(o.org.as_deref(), Some(org_id.as_str()));
        let o2 = evaluate_org(&p, &ctx, &s, &org_id, LicenseInput::Verified(&lic), UnixTime(now));
        prop_assert!(o2.orgs.is_empty());
        let hw = ctx.high_water.advance(Some(&lic), &s, UnixTime(now));
        prop_assert!(hw.last_seen >= ctx.high_water.last_seen);
        let json = serde_json::to_string(&s).unwrap();
        prop_assert_eq!(serde_json::from_str::<Status>(&json).unwrap(), s.clone());
        let e = &s.entitlements;
        let _ = (e.allows_write(), e.allows_feature(&org_id), e.allows_module(&org_id));
        let _ = (e.check_quota(&org_id, u64::MAX), e.can_create_org(&org_id, u64::MAX));
    }
}
