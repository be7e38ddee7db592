//! A short coverage-guided libFuzzer run of every target: CI's live fuzzing, next to the corpus replay and the
//! generated inputs of `replay.rs`. It needs cargo-fuzz and an instrumented build of the fuzz workspace (minutes),
//! so it runs only when `LICET_FUZZ_SECONDS` is set: `.ci/run` installs cargo-fuzz and sets it. Without it the test
//! says SKIPPED and passes. The long runs are `scripts/fuzz.sh <target>`, recorded in docs/security.md.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)] // test code

use std::path::Path;
use std::process::Command;

/// libFuzzer's count of executions from its final statistics.
fn executions(stderr: &str) -> Option<u64> {
    stderr
        .lines()
        .find_map(|l| l.strip_prefix("stat::number_of_executed_units:"))
        .and_then(|n| n.trim().parse().ok())
}

#[test]
fn every_target_survives_a_short_libfuzzer_run() {
    let Ok(seconds) = std::env::var("LICET_FUZZ_SECONDS") else {
        eprintln!("SKIPPED: set LICET_FUZZ_SECONDS (and install cargo-fuzz) for a short libFuzzer run per target");
        return;
    };
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../scripts/fuzz.sh");
    for (target, _) in licet_fuzz::TARGETS {
        let out = Command::new(&script)
            .arg(target)
            .env("FUZZ_SECONDS", &seconds)
            .output()
            .unwrap_or_else(|e| panic!("running {}: {e}", script.display()));
        let stderr = String::from_utf8_lossy(&out.stderr);
        let tail: Vec<&str> = stderr.lines().rev().take(30).collect();
        assert!(
            out.status.success(),
            "{target}: libFuzzer failed ({}); last lines, newest first:\n{}",
            out.status,
            tail.join("\n")
        );
        let runs = executions(&stderr).unwrap_or(0);
        assert!(runs > 1000, "{target}: only {runs} executions in {seconds} s");
        eprintln!("{target}: {runs} executions in {seconds} s, no crash, timeout or out-of-memory");
    }
}
