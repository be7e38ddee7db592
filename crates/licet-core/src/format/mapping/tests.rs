use proptest::prelude::*;
use serde_json::{json, Value};

use super::*;
use crate::profiles::formats;

fn object(v: Value) -> Map<String, Value> {
    match v {
        Value::Object(m) => m,
        _ => Map::new(),
    }
}

const IMPLIED: Implied<'static> = Implied {
    issuer: Some("https://vendor.example"),
    audience: Some("product"),
};

fn read(map: &ClaimMap, v: Value) -> Result<Claims, MapError> {
    map.read(object(v), IMPLIED)
}

fn justiam(max_users: Value, max_tenants: Value, instance_id: &str) -> Value {
    json!({"sub": "ACME Corp", "instance_id": instance_id, "max_users": max_users, "max_tenants": max_tenants,
           "renewal_url": "", "iat": 1_767_225_600, "exp": 1_798_761_600})
}

#[test]
fn justiam_sentinels_are_unlimited_and_other_numbers_counts() {
    let c = read(&formats::JUSTIAM, justiam(json!(-1), json!(0), "")).unwrap();
    assert_eq!(c.lic.limits["users"], Limit::Unlimited);
    assert_eq!(c.lic.max_orgs, Some(Limit::Unlimited));
    assert_eq!(c.lic.limits["users_per_tenant"], Limit::Unlimited, "fixed grant");
    assert!(c.lic.binding.is_unbound(), "empty instance_id is universal");
    assert_eq!(c.lic.renewal, None, "empty renewal_url is none");
    let c = read(&formats::JUSTIAM, justiam(json!(0), json!(3), " d-1 ")).unwrap();
    assert_eq!(c.lic.limits["users"], Limit::Count(0), "0 users is zero for JustIAM");
    assert_eq!(c.lic.max_orgs, Some(Limit::Count(3)));
    assert_eq!(c.lic.binding.install_id.as_deref(), Some("d-1"));
    // Defaults: customer from sub, issuer and audience implied by the key, sequence from iat.
    assert_eq!((c.sub.as_str(), c.lic.customer.id.as_str()), ("ACME Corp", "ACME Corp"));
    assert_eq!(
        (c.iss.as_str(), c.aud.0.as_slice()),
        ("https://vendor.example", &["product".to_owned()][..])
    );
    assert_eq!(c.lic.sequence, 1_767_225_600);
}

#[test]
fn wrong_numbers_name_the_member() {
    let err = read(&formats::JUSTIAM, justiam(json!(-2), json!(0), "")).unwrap_err();
    assert_eq!(err.member(), "max_users");
    assert!(err.to_string().contains("-1 (unlimited)"), "{err}");
    let err = read(&formats::JUSTIAM, justiam(json!(5), json!(-1), "")).unwrap_err();
    assert_eq!(err.member(), "max_tenants");
    let err = read(&formats::JUSTIAM, justiam(json!("10"), json!(0), "")).unwrap_err();
    assert!(matches!(err, MapError::WrongType { ref member, .. } if member == "max_users"));
    let err = read(&formats::JUSTIAM, justiam(json!(1.5), json!(0), "")).unwrap_err();
    assert_eq!(err.member(), "max_users");
}

#[test]
fn missing_required_members_are_named_and_null_is_missing() {
    let mut v = justiam(json!(-1), json!(0), "");
    v.as_object_mut().unwrap().remove("max_tenants");
    assert_eq!(
        read(&formats::JUSTIAM, v).unwrap_err(),
        MapError::Missing {
            member: "max_tenants".into()
        }
    );
    let mut v = justiam(json!(-1), json!(0), "");
    v["exp"] = Value::Null;
    assert_eq!(read(&formats::JUSTIAM, v).unwrap_err().member(), "exp");
}

#[test]
fn unknown_members_are_kept_not_acted_on() {
    let mut v = justiam(json!(5), json!(0), "");
    v["max_admins"] = json!(3);
    let c = read(&formats::JUSTIAM, v).unwrap();
    assert_eq!(c.extra["max_admins"], 3);
    assert!(
        !c.extra.contains_key("max_users"),
        "read members are not repeated in extra"
    );
    assert!(!c.lic.limits.contains_key("admins"));
}

#[test]
fn a_jwt_claim_the_format_does_not_read_is_refused_not_kept_twice() {
    let doc = json!({"customer": "ACME", "tier": "starter", "products": [], "expires": "2026-12-31", "exp": 1});
    let err = read(&formats::HONEYFRAME, doc).unwrap_err();
    assert_eq!(err.member(), "exp");
    let mut v = justiam(json!(5), json!(0), "");
    v["nbf"] = json!(10);
    assert_eq!(read(&formats::JUSTIAM, v).unwrap_err().member(), "nbf");
    // Where the format reads them, they are simply read.
    let mut v = justiam(json!(5), json!(0), "");
    v["jti"] = json!("lic-1");
    assert_eq!(read(&formats::JUSTIAM, v).unwrap().jti.as_deref(), Some("lic-1"));
}

#[test]
fn liberty_reads_connectors_as_products_and_requires_its_five_claims() {
    let v = json!({"iss": "nomana", "sub": "ACME Corp", "aud": ["liberty-next", "x"], "exp": 1_798_761_600,
                   "connectors": ["nomasx1", "nomaubl"]});
    let c = read(&formats::LIBERTY, v.clone()).unwrap();
    assert_eq!(c.lic.products, ["nomasx1", "nomaubl"]);
    assert_eq!(c.iss, "nomana", "the format's own issuer, not the implied one");
    assert!(c.aud.contains("x"));
    assert_eq!((c.iat, c.exp), (UnixTime(0), Some(UnixTime(1_798_761_600))));
    for member in ["iss", "sub", "exp", "aud", "connectors"] {
        let mut without = v.clone();
        without.as_object_mut().unwrap().remove(member);
        assert_eq!(read(&formats::LIBERTY, without).unwrap_err().member(), member);
    }
    let mut bad = v;
    bad["connectors"] = json!(["nomasx1", 7]);
    assert_eq!(read(&formats::LIBERTY, bad).unwrap_err().member(), "connectors[1]");
}

#[test]
fn fractional_numeric_dates_are_floored() {
    let v = json!({"iss": "n", "sub": "s", "aud": "a", "exp": 1_798_881_741.599, "connectors": []});
    assert_eq!(read(&formats::LIBERTY, v).unwrap().exp, Some(UnixTime(1_798_881_741)));
    let v = json!({"iss": "n", "sub": "s", "aud": "a", "exp": 1e300, "connectors": []});
    assert_eq!(read(&formats::LIBERTY, v).unwrap_err().member(), "exp");
}

#[test]
fn honeyframe_dates_and_optional_user_limit() {
    let v = json!({"customer": "ACME", "tier": "enterprise", "products": ["hub_platform"], "expires": "2026-12-31"});
    let c = read(&formats::HONEYFRAME, v.clone()).unwrap();
    assert_eq!(
        c.exp,
        UnixTime::parse_rfc3339("2027-01-01T00:00:00Z"),
        "a date is valid through that day"
    );
    assert_eq!(c.lic.limits["users"], Limit::Unlimited, "no users_limit is no limit");
    assert_eq!(
        (c.lic.customer.id.as_str(), c.lic.customer.name.as_str()),
        ("ACME", "ACME")
    );
    assert_eq!(c.lic.edition.as_deref(), Some("enterprise"));
    assert!(c.lic.features.is_empty());
    let mut v2 = v.clone();
    v2["expires"] = json!("2026-12-31T12:00:00+02:00");
    v2["users_limit"] = json!(25);
    let c = read(&formats::HONEYFRAME, v2).unwrap();
    assert_eq!(c.exp, UnixTime::parse_rfc3339("2026-12-31T10:00:00Z"));
    assert_eq!(c.lic.limits["users"], Limit::Count(25));
    let mut bad = v;
    bad["expires"] = json!("31/12/2026");
    assert_eq!(read(&formats::HONEYFRAME, bad).unwrap_err().member(), "expires");
}

#[test]
fn sovereign_orgs_with_their_own_windows() {
    let v = json!({
        "customerId": "cus-1", "customerName": "Globex", "installId": "inst-9", "apps": ["vault", "mail"],
        "validFrom": "2026-01-01T00:00:00Z", "validUntil": "2027-01-01T00:00:00Z", "maxOrgs": 3,
        "organizations": [
            {"orgId": "org-a", "plan": "enterprise", "features": ["sso"], "limits": {"members": 50},
             "validFrom": "2026-01-01", "validUntil": "2026-06-30", "region": "eu"},
            {"orgId": "org-b"}
        ]
    });
    let c = read(&formats::SOVEREIGN, v.clone()).unwrap();
    assert_eq!(c.lic.customer.id, "cus-1");
    assert_eq!(c.sub, "Globex");
    assert_eq!(c.lic.binding.install_id.as_deref(), Some("inst-9"));
    assert_eq!(c.lic.products, ["vault", "mail"]);
    assert_eq!(c.lic.max_orgs, Some(Limit::Count(3)));
    assert_eq!(c.nbf, UnixTime::parse_rfc3339("2026-01-01T00:00:00Z"));
    assert_eq!(c.iat, c.nbf.unwrap(), "issue time defaults to the start of validity");
    let a = &c.lic.orgs[0];
    assert_eq!((a.id.as_str(), a.plan.as_deref()), ("org-a", Some("enterprise")));
    assert_eq!(a.limits["members"], Limit::Count(50));
    assert_eq!(a.valid_until, UnixTime::parse_rfc3339("2026-07-01T00:00:00Z"));
    assert_eq!(a.extra["region"], "eu");
    assert_eq!(c.lic.orgs[1].plan, None);
    let mut bad = v.clone();
    bad["organizations"][1] = json!({"plan": "x"});
    assert_eq!(
        read(&formats::SOVEREIGN, bad).unwrap_err().member(),
        "organizations[1].orgId"
    );
    let mut bad = v;
    bad["organizations"][0]["limits"]["members"] = json!(-5);
    assert_eq!(
        read(&formats::SOVEREIGN, bad).unwrap_err().member(),
        "organizations[0].limits.members"
    );
}

#[test]
fn nivq_zero_ceilings_and_bindings() {
    let v = json!({"sub": "acme", "edition": "team", "features": ["rbac"], "maxWorkspaces": 2, "maxAgents": 0,
                   "hostFingerprint": "NIVQ-FP-1", "domain": ["*.acme.com"], "iat": 10, "exp": 20});
    let c = read(&formats::NIVQ, v).unwrap();
    assert_eq!(c.lic.limits["workspaces"], Limit::Count(2));
    assert_eq!(c.lic.limits["agents"], Limit::Unlimited, "0 means unlimited");
    assert_eq!(
        c.lic.limits["users"],
        Limit::Unlimited,
        "a ceiling left out is left at 0"
    );
    assert_eq!(c.lic.binding.fingerprints, ["NIVQ-FP-1"]);
    assert_eq!(c.lic.binding.domains, ["*.acme.com"]);
    assert_eq!(c.lic.sequence, 10);
}

fn arb_limit(unlimited: Unlimited) -> impl Strategy<Value = (Value, Limit)> {
    let sentinel = match unlimited {
        Unlimited::Never => None,
        Unlimited::Zero => Some(0_i64),
        Unlimited::MinusOne => Some(-1),
    };
    prop_oneof![
        (1..1_000_000u64).prop_map(|n| (json!(n), Limit::Count(n))),
        Just(match sentinel {
            Some(s) => (json!(s), Limit::Unlimited),
            None => (json!(0), Limit::Count(0)),
        }),
    ]
}

proptest! {
    /// JustIAM: any license the manual's table allows reads back as what it says.
    #[test]
    fn justiam_round_trips(
        sub in "[A-Za-z][A-Za-z0-9 ]{0,20}", inst in "[a-f0-9-]{0,12}",
        (users_json, users) in arb_limit(Unlimited::MinusOne), (tenants_json, tenants) in arb_limit(Unlimited::Zero),
        iat in 0..2_000_000_000i64, len in 1..1_000_000i64,
    ) {
        let v = json!({"sub": sub, "instance_id": inst, "max_users": users_json, "max_tenants": tenants_json,
                       "iat": iat, "exp": iat + len});
        let c = read(&formats::JUSTIAM, v).unwrap();
        prop_assert_eq!(&c.sub, &sub);
        prop_assert_eq!(c.lic.limits["users"], users);
        prop_assert_eq!(c.lic.max_orgs, Some(tenants));
        prop_assert_eq!(c.lic.binding.install_id.as_deref(), Some(inst.as_str()).filter(|s| !s.is_empty()));
        prop_assert_eq!((c.iat, c.exp), (UnixTime(iat), Some(UnixTime(iat + len))));
        prop_assert!(c.extra.is_empty());
    }

    /// nivq: ceilings and bindings read back; 0 is always unlimited.
    #[test]
    fn nivq_round_trips(
        (ws_json, ws) in arb_limit(Unlimited::Zero), (ag_json, ag) in arb_limit(Unlimited::Zero),
        features in proptest::collection::vec("[a-z_]{1,12}", 0..6), fp in proptest::option::of("NIVQ-FP-[A-Z0-9]{5}"),
    ) {
        let mut v = json!({"sub": "acme", "edition": "team", "features": features, "maxWorkspaces": ws_json,
                           "maxAgents": ag_json, "iat": 1, "exp": 2});
        if let Some(fp) = &fp { v["hostFingerprint"] = json!(fp); }
        let c = read(&formats::NIVQ, v).unwrap();
        prop_assert_eq!(c.lic.limits["workspaces"], ws);
        prop_assert_eq!(c.lic.limits["agents"], ag);
        prop_assert_eq!(&c.lic.features, &features);
        prop_assert_eq!(c.lic.binding.fingerprints, fp.into_iter().collect::<Vec<_>>());
    }

    /// Any value of the wrong JSON type in a required member is refused naming that member, never read as a grant.
    #[test]
    fn wrong_types_are_refused_by_name(member in prop::sample::select(vec!["sub", "max_users", "max_tenants", "iat", "exp"]),
                                        value in prop_oneof![Just(json!(true)), Just(json!([1])), Just(json!({"a": 1})), Just(json!("x"))]) {
        let mut v = justiam(json!(5), json!(1), "");
        if member == "sub" && value.is_string() { return Ok(()); }
        v[member] = value;
        let err = read(&formats::JUSTIAM, v).unwrap_err();
        prop_assert_eq!(err.member(), member);
    }

    /// Liberty: subject, audience (string or array), expiry and connectors read back as written.
    #[test]
    fn liberty_round_trips(
        sub in "[A-Za-z][A-Za-z0-9 .]{0,24}", auds in proptest::collection::vec("[a-z-]{1,12}", 1..4),
        single in any::<bool>(), exp in 0..4_000_000_000i64,
        connectors in proptest::collection::vec("[a-z0-9]{1,10}", 0..5),
    ) {
        let aud = if single { json!(auds[0]) } else { json!(auds) };
        let v = json!({"iss": "nomana", "sub": sub, "aud": aud, "exp": exp, "connectors": connectors});
        let c = read(&formats::LIBERTY, v).unwrap();
        prop_assert_eq!(&c.sub, &sub);
        prop_assert_eq!(&c.lic.customer.id, &sub);
        prop_assert_eq!(c.exp, Some(UnixTime(exp)));
        prop_assert_eq!(&c.lic.products, &connectors);
        let want: Vec<String> = if single { vec![auds[0].clone()] } else { auds.clone() };
        prop_assert_eq!(c.aud.0, want);
    }

    /// Honeyframe: a date expires at the next midnight, a date-time at itself; the user limit is what it says.
    #[test]
    fn honeyframe_round_trips(
        y in 1971..2200i32, m in 1..=12u8, d in 1..=28u8, limit in proptest::option::of(0..100_000u64),
        tier in prop::sample::select(vec!["starter", "professional", "enterprise"]), date_only in any::<bool>(),
    ) {
        let day = format!("{y:04}-{m:02}-{d:02}");
        let expires = if date_only { day.clone() } else { format!("{day}T12:30:00Z") };
        let mut v = json!({"customer": "ACME", "tier": tier, "products": ["hub_platform"], "expires": expires});
        if let Some(n) = limit { v["users_limit"] = json!(n); }
        let c = read(&formats::HONEYFRAME, v).unwrap();
        let midnight = UnixTime::parse_rfc3339(&format!("{day}T00:00:00Z")).unwrap();
        let want = if date_only { midnight.plus_days(1) } else { midnight.plus_seconds(12 * 3600 + 1800) };
        prop_assert_eq!(c.exp, Some(want));
        prop_assert_eq!(c.lic.limits["users"], limit.map_or(Limit::Unlimited, Limit::Count));
        prop_assert_eq!(c.lic.edition.as_deref(), Some(tier));
    }

    /// Sovereign: every organization keeps its id, plan, limits and window, in order.
    #[test]
    fn sovereign_round_trips(
        orgs in proptest::collection::vec(("[a-z]{1,8}", "[a-z]{3,10}", 0..1000u64), 0..5), max_orgs in 0..100u64,
    ) {
        let list: Vec<Value> = orgs.iter().map(|(id, plan, members)| {
            json!({"orgId": id, "plan": plan, "limits": {"members": members}, "validUntil": "2027-01-01T00:00:00Z"})
        }).collect();
        let v = json!({"customerId": "c", "installId": "i", "apps": ["vault"], "validFrom": "2026-01-01",
                       "validUntil": "2027-01-01", "maxOrgs": max_orgs, "organizations": list});
        let c = read(&formats::SOVEREIGN, v).unwrap();
        prop_assert_eq!(c.lic.max_orgs, Some(Limit::Count(max_orgs)));
        prop_assert_eq!(c.lic.orgs.len(), orgs.len());
        for (org, (id, plan, members)) in c.lic.orgs.iter().zip(&orgs) {
            prop_assert_eq!(&org.id, id);
            prop_assert_eq!(org.plan.as_deref(), Some(plan.as_str()));
            prop_assert_eq!(org.limits["members"], Limit::Count(*members));
            prop_assert_eq!(org.valid_until, UnixTime::parse_rfc3339("2027-01-01T00:00:00Z"));
        }
    }
}
