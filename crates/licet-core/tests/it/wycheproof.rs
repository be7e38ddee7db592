//! Project Wycheproof vectors through licet's raw signature layer (`TrustedKey::verify_signature`).
//!
//! `valid` must verify and `invalid` must be refused. `acceptable` marks inputs the standard tolerates (for
//! RSA PKCS#1 v1.5 here, a DigestInfo without the NULL parameter); licet may accept or refuse those, so they are
//! only run, to prove they neither panic nor misbehave, and counted.

use licet_core::{Alg, TrustedKey};
use serde::Deserialize;

use crate::common::vector_path;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct File {
    number_of_tests: usize,
    test_groups: Vec<Group>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Group {
    public_key_der: String,
    tests: Vec<Case>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Case {
    tc_id: u32,
    comment: String,
    msg: String,
    sig: String,
    result: String,
}

#[derive(Debug, Default, PartialEq)]
struct Tally {
    valid: usize,
    invalid: usize,
    acceptable_ok: usize,
    acceptable_refused: usize,
}

fn run(file: &str, alg: Alg) -> Tally {
    let text = std::fs::read_to_string(vector_path(&format!("wycheproof/{file}"))).unwrap();
    let file: File = serde_json::from_str(&text).unwrap();
    let mut tally = Tally::default();
    for group in &file.test_groups {
        let der = hex::decode(&group.public_key_der).unwrap();
        // A key licet refuses to load can verify nothing; then every case must be non-valid.
        let key = TrustedKey::from_spki_der("wycheproof", alg, &der).ok();
        for case in &group.tests {
            let msg = hex::decode(&case.msg).unwrap();
            let ok = match (&key, hex::decode(&case.sig)) {
                (Some(k), Ok(sig)) => k.verify_signature(alg, &msg, &sig).is_ok(),
                _ => false,
            };
            let id = format!("{alg} tcId {} ({})", case.tc_id, case.comment);
            match (case.result.as_str(), ok) {
                ("valid", true) => tally.valid += 1,
                ("invalid", false) => tally.invalid += 1,
                ("acceptable", true) => tally.acceptable_ok += 1,
                ("acceptable", false) => tally.acceptable_refused += 1,
                (expected, got) => panic!("{id}: expected {expected}, licet said ok={got}"),
            }
        }
    }
    let total = tally.valid + tally.invalid + tally.acceptable_ok + tally.acceptable_refused;
    assert_eq!(total, file.number_of_tests, "every vector ran");
    tally
}

#[test]
fn ed25519() {
    let t = run("ed25519_test.json", Alg::EdDSA);
    assert_eq!((t.valid, t.invalid), (88, 63), "{t:?}");
}

#[test]
fn ecdsa_p256_sha256_p1363() {
    let t = run("ecdsa_secp256r1_sha256_p1363_test.json", Alg::ES256);
    assert_eq!((t.valid, t.invalid), (173, 89), "{t:?}");
}

#[test]
fn rsa_2048_sha256_pkcs1() {
    let t = run("rsa_signature_2048_sha256_test.json", Alg::RS256);
    assert_eq!((t.valid, t.invalid), (9, 249), "{t:?}");
    assert_eq!(t.acceptable_ok + t.acceptable_refused, 1);
}
