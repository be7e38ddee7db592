//! Shared fixtures: the test-only keys, a typical license, and assertion helpers.

use licet_core::{Alg, Claims, FileSigner, Keyring, Reason, TrustedKey, VerifiedLicense, Verifier, VerifyError};

pub const ISS: &str = "https://licenses.vendor.example";
pub const AUD: &str = "liberty";
pub const ALGS: [Alg; 3] = [Alg::EdDSA, Alg::RS256, Alg::ES256];

pub fn vector_path(rel: &str) -> String {
    format!("{}/tests/vectors/{rel}", env!("CARGO_MANIFEST_DIR"))
}

pub fn read_vector(rel: &str) -> String {
    std::fs::read_to_string(vector_path(rel)).unwrap()
}

/// File stem of the test-only key for `alg`; `b` selects the second Ed25519 key.
pub fn key_stem(alg: Alg, b: bool) -> &'static str {
    match (alg, b) {
        (Alg::EdDSA, false) => "eddsa-a-test-only",
        (Alg::EdDSA, true) => "eddsa-b-test-only",
        (Alg::RS256, _) => "rs256-test-only",
        (Alg::ES256, _) => "es256-test-only",
    }
}

pub fn private_pem(alg: Alg) -> String {
    read_vector(&format!("keys/{}.private.pem", key_stem(alg, false)))
}

pub fn public_pem(alg: Alg) -> String {
    read_vector(&format!("keys/{}.public.pem", key_stem(alg, false)))
}

pub fn kid(alg: Alg) -> String {
    format!("{}-2025", alg.as_str().to_lowercase())
}

pub fn signer(alg: Alg) -> FileSigner {
    FileSigner::from_pkcs8_pem(kid(alg), &private_pem(alg)).unwrap()
}

pub fn trusted(alg: Alg) -> TrustedKey {
    TrustedKey::from_spki_pem(kid(alg), alg, &public_pem(alg)).unwrap()
}

/// A keyring with all three test keys.
pub fn keyring() -> Keyring {
    Keyring::new(ALGS.iter().map(|a| trusted(*a)).collect()).unwrap()
}

pub fn verifier() -> Verifier {
    Verifier::new(keyring(), ISS, AUD)
}

/// A typical license, about 1 KB of claims JSON.
pub fn claims_json() -> serde_json::Value {
    serde_json::json!({
        "iss": ISS, "sub": "acme-corp", "aud": AUD, "iat": 1_735_689_600, "nbf": 1_735_689_600,
        "exp": 1_767_225_600, "jti": "lic-2025-0001",
        "lic": {
            "schema": "1.0",
            "customer": {"id": "cus_8f2a", "name": "ACME Corporation"},
            "binding": {"install_id": "6f1c1f8e-9a47-4c5e-a0c4-0b8f4f6f2b1d",
                        "domains": ["*.acme.example", "acme.example"]},
            "edition": "enterprise",
            "products": ["connector-sap", "connector-salesforce", "connector-jira", "reporting"],
            "features": ["sso", "audit-log", "scim", "custom-branding", "api-access", "webhooks", "ha"],
            "limits": {"users": 500, "tenants": 10, "workspaces": "unlimited", "agents": 50},
            "orgs": [
                {"id": "org-eu", "plan": "enterprise", "features": ["sso", "scim"], "limits": {"users": 300},
                 "valid_from": 1_735_689_600, "valid_until": 1_767_225_600},
                {"id": "org-us", "plan": "team", "features": ["sso"], "limits": {"users": 200},
                 "valid_from": 1_735_689_600, "valid_until": 1_767_225_600}
            ],
            "max_orgs": 5,
            "renewal": {"url": "https://licenses.vendor.example/v1/renew"},
            "sequence": 7
        }
    })
}

pub fn claims() -> Claims {
    serde_json::from_value(claims_json()).unwrap()
}

#[track_caller]
pub fn assert_reason(result: Result<VerifiedLicense, VerifyError>, reason: Reason) {
    match result {
        Ok(v) => panic!("expected {reason}, but verified {:?}", v.claims().sub),
        Err(e) => assert_eq!(e.reason(), reason, "{e}"),
    }
}
