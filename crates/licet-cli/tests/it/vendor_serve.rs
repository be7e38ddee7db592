//! `licet vendor serve`: starts the control plane with a SQLite file and answers its health check and console.

use std::process::Command;

use licet_server::testkit::{json, Method};

use crate::support::{assert_uncoloured, vendor_error, Server};

#[test]
fn vendor_serve_refuses_a_short_admin_token() {
    let dir = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_licet"))
        .current_dir(dir.path())
        .args(["vendor", "serve", "--admin-token", "short", "--listen", "127.0.0.1:0"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("16 characters"), "{stderr}");
}

/// `--listen 127.0.0.1:0` takes a free port and says which (scripts/schemathesis.sh reads it).
#[test]
fn vendor_serve_on_port_0_prints_the_port_it_took() {
    let dir = tempfile::tempdir().unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_licet"))
        .current_dir(dir.path())
        .args([
            "vendor",
            "serve",
            "--admin-token",
            "port-zero-admin-token",
            "--listen",
            "127.0.0.1:0",
        ])
        .stderr(std::process::Stdio::piped())
        .stdout(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let mut stderr = std::io::BufReader::new(child.stderr.take().unwrap());
    let mut line = String::new();
    std::io::BufRead::read_line(&mut stderr, &mut line).unwrap();
    child.kill().unwrap();
    child.wait().unwrap();
    let addr = line
        .split("listening on http://")
        .nth(1)
        .and_then(|rest| rest.split_whitespace().next())
        .unwrap_or_else(|| panic!("{line}"));
    let port: u16 = addr.rsplit(':').next().unwrap().parse().unwrap();
    assert_ne!(port, 0, "{line}");
}

#[tokio::test]
async fn vendor_serve_answers_health_and_console() {
    let dir = tempfile::tempdir().unwrap();
    let vendor = Server::vendor(dir.path(), &["--database-url", "sqlite://vendor.db"]);
    assert!(
        vendor.log().contains(&format!("listening on {}", vendor.base)),
        "{}",
        vendor.log()
    );
    let public = vendor.client();
    let health = public.call(Method::GET, "/healthz").await;
    assert_eq!(
        (health.status().as_u16(), health.text().await.unwrap()),
        (200, "ok".to_owned())
    );
    let console = public.call(Method::GET, "/").await;
    assert_eq!(console.status(), 200);
    assert!(console.text().await.unwrap().contains("<html"));
    vendor_error(
        public.call(Method::GET, "/v1/customers").await,
        401,
        "admin_token_required",
    )
    .await;
    json(vendor.admin().call(Method::GET, "/v1/customers").await, 200).await;
    assert_uncoloured(&vendor.log(), "INFO");
    vendor.stop();
    assert!(dir.path().join("vendor.db").exists());
}
