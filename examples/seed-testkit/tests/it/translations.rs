//! The issuing side: each manual's license in its own format, signed by an independent signer, read by the
//! product through its profile's mapping.

use licet_core::{Limit, Reason, State};
use seed_testkit::translate::honeyframe::HoneyframeLicense;
use seed_testkit::translate::justiam::JustiamLicense;
use seed_testkit::translate::liberty::LibertyLicense;
use seed_testkit::translate::nivq::NivqLicense;
use seed_testkit::{Seed, Vendor, T0};

use crate::common::{day, eval, signed};

fn justiam(max_users: i64, max_tenants: i64, instance_id: &str) -> JustiamLicense {
    JustiamLicense {
        sub: "ACME Corp".into(),
        instance_id: instance_id.into(),
        max_users,
        max_tenants,
        renewal_url: "https://licensing.justiam.example/renew/acme".into(),
        iat: T0,
        exp: day(365),
    }
}

#[test]
fn every_seed_signs_with_its_own_key_and_no_other_seed_accepts_it() {
    let liberty = LibertyLicense::new("ACME Corp", &["nomasx1"], T0, day(365)).claims();
    for seed in Seed::ALL {
        // licet's own format, which every profile reads, so that only the key tells the seeds apart.
        let mut claims = licet_core::Claims {
            iss: seed.issuer().into(),
            sub: "ACME Corp".into(),
            aud: licet_core::Audience::one(seed.audience()),
            iat: T0,
            nbf: None,
            exp: Some(day(365)),
            jti: None,
            lic: licet_core::License::new(
                licet_core::Customer {
                    id: "acme".into(),
                    name: "ACME Corp".into(),
                },
                1,
            ),
            extra: Default::default(),
        };
        claims.lic.products = vec!["nomasx1".into()];
        let token = Vendor::new(seed).unwrap().sign_licet(&claims).unwrap();
        assert!(seed.verifier().unwrap().verify(token.as_bytes()).is_ok(), "{seed:?}");
        for other in Seed::ALL.into_iter().filter(|o| *o != seed) {
            assert!(
                other.verifier().unwrap().verify(token.as_bytes()).is_err(),
                "{seed:?} accepted by {other:?}"
            );
        }
        let forged = Vendor::impostor(seed).unwrap().sign_licet(&claims).unwrap();
        let err = seed.verifier().unwrap().verify(forged.as_bytes()).unwrap_err();
        assert_eq!(err.reason(), Reason::LicenseBadSignature, "{seed:?}");
    }
    // And the Liberty manual's own license is Liberty's only.
    let token = Vendor::new(Seed::Liberty).unwrap().sign(&liberty).unwrap();
    for other in Seed::ALL.into_iter().filter(|o| *o != Seed::Liberty) {
        assert!(other.verifier().unwrap().verify(token.as_bytes()).is_err(), "{other:?}");
    }
}

#[test]
fn liberty_is_rs256_and_connectors_become_products() {
    let claims = LibertyLicense::new("ACME Corp", &["nomasx1", "nomaubl"], T0, day(365)).claims();
    let token = Vendor::new(Seed::Liberty).unwrap().sign(&claims).unwrap();
    let header = licet_core::read_unverified(token.as_bytes()).unwrap().header;
    assert_eq!(header["alg"], "RS256");
    let lic = signed(Seed::Liberty, &claims);
    assert_eq!(lic.claims().lic.products, ["nomasx1", "nomaubl"]);
    assert_eq!(lic.claims().sub, "ACME Corp");
    assert_eq!(lic.claims().exp, Some(day(365)));
}

#[test]
fn liberty_wrong_audience_is_refused_in_words_and_code() {
    let mut order = LibertyLicense::new("ACME Corp", &["nomasx1"], T0, day(365));
    order.audience = Some("liberty-classic".into());
    let token = Vendor::new(Seed::Liberty).unwrap().sign(&order.claims()).unwrap();
    let err = Seed::Liberty.verifier().unwrap().verify(token.as_bytes()).unwrap_err();
    assert_eq!(err.reason(), Reason::LicenseWrongAudience);
    assert!(err.to_string().contains("liberty-classic"), "{err}");
}

#[test]
fn honeyframe_optional_user_limit() {
    let mut order = HoneyframeLicense {
        customer: "Globex Health".into(),
        tier: "enterprise".into(),
        products: vec!["hub_platform".into(), "hub_intel_healthcare".into()],
        features: vec!["chat_connector".into()],
        users_limit: Some(25),
        issued_at: T0,
        expires: day(365),
    };
    let doc = Vendor::new(Seed::Honeyframe).unwrap().sign(&order.claims()).unwrap();
    assert!(doc.trim_start().starts_with('{'), "a signed JSON document, not a JWS");
    let lic = signed(Seed::Honeyframe, &order.claims());
    let c = lic.claims();
    assert_eq!(c.lic.customer.name, "Globex Health");
    assert_eq!(c.lic.edition.as_deref(), Some("enterprise"));
    assert_eq!(c.lic.limits["users"], Limit::Count(25));
    order.users_limit = None;
    assert!(
        order.claims().get("users_limit").is_none(),
        "left out, as the manual's optional limit"
    );
    let lic = signed(Seed::Honeyframe, &order.claims());
    assert_eq!(lic.claims().lic.limits["users"], Limit::Unlimited);
}

#[test]
fn nivq_zero_ceilings_are_unlimited_and_the_rest_counted() {
    let mut order = NivqLicense::team(T0, 1);
    order.max_workspaces = 0;
    order.max_agents = 3;
    order.max_users = 0;
    let lic = signed(Seed::Nivq, &order.claims());
    let limits = &lic.claims().lic.limits;
    assert_eq!(limits["workspaces"], Limit::Unlimited);
    assert_eq!(limits["agents"], Limit::Count(3));
    assert_eq!(limits["users"], Limit::Unlimited);
    // The wire keeps the manual's 0; only the profile's reading makes it unlimited.
    assert_eq!(order.claims()["maxWorkspaces"], 0);
    let st = eval(Seed::Nivq, &Default::default(), &lic, day(1));
    assert!(st.entitlements.check_quota("workspaces", 1_000_000).is_ok());
    assert_eq!(
        st.entitlements.check_quota("agents", 3).unwrap_err().reason(),
        Reason::QuotaExceeded
    );
}

#[test]
fn justiam_minus_one_users_and_zero_tenants_are_unlimited() {
    let lic = signed(Seed::Justiam, &justiam(-1, 0, "").claims());
    let claims = lic.claims();
    assert_eq!(claims.lic.limits["users"], Limit::Unlimited);
    assert_eq!(claims.lic.max_orgs, Some(Limit::Unlimited));
    assert!(
        claims.lic.binding.is_unbound(),
        "an empty instance_id is a universal license"
    );
    assert_eq!(
        claims.lic.renewal.as_ref().map(|r| r.url.as_str()),
        Some("https://licensing.justiam.example/renew/acme")
    );
    let st = eval(Seed::Justiam, &Default::default(), &lic, day(1));
    assert_eq!(st.state, State::Active);
    assert!(st.entitlements.check_quota("users", 1_000_000).is_ok());
    assert!(st.entitlements.can_create_org("tenant-999", 998).is_ok());
}

#[test]
fn justiam_counts_stay_counts_and_nonsense_is_refused_by_the_product() {
    let lic = signed(Seed::Justiam, &justiam(0, 3, "").claims());
    let c = lic.claims();
    assert_eq!(
        c.lic.limits["users"],
        Limit::Count(0),
        "max_users 0 is zero users, not unlimited"
    );
    assert_eq!(c.lic.max_orgs, Some(Limit::Count(3)));
    for (order, member) in [(justiam(-2, 0, ""), "max_users"), (justiam(10, -1, ""), "max_tenants")] {
        let token = Vendor::new(Seed::Justiam).unwrap().sign(&order.claims()).unwrap();
        let err = Seed::Justiam.verifier().unwrap().verify(token.as_bytes()).unwrap_err();
        assert_eq!(err.reason(), Reason::LicenseClaimWrongType, "{member}");
        assert!(err.to_string().contains(member), "{err}");
    }
}

#[test]
fn justiam_instance_id_binds() {
    let id = "0b9f7f5e-2d0c-4a53-9d0e-6a1f6c3b8e11";
    let lic = signed(Seed::Justiam, &justiam(50, 2, id).claims());
    let here = licet_core::Context {
        install_id: Some(id.into()),
        ..Default::default()
    };
    assert_eq!(eval(Seed::Justiam, &here, &lic, day(1)).state, State::Active);
    let elsewhere = licet_core::Context {
        install_id: Some("5d2b0c1a-0000-4000-8000-000000000000".into()),
        ..Default::default()
    };
    let st = eval(Seed::Justiam, &elsewhere, &lic, day(1));
    assert_eq!(
        (st.state, st.reason),
        (State::Invalid, Some(Reason::LicenseInstanceMismatch))
    );
    // "License shows free_tier despite having a key | … bound to another instance"
    assert_eq!(st.effect(), licet_core::Effect::FreeTier);
    assert_eq!(st.entitlements.limit("users_per_tenant"), Limit::Count(10));
}
