//! `licet vendor serve`: starts the control plane with a SQLite file and answers its health check and console.

use std::io::{BufRead, BufReader, Read, Write};
use std::process::{Command, Stdio};

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

#[test]
fn vendor_serve_answers_health_and_console() {
    let dir = tempfile::tempdir().unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let addr = format!("127.0.0.1:{port}");
    let mut child = Command::new(env!("CARGO_BIN_EXE_licet"))
        .current_dir(dir.path())
        .args([
            "vendor",
            "serve",
            "--admin-token",
            "0123456789abcdef-test",
            "--listen",
            &addr,
        ])
        .args(["--database-url", "sqlite://vendor.db"])
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
    let first = lines.next().unwrap().unwrap();
    assert!(first.contains(&format!("http://{addr}")), "{first}");
    let get = |path: &str| -> Option<String> {
        let mut s = std::net::TcpStream::connect(&addr).ok()?;
        write!(s, "GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n").ok()?;
        let mut out = String::new();
        s.read_to_string(&mut out).ok()?;
        Some(out)
    };
    let mut health = None;
    for _ in 0..100 {
        health = get("/healthz");
        if health.is_some() {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    let health = health.expect("vendor server never answered");
    assert!(health.starts_with("HTTP/1.1 200"), "{health}");
    let console = get("/").unwrap();
    assert!(
        console.starts_with("HTTP/1.1 200") && console.contains("<html"),
        "{console}"
    );
    let unauthorized = get("/v1/customers").unwrap();
    assert!(unauthorized.starts_with("HTTP/1.1 401"), "{unauthorized}");
    child.kill().unwrap();
    child.wait().unwrap();
    assert!(dir.path().join("vendor.db").exists());
}
