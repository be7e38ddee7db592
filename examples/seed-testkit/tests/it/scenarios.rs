//! Every row of `seed_testkit::scenarios`, checked against licet-core, plus the per-seed rules that are not about
//! time (named orgs, rollback, bindings, free tier, per-org precedence).

use licet_core::{evaluate_org, Context, Effect, HighWater, LicenseInput, Limit, Reason, SequenceKey, State, Status};
use seed_testkit::scenarios::{self, TERM_DAYS};
use seed_testkit::translate::honeyframe::HoneyframeLicense;
use seed_testkit::translate::liberty::{LibertyLicense, LICENSED_CONNECTORS};
use seed_testkit::translate::nivq::NivqLicense;
use seed_testkit::translate::sovereign::{SovereignLicense, SovereignOrg};
use seed_testkit::{Seed, T0};

use crate::common::{day, eval, eval_none, signed};

fn http(ok: bool, yes: u16) -> u16 {
    if ok {
        yes
    } else {
        403
    }
}

#[test]
fn liberty_walk_checks_at_load_only() {
    let lic = signed(
        Seed::Liberty,
        &LibertyLicense::new("ACME Corp", scenarios::LIBERTY_CONNECTORS_SOLD, T0, day(TERM_DAYS)).claims(),
    );
    let mut loaded: Option<Status> = None;
    for row in scenarios::LIBERTY {
        if row.reload {
            loaded = Some(eval(Seed::Liberty, &Context::default(), &lic, day(row.day)));
        }
        let st = loaded.as_ref().unwrap();
        let valid = matches!(st.state, State::Active | State::ExpiringSoon);
        assert_eq!(valid, row.valid, "day {}", row.day);
        assert_eq!(
            st.reason.filter(|_| !valid).map(|r| r.code()),
            row.reason,
            "day {}",
            row.day
        );
        let on: Vec<&str> = LICENSED_CONNECTORS
            .iter()
            .copied()
            .filter(|c| st.entitlements.allows_module(c))
            .collect();
        assert_eq!(on, row.loaded, "day {}", row.day);
    }
}

#[test]
fn liberty_has_no_grace_and_nomaubl_needs_naming() {
    let lic = signed(
        Seed::Liberty,
        &LibertyLicense::new("ACME", &["nomasx1"], T0, day(30)).claims(),
    );
    let at_exp = eval(Seed::Liberty, &Context::default(), &lic, day(30));
    assert_eq!(
        (at_exp.state, at_exp.effect()),
        (State::Expired, Effect::ModulesUnloaded)
    );
    let before = eval(Seed::Liberty, &Context::default(), &lic, day(30).plus_seconds(-1));
    assert!(before.entitlements.allows_module("nomasx1") && !before.entitlements.allows_module("nomaubl"));
    let none = eval_none(Seed::Liberty, &Context::default(), T0);
    assert_eq!(none.effect(), Effect::ModulesUnloaded);
    assert!(none.entitlements.allows_write(), "the framework itself keeps working");
}

fn honeyframe_order(customer: &str, features: &[&str]) -> HoneyframeLicense {
    HoneyframeLicense {
        customer: customer.into(),
        tier: "professional".into(),
        products: vec!["hub_platform".into()],
        features: features.iter().map(|f| (*f).to_owned()).collect(),
        users_limit: Some(25),
        issued_at: T0,
        expires: day(TERM_DAYS),
    }
}

#[test]
fn honeyframe_walk() {
    let lic = signed(
        Seed::Honeyframe,
        &honeyframe_order("ACME", &["chat_connector"]).claims(),
    );
    for row in scenarios::HONEYFRAME {
        let st = eval(Seed::Honeyframe, &Context::default(), &lic, T0.plus_seconds(row.at));
        assert_eq!(st.state, row.state, "at {}", row.at);
        let ent = &st.entitlements;
        let gate_ok = ent.allows_access();
        assert_eq!(http(gate_ok, 200), row.gated, "at {}", row.at);
        assert_eq!(http(gate_ok && ent.allows_feature("chat_connector"), 200), row.chat);
        assert_eq!(
            http(gate_ok && ent.allows_feature("ai_dashboard_generator"), 200),
            row.ai
        );
        assert_eq!(st.days_remaining, Some(row.days_remaining), "at {}", row.at);
    }
}

#[test]
fn honeyframe_gate_off_without_license_unless_forced_and_per_org_wins() {
    let none = eval_none(Seed::Honeyframe, &Context::default(), T0);
    assert_eq!((none.state, none.effect()), (State::Missing, Effect::Unenforced));
    let forced = Context {
        enforcement: licet_core::Enforcement::ForcedOn,
        ..Default::default()
    };
    assert_eq!(eval_none(Seed::Honeyframe, &forced, T0).effect(), Effect::Locked);

    let instance = signed(Seed::Honeyframe, &honeyframe_order("ACME", &[]).claims());
    let org_lic = signed(
        Seed::Honeyframe,
        &honeyframe_order("Globex", &["chat_connector"]).claims(),
    );
    let inst = eval(Seed::Honeyframe, &Context::default(), &instance, day(1));
    let policy = Seed::Honeyframe.policy();
    let globex = evaluate_org(
        policy,
        &Context::default(),
        &inst,
        "globex",
        LicenseInput::Verified(&org_lic),
        day(1),
    );
    assert!(
        globex.entitlements.allows_feature("chat_connector"),
        "per-org wins for that org"
    );
    let other = evaluate_org(
        policy,
        &Context::default(),
        &inst,
        "initech",
        LicenseInput::None,
        day(1),
    );
    assert!(
        !other.entitlements.allows_feature("chat_connector"),
        "other orgs keep the instance-wide license"
    );
    let bad = evaluate_org(
        policy,
        &Context::default(),
        &inst,
        "globex",
        LicenseInput::Rejected(Reason::LicenseBadSignature),
        day(1),
    );
    assert_eq!(
        (bad.state, bad.effect()),
        (State::Invalid, Effect::Locked),
        "an invalid org license fails closed"
    );
}

pub const INSTALL: &str = "7d1e7b0a-5f7c-4c1e-9a58-2f0f1d7c2a10";

fn sovereign_order() -> SovereignLicense {
    SovereignLicense {
        customer_id: "cust-acme".into(),
        customer_name: "ACME".into(),
        install_id: INSTALL.into(),
        app_keys: vec!["ledger".into()],
        orgs: vec![
            SovereignOrg {
                id: "org-eu".into(),
                plan: "enterprise".into(),
                features: vec!["export".into()],
                limits: vec![("members".into(), 50)],
                valid_from: None,
                valid_until: None,
            },
            SovereignOrg {
                id: "org-us".into(),
                plan: "team".into(),
                features: vec![],
                limits: vec![("members".into(), 5)],
                valid_from: None,
                valid_until: Some(day(100)),
            },
        ],
        valid_from: T0,
        valid_until: day(TERM_DAYS),
        max_orgs: 1,
        renewal_url: None,
        sequence: 1,
    }
}

fn sovereign_ctx() -> Context {
    Context {
        install_id: Some(INSTALL.into()),
        ..Default::default()
    }
}

#[test]
fn sovereign_walk() {
    let lic = signed(Seed::Sovereign, &sovereign_order().claims());
    for row in scenarios::SOVEREIGN {
        let st = eval(Seed::Sovereign, &sovereign_ctx(), &lic, day(row.day));
        assert_eq!(st.state, row.state, "day {}", row.day);
        assert_eq!(st.effect().shows_banner(), row.banner, "day {}", row.day);
        assert_eq!(
            http(st.entitlements.allows_access(), 200),
            row.read,
            "reads are never blocked"
        );
        assert_eq!(http(st.entitlements.allows_write(), 201), row.write, "day {}", row.day);
    }
}

#[test]
fn sovereign_orgs_must_be_named_and_capped_and_bound() {
    let lic = signed(Seed::Sovereign, &sovereign_order().claims());
    let st = eval(Seed::Sovereign, &sovereign_ctx(), &lic, day(1));
    assert!(st.entitlements.can_create_org("org-eu", 0).is_ok());
    assert_eq!(
        st.entitlements.can_create_org("org-xx", 0).unwrap_err().reason(),
        Reason::OrgNotLicensed
    );
    assert_eq!(
        st.entitlements.can_create_org("org-us", 1).unwrap_err().reason(),
        Reason::MaxOrgsReached
    );
    assert_eq!(st.org_status("org-us").unwrap().state, State::Active);
    let later = eval(Seed::Sovereign, &sovereign_ctx(), &lic, day(200));
    assert_eq!(
        later.org_status("org-us").unwrap().state,
        State::Expired,
        "each org has its own window"
    );
    assert_eq!(later.org_status("org-eu").unwrap().state, State::Active);
    let elsewhere = eval(Seed::Sovereign, &Context::default(), &lic, day(1));
    assert_eq!(elsewhere.reason, Some(Reason::LicenseInstanceMismatch));
    assert_eq!(elsewhere.effect(), Effect::ReadOnly, "never locked: reads stay");
}

#[test]
fn nivq_walk() {
    let lic = signed(Seed::Nivq, &NivqLicense::team(T0, 1).claims());
    for row in scenarios::NIVQ {
        let st = eval(Seed::Nivq, &Context::default(), &lic, day(row.day));
        assert_eq!(st.state, row.state, "day {}", row.day);
        assert_eq!(http(st.entitlements.allows_access(), 200), row.read, "day {}", row.day);
        assert_eq!(http(st.entitlements.allows_write(), 201), row.write, "day {}", row.day);
    }
    let pending = eval_none(Seed::Nivq, &Context::default(), T0);
    assert_eq!(
        (pending.state, pending.effect()),
        (State::ActivationPending, Effect::Locked)
    );
}

#[test]
fn nivq_editions_rollback_clock_and_bindings() {
    let team = signed(Seed::Nivq, &NivqLicense::team(T0, 1).claims());
    let st = eval(Seed::Nivq, &Context::default(), &team, day(1));
    assert!(st.entitlements.allows_feature("rbac") && st.entitlements.allows_feature("core"));
    assert!(
        !st.entitlements.allows_feature("self_learning"),
        "team grants the baseline plus what it lists"
    );
    let mut ent = NivqLicense::team(T0, 2);
    ent.edition = "enterprise".into();
    ent.features.clear();
    let ent = signed(Seed::Nivq, &ent.claims());
    let st = eval(Seed::Nivq, &Context::default(), &ent, day(1));
    assert!(st.entitlements.allows_feature("self_learning") && st.entitlements.allows_feature("enterprise_sso"));

    let seen = Context {
        high_water: HighWater {
            last_seen: Some(day(10)),
            sequences: [(SequenceKey::instance("acme"), 2)].into(),
        },
        ..Default::default()
    };
    assert_eq!(
        eval(Seed::Nivq, &seen, &team, day(11)).reason,
        Some(Reason::LicenseRolledBack)
    );
    assert_eq!(
        eval(Seed::Nivq, &seen, &ent, day(5)).reason,
        Some(Reason::ClockRollbackDetected)
    );
    assert_eq!(
        eval(Seed::Nivq, &seen, &ent, day(10).plus_seconds(-60)).state,
        State::Active,
        "NTP-sized steps pass"
    );

    let mut bound = NivqLicense::team(T0, 3);
    bound.fingerprint = Some("NIVQ-FP-AAAAA-BBBBB-CCCCC-DDDDD".into());
    bound.domain = Some("*.acme.com".into());
    let bound = signed(Seed::Nivq, &bound.claims());
    let host = |fp: &str, domain: &str| Context {
        fingerprint: Some(fp.into()),
        domain: Some(domain.into()),
        ..Default::default()
    };
    let good = host("NIVQ-FP-AAAAA-BBBBB-CCCCC-DDDDD", "api.acme.com");
    assert_eq!(eval(Seed::Nivq, &good, &bound, day(1)).state, State::Active);
    let apex = host("NIVQ-FP-AAAAA-BBBBB-CCCCC-DDDDD", "acme.com");
    assert_eq!(
        eval(Seed::Nivq, &apex, &bound, day(1)).reason,
        Some(Reason::LicenseDomainMismatch)
    );
    let moved = host("NIVQ-FP-ZZZZZ-BBBBB-CCCCC-DDDDD", "api.acme.com");
    assert_eq!(
        eval(Seed::Nivq, &moved, &bound, day(1)).reason,
        Some(Reason::LicenseHostMismatch)
    );
}

#[test]
fn justiam_walk_and_free_tier() {
    let order = seed_testkit::translate::justiam::JustiamLicense {
        sub: "ACME".into(),
        instance_id: String::new(),
        max_users: 100,
        max_tenants: 0,
        renewal_url: String::new(),
        iat: T0,
        exp: day(TERM_DAYS),
    };
    let lic = signed(Seed::Justiam, &order.claims());
    for row in scenarios::JUSTIAM {
        let st = eval(Seed::Justiam, &Context::default(), &lic, day(row.day));
        assert_eq!(st.state, row.state, "day {}", row.day);
        assert_eq!(st.effect().shows_banner(), row.banner, "day {}", row.day);
        let create = st.entitlements.check_quota("users", 1).is_ok();
        assert_eq!(http(create, 201), row.create_user, "day {}", row.day);
        assert_eq!(
            http(st.entitlements.allows_access(), 200),
            row.login,
            "logins always work"
        );
    }
    let expired = eval(Seed::Justiam, &Context::default(), &lic, day(400));
    assert_eq!(
        expired.entitlements.check_quota("users", 1).unwrap_err().reason(),
        Reason::LicenseExpired
    );
    let free = eval_none(Seed::Justiam, &Context::default(), T0);
    assert_eq!(free.state, State::FreeTier);
    assert!(free.entitlements.check_quota("users_per_tenant", 9).is_ok());
    assert_eq!(
        free.entitlements
            .check_quota("users_per_tenant", 10)
            .unwrap_err()
            .reason(),
        Reason::QuotaExceeded
    );
    assert!(free.entitlements.can_create_org("t2", 1).is_ok());
    assert_eq!(
        free.entitlements.can_create_org("t3", 2).unwrap_err().reason(),
        Reason::MaxOrgsReached
    );
    assert_eq!(free.entitlements.max_orgs, Some(Limit::Count(2)));
}
