//! The manuals' own formats in the CLI (issue #13): `licet issue --profile` signs a claims file written as a
//! manual says, `licet verify --profile` and `licet inspect` show it as written and what licet reads from it;
//! licet's own format refuses a 0 limit without explicit intent and points at a profile when a file looks like one.

use std::path::Path;
use std::process::Output;

use serde_json::Value;

use crate::support::{licet, ok};
use crate::vendor_flow::setup;

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// `licet issue --key keys/<kid>.private.pem --kid <kid> --claims <claims> ARGS…`
fn issue(dir: &Path, kid: &str, claims: &str, extra: &[&str]) -> Output {
    let key = format!("keys/{kid}.private.pem");
    licet(
        dir,
        &[&["issue", "--key", &key, "--kid", kid, "--claims", claims][..], extra].concat(),
    )
}

fn verify(dir: &Path, extra: &[&str]) -> Output {
    licet(dir, &[&["verify", "--trust", "keys/jwks.json"][..], extra].concat())
}

const JUSTIAM: &str = r#"{"sub": "acme", "instance_id": "", "max_users": -1, "max_tenants": 0,
    "renewal_url": "https://licenses.justiam.example/renew", "max_admins": 5}"#;

#[test]
fn a_justiam_file_is_issued_as_a_jws_that_verifies_under_the_justiam_profile() {
    let dir = setup("ed25519", "ji");
    let d = dir.path();
    std::fs::write(d.join("justiam.json"), JUSTIAM).unwrap();
    let out = issue(
        d,
        "ji",
        "justiam.json",
        &["--profile", "justiam", "--exp", "30d", "--out", "ji.jwt"],
    );
    ok(&out);
    // The one member the format does not read is named, once, and nothing else is warned about.
    let warnings: Vec<String> = stderr(&out)
        .lines()
        .filter(|l| l.starts_with("warning"))
        .map(str::to_owned)
        .collect();
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert!(
        warnings[0].contains("\"max_admins\"") && warnings[0].contains("justiam"),
        "{warnings:?}"
    );
    let token = std::fs::read_to_string(d.join("ji.jwt")).unwrap();
    assert_eq!(token.trim().split('.').count(), 3, "a JWS compact token: {token}");

    let out = verify(d, &["--profile", "justiam", "ji.jwt"]);
    let claims: Value = serde_json::from_str(&ok(&out)).unwrap();
    assert_eq!(claims["lic"]["limits"]["users"], "unlimited");
    assert_eq!(claims["lic"]["limits"]["users_per_tenant"], "unlimited");
    assert_eq!(claims["lic"]["max_orgs"], "unlimited");
    assert_eq!(
        claims["lic"]["renewal"]["url"],
        "https://licenses.justiam.example/renew"
    );
    assert_eq!(claims["max_admins"], 5, "kept, unread, in extra");
    assert!(claims["exp"].as_i64().unwrap() > claims["iat"].as_i64().unwrap());
    let err = stderr(&out);
    assert!(
        err.contains("license as written (justiam format)") && err.contains("\"max_users\": -1"),
        "{err}"
    );
    assert!(err.contains("licet reads"), "{err}");

    // Without the profile it is not a license in licet's own format.
    let out = verify(d, &["ji.jwt"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("license_invalid_claims"), "{}", stderr(&out));

    let shown = ok(&licet(d, &["inspect", "ji.jwt"]));
    assert!(shown.starts_with("UNVERIFIED"), "{shown}");
    assert!(
        shown.contains("license as written:") && shown.contains("\"max_tenants\": 0"),
        "{shown}"
    );
    assert!(shown.contains("licet reads (justiam format):"), "{shown}");
    assert!(shown.contains("\"max_orgs\": \"unlimited\""), "{shown}");
    assert!(
        !shown.contains("liberty format"),
        "only the formats that read it: {shown}"
    );
    // Read as a format that does not fit, it says why.
    let shown = ok(&licet(d, &["inspect", "--profile", "liberty", "ji.jwt"]));
    assert!(
        shown.contains("licet reads (liberty format): nothing (license_claim_missing"),
        "{shown}"
    );
}

#[test]
fn a_file_that_does_not_follow_the_format_is_refused_with_the_mapping_code_and_member() {
    let dir = setup("ed25519", "ji");
    let d = dir.path();
    std::fs::write(d.join("missing.json"), r#"{"sub": "acme", "max_tenants": 0}"#).unwrap();
    let out = issue(d, "ji", "missing.json", &["--profile", "justiam", "--exp", "30d"]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(
        err.contains("license_claim_missing") && err.contains("\"max_users\""),
        "{err}"
    );
    std::fs::write(
        d.join("wrong.json"),
        r#"{"sub": "acme", "max_users": "many", "max_tenants": 0}"#,
    )
    .unwrap();
    let out = issue(d, "ji", "wrong.json", &["--profile", "justiam", "--exp", "30d"]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(
        err.contains("license_claim_wrong_type") && err.contains("\"max_users\""),
        "{err}"
    );
    assert!(out.stdout.is_empty(), "nothing signed");
    // A past expiry in the format's own member is refused as in licet's format.
    std::fs::write(
        d.join("past.json"),
        r#"{"sub": "acme", "max_users": 5, "max_tenants": 1, "exp": 1000}"#,
    )
    .unwrap();
    let out = issue(d, "ji", "past.json", &["--profile", "justiam"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("not in the future"), "{}", stderr(&out));
    // An unknown profile names the known ones.
    let out = issue(d, "ji", "past.json", &["--profile", "nosuch"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("justiam"), "{}", stderr(&out));
}

const HONEYFRAME_TOML: &str = r#"
customer = "ACME"
tier = "enterprise"
products = ["gateway", "analytics"]
features = ["sso"]
expires = 2099-12-31
users_limit = 250
"#;

#[test]
fn a_honeyframe_file_is_issued_as_a_signed_document_only_with_an_ed25519_key() {
    let dir = setup("ed25519", "hf");
    let d = dir.path();
    std::fs::write(d.join("hf.toml"), HONEYFRAME_TOML).unwrap();
    let out = issue(
        d,
        "hf",
        "hf.toml",
        &["--profile", "honeyframe", "--out", "license.json"],
    );
    ok(&out);
    assert!(!stderr(&out).contains("warning"), "{}", stderr(&out));
    let doc: Value = serde_json::from_str(&std::fs::read_to_string(d.join("license.json")).unwrap()).unwrap();
    assert_eq!(doc["kid"], "hf");
    assert_eq!(
        doc["payload"]["expires"], "2099-12-31",
        "a TOML date is written as the manual's date"
    );
    assert!(
        doc["payload"]["issued"].is_string(),
        "the issue time in the format's own member: {doc}"
    );
    assert!(doc["signature"].is_string());

    let out = verify(d, &["--profile", "honeyframe", "license.json"]);
    let claims: Value = serde_json::from_str(&ok(&out)).unwrap();
    assert_eq!(claims["lic"]["edition"], "enterprise");
    assert_eq!(claims["lic"]["customer"]["id"], "ACME");
    assert_eq!(claims["lic"]["limits"]["users"], 250);
    assert_eq!(claims["lic"]["products"], serde_json::json!(["gateway", "analytics"]));
    // "Through that day": the license lapses at the next midnight (UTC).
    assert_eq!(claims["exp"], 4_102_444_800_i64);
    assert!(stderr(&out).contains("\"tier\": \"enterprise\""), "{}", stderr(&out));

    let shown = ok(&licet(d, &["inspect", "license.json"]));
    assert!(shown.contains("encoding:    signed document"), "{shown}");
    assert!(shown.contains("kid:         hf"), "{shown}");
    assert!(shown.contains("licet reads (honeyframe format):"), "{shown}");
    assert!(
        !shown.contains("liberty format"),
        "a JWS format never reads a document: {shown}"
    );

    // Tampering breaks it.
    let tampered = std::fs::read_to_string(d.join("license.json"))
        .unwrap()
        .replace("250", "2500");
    std::fs::write(d.join("tampered.json"), tampered).unwrap();
    let out = verify(d, &["--profile", "honeyframe", "tampered.json"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("license_bad_signature"), "{}", stderr(&out));

    // An ES256 key cannot sign a document; --format does not apply to one.
    ok(&licet(d, &["keygen", "--alg", "es256", "--kid", "ec", "--out", "keys"]));
    let out = issue(d, "ec", "hf.toml", &["--profile", "honeyframe"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("Ed25519"), "{}", stderr(&out));
    let out = issue(d, "hf", "hf.toml", &["--profile", "honeyframe", "--format", "armored"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("--format"), "{}", stderr(&out));
}

const LICET_ZERO: &str = r#"{"iss": "https://licenses.vendor.example", "sub": "acme", "aud": "nivq",
    "lic": {"customer": {"id": "c", "name": "C"}, "limits": {"users": 0, "agents": 3}, "max_orgs": 0,
            "orgs": [{"id": "eu", "limits": {"seats": 0}}]}}"#;

#[test]
fn a_zero_limit_in_licets_format_needs_explicit_intent() {
    let dir = setup("ed25519", "k");
    let d = dir.path();
    std::fs::write(d.join("zero.json"), LICET_ZERO).unwrap();
    let out = issue(d, "k", "zero.json", &["--exp", "30d"]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    for expected in [
        "lic.limits.users",
        "lic.max_orgs",
        "lic.orgs[0].limits.seats",
        "\"unlimited\"",
        "--allow-zero-limits",
    ] {
        assert!(err.contains(expected), "{expected}: {err}");
    }
    assert!(!err.contains("lic.limits.agents"), "{err}");
    let out = issue(
        d,
        "k",
        "zero.json",
        &["--exp", "30d", "--allow-zero-limits", "--out", "z.jwt"],
    );
    ok(&out);
    let claims: Value = serde_json::from_str(&ok(&verify(d, &["z.jwt"]))).unwrap();
    assert_eq!(claims["lic"]["limits"]["users"], 0);
    // "unlimited" is what the author meant most of the time, and needs no flag.
    std::fs::write(d.join("unlimited.json"), LICET_ZERO.replace(": 0", ": \"unlimited\"")).unwrap();
    ok(&issue(d, "k", "unlimited.json", &["--exp", "30d"]));
    // -1 is refused by parsing, with the same advice.
    std::fs::write(
        d.join("minus.json"),
        LICET_ZERO.replace("\"users\": 0", "\"users\": -1"),
    )
    .unwrap();
    let out = issue(d, "k", "minus.json", &["--exp", "30d", "--allow-zero-limits"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("\"unlimited\""), "{}", stderr(&out));
}

#[test]
fn manual_members_in_licets_format_are_warned_about_and_name_the_profile() {
    let dir = setup("ed25519", "k");
    let d = dir.path();
    let claims = r#"{"iss": "i", "sub": "acme", "aud": "justiam", "max_users": 50, "note": "x",
        "lic": {"customer": {"id": "c", "name": "C"}}}"#;
    std::fs::write(d.join("mixed.json"), claims).unwrap();
    let out = issue(d, "k", "mixed.json", &["--exp", "30d"]);
    ok(&out);
    let err = stderr(&out);
    let line = err.lines().find(|l| l.contains("\"max_users\"")).unwrap_or_default();
    assert!(
        line.starts_with("warning") && line.contains("--profile justiam"),
        "{err}"
    );
    let line = err.lines().find(|l| l.contains("\"note\"")).unwrap_or_default();
    assert!(line.starts_with("warning") && !line.contains("--profile"), "{err}");

    // Without `lic` the file is refused, and the error names the format it reads like.
    std::fs::write(d.join("justiam.json"), JUSTIAM).unwrap();
    let out = issue(d, "k", "justiam.json", &["--exp", "30d"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("pass --profile justiam"), "{}", stderr(&out));
}
