//! `licet serve` and `licet token create` as an operator runs them: prints the URL, serves, stops on SIGTERM.

use licet_server::testkit::{error, json, owner_token, Method};

use crate::support::{assert_uncoloured, licet, ok, Server};
use crate::vendor_flow::{issue, setup};

#[tokio::test]
async fn serve_prints_its_url_seeds_the_license_and_stops_on_sigterm() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    assert!(licet(d, &["keygen", "--kid", "v1", "--out", "keys"]).status.success());
    std::fs::write(
        d.join("claims.json"),
        r#"{"iss":"vendor","sub":"acme","aud":"product","lic":{"customer":{"id":"acme","name":"Acme"},"sequence":1}}"#,
    )
    .unwrap();
    ok(&licet(
        d,
        &[
            "issue",
            "--key",
            "keys/v1.private.pem",
            "--kid",
            "v1",
            "--claims",
            "claims.json",
            "--exp",
            "365d",
            "--out",
            "acme.lic",
        ],
    ));

    // An owner token minted from the shell before the server ever ran.
    let token = ok(&licet(
        d,
        &[
            "token",
            "create",
            "--data-dir",
            "data",
            "--role",
            "owner",
            "--name",
            "ops",
        ],
    ))
    .trim()
    .to_owned();
    assert!(token.starts_with("licet_"));
    let bad = licet(
        d,
        &["token", "create", "--data-dir", "data", "--role", "root", "--name", "x"],
    );
    assert!(!bad.status.success());

    let serve = Server::serve(
        d,
        &[
            "--data-dir",
            "data",
            "--profile",
            "nivq",
            "--trust",
            "keys/jwks.json",
            "--issuer",
            "vendor",
            "--audience",
            "product",
            "--license-file",
            "acme.lic",
        ],
    );
    let client = serve.client();
    let status = client.status().await;
    assert_eq!(
        (status["state"].as_str(), status["source"].as_str()),
        (Some("active"), Some("file"))
    );
    let tokens = json(
        client
            .with_token(Some(&token))
            .call(Method::GET, "/v1/license/tokens")
            .await,
        200,
    )
    .await;
    assert_eq!(tokens[0]["name"], "ops", "{tokens}");

    serve.stop();
}

/// Liberty reads its license from the environment or its config file: `--license-file` is not installed, the
/// log says why, and the API refuses uploads instead of storing what would never be read.
#[tokio::test]
async fn serve_under_liberty_installs_nothing_from_the_api_or_a_file() {
    let dir = setup("ed25519", "v1");
    let d = dir.path();
    let license = ok(&issue(d, "v1", &["--out", "lic.jwt"]));
    assert!(license.is_empty());
    let trust = [
        "--trust",
        "keys/jwks.json",
        "--issuer",
        "https://licenses.vendor.example",
        "--audience",
        "liberty",
    ];
    let rest = [
        "--data-dir",
        "data",
        "--profile",
        "liberty",
        "--license-file",
        "lic.jwt",
    ];
    let serve = Server::serve(d, &[&trust[..], &rest].concat());
    let log = serve.log();
    assert!(
        log.contains("lic.jwt was not installed: license_source_not_allowed: The liberty profile reads its license only from the environment variable LIBERTY_LICENSE_KEY"),
        "{log}"
    );
    let install = serve.client();
    assert_eq!(install.status().await["state"], "missing");
    let token = std::fs::read_to_string(d.join("lic.jwt")).unwrap();
    error(install.install(&token).await, 409, "license_source_not_allowed").await;
    assert_eq!(install.status().await["license_fingerprint"], serde_json::Value::Null);
    serve.stop();
    // Its log went to a file: plain text, even though colour was never turned off by NO_COLOR.
    assert_uncoloured(&std::fs::read_to_string(d.join("serve.log")).unwrap(), "INFO");
}

#[test]
fn serve_refuses_to_start_without_trust() {
    let dir = tempfile::tempdir().unwrap();
    let out = licet(
        dir.path(),
        &[
            "serve",
            "--data-dir",
            "data",
            "--listen",
            "127.0.0.1:0",
            "--profile",
            "nivq",
        ],
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--trust"));
    let out = licet(dir.path(), &["serve", "--profile", "nope", "--trust", "x.pem"]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("unknown profile"));
}

/// Issue #14: `licet serve --data-dir d --trust pub.pem --listen …` names what is missing (the expected issuer
/// and audience) instead of an unknown profile "default" nobody typed.
#[test]
fn serve_without_issuer_or_audience_names_the_missing_flags() {
    let dir = setup("ed25519", "v1");
    let d = dir.path();
    let base = [
        "serve",
        "--data-dir",
        "data",
        "--trust",
        "keys/v1.public.pem",
        "--listen",
        "127.0.0.1:0",
    ];
    let out = licet(d, &base);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!err.contains("profile"), "{err}");
    assert!(err.contains("--issuer") && err.contains("--audience"), "{err}");

    let out = licet(
        d,
        &[&base[..], &["--issuer", "https://licenses.vendor.example"]].concat(),
    );
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("add --audience") && !err.contains("--issuer ("), "{err}");
}

/// Without `--profile` the server runs `standard`: read-only until a license is uploaded (the first upload is
/// open), active after, and the upload works as `licet serve --help` shows it (`application/jwt`), while curl's
/// default form encoding is a 415.
#[tokio::test]
async fn serve_without_a_profile_runs_standard_and_takes_the_documented_upload() {
    let dir = setup("ed25519", "v1");
    let d = dir.path();
    ok(&issue(d, "v1", &["--out", "license.jwt"]));
    let serve = Server::serve(
        d,
        &[
            "--data-dir",
            "data",
            "--trust",
            "keys/v1.public.pem",
            "--issuer",
            "https://licenses.vendor.example",
            "--audience",
            "liberty",
        ],
    );
    let client = serve.client();
    let status = client.status().await;
    assert_eq!(
        (status["state"].as_str(), status["effect"].as_str()),
        (Some("missing"), Some("read_only")),
        "{status}"
    );
    let license = std::fs::read_to_string(d.join("license.jwt")).unwrap();
    let form = client
        .call_text(
            Method::POST,
            "/v1/license",
            "application/x-www-form-urlencoded",
            &license,
        )
        .await;
    error(form, 415, "unsupported_media_type").await;
    let change = json(
        client
            .call_text(Method::POST, "/v1/license", "application/jwt", &license)
            .await,
        200,
    )
    .await;
    assert!(owner_token(&change).starts_with("licet_"), "{change}");
    let status = client.status().await;
    assert_eq!(
        (status["state"].as_str(), status["effect"].as_str()),
        (Some("active"), Some("full")),
        "{status}"
    );
    serve.stop();
}

#[test]
fn serve_help_shows_a_working_example_and_the_upload() {
    let dir = tempfile::tempdir().unwrap();
    let help = ok(&licet(dir.path(), &["serve", "--help"]));
    for line in [
        "standard",
        "--issuer https://licenses.vendor.example --audience my-product",
        "curl -X POST --data-binary @license.jwt -H 'content-type: application/jwt' http://127.0.0.1:8087/v1/license",
        "curl -F license=@license.jwt",
    ] {
        assert!(help.contains(line), "{line:?} not in:\n{help}");
    }
}
