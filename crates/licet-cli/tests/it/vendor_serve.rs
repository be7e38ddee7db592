//! `licet vendor serve`: starts the control plane with a SQLite file and answers its health check and console.

use std::io::{BufRead, BufReader, Read, Write};
use std::process::{Child, Command, Stdio};

use serde_json::Value;

pub(crate) const ADMIN: &str = "0123456789abcdef-test";

/// A running `licet vendor serve` on a free loopback port, killed on drop. Plain HTTP/1.1 over a `TcpStream`: the
/// server answers `Connection: close` requests with a `Content-Length` body.
pub(crate) struct VendorServer {
    child: Child,
    addr: String,
    /// What the server printed first on stderr.
    pub banner: String,
}

impl VendorServer {
    /// Runs `command` (`licet vendor serve …`) with `--admin-token` and `--listen` added, and waits until it answers.
    pub fn start(mut command: Command) -> VendorServer {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let addr = format!("127.0.0.1:{port}");
        let mut child = command
            .args(["--admin-token", ADMIN, "--listen", &addr])
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
        let banner = lines.next().unwrap().unwrap();
        let server = VendorServer { child, addr, banner };
        for _ in 0..100 {
            if server.request("GET", "/healthz", None, None).is_some() {
                return server;
            }
            std::thread::sleep(std::time::Duration::from_millis(100));
        }
        panic!("vendor server never answered on {}", server.addr);
    }

    /// Status and body, or `None` when nothing listens.
    pub fn request(&self, method: &str, path: &str, auth: Option<&str>, body: Option<&str>) -> Option<(u16, String)> {
        let mut s = std::net::TcpStream::connect(&self.addr).ok()?;
        let mut head = format!(
            "{method} {path} HTTP/1.1\r\nHost: {}\r\nConnection: close\r\n",
            self.addr
        );
        if let Some(token) = auth {
            head.push_str(&format!("Authorization: Bearer {token}\r\n"));
        }
        let body = body.unwrap_or_default();
        if !body.is_empty() {
            head.push_str("Content-Type: application/json\r\n");
        }
        write!(s, "{head}Content-Length: {}\r\n\r\n{body}", body.len()).ok()?;
        let mut out = String::new();
        s.read_to_string(&mut out).ok()?;
        let status = out.get(9..12)?.parse().ok()?;
        let (_, body) = out.split_once("\r\n\r\n")?;
        Some((status, body.to_owned()))
    }

    /// An admin API call that must succeed; its JSON answer.
    pub fn admin(&self, method: &str, path: &str, body: Value) -> Value {
        let body = (!body.is_null()).then(|| body.to_string());
        let (status, text) = self
            .request(method, path, Some(ADMIN), body.as_deref())
            .unwrap_or_else(|| panic!("{method} {path}: no answer"));
        assert!((200..300).contains(&status), "{method} {path}: {status} {text}");
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("{method} {path}: not JSON ({e}): {text}"))
    }
}

impl Drop for VendorServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

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
    let mut command = Command::new(env!("CARGO_BIN_EXE_licet"));
    command
        .current_dir(dir.path())
        .args(["vendor", "serve", "--database-url", "sqlite://vendor.db"]);
    let server = VendorServer::start(command);
    assert!(
        server.banner.contains(&format!("http://{}", server.addr)),
        "{}",
        server.banner
    );
    let (status, _) = server.request("GET", "/healthz", None, None).unwrap();
    assert_eq!(status, 200);
    let (status, console) = server.request("GET", "/", None, None).unwrap();
    assert!(status == 200 && console.contains("<html"), "{console}");
    let (status, _) = server.request("GET", "/v1/customers", None, None).unwrap();
    assert_eq!(status, 401);
    drop(server);
    assert!(dir.path().join("vendor.db").exists());
}
