//! `licet serve` and `licet token create` as an operator runs them: prints the URL, serves, stops on SIGTERM.

use std::io::{BufRead, BufReader, Read};
use std::path::Path;
use std::process::{Command, Stdio};

fn licet(dir: &Path, args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_licet"))
        .current_dir(dir)
        .args(args)
        .output()
        .unwrap()
}

fn http_get(addr: &str, path: &str, token: Option<&str>) -> String {
    use std::io::Write;
    let mut s = std::net::TcpStream::connect(addr).unwrap();
    let auth = token
        .map(|t| format!("Authorization: Bearer {t}\r\n"))
        .unwrap_or_default();
    write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: {addr}\r\n{auth}Connection: close\r\n\r\n"
    )
    .unwrap();
    let mut out = String::new();
    s.read_to_string(&mut out).unwrap();
    out
}

#[test]
fn serve_prints_its_url_seeds_the_license_and_stops_on_sigterm() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    assert!(licet(d, &["keygen", "--kid", "v1", "--out", "keys"]).status.success());
    std::fs::write(
        d.join("claims.json"),
        r#"{"iss":"vendor","sub":"acme","aud":"product","lic":{"customer":{"id":"acme","name":"Acme"},"sequence":1}}"#,
    )
    .unwrap();
    let out = licet(
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
    );
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));

    // An owner token minted from the shell before the server ever ran.
    let out = licet(
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
    );
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let token = String::from_utf8(out.stdout).unwrap().trim().to_owned();
    assert!(token.starts_with("licet_"));
    let bad = licet(
        d,
        &["token", "create", "--data-dir", "data", "--role", "root", "--name", "x"],
    );
    assert!(!bad.status.success());

    let mut child = Command::new(env!("CARGO_BIN_EXE_licet"))
        .current_dir(d)
        .args([
            "serve",
            "--data-dir",
            "data",
            "--listen",
            "127.0.0.1:0",
            "--profile",
            "nivq",
        ])
        .args([
            "--trust",
            "keys/jwks.json",
            "--issuer",
            "vendor",
            "--audience",
            "product",
            "--license-file",
            "acme.lic",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let line = lines.next().unwrap().unwrap();
    let url = line
        .split("open ")
        .nth(1)
        .unwrap_or_else(|| panic!("no URL in {line:?}"));
    let addr = url.trim_start_matches("http://").split('/').next().unwrap().to_owned();

    let status = http_get(&addr, "/v1/license/status", None);
    assert!(status.starts_with("HTTP/1.1 200"), "{status}");
    assert!(
        status.contains("\"state\":\"active\"") && status.contains("\"source\":\"file\""),
        "{status}"
    );
    let tokens = http_get(&addr, "/v1/license/tokens", Some(&token));
    assert!(
        tokens.starts_with("HTTP/1.1 200") && tokens.contains("\"name\":\"ops\""),
        "{tokens}"
    );

    let kill = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(kill.success());
    let exit = child.wait().unwrap();
    assert!(exit.success(), "graceful shutdown exits 0: {exit:?}");
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
