//! `licet vendor hsm-keygen` against SoftHSM2, then `licet vendor serve` signing with that key in the token: the
//! license it issues verifies (`licet verify`) with the public key the keygen exported, and with nothing else.
//!
//! Each test gets its own SoftHSM2 token directory (`SOFTHSM2_CONF` for the child processes) and token, made with
//! `softhsm2-util`. Without SoftHSM2 the tests fail and say so; `LICET_SKIP_HSM_TESTS=1` skips them.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use licet_server::testkit::{Method, TestServer};
use serde_json::{json, Value};

use crate::support::{ok, Server};

const PIN: &str = "test-only-user-pin";
const SO_PIN: &str = "test-only-so-pin";
const LABEL: &str = "licet-cli-test";

fn module() -> PathBuf {
    std::env::var_os("LICET_TEST_PKCS11_MODULE")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/usr/lib/softhsm/libsofthsm2.so"))
}

/// A SoftHSM2 token directory with one initialised token, `LABEL`, whose user PIN is `PIN`.
struct Token {
    dir: tempfile::TempDir,
}

impl Token {
    fn new() -> Option<Token> {
        if std::env::var("LICET_SKIP_HSM_TESTS").as_deref() == Ok("1") {
            eprintln!("LICET_SKIP_HSM_TESTS=1: skipping HSM test");
            return None;
        }
        assert!(
            module().is_file(),
            "SoftHSM2 is not installed: {} is missing. Install it (`apt-get install -y softhsm2`), point \
             LICET_TEST_PKCS11_MODULE at a PKCS#11 module, or set LICET_SKIP_HSM_TESTS=1 to skip the HSM tests.",
            module().display()
        );
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("tokens")).unwrap();
        let conf = format!(
            "directories.tokendir = {}\nobjectstore.backend = file\nlog.level = ERROR\n",
            dir.path().join("tokens").display()
        );
        std::fs::write(dir.path().join("softhsm2.conf"), conf).unwrap();
        let token = Token { dir };
        let init = token
            .command("softhsm2-util")
            .args([
                "--init-token",
                "--free",
                "--label",
                LABEL,
                "--so-pin",
                SO_PIN,
                "--pin",
                PIN,
            ])
            .output()
            .expect("softhsm2-util runs (it comes with Debian's softhsm2 package)");
        ok(&init);
        Some(token)
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }

    /// `program` with this token directory as SoftHSM2's configuration, and no PIN in the environment.
    fn command(&self, program: impl AsRef<std::ffi::OsStr>) -> Command {
        let mut command = Command::new(program);
        command
            .current_dir(self.path())
            .env("SOFTHSM2_CONF", self.path().join("softhsm2.conf"))
            .env_remove("LICET_HSM_PIN")
            .env_remove("LICET_HSM_MODULE")
            .env_remove("LICET_HSM_TOKEN");
        command
    }

    /// `licet vendor hsm-keygen --hsm-module … --hsm-token LABEL <args>` with `LICET_HSM_PIN=pin`.
    fn keygen(&self, pin: Option<&str>, args: &[&str]) -> Output {
        self.keygen_on(LABEL, pin, args)
    }

    fn keygen_on(&self, label: &str, pin: Option<&str>, args: &[&str]) -> Output {
        let mut command = self.command(env!("CARGO_BIN_EXE_licet"));
        command.args(["vendor", "hsm-keygen", "--hsm-module"]).arg(module());
        command.args(["--hsm-token", label]).args(args);
        if let Some(pin) = pin {
            command.env("LICET_HSM_PIN", pin);
        }
        command.output().unwrap()
    }
}

#[track_caller]
fn refused(out: &Output) -> String {
    assert_eq!(
        out.status.code(),
        Some(2),
        "stdout: {}",
        String::from_utf8_lossy(&out.stdout)
    );
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn hsm_keygen_prints_and_writes_the_public_key() {
    let Some(token) = Token::new() else { return };
    let out = token.keygen(Some(PIN), &["--kid", "hsm-ed", "--out", "keys"]);
    let pem = ok(&out);
    assert!(pem.starts_with("-----BEGIN PUBLIC KEY-----"), "{pem}");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("EdDSA") && stderr.contains("pkcs11:hsm-ed"), "{stderr}");
    let keys = token.path().join("keys");
    assert_eq!(std::fs::read_to_string(keys.join("hsm-ed.public.pem")).unwrap(), pem);
    let jwk: Value = serde_json::from_str(&std::fs::read_to_string(keys.join("hsm-ed.jwk.json")).unwrap()).unwrap();
    assert_eq!(
        (jwk["kid"].as_str(), jwk["crv"].as_str()),
        (Some("hsm-ed"), Some("Ed25519"))
    );

    // ES256 as asked, printed as a JWK and added to the same jwks.json.
    let out = token.keygen(
        Some(PIN),
        &[
            "--kid", "hsm-p256", "--alg", "es256", "--format", "jwk", "--out", "keys",
        ],
    );
    let printed: Value = serde_json::from_str(&ok(&out)).unwrap();
    assert_eq!(
        (
            printed["kid"].as_str(),
            printed["alg"].as_str(),
            printed["crv"].as_str()
        ),
        (Some("hsm-p256"), Some("ES256"), Some("P-256"))
    );
    let jwks: Value = serde_json::from_str(&std::fs::read_to_string(keys.join("jwks.json")).unwrap()).unwrap();
    let kids: Vec<&str> = jwks["keys"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|k| k["kid"].as_str())
        .collect();
    assert_eq!(kids, ["hsm-ed", "hsm-p256"]);

    // A kid that is taken: by the jwks.json (refused before the token is touched), or on the token itself.
    assert!(refused(&token.keygen(Some(PIN), &["--kid", "hsm-ed", "--out", "keys"])).contains("already has a key"));
    assert!(refused(&token.keygen(Some(PIN), &["--kid", "hsm-ed"])).contains("hsm_keygen_failed"));
}

#[test]
fn hsm_keygen_takes_the_pin_from_the_environment_only() {
    let Some(token) = Token::new() else { return };
    let stderr = refused(&token.keygen(None, &["--kid", "k"]));
    assert!(stderr.contains("LICET_HSM_PIN"), "{stderr}");
    let stderr = refused(&token.keygen(None, &["--kid", "k", "--hsm-pin", PIN]));
    assert!(stderr.contains("--hsm-pin"), "no PIN flag: {stderr}");
    let stderr = refused(&token.keygen(Some("not-the-pin"), &["--kid", "k"]));
    assert!(stderr.contains("hsm_login_failed"), "{stderr}");
    assert!(!stderr.contains("not-the-pin"), "the PIN is never printed: {stderr}");
    let stderr = refused(&token.keygen_on("no-such-token", Some(PIN), &["--kid", "k"]));
    assert!(stderr.contains("hsm_unavailable"), "{stderr}");
}

#[tokio::test]
async fn the_control_plane_signs_in_the_hsm_and_licenses_verify_with_the_exported_key() {
    let Some(token) = Token::new() else { return };
    ok(&token.keygen(Some(PIN), &["--kid", "vendor-hsm-1", "--out", "keys"]));
    // A file key the product does not trust, to show that verification really depends on the exported key.
    ok(&token
        .command(env!("CARGO_BIN_EXE_licet"))
        .args(["keygen", "--kid", "other", "--out", "other"])
        .output()
        .unwrap());

    let conf = token.path().join("softhsm2.conf");
    let module = module();
    let server = Server::vendor_with_env(
        token.path(),
        &[
            "--issuer",
            "acme-vendor",
            "--audience",
            "justiam",
            "--database-url",
            "sqlite://vendor.db",
        ],
        &[
            ("SOFTHSM2_CONF", conf.as_os_str()),
            ("LICET_HSM_MODULE", module.as_os_str()),
            ("LICET_HSM_TOKEN", LABEL.as_ref()),
            ("LICET_HSM_PIN", PIN.as_ref()),
        ],
    );
    let admin = server.admin();
    let new_key = json!({"kid": "vendor-hsm-1", "private_ref": "pkcs11:vendor-hsm-1", "activate": true});
    let key = admin_call(&admin, Method::POST, "/v1/keys", new_key).await;
    assert_eq!(key["alg"], "EdDSA", "{key}");
    assert_eq!(
        key["public_pem"].as_str().unwrap(),
        std::fs::read_to_string(token.path().join("keys/vendor-hsm-1.public.pem")).unwrap()
    );
    admin_call(
        &admin,
        Method::POST,
        "/v1/customers",
        json!({"id": "acme", "name": "Acme Corp"}),
    )
    .await;
    admin_call(
        &admin,
        Method::POST,
        "/v1/installs",
        json!({"id": "inst-1", "customer_id": "acme"}),
    )
    .await;
    let entitlements = json!({"edition": "enterprise", "features": ["sso"], "validity_days": 30});
    admin_call(&admin, Method::PUT, "/v1/installs/inst-1/entitlements", entitlements).await;
    let issued = admin_call(&admin, Method::POST, "/v1/installs/inst-1/licenses", Value::Null).await;
    std::fs::write(token.path().join("license.lic"), issued["armored"].as_str().unwrap()).unwrap();

    let verify = |trust: &str| {
        token
            .command(env!("CARGO_BIN_EXE_licet"))
            .args([
                "verify",
                "--trust",
                trust,
                "--iss",
                "acme-vendor",
                "--aud",
                "justiam",
                "license.lic",
            ])
            .output()
            .unwrap()
    };
    let claims: Value = serde_json::from_str(&ok(&verify("keys/jwks.json"))).unwrap();
    assert_eq!(claims["lic"]["binding"]["install_id"], "inst-1");
    assert_eq!(claims["lic"]["sequence"], 1);
    let out = verify("other/jwks.json");
    assert_eq!(
        out.status.code(),
        Some(1),
        "a keyring without the HSM key refuses the license"
    );
}

/// An admin API call that must succeed; its JSON answer.
async fn admin_call(admin: &TestServer, method: Method, path: &str, body: Value) -> Value {
    let res = admin.call_json(method.clone(), path, body).await;
    let status = res.status();
    let text = res.text().await.unwrap();
    assert!(status.is_success(), "{method} {path}: {status} {text}");
    serde_json::from_str(&text).unwrap()
}
