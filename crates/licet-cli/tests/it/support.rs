//! What the CLI tests share: running `licet` once, and `licet serve` / `licet vendor serve` as child processes
//! with an HTTP client for each (licet-server's testkit client).

use std::ffi::OsStr;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::Duration;

use licet_server::testkit::{json, Response, TestServer};

pub fn licet(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_licet"))
        .current_dir(dir)
        .args(args)
        .output()
        .unwrap()
}

#[track_caller]
pub fn ok(out: &Output) -> String {
    assert!(out.status.success(), "stderr: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout.clone()).unwrap()
}

/// A `licet` child process whose output goes to `<dir>/<name>.log` (shown when a test fails on it).
struct Process {
    child: Child,
    log: PathBuf,
}

impl Process {
    /// With `pipe_stdout`, stdout is the caller's to read; otherwise it goes to the log too.
    fn spawn(dir: &Path, name: &str, args: &[&str], env: &[(&str, &OsStr)], pipe_stdout: bool) -> Process {
        let log = dir.join(format!("{name}.log"));
        let file = std::fs::File::create(&log).unwrap();
        let stdout = if pipe_stdout {
            Stdio::piped()
        } else {
            Stdio::from(file.try_clone().unwrap())
        };
        let child = Command::new(env!("CARGO_BIN_EXE_licet"))
            .current_dir(dir)
            .args(args)
            // The log goes to a file: with NO_COLOR unset, colour there can only come from ignoring that.
            .env_remove("NO_COLOR")
            .envs(env.iter().copied())
            .stdout(stdout)
            .stderr(file)
            .spawn()
            .unwrap();
        Process { child, log }
    }

    fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// Sends `signal` (`TERM`, `INT`), waits, and asserts a clean exit (0).
    #[track_caller]
    fn stop(&mut self, signal: &str) {
        let pid = self.child.id().to_string();
        let sent = Command::new("kill")
            .args([&format!("-{signal}"), &pid])
            .status()
            .unwrap();
        assert!(sent.success());
        let exit = self.child.wait().unwrap();
        assert!(exit.success(), "{exit:?} after SIG{signal}; log:\n{}", self.log());
    }
}

impl Drop for Process {
    fn drop(&mut self) {
        if matches!(self.child.try_wait(), Ok(None)) {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

pub const VENDOR_ADMIN: &str = "0123456789abcdef-test";

/// `licet serve` or `licet vendor serve` running on a free loopback port; stopped (and its exit checked) with
/// [`Server::stop`], killed if dropped.
pub struct Server {
    process: Process,
    pub base: String,
    /// What it stops on: `licet serve` takes SIGTERM, `licet vendor serve` waits for Ctrl-C.
    stop_signal: &'static str,
}

impl Server {
    /// `licet serve --listen 127.0.0.1:0 ARGS…` in `dir`; returns once it has printed its URL (it listens then).
    pub fn serve(dir: &Path, args: &[&str]) -> Server {
        let mut all = vec!["serve", "--listen", "127.0.0.1:0"];
        all.extend_from_slice(args);
        let mut process = Process::spawn(dir, "serve", &all, &[], true);
        let stdout = process.child.stdout.take().unwrap();
        let line = BufReader::new(stdout).lines().next().and_then(Result::ok);
        let url = line
            .as_deref()
            .and_then(|l| l.split("open ").nth(1))
            .unwrap_or_else(|| panic!("licet serve printed no URL ({line:?}); log:\n{}", process.log()));
        let base = url.trim_end_matches("/settings/license").to_owned();
        Server {
            process,
            base,
            stop_signal: "TERM",
        }
    }

    /// `licet vendor serve --admin-token VENDOR_ADMIN --listen 127.0.0.1:PORT ARGS…` in `dir`; returns once it
    /// accepts connections.
    pub fn vendor(dir: &Path, args: &[&str]) -> Server {
        Server::vendor_with_env(dir, args, &[])
    }

    /// [`Server::vendor`] with these variables added to its environment.
    pub fn vendor_with_env(dir: &Path, args: &[&str], env: &[(&str, &OsStr)]) -> Server {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let addr = format!("127.0.0.1:{port}");
        let mut all = vec!["vendor", "serve", "--admin-token", VENDOR_ADMIN, "--listen", &addr];
        all.extend_from_slice(args);
        let vendor = Server {
            process: Process::spawn(dir, "vendor", &all, env, false),
            base: format!("http://{addr}"),
            stop_signal: "INT",
        };
        for _ in 0..100 {
            // The line is printed once the database is open, just before the first request is taken.
            if vendor.log().contains("licet vendor: listening on") && std::net::TcpStream::connect(&addr).is_ok() {
                return vendor;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        panic!("licet vendor serve never listened; log:\n{}", vendor.log());
    }

    /// A client sending no token.
    pub fn client(&self) -> TestServer {
        TestServer::connect(&self.base)
    }

    /// A client sending the vendor admin token.
    pub fn admin(&self) -> TestServer {
        self.client().with_token(Some(VENDOR_ADMIN))
    }

    pub fn log(&self) -> String {
        self.process.log()
    }

    /// Stops it as an operator would; it must exit 0.
    #[track_caller]
    pub fn stop(mut self) {
        self.process.stop(self.stop_signal);
    }
}

/// A log written to a file (as under systemd or docker) holds `level` lines and no ANSI escape codes.
#[track_caller]
pub fn assert_uncoloured(log: &str, level: &str) {
    assert!(!log.contains('\u{1b}'), "escape codes in a log file:\n{log:?}");
    assert!(
        log.contains(&format!(" {level} ")),
        "no {level} line in the log:\n{log}"
    );
}

/// Asserts a refusal by the vendor (`{code, message}`, licet-proto's `ApiError`); returns the message.
pub async fn vendor_error(res: Response, status: u16, code: &str) -> String {
    let body = json(res, status).await;
    assert_eq!(body["code"], code, "{body}");
    body["message"].as_str().unwrap().to_owned()
}
