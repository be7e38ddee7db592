//! Keys in other tools (issue #14): a key `licet keygen` makes signs with OpenSSL and licet verifies it; a key
//! OpenSSL makes signs with `licet issue` and verifies under the public key OpenSSL derives. OpenSSL is required:
//! without it these tests fail with a sentence (scripts/test.sh installs it), they never skip.

use std::path::Path;
use std::process::{Command, Output};

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;

use crate::support::{licet, ok};
use crate::vendor_flow::setup;

/// Runs `openssl ARGS…` in `dir` and asserts success.
#[track_caller]
fn openssl(dir: &Path, args: &[&str]) -> Output {
    let out = match Command::new("openssl").current_dir(dir).args(args).output() {
        Ok(out) => out,
        Err(e) => panic!(
            "cannot run `openssl` ({e}): the key interop tests need OpenSSL 3 on PATH; \
             scripts/test.sh installs it (Debian package `openssl`)"
        ),
    };
    assert!(
        out.status.success(),
        "openssl {}: {}",
        args.join(" "),
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

fn now() -> i64 {
    licet_runtime::Clock::now(&licet_runtime::SystemClock).0
}

#[test]
fn a_keygen_ed25519_key_signs_with_openssl_and_licet_verifies_it() {
    let dir = setup("ed25519", "vendor-2025");
    let d = dir.path();
    let header = r#"{"alg":"EdDSA","typ":"JWT","kid":"vendor-2025"}"#;
    let claims = serde_json::json!({
        "iss": "https://licenses.vendor.example",
        "sub": "acme",
        "aud": "liberty",
        "iat": now(),
        "lic": {"schema": "1.0", "customer": {"id": "cus_1", "name": "ACME"}, "features": ["sso"]},
    });
    let signing_input = format!(
        "{}.{}",
        URL_SAFE_NO_PAD.encode(header),
        URL_SAFE_NO_PAD.encode(claims.to_string())
    );
    std::fs::write(d.join("signing-input"), &signing_input).unwrap();
    openssl(
        d,
        &[
            "pkeyutl",
            "-sign",
            "-rawin",
            "-inkey",
            "keys/vendor-2025.private.pem",
            "-in",
            "signing-input",
            "-out",
            "sig.bin",
        ],
    );
    let sig = std::fs::read(d.join("sig.bin")).unwrap();
    assert_eq!(sig.len(), 64, "an Ed25519 signature is 64 bytes");
    let token = format!("{signing_input}.{}", URL_SAFE_NO_PAD.encode(sig));
    std::fs::write(d.join("license.jwt"), &token).unwrap();

    let verified = ok(&licet(
        d,
        &[
            "verify",
            "--trust",
            "keys/jwks.json",
            "--iss",
            "https://licenses.vendor.example",
            "--aud",
            "liberty",
            "license.jwt",
        ],
    ));
    let verified: serde_json::Value = serde_json::from_str(&verified).unwrap();
    assert_eq!(verified["lic"]["customer"]["id"], "cus_1");

    // OpenSSL reads the public PEM too, and checks licet's own signature with it.
    let issued = ok(&crate::vendor_flow::issue(d, "vendor-2025", &["--out", "own.jwt"]));
    assert!(issued.is_empty());
    let own = std::fs::read_to_string(d.join("own.jwt")).unwrap();
    let (input, sig) = own.trim().rsplit_once('.').unwrap();
    std::fs::write(d.join("own-input"), input).unwrap();
    std::fs::write(d.join("own-sig"), URL_SAFE_NO_PAD.decode(sig).unwrap()).unwrap();
    openssl(
        d,
        &[
            "pkeyutl",
            "-verify",
            "-rawin",
            "-pubin",
            "-inkey",
            "keys/vendor-2025.public.pem",
            "-in",
            "own-input",
            "-sigfile",
            "own-sig",
        ],
    );
}

#[test]
fn an_openssl_ed25519_key_signs_with_licet_issue_and_verifies_under_the_openssl_public_key() {
    let dir = setup("ed25519", "unused");
    let d = dir.path();
    openssl(d, &["genpkey", "-algorithm", "ed25519", "-out", "ossl.private.pem"]);
    openssl(
        d,
        &["pkey", "-in", "ossl.private.pem", "-pubout", "-out", "ossl.public.pem"],
    );
    ok(&licet(
        d,
        &[
            "issue",
            "--key",
            "ossl.private.pem",
            "--kid",
            "ossl",
            "--claims",
            "claims.toml",
            "--exp",
            "30d",
            "--out",
            "license.jwt",
        ],
    ));
    let verified = ok(&licet(d, &["verify", "--trust", "ossl.public.pem", "license.jwt"]));
    let verified: serde_json::Value = serde_json::from_str(&verified).unwrap();
    assert_eq!(verified["sub"], "acme");

    // And a different key (the one keygen made) does not verify it: the check above is not vacuous.
    let other = licet(
        d,
        &[
            "verify",
            "--trust",
            "keys/unused.public.pem",
            "--kid",
            "ossl",
            "license.jwt",
        ],
    );
    assert_eq!(
        other.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&other.stderr)
    );
    assert!(String::from_utf8_lossy(&other.stderr).contains("license_bad_signature"));
}

#[test]
fn the_jwk_json_keygen_writes_and_a_jwks_without_alg_are_trusted() {
    let dir = setup("ed25519", "vendor-2025");
    let d = dir.path();
    ok(&crate::vendor_flow::issue(d, "vendor-2025", &["--out", "license.jwt"]));
    let verified = ok(&licet(
        d,
        &["verify", "--trust", "keys/vendor-2025.jwk.json", "license.jwt"],
    ));
    assert!(verified.contains("\"sub\": \"acme\""), "{verified}");

    // As jwcrypto and PyJWT export a key set: no alg (and no use) on the keys.
    let mut jwks: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(d.join("keys/jwks.json")).unwrap()).unwrap();
    for key in jwks["keys"].as_array_mut().unwrap() {
        let key = key.as_object_mut().unwrap();
        assert!(key.remove("alg").is_some() && key.remove("use").is_some());
    }
    std::fs::write(d.join("no-alg.json"), jwks.to_string()).unwrap();
    ok(&licet(d, &["verify", "--trust", "no-alg.json", "license.jwt"]));
    let status = ok(&licet(
        d,
        &[
            "status",
            "--trust",
            "no-alg.json",
            "--profile",
            "liberty",
            "license.jwt",
        ],
    ));
    assert!(status.contains("kid vendor-2025"), "{status}");

    // An alg that contradicts the key type is refused, naming the key.
    let jwk = std::fs::read_to_string(d.join("keys/vendor-2025.jwk.json")).unwrap();
    std::fs::write(d.join("bad.jwk.json"), jwk.replace("\"EdDSA\"", "\"ES256\"")).unwrap();
    let out = licet(d, &["verify", "--trust", "bad.jwk.json", "license.jwt"]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("key \"vendor-2025\" is declared for ES256 but is a EdDSA key"),
        "{stderr}"
    );
}

#[test]
fn a_single_trusted_pem_takes_the_kid_of_the_license() {
    let dir = setup("ed25519", "vendor-2025");
    let d = dir.path();
    ok(&crate::vendor_flow::issue(d, "vendor-2025", &["--out", "license.jwt"]));
    std::fs::copy(d.join("keys/vendor-2025.public.pem"), d.join("key.pem")).unwrap();
    let status = ok(&licet(
        d,
        &["status", "--trust", "key.pem", "--profile", "liberty", "license.jwt"],
    ));
    assert!(status.contains("kid vendor-2025"), "{status}");
    ok(&licet(d, &["verify", "--trust", "key.pem", "license.jwt"]));

    // The one key must still verify it: another key under the borrowed kid is a bad signature.
    ok(&licet(d, &["keygen", "--kid", "other", "--out", "other"]));
    let out = licet(
        d,
        &[
            "status",
            "--trust",
            "other/other.public.pem",
            "--profile",
            "liberty",
            "license.jwt",
        ],
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("license_bad_signature"));

    // With two PEMs, each one's kid is its file name, as before.
    let out = licet(
        d,
        &[
            "verify",
            "--trust",
            "key.pem",
            "--trust",
            "other/other.public.pem",
            "license.jwt",
        ],
    );
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("license_unknown_key") && stderr.contains("vendor-2025"),
        "{stderr}"
    );
}

#[test]
fn a_license_file_saved_by_notepad_verifies() {
    let dir = setup("ed25519", "vendor-2025");
    let d = dir.path();
    let armored = ok(&crate::vendor_flow::issue(d, "vendor-2025", &["--format", "armored"]));
    let notepad = [b"\xef\xbb\xbf".as_slice(), armored.replace('\n', "\r\n").as_bytes()].concat();
    std::fs::write(d.join("license.lic"), notepad).unwrap();
    ok(&licet(d, &["verify", "--trust", "keys/jwks.json", "license.lic"]));
}
