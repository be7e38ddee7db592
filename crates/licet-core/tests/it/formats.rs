//! The five manuals' own license formats, signed by parties that are not licet (`jsonwebtoken` for the JWS
//! formats; `ed25519-dalek` and `serde_jcs` for Honeyframe's signed document), verified by each profile's format
//! and evaluated by the one evaluation function.

use base64::Engine;
use ed25519_dalek::pkcs8::DecodePrivateKey;
use ed25519_dalek::Signer;
use jsonwebtoken::{encode, Algorithm, EncodingKey, Header};
use licet_core::lifecycle::{evaluate, Context, LicenseInput};
use licet_core::profiles;
use licet_core::{Alg, Limit, Policy, Reason, State, UnixTime, Verifier, VerifyError};
use serde_json::{json, Value};

use crate::common::*;

const NOW: UnixTime = UnixTime(1_767_225_600); // 2026-01-01
const YEAR: i64 = 365 * 86_400;

fn jwt(alg: Alg, claims: &Value) -> String {
    let (algorithm, key) = match alg {
        Alg::RS256 => (Algorithm::RS256, EncodingKey::from_rsa_pem(private_pem(alg).as_bytes())),
        Alg::EdDSA => (Algorithm::EdDSA, EncodingKey::from_ed_pem(private_pem(alg).as_bytes())),
        Alg::ES256 => (Algorithm::ES256, EncodingKey::from_ec_pem(private_pem(alg).as_bytes())),
    };
    let mut header = Header::new(algorithm);
    header.kid = Some(kid(alg));
    encode(&header, claims, &key.unwrap()).unwrap()
}

/// Honeyframe's document, signed with ed25519-dalek over serde_jcs's canonical form of the payload.
fn honeyframe_document(payload: &Value) -> String {
    let key = ed25519_dalek::SigningKey::from_pkcs8_pem(&private_pem(Alg::EdDSA)).unwrap();
    let canonical = serde_jcs::to_vec(payload).unwrap();
    let signature = key.sign(&canonical);
    let sig = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(signature.to_bytes());
    serde_json::to_string_pretty(&json!({"payload": payload, "signature": sig, "kid": kid(Alg::EdDSA)})).unwrap()
}

fn verifier_for(policy: &Policy) -> Verifier {
    Verifier::new(keyring(), ISS, AUD).with_format(policy.format)
}

fn status(policy: &Policy, ctx: &Context, token: &str, now: UnixTime) -> licet_core::Status {
    match verifier_for(policy).verify(token.as_bytes()) {
        Ok(v) => evaluate(policy, ctx, LicenseInput::Verified(&v), now),
        Err(e) => evaluate(policy, ctx, LicenseInput::Rejected(e.reason()), now),
    }
}

fn liberty_claims() -> Value {
    json!({"iss": ISS, "sub": "ACME Corp", "exp": NOW.0 + YEAR, "aud": AUD,
           "connectors": ["nomasx1", "nomajde", "nomaubl"]})
}

#[test]
fn liberty_license_as_its_manual_writes_it() {
    let token = jwt(Alg::RS256, &liberty_claims());
    let v = verifier_for(&profiles::LIBERTY).verify(token.as_bytes()).unwrap();
    assert_eq!(v.claims().sub, "ACME Corp");
    assert_eq!(v.claims().lic.products, ["nomasx1", "nomajde", "nomaubl"]);
    let s = status(&profiles::LIBERTY, &Context::default(), &token, NOW);
    assert_eq!(s.state, State::Active);
    assert!(s.entitlements.allows_module("nomasx1"));
    assert!(!s.entitlements.allows_module("nomafoo"));
    // "The framework checks the signature, the expiry, and the audience": hard expiry, no grace.
    let later = status(&profiles::LIBERTY, &Context::default(), &token, NOW.plus_seconds(YEAR));
    assert_eq!(
        (later.state, later.reason),
        (State::Expired, Some(Reason::LicenseExpired))
    );
    let mut other_product = liberty_claims();
    other_product["aud"] = json!("another-product");
    let e = verifier_for(&profiles::LIBERTY)
        .verify(jwt(Alg::RS256, &other_product).as_bytes())
        .unwrap_err();
    assert_eq!(e.reason(), Reason::LicenseWrongAudience);
    let mut tampered = token.clone();
    tampered.insert(tampered.find('.').unwrap() + 5, 'x');
    assert!(verifier_for(&profiles::LIBERTY).verify(tampered.as_bytes()).is_err());
}

#[test]
fn honeyframe_document_as_its_manual_describes_it() {
    let payload = json!({"customer": "ACME", "tier": "professional", "products": ["hub_platform", "hub_cloud"],
                         "features": ["chat_connector"], "expires": "2026-06-30", "users_limit": 50});
    let doc = honeyframe_document(&payload);
    let v = verifier_for(&profiles::HONEYFRAME).verify(doc.as_bytes()).unwrap();
    assert_eq!(v.claims().lic.edition.as_deref(), Some("professional"));
    assert_eq!(v.claims().lic.limits["users"], Limit::Count(50));
    let s = status(&profiles::HONEYFRAME, &Context::default(), &doc, NOW);
    assert_eq!(s.state, State::Active);
    assert!(s.entitlements.allows_feature("chat_connector"));
    assert!(!s.entitlements.allows_feature("ai_dashboard_generator"));
    // "through 2026-06-30", then the grace window.
    let last_day = UnixTime::parse_rfc3339("2026-06-30T23:59:59Z").unwrap();
    assert_eq!(
        status(&profiles::HONEYFRAME, &Context::default(), &doc, last_day).state,
        State::Active
    );
    assert_eq!(
        status(
            &profiles::HONEYFRAME,
            &Context::default(),
            &doc,
            last_day.plus_seconds(1)
        )
        .state,
        State::Grace
    );
    // One byte of the payload changed: the canonical form differs, the signature fails.
    let tampered = doc.replace("\"users_limit\": 50", "\"users_limit\": 500");
    assert_ne!(tampered, doc);
    let e = verifier_for(&profiles::HONEYFRAME)
        .verify(tampered.as_bytes())
        .unwrap_err();
    assert_eq!(e.reason(), Reason::LicenseBadSignature);
    // Honeyframe's format is a document; no other profile reads one.
    let e = verifier_for(&profiles::NIVQ).verify(doc.as_bytes()).unwrap_err();
    assert_eq!(e.reason(), Reason::LicenseMalformed);
}

#[test]
fn sovereign_license_with_orgs_and_install_binding() {
    let claims = json!({
        "customerId": "cus-globex", "customerName": "Globex", "installId": "inst-1", "apps": ["vault"],
        "validFrom": "2026-01-01T00:00:00Z", "validUntil": "2027-01-01T00:00:00Z", "maxOrgs": 2,
        "organizations": [{"orgId": "org-a", "plan": "enterprise", "features": ["sso"], "limits": {"members": 5},
                           "validFrom": "2026-01-01", "validUntil": "2026-03-31"}]
    });
    let token = jwt(Alg::EdDSA, &claims);
    let here = Context {
        install_id: Some("inst-1".into()),
        ..Context::default()
    };
    let s = status(&profiles::SOVEREIGN, &here, &token, NOW);
    assert_eq!(s.state, State::Active);
    assert_eq!(s.customer.as_ref().map(|c| c.id.as_str()), Some("cus-globex"));
    assert!(s.entitlements.can_create_org("org-a", 0).is_ok());
    assert!(s.entitlements.can_create_org("org-z", 0).is_err(), "only named orgs");
    let elsewhere = Context {
        install_id: Some("inst-2".into()),
        ..Context::default()
    };
    let s = status(&profiles::SOVEREIGN, &elsewhere, &token, NOW);
    assert_eq!(
        (s.state, s.reason),
        (State::Invalid, Some(Reason::LicenseInstanceMismatch))
    );
}

#[test]
fn nivq_licence_zero_is_unlimited_and_bindings_hold() {
    let claims = json!({"sub": "acme", "edition": "team", "features": ["rbac"], "maxWorkspaces": 2,
                        "maxAgents": 0, "maxUsers": 0, "domain": "*.acme.com", "iat": NOW.0, "exp": NOW.0 + YEAR});
    let token = jwt(Alg::EdDSA, &claims);
    let on = |domain: &str| Context {
        domain: Some(domain.into()),
        ..Context::default()
    };
    let s = status(&profiles::NIVQ, &on("api.acme.com"), &token, NOW);
    assert_eq!(s.state, State::Active);
    assert_eq!(s.limits()["agents"], Limit::Unlimited);
    assert_eq!(s.limits()["users"], Limit::Unlimited);
    assert!(s.entitlements.check_quota("workspaces", 2).is_err());
    assert!(s.entitlements.check_quota("agents", 1_000_000).is_ok());
    let s = status(&profiles::NIVQ, &on("api.globex.com"), &token, NOW);
    assert_eq!(s.reason, Some(Reason::LicenseDomainMismatch));
}

#[test]
fn justiam_license_with_its_magic_numbers() {
    let claims = json!({"sub": "ACME Corp", "instance_id": "", "max_users": -1, "max_tenants": 0,
                        "renewal_url": "https://licensing.justiam.example/renew", "iat": NOW.0, "exp": NOW.0 + YEAR});
    let token = jwt(Alg::EdDSA, &claims);
    let s = status(&profiles::JUSTIAM, &Context::default(), &token, NOW);
    assert_eq!(s.state, State::Active);
    assert_eq!(s.limits()["users"], Limit::Unlimited, "max_users: -1");
    assert!(s.entitlements.can_create_org("tenant-99", 99).is_ok(), "max_tenants: 0");
    let v = verifier_for(&profiles::JUSTIAM).verify(token.as_bytes()).unwrap();
    assert_eq!(
        v.claims().lic.renewal.as_ref().map(|r| r.url.as_str()),
        Some("https://licensing.justiam.example/renew")
    );
}

/// Per format, one required member left out and one of the wrong type: each refused with its stable code and the
/// member's name, never evaluated as a grant.
#[test]
fn each_format_names_the_missing_or_wrong_member() {
    let cases: [(&Policy, Value, &str, Value); 4] = [
        (&profiles::LIBERTY, liberty_claims(), "connectors", json!("nomasx1")),
        (
            &profiles::SOVEREIGN,
            json!({"customerId": "c", "installId": "i", "apps": [], "validFrom": "2026-01-01",
                   "validUntil": "2027-01-01", "maxOrgs": 1}),
            "maxOrgs",
            json!("1"),
        ),
        (
            &profiles::NIVQ,
            json!({"sub": "acme", "edition": "team", "features": [], "iat": 1, "exp": 2}),
            "features",
            json!({"rbac": true}),
        ),
        (
            &profiles::JUSTIAM,
            json!({"sub": "A", "max_users": 5, "max_tenants": 0, "iat": 1, "exp": 2}),
            "max_users",
            json!(-7),
        ),
    ];
    for (policy, good, member, bad_value) in cases {
        let alg = if policy.name == "liberty" {
            Alg::RS256
        } else {
            Alg::EdDSA
        };
        assert!(
            verifier_for(policy).verify(jwt(alg, &good).as_bytes()).is_ok(),
            "{}",
            policy.name
        );
        let mut missing = good.clone();
        missing.as_object_mut().unwrap().remove(member);
        let e = verifier_for(policy).verify(jwt(alg, &missing).as_bytes()).unwrap_err();
        assert_eq!(e.reason(), Reason::LicenseClaimMissing, "{}: {e}", policy.name);
        assert!(matches!(&e, VerifyError::ClaimMissing { member: m, .. } if m == member));
        let mut wrong = good.clone();
        wrong[member] = bad_value;
        let e = verifier_for(policy).verify(jwt(alg, &wrong).as_bytes()).unwrap_err();
        assert_eq!(e.reason(), Reason::LicenseClaimWrongType, "{}: {e}", policy.name);
        assert!(e.to_string().contains(member), "{e}");
    }
    let doc = honeyframe_document(&json!({"customer": "A", "tier": "starter", "expires": "2026-12-31"}));
    let e = verifier_for(&profiles::HONEYFRAME).verify(doc.as_bytes()).unwrap_err();
    assert!(
        matches!(&e, VerifyError::ClaimMissing { member, .. } if member == "products"),
        "{e}"
    );
}

/// licet's own format stays readable under every profile, and stays strict: a payload with `lic` is never read
/// through a mapping, and without a mapping a manual-format payload is refused.
#[test]
fn licets_own_format_is_read_by_every_profile_and_only_by_lic() {
    let own = jwt(Alg::EdDSA, &claims_json());
    for policy in profiles::ALL {
        let v = verifier_for(policy).verify(own.as_bytes()).unwrap();
        assert_eq!(v.claims().lic.customer.id, "cus_8f2a", "{}", policy.name);
    }
    let mut broken = claims_json();
    broken["lic"]["limits"]["users"] = json!(-1);
    let e = verifier_for(&profiles::JUSTIAM)
        .verify(jwt(Alg::EdDSA, &broken).as_bytes())
        .unwrap_err();
    assert_eq!(
        e.reason(),
        Reason::LicenseInvalidClaims,
        "-1 is only a sentinel in JustIAM's format"
    );
    let manual = jwt(Alg::RS256, &liberty_claims());
    let e = Verifier::new(keyring(), ISS, AUD)
        .verify(manual.as_bytes())
        .unwrap_err();
    assert_eq!(e.reason(), Reason::LicenseInvalidClaims);
}

/// A policy loaded from a file (what an operator could edit) never carries a mapping: remapping is impossible.
#[test]
fn a_policy_from_configuration_cannot_carry_a_mapping() {
    let text = serde_json::to_string(&profiles::JUSTIAM).unwrap();
    assert!(!text.contains("max_users"), "the mapping is not serialized");
    let mut edited: Value = serde_json::from_str(&text).unwrap();
    edited["format"] = json!({"rules": [{"member": "max_admins", "field": "Limit"}]});
    let loaded: Policy = serde_json::from_value(edited).unwrap();
    assert_eq!(loaded.format, licet_core::LicenseFormat::Licet);
    let token = jwt(
        Alg::EdDSA,
        &json!({"sub": "A", "max_users": -1, "max_tenants": 0, "iat": 1, "exp": 2}),
    );
    let e = verifier_for(&loaded).verify(token.as_bytes()).unwrap_err();
    assert_eq!(e.reason(), Reason::LicenseInvalidClaims);
}
