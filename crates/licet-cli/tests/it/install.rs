//! `licet install` against a running `licet serve`: a license that takes something away is refused with
//! license_change_needs_ack and the list, and installed with --acknowledge.

use crate::support::{licet, ok, Server};

fn issue(d: &std::path::Path, claims: &str, exp: &str, out: &str) {
    std::fs::write(d.join("claims.json"), claims).unwrap();
    let mut args = vec![
        "issue",
        "--key",
        "keys/v1.private.pem",
        "--kid",
        "v1",
        "--claims",
        "claims.json",
        "--exp",
        exp,
        "--out",
        out,
    ];
    if exp.starts_with("2001") {
        args.push("--allow-past-exp");
    }
    ok(&licet(d, &args));
}

#[tokio::test]
async fn install_needs_acknowledge_for_a_license_that_takes_something_away() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    ok(&licet(d, &["keygen", "--kid", "v1", "--out", "keys"]));
    let claims = |seq: u64| {
        format!(
            r#"{{"iss":"vendor","sub":"acme","aud":"product","lic":{{"customer":{{"id":"acme","name":"Acme"}},"sequence":{seq}}}}}"#
        )
    };
    issue(d, &claims(1), "365d", "good.lic");
    issue(d, &claims(2), "2001-01-01", "expired.lic");
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
        ],
    );
    let server = serve.base.clone();
    // The first install needs no token and no acknowledgement; it prints the owner token once.
    let first = licet(d, &["install", "--server", &server, "good.lic"]);
    let owner = ok(&first).trim().to_owned();
    assert!(owner.starts_with("licet_"), "{owner}");

    let refused = licet(
        d,
        &[
            "install",
            "--server",
            &server,
            "--token",
            &owner,
            "--reason",
            "renewal",
            "expired.lic",
        ],
    );
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert_eq!(refused.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("license_change_needs_ack: "), "{stderr}");
    assert!(stderr.contains("  - state active → expired"), "{stderr}");
    assert!(stderr.contains("--acknowledge"), "{stderr}");
    assert_eq!(serve.client().status().await["state"], "active");

    let accepted = licet(
        d,
        &[
            "install",
            "--server",
            &server,
            "--token",
            &owner,
            "--acknowledge",
            "expired.lic",
        ],
    );
    let stderr = String::from_utf8_lossy(&accepted.stderr);
    assert!(accepted.status.success(), "{stderr}");
    assert!(stderr.contains("state expired"), "{stderr}");
    assert_eq!(serve.client().status().await["state"], "expired");
    serve.stop();
}
