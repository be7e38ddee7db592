//! Corpus replay: every checked-in seed, minimized corpus entry and regression goes through the same target
//! function the fuzzer runs. This is the part of fuzzing CI runs: no nightly, no cargo-fuzz, a few seconds.

use std::path::{Path, PathBuf};

fn fuzz_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fuzz")
}

fn files(dir: &Path) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut out: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.is_file())
        .collect();
    out.sort();
    out
}

/// Runs one target over `seeds/`, `corpus/` and `regressions/`; returns how many seeds it saw.
fn replay(name: &str, target: fn(&[u8])) -> usize {
    let mut seeds = 0;
    for kind in ["seeds", "corpus", "regressions"] {
        for path in files(&fuzz_dir().join(kind).join(name)) {
            let data = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            let outcome = std::panic::catch_unwind(|| target(&data));
            assert!(outcome.is_ok(), "fuzz target {name} panicked on {}", path.display());
            if kind == "seeds" {
                seeds += 1;
            }
        }
    }
    seeds
}

#[test]
fn every_target_replays_its_corpus() {
    for (name, target) in licet_fuzz::TARGETS {
        let seeds = replay(name, target);
        // An empty or missing seed directory would make this test pass without testing anything.
        assert!(
            seeds >= 2,
            "fuzz/seeds/{name} has {seeds} seeds; run scripts/fuzz-seeds.sh"
        );
    }
}

#[test]
fn seed_tokens_really_verify() {
    // The seeds are only useful if the valid ones reach the end of verification.
    let dir = fuzz_dir().join("seeds/verify");
    let verified = files(&dir)
        .iter()
        .filter(|p| {
            licet_fuzz::fixtures::verifier()
                .verify(&std::fs::read(p).unwrap_or_default())
                .is_ok()
        })
        .count();
    assert_eq!(
        verified,
        3 * 2 * 3 + 1,
        "3 algs × 2 claims × 3 encodings + the unprotected-header JSON form"
    );
}

#[test]
fn activation_request_seeds_verify_or_are_refused_as_intended() {
    let dir = fuzz_dir().join("seeds/activation_request");
    let mut verified: Vec<String> = files(&dir)
        .iter()
        .filter(|p| {
            let text = std::fs::read_to_string(p).unwrap_or_default();
            licet_proto::SignedActivationRequest::parse(&text)
                .and_then(|s| s.verify())
                .is_ok()
        })
        .filter_map(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
        .collect();
    verified.sort();
    assert_eq!(
        verified,
        ["full-armored", "full-compact", "mangled-armored", "minimal-compact"]
    );
}

#[test]
fn upload_seeds_reach_the_service_or_are_refused_as_intended() {
    let dir = fuzz_dir().join("seeds/upload_body");
    let statuses: Vec<(String, u16)> = files(&dir)
        .iter()
        .map(|p| {
            let name = p.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
            (name, licet_fuzz::upload_status(&std::fs::read(p).unwrap_or_default()).as_u16())
        })
        .collect();
    let expected = [
        ("json", 200),
        ("multipart-file", 200),
        ("multipart-license", 200),
        ("no-content-type", 415),
        ("pasted-text", 200),
        ("raw-chunked", 200),
        ("raw-jwt", 200),
        ("too-large", 413),
    ];
    let expected: Vec<(String, u16)> = expected.iter().map(|(n, s)| (n.to_string(), *s)).collect();
    assert_eq!(statuses, expected);
}
