//! `/metrics` read by real Prometheus tooling, not by our own eyes: `promtool check metrics` (lint: base units,
//! naming) and prometheus_client's parser (strict grouping: a sample under another family's `# TYPE` becomes an
//! untyped family of its own). Needs Debian's `prometheus` (promtool) and `python3-prometheus-client`;
//! `scripts/test.sh` installs both. Without them these tests fail, saying what to install: they never skip.

use std::io::Write;
use std::process::{Command, Stdio};

use licet_server::testkit::{Local, START};
use reqwest::Method;

use crate::support::json;

/// Debian's interpreter, where `apt-get install python3-prometheus-client` puts the module (a pyenv or venv
/// `python3` earlier on PATH would not see it).
const PYTHON: &str = "/usr/bin/python3";

/// A live `/metrics` with every family sampled: an expiring license with a counted and an unlimited quota, one
/// of them in use.
async fn live_metrics() -> String {
    let t = Local::start("justiam").await;
    let s = &t.server;
    let claims = t.vendor.claims("Globex", 1, START, 40);
    json(
        s.install(&t.vendor.sign(&claims, licet_core::Encoding::Compact)).await,
        200,
    )
    .await;
    t.service.set_usage("users", 7);
    let text = s.call(Method::GET, "/metrics").await.text().await.unwrap();
    for family in ["state", "remaining_seconds", "limit", "usage"] {
        assert!(
            text.contains(&format!("\nlicet_license_{family}")),
            "{family} has no sample:\n{text}"
        );
    }
    text
}

/// Runs `program args` with `input` on stdin; panics (naming the Debian package) if it cannot be started.
fn run(program: &str, args: &[&str], input: &str, package: &str) -> std::process::Output {
    let mut child = Command::new(program)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| {
            panic!("cannot run {program} ({e}): install Debian's {package} (scripts/test.sh does), then run again")
        });
    child.stdin.take().unwrap().write_all(input.as_bytes()).unwrap();
    child.wait_with_output().unwrap()
}

#[tokio::test]
async fn promtool_accepts_metrics() {
    let text = live_metrics().await;
    let out = run("promtool", &["check", "metrics"], &text, "prometheus");
    let said = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        out.status.success(),
        "promtool check metrics: {:?}: {said}\n{text}",
        out.status
    );
    assert_eq!(said.trim(), "", "promtool found problems:\n{text}");
}

/// Every family prometheus_client reads is one of ours, typed gauge, read once, holding only its own samples.
#[tokio::test]
async fn prometheus_client_reads_four_typed_families() {
    let text = live_metrics().await;
    let script = "import json, sys\n\
        from prometheus_client.parser import text_string_to_metric_families\n\
        print(json.dumps([[f.name, f.type, sorted({s.name for s in f.samples})] \
        for f in text_string_to_metric_families(sys.stdin.read())]))\n";
    let out = run(PYTHON, &["-c", script], &text, "python3-prometheus-client");
    assert!(
        out.status.success(),
        "prometheus_client could not parse /metrics (is Debian's python3-prometheus-client installed? \
         scripts/test.sh installs it): {}\n{text}",
        String::from_utf8_lossy(&out.stderr)
    );
    let families: Vec<(String, String, Vec<String>)> = serde_json::from_slice(&out.stdout).unwrap();
    let expected: Vec<(String, String, Vec<String>)> = ["state", "remaining_seconds", "limit", "usage"]
        .iter()
        .map(|f| {
            let name = format!("licet_license_{f}");
            (name.clone(), "gauge".to_owned(), vec![name])
        })
        .collect();
    assert_eq!(families, expected, "\n{text}");
}
