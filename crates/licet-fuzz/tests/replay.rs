//! Corpus replay: every checked-in seed, minimized corpus entry and regression goes through the same target
//! function the fuzzer runs, then a fixed number of mutations of the seeds (generated inputs). This is the part of
//! fuzzing CI runs: no nightly, no cargo-fuzz, a few seconds.

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
            let data = match std::fs::read(&path) {
                Ok(data) => data,
                // A fuzzer running meanwhile replaces corpus entries with smaller ones; seeds and regressions are
                // committed and must be there.
                Err(e) if kind == "corpus" && e.kind() == std::io::ErrorKind::NotFound => continue,
                Err(e) => panic!("{}: {e}", path.display()),
            };
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
fn vendor_format_seeds_verify_under_their_profile_or_are_refused_as_intended() {
    // A seed named `<profile>-…` is verified with that profile's format; `licet-…` (licet's own) with all five.
    // honeyframe-no-kid is refused: three keys are trusted, so a document must name its key.
    let dir = fuzz_dir().join("seeds/verify_mapped");
    let mut verified: Vec<String> = Vec::new();
    for path in files(&dir) {
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let data = std::fs::read(&path).unwrap_or_default();
        let results: Vec<bool> = licet_fuzz::fixtures::mapped_verifiers()
            .iter()
            .filter(|(map, _, _)| name.starts_with("licet-") || name.starts_with(&format!("{}-", map.name)))
            .map(|(_, verifier, _)| verifier.verify(&data).is_ok())
            .collect();
        assert!(!results.is_empty(), "{name} names no profile");
        if results.iter().all(|ok| *ok) {
            verified.push(name);
        }
    }
    assert_eq!(
        verified,
        [
            "honeyframe-compact",
            "honeyframe-document",
            "justiam-compact",
            "liberty-compact",
            "liberty-rs256",
            "licet-typical",
            "nivq-compact",
            "nivq-es256-armored",
            "sovereign-compact",
        ]
    );
    // The same JustIAM claims read back as the manual says: -1 and 0 are "unlimited".
    let token = std::fs::read(dir.join("justiam-compact")).unwrap_or_default();
    let justiam = licet_fuzz::fixtures::mapped_verifiers()
        .iter()
        .find(|(map, _, _)| map.name == "justiam")
        .map(|(_, verifier, _)| verifier.verify(&token));
    let claims = match justiam {
        Some(Ok(license)) => license.claims().clone(),
        other => panic!("justiam-compact: {other:?}"),
    };
    assert_eq!(claims.lic.limits.get("users"), Some(&licet_core::Limit::Unlimited));
    assert_eq!(claims.lic.max_orgs, Some(licet_core::Limit::Unlimited));
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
            let name = p
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            (
                name,
                licet_fuzz::upload_status(&std::fs::read(p).unwrap_or_default()).as_u16(),
            )
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

/// A deterministic PRNG (xorshift64*): the same inputs on every run, so a failure reproduces.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            (self.next() % n as u64) as usize
        }
    }
}

/// Bytes that matter to licet's parsers: separators, quotes, brackets, line ends, and the edges of a byte.
const INTERESTING: &[u8] = b".-_=+/:;,\"'{}[]$\r\n \t\0\x7f\xff\xc3\x80-";

/// One to four libFuzzer-style mutations: set, insert, delete, duplicate, splice from another seed, truncate.
fn mutate(rng: &mut Rng, seed: &[u8], other: &[u8]) -> Vec<u8> {
    let mut data = seed.to_vec();
    for _ in 0..=rng.below(4) {
        let at = rng.below(data.len() + 1);
        let byte = if rng.below(2) == 0 {
            INTERESTING.get(rng.below(INTERESTING.len())).copied().unwrap_or(0)
        } else {
            rng.next() as u8
        };
        match rng.below(6) {
            0 => {
                if let Some(b) = data.get_mut(at) {
                    *b = byte;
                }
            }
            1 => data.insert(at, byte),
            2 => {
                let end = (at + 1 + rng.below(16)).min(data.len());
                data.drain(at.min(end)..end);
            }
            3 => {
                let end = (at + 1 + rng.below(64)).min(data.len());
                let copy = data.get(at.min(end)..end).unwrap_or_default().to_vec();
                let to = rng.below(data.len() + 1);
                data.splice(to..to, copy);
            }
            4 => {
                let from = rng.below(other.len() + 1);
                let end = (from + rng.below(256)).min(other.len());
                data.splice(at..at, other.get(from..end).unwrap_or_default().iter().copied());
            }
            _ => data.truncate(at),
        }
    }
    data
}

#[test]
fn mutated_seeds_hold_the_invariants() {
    const PER_TARGET: usize = 1000;
    for (name, target) in licet_fuzz::TARGETS {
        let seeds: Vec<Vec<u8>> = files(&fuzz_dir().join("seeds").join(name))
            .iter()
            .filter_map(|p| std::fs::read(p).ok())
            .collect();
        let mut rng = Rng(name.bytes().fold(0x9e37_79b9_7f4a_7c15, |h, b| {
            (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3)
        }));
        for i in 0..PER_TARGET {
            let seed = seeds.get(rng.below(seeds.len())).map_or(&[][..], Vec::as_slice);
            let other = seeds.get(rng.below(seeds.len())).map_or(&[][..], Vec::as_slice);
            let data = mutate(&mut rng, seed, other);
            if std::panic::catch_unwind(|| target(&data)).is_err() {
                let path = std::env::temp_dir().join(format!("licet-fuzz-{name}-{i}"));
                let _ = std::fs::write(&path, &data);
                panic!(
                    "fuzz target {name} panicked on mutation {i}; input saved to {}",
                    path.display()
                );
            }
        }
    }
}
