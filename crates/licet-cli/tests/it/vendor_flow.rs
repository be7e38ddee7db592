//! keygen → issue → inspect → verify, with exit codes and refusals.

use std::path::Path;
use std::process::{Command, Output};

use crate::support::{licet, ok};

const CLAIMS_TOML: &str = r#"
iss = "https://licenses.vendor.example"
sub = "acme"
aud = "liberty"

[lic]
customer = { id = "cus_1", name = "ACME" }
features = ["sso"]
limits = { users = 50, tenants = "unlimited" }
"#;

pub(crate) fn setup(alg: &str, kid: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    ok(&licet(
        dir.path(),
        &["keygen", "--alg", alg, "--kid", kid, "--out", "keys"],
    ));
    std::fs::write(dir.path().join("claims.toml"), CLAIMS_TOML).unwrap();
    dir
}

/// `licet issue` of `claims.toml` with the key `setup` made for `kid`, plus `extra` arguments.
pub(crate) fn issue(dir: &Path, kid: &str, extra: &[&str]) -> Output {
    let key = format!("keys/{kid}.private.pem");
    let args = [
        &["issue", "--key", &key, "--kid", kid, "--claims", "claims.toml"][..],
        extra,
    ]
    .concat();
    licet(dir, &args)
}

#[test]
fn keygen_writes_four_files_and_the_private_key_is_owner_only() {
    let dir = setup("ed25519", "vendor-2025");
    let keys = dir.path().join("keys");
    for f in [
        "vendor-2025.private.pem",
        "vendor-2025.public.pem",
        "vendor-2025.jwk.json",
        "jwks.json",
    ] {
        assert!(keys.join(f).is_file(), "{f}");
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(keys.join("vendor-2025.private.pem"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    let jwk: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(keys.join("vendor-2025.jwk.json")).unwrap()).unwrap();
    assert_eq!(
        (jwk["kid"].as_str(), jwk["alg"].as_str(), jwk["use"].as_str()),
        (Some("vendor-2025"), Some("EdDSA"), Some("sig"))
    );
    // Same kid again: refused, and the existing private key is untouched.
    let before = std::fs::read(keys.join("vendor-2025.private.pem")).unwrap();
    let again = licet(dir.path(), &["keygen", "--kid", "vendor-2025", "--out", "keys"]);
    assert_eq!(again.status.code(), Some(2));
    assert_eq!(std::fs::read(keys.join("vendor-2025.private.pem")).unwrap(), before);
}

#[test]
fn issue_then_verify_in_every_format_and_alg() {
    for (alg, kid) in [("ed25519", "ed"), ("es256", "ec"), ("rs256", "rsa")] {
        let dir = setup(alg, kid);
        for format in ["compact", "json", "armored"] {
            let out = format!("license.{format}");
            ok(&issue(
                dir.path(),
                kid,
                &["--format", format, "--exp", "365d", "--out", &out],
            ));
            let claims = ok(&licet(
                dir.path(),
                &[
                    "verify",
                    "--trust",
                    "keys/jwks.json",
                    "--iss",
                    "https://licenses.vendor.example",
                    "--aud",
                    "liberty",
                    &out,
                ],
            ));
            let claims: serde_json::Value = serde_json::from_str(&claims).unwrap();
            assert_eq!(claims["sub"], "acme");
            assert_eq!(claims["lic"]["schema"], "1.0");
            assert_eq!(claims["lic"]["limits"]["tenants"], "unlimited");
            let iat = claims["iat"].as_i64().unwrap();
            assert_eq!(claims["exp"].as_i64().unwrap() - iat, 365 * 86_400);
            // A single PEM works too; its kid comes from the file name.
            ok(&licet(
                dir.path(),
                &["verify", "--trust", &format!("keys/{kid}.public.pem"), &out],
            ));
        }
    }
}

#[test]
fn refusals_exit_1_with_the_reason_code() {
    let dir = setup("ed25519", "vendor-2025");
    let token = ok(&issue(dir.path(), "vendor-2025", &[]));
    let token = token.trim();
    // Tampered: one payload character changed.
    let mut bytes = token.as_bytes().to_vec();
    let mid = token.find('.').unwrap() + 10;
    bytes[mid] = if bytes[mid] == b'A' { b'B' } else { b'A' };
    let tampered = String::from_utf8(bytes).unwrap();
    let out = licet(dir.path(), &["verify", "--trust", "keys/jwks.json", &tampered]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("license_bad_signature") || stderr.contains("license_malformed"),
        "{stderr}"
    );
    assert!(out.stdout.is_empty(), "no claims for a refused license");

    let out = licet(
        dir.path(),
        &["verify", "--trust", "keys/jwks.json", "--aud", "honeyframe", token],
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("license_wrong_audience"));

    // Another vendor's keys.
    ok(&licet(dir.path(), &["keygen", "--kid", "other", "--out", "other"]));
    let out = licet(dir.path(), &["verify", "--trust", "other/jwks.json", token]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("license_unknown_key"));

    // From stdin, verified.
    let mut child = Command::new(env!("CARGO_BIN_EXE_licet"))
        .current_dir(dir.path())
        .args(["verify", "--trust", "keys/jwks.json", "-"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write;
    child.stdin.take().unwrap().write_all(token.as_bytes()).unwrap();
    assert!(child.wait_with_output().unwrap().status.success());
}

#[test]
fn jwks_accumulates_keys_for_rotation() {
    let dir = setup("ed25519", "vendor-2025");
    ok(&licet(
        dir.path(),
        &["keygen", "--alg", "es256", "--kid", "vendor-2026", "--out", "keys"],
    ));
    let jwks: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("keys/jwks.json")).unwrap()).unwrap();
    assert_eq!(jwks["keys"].as_array().unwrap().len(), 2);
    for kid in ["vendor-2025", "vendor-2026"] {
        let token = ok(&issue(dir.path(), kid, &[]));
        ok(&licet(
            dir.path(),
            &["verify", "--trust", "keys/jwks.json", token.trim()],
        ));
    }
}

#[test]
fn inspect_says_unverified_and_works_on_a_broken_signature() {
    let dir = setup("ed25519", "k");
    let token = ok(&issue(dir.path(), "k", &["--format", "armored"]));
    std::fs::write(dir.path().join("lic.txt"), &token).unwrap();
    let shown = ok(&licet(dir.path(), &["inspect", "lic.txt"]));
    assert!(shown.starts_with("UNVERIFIED"), "{shown}");
    assert!(
        shown.contains("\"sub\": \"acme\"") && shown.contains("encoding:    armored"),
        "{shown}"
    );
    let out = licet(dir.path(), &["inspect", "not-a-license"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("license_malformed"));
}

#[test]
fn issue_refuses_claims_that_are_not_a_license() {
    let dir = setup("ed25519", "k");
    std::fs::write(dir.path().join("bad.json"), r#"{"iss":"x","aud":"y","lic":{}}"#).unwrap();
    let out = licet(
        dir.path(),
        &[
            "issue",
            "--key",
            "keys/k.private.pem",
            "--kid",
            "k",
            "--claims",
            "bad.json",
        ],
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("not valid license claims"));
}

#[test]
fn issue_keeps_a_given_iat_and_sets_now_otherwise() {
    let dir = setup("ed25519", "k");
    let d = dir.path();
    let claims = format!("iat = 1700000000\n{CLAIMS_TOML}");
    std::fs::write(d.join("dated.toml"), claims).unwrap();
    let verify = |token: &str| -> serde_json::Value {
        serde_json::from_str(&ok(&licet(d, &["verify", "--trust", "keys/jwks.json", token.trim()]))).unwrap()
    };
    let token = ok(&licet(
        d,
        &[
            "issue",
            "--key",
            "keys/k.private.pem",
            "--kid",
            "k",
            "--claims",
            "dated.toml",
        ],
    ));
    assert_eq!(verify(&token)["iat"], 1_700_000_000);

    let before = licet_runtime::Clock::now(&licet_runtime::SystemClock).0;
    let iat = verify(&ok(&issue(d, "k", &[])))["iat"].as_i64().unwrap();
    assert!((before..before + 60).contains(&iat), "{iat} vs {before}");
}

#[test]
fn issue_refuses_an_exp_already_past_unless_allowed() {
    let dir = setup("ed25519", "k");
    let d = dir.path();
    let out = issue(d, "k", &["--exp", "2024-01-01", "--out", "old.jwt"]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("--exp \"2024-01-01\" is 2024-01-01T00:00:00Z, which is not in the future")
            && stderr.contains("--allow-past-exp"),
        "{stderr}"
    );
    assert!(!d.join("old.jwt").exists(), "nothing is written for a refused issue");

    // The same expiry from the claims file is refused the same way.
    std::fs::write(d.join("old.toml"), format!("exp = 1704067200\n{CLAIMS_TOML}")).unwrap();
    let out = licet(
        d,
        &[
            "issue",
            "--key",
            "keys/k.private.pem",
            "--kid",
            "k",
            "--claims",
            "old.toml",
        ],
    );
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("exp in old.toml is 2024-01-01T00:00:00Z"), "{stderr}");

    // On purpose: an already-expired license, e.g. to test how a product handles one.
    ok(&issue(
        d,
        "k",
        &["--exp", "2024-01-01", "--allow-past-exp", "--out", "old.jwt"],
    ));
    let claims = ok(&licet(d, &["verify", "--trust", "keys/jwks.json", "old.jwt"]));
    let claims: serde_json::Value = serde_json::from_str(&claims).unwrap();
    assert_eq!(claims["exp"], 1_704_067_200);
    // A future expiry needs no flag.
    ok(&issue(d, "k", &["--exp", "1d"]));
}
