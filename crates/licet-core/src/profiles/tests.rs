use super::*;

#[test]
fn profiles_are_sound_and_found() {
    for p in ALL {
        assert!(p.problems().is_empty(), "{}: {:?}", p.name, p.problems());
        assert_eq!(by_name(&p.name.to_uppercase()), Some(p));
    }
    assert_eq!(
        names().collect::<Vec<_>>(),
        ["standard", "liberty", "honeyframe", "sovereign", "nivq", "justiam"]
    );
    assert!(by_name("nope").is_none());
    assert!(STANDARD.problems().is_empty(), "{:?}", STANDARD.problems());
    assert_eq!(by_name("Standard"), Some(&STANDARD));
    assert!(!ALL.contains(&&STANDARD), "ALL is the seed profiles only");
}

#[test]
fn standard_is_licets_own_format_in_the_store_by_upload() {
    assert_eq!(STANDARD.format, crate::LicenseFormat::Licet);
    let s = &STANDARD.sources;
    assert_eq!(&*s.order, [Source::Store]);
    assert!(s.upload && !s.offline_import && !s.renewal);
    assert!(STANDARD.operator_switch.is_none());
    let json = serde_json::to_string(&STANDARD).unwrap();
    assert_eq!(serde_json::from_str::<Policy>(&json).unwrap(), STANDARD);
}

#[test]
fn profiles_round_trip_through_serde_except_their_compiled_in_format() {
    for p in ALL {
        let json = serde_json::to_string(p).unwrap();
        let back: Policy = serde_json::from_str(&json).unwrap();
        assert_eq!(
            back.format,
            crate::LicenseFormat::Licet,
            "a loaded policy never carries a mapping"
        );
        assert_ne!(
            p.format,
            crate::LicenseFormat::Licet,
            "{}: every seed profile maps its manual's format",
            p.name
        );
        assert_eq!(
            back,
            Policy {
                format: crate::LicenseFormat::Licet,
                ..p.clone()
            }
        );
    }
}

#[test]
fn only_honeyframe_has_an_operator_switch() {
    let with_switch: Vec<&str> = ALL
        .iter()
        .filter(|p| p.operator_switch.is_some())
        .map(|p| p.name.as_ref())
        .collect();
    assert_eq!(with_switch, ["honeyframe"]);
}

// ------------------------------------------------- walks: one license from issue to well past grace, per profile

use crate::lifecycle::tests::{claims, eval, verified, DAY, T0};
use crate::lifecycle::{evaluate, Context, LicenseInput};
use crate::reason::Reason;
use crate::status::State;
use crate::time::UnixTime;

/// The license every walk uses: valid from T0 for 365 days, module `m`, feature `f`, 5 `users`.
const EXP: i64 = T0 + 365 * DAY;

/// One row: `at` (None: no license at all), then what the status and its entitlements must answer.
struct Row {
    at: Option<i64>,
    state: State,
    reason: Option<Reason>,
    effect: Effect,
    grants: Grants,
    /// check_quota("users", 0): Ok, or the refusal's reason.
    quota: Result<(), Reason>,
}

/// allows_write, allows_access (beyond sign-in + license endpoints), allows_module("m"), allows_feature("f").
#[derive(Debug, PartialEq, Eq, Clone, Copy)]
struct Grants {
    write: bool,
    access: bool,
    module: bool,
    feature: bool,
}

const fn grants(write: bool, access: bool, module: bool, feature: bool) -> Grants {
    Grants {
        write,
        access,
        module,
        feature,
    }
}
const G_ALL: Grants = grants(true, true, true, true);
const G_READ_ONLY: Grants = grants(false, true, true, true);
const G_NOTHING: Grants = grants(false, false, false, false);
/// The product runs, but nothing the license would grant (modules, features) is on.
const G_BASE: Grants = grants(true, true, false, false);
const G_BASE_READ_ONLY: Grants = grants(false, true, false, false);
const G_NO_MODULES: Grants = grants(true, true, false, true);

const fn row(
    at: Option<i64>,
    state: State,
    reason: Option<Reason>,
    effect: Effect,
    grants: Grants,
    quota: Result<(), Reason>,
) -> Row {
    Row {
        at,
        state,
        reason,
        effect,
        grants,
        quota,
    }
}

fn walk(policy: &Policy, rows: &[Row]) {
    let mut c = claims(Some(T0), Some(EXP));
    c.lic.products = vec!["m".into()];
    c.lic.features = vec!["f".into()];
    c.lic.limits = [("users".to_owned(), Limit::Count(5))].into();
    let lic = verified(c);
    let ctx = Context::default();
    let mut last_rank = 0;
    for r in rows {
        let s = match r.at {
            Some(at) => eval(policy, &ctx, &lic, at),
            None => evaluate(policy, &ctx, LicenseInput::None, UnixTime(T0)),
        };
        let e = &s.entitlements;
        let at =
            r.at.map(|t| UnixTime(t).to_rfc3339())
                .unwrap_or_else(|| "no license".into());
        assert_eq!(
            (s.state, s.reason, s.effect()),
            (r.state, r.reason, r.effect),
            "{} at {at}",
            policy.name
        );
        let got = grants(
            e.allows_write(),
            e.allows_access(),
            e.allows_module("m"),
            e.allows_feature("f"),
        );
        assert_eq!(got, r.grants, "{} at {at}", policy.name);
        assert_eq!(
            e.check_quota("users", 0).map_err(|d| d.reason()),
            r.quota,
            "{} at {at}: quota",
            policy.name
        );
        assert!(
            !e.allows_module("other") || s.effect() == Effect::Unenforced,
            "{} at {at}",
            policy.name
        );
        if r.at.is_some() && s.state.is_licensed() {
            let rank = s.state as u8;
            assert!(rank >= last_rank, "{} at {at}: went back to {}", policy.name, s.state);
            last_rank = rank;
        }
    }
}

use Effect::*;
use State::*;
const EXPIRED: Option<Reason> = Some(Reason::LicenseExpired);
const NYV: Option<Reason> = Some(Reason::LicenseNotYetValid);

#[test]
fn standard_walk() {
    let ro = Err(Reason::LicenseReadOnly);
    walk(
        &STANDARD,
        &[
            row(
                None,
                Missing,
                Some(Reason::LicenseMissing),
                ReadOnly,
                G_BASE_READ_ONLY,
                ro,
            ),
            row(Some(T0 - 1), Invalid, NYV, ReadOnly, G_BASE_READ_ONLY, ro),
            row(Some(T0), Active, None, Full, G_ALL, Ok(())),
            row(Some(EXP - 30 * DAY - 1), Active, None, Full, G_ALL, Ok(())),
            row(Some(EXP - 30 * DAY), ExpiringSoon, None, Banner, G_ALL, Ok(())),
            row(Some(EXP), Grace, EXPIRED, Banner, G_ALL, Ok(())),
            row(Some(EXP + 14 * DAY - 1), Grace, EXPIRED, Banner, G_ALL, Ok(())),
            row(Some(EXP + 14 * DAY), Expired, EXPIRED, ReadOnly, G_READ_ONLY, ro),
            row(Some(EXP + 1000 * DAY), Expired, EXPIRED, ReadOnly, G_READ_ONLY, ro),
        ],
    );
}

#[test]
fn liberty_walk() {
    let unloaded = Err(Reason::QuotaExceeded);
    walk(
        &LIBERTY,
        &[
            row(
                None,
                Missing,
                Some(Reason::LicenseMissing),
                ModulesUnloaded,
                G_BASE,
                unloaded,
            ),
            row(Some(T0 - 1), Invalid, NYV, ModulesUnloaded, G_BASE, unloaded),
            row(Some(T0), Active, None, Full, G_ALL, Ok(())),
            row(Some(EXP - 30 * DAY - 1), Active, None, Full, G_ALL, Ok(())),
            row(Some(EXP - 30 * DAY), ExpiringSoon, None, Full, G_ALL, Ok(())),
            row(Some(EXP - 1), ExpiringSoon, None, Full, G_ALL, Ok(())),
            // "Grace period after expiry: Not implemented. exp is a hard limit."
            row(Some(EXP), Expired, EXPIRED, ModulesUnloaded, G_NO_MODULES, Ok(())),
            row(
                Some(EXP + 1000 * DAY),
                Expired,
                EXPIRED,
                ModulesUnloaded,
                G_NO_MODULES,
                Ok(()),
            ),
        ],
    );
}

#[test]
fn honeyframe_walk() {
    walk(
        &HONEYFRAME,
        &[
            // "installs without a license.json ... skip the gate entirely"
            row(None, Missing, Some(Reason::LicenseMissing), Unenforced, G_ALL, Ok(())),
            row(
                Some(T0 - 1),
                Invalid,
                NYV,
                Locked,
                G_NOTHING,
                Err(Reason::LicenseLocked),
            ),
            row(Some(T0), Active, None, Full, G_ALL, Ok(())),
            row(Some(EXP - 1), Active, None, Full, G_ALL, Ok(())),
            row(Some(EXP), Grace, EXPIRED, Banner, G_ALL, Ok(())),
            row(Some(EXP + 7 * DAY - 1), Grace, EXPIRED, Banner, G_ALL, Ok(())),
            row(
                Some(EXP + 7 * DAY),
                Expired,
                EXPIRED,
                Locked,
                G_NOTHING,
                Err(Reason::LicenseLocked),
            ),
        ],
    );
}

#[test]
fn sovereign_walk() {
    let ro = Err(Reason::LicenseReadOnly);
    walk(
        &SOVEREIGN,
        &[
            row(
                None,
                Missing,
                Some(Reason::LicenseMissing),
                ReadOnly,
                G_BASE_READ_ONLY,
                ro,
            ),
            row(Some(T0), Active, None, Full, G_ALL, Ok(())),
            row(Some(EXP - 30 * DAY), ExpiringSoon, None, Banner, G_ALL, Ok(())),
            row(Some(EXP), Grace, EXPIRED, Banner, G_ALL, Ok(())),
            row(Some(EXP + 7 * DAY - 1), Grace, EXPIRED, Banner, G_ALL, Ok(())),
            // "Existing organizations remain readable; no writes, no new organizations, no new members."
            row(Some(EXP + 7 * DAY), Expired, EXPIRED, ReadOnly, G_READ_ONLY, ro),
            row(Some(EXP + 1000 * DAY), Expired, EXPIRED, ReadOnly, G_READ_ONLY, ro),
        ],
    );
}

#[test]
fn nivq_walk() {
    let locked = Err(Reason::LicenseLocked);
    walk(
        &NIVQ,
        &[
            row(
                None,
                ActivationPending,
                Some(Reason::ActivationPending),
                Locked,
                G_NOTHING,
                locked,
            ),
            row(Some(T0), Active, None, Full, G_ALL, Ok(())),
            row(Some(EXP - 30 * DAY - 1), Active, None, Full, G_ALL, Ok(())),
            row(Some(EXP - 30 * DAY), ExpiringSoon, None, Banner, G_ALL, Ok(())),
            row(
                Some(EXP),
                Grace,
                EXPIRED,
                ReadOnly,
                G_READ_ONLY,
                Err(Reason::LicenseReadOnly),
            ),
            row(
                Some(EXP + 14 * DAY - 1),
                Grace,
                EXPIRED,
                ReadOnly,
                G_READ_ONLY,
                Err(Reason::LicenseReadOnly),
            ),
            row(Some(EXP + 14 * DAY), Expired, EXPIRED, Locked, G_NOTHING, locked),
        ],
    );
}

#[test]
fn justiam_walk() {
    walk(
        &JUSTIAM,
        &[
            // Free tier: users unlimited overall (10 per tenant, 2 tenants), nothing else.
            row(None, State::FreeTier, None, Effect::FreeTier, G_BASE, Ok(())),
            row(Some(T0), Active, None, Full, G_ALL, Ok(())),
            row(Some(EXP - 30 * DAY - 1), Active, None, Full, G_ALL, Ok(())),
            row(Some(EXP - 30 * DAY), ExpiringSoon, None, Banner, G_ALL, Ok(())),
            row(Some(EXP), Grace, EXPIRED, Banner, G_ALL, Ok(())),
            row(Some(EXP + 30 * DAY - 1), Grace, EXPIRED, Banner, G_ALL, Ok(())),
            // "New user creation is blocked. Existing users and logins continue to work."
            row(
                Some(EXP + 30 * DAY),
                Expired,
                EXPIRED,
                CreationBlocked,
                G_ALL,
                Err(Reason::LicenseExpired),
            ),
        ],
    );
}

#[test]
fn justiam_expired_blocks_only_user_kinds() {
    let mut c = claims(Some(T0), Some(EXP));
    c.lic.limits = [
        ("users".to_owned(), Limit::Unlimited),
        ("api_keys".to_owned(), Limit::Count(3)),
    ]
    .into();
    let s = eval(&JUSTIAM, &Context::default(), &verified(c), EXP + 31 * DAY);
    assert_eq!(s.effect(), CreationBlocked);
    assert_eq!(s.entitlements.check_quota("api_keys", 0), Ok(()));
    assert!(s.entitlements.check_quota("users_per_tenant", 0).is_err());
    // The sentence names no internal kind (`users_per_tenant`); products say which items in their own words.
    assert!(
        s.sentence.contains("New items the license counts cannot be created") && !s.sentence.contains("users_per"),
        "{}",
        s.sentence
    );
}
