use licet_core::{issue, Encoding, Jws, MAX_TOKEN_BYTES};

use crate::common::*;

const ENCODINGS: [Encoding; 3] = [Encoding::Compact, Encoding::Json, Encoding::Armored];

#[test]
fn every_alg_in_every_encoding_round_trips_with_one_fingerprint() {
    let verifier = verifier();
    for alg in ALGS {
        let signer = signer(alg);
        let compact = issue(&claims(), &signer, Encoding::Compact).unwrap();
        let mut fingerprints = Vec::new();
        for encoding in ENCODINGS {
            let token = Jws::decode(compact.as_bytes(), MAX_TOKEN_BYTES)
                .unwrap()
                .encode(encoding);
            assert_eq!(
                Jws::decode(token.as_bytes(), MAX_TOKEN_BYTES).unwrap().encoding(),
                encoding
            );
            let v = verifier
                .verify(token.as_bytes())
                .unwrap_or_else(|e| panic!("{alg} {encoding:?}: {e}"));
            assert_eq!(v.claims(), &claims());
            assert_eq!(v.kid(), kid(alg));
            fingerprints.push(v.fingerprint().to_owned());
            // Issued directly in that encoding, too (RS256/ES256 signatures differ per issue; EdDSA does not).
            let direct = issue(&claims(), &signer, encoding).unwrap();
            assert_eq!(verifier.verify(direct.as_bytes()).unwrap().claims(), &claims());
        }
        assert!(
            fingerprints.iter().all(|f| f == &fingerprints[0]),
            "{alg}: {fingerprints:?}"
        );
        assert_eq!(fingerprints[0].len(), 64);
    }
}

#[test]
fn pasted_whitespace_and_line_breaks_are_ignored() {
    let compact = issue(&claims(), &signer(licet_core::Alg::EdDSA), Encoding::Compact).unwrap();
    let mut mangled = String::from("\r\n  ");
    for (i, c) in compact.chars().enumerate() {
        mangled.push(c);
        if i % 13 == 0 {
            mangled.push_str(if i % 2 == 0 { "\r\n" } else { " \t" });
        }
    }
    let v = verifier().verify(mangled.as_bytes()).unwrap();
    assert_eq!(
        v.fingerprint(),
        Jws::decode(compact.as_bytes(), MAX_TOKEN_BYTES).unwrap().fingerprint()
    );
    let armored = issue(&claims(), &signer(licet_core::Alg::EdDSA), Encoding::Armored).unwrap();
    verifier().verify(armored.replace('\n', "\r\n").as_bytes()).unwrap();
}

#[test]
fn a_token_without_kid_verifies_against_a_one_key_keyring() {
    let alg = licet_core::Alg::EdDSA;
    let payload = serde_json::to_vec(&claims()).unwrap();
    let token = licet_core::issue::sign_raw(br#"{"alg":"EdDSA"}"#, &payload, &signer(alg)).unwrap();
    let one = licet_core::Verifier::new(licet_core::Keyring::new(vec![trusted(alg)]).unwrap(), ISS, AUD);
    assert_eq!(one.verify(token.as_bytes()).unwrap().kid(), kid(alg));
    // With three keys it is ambiguous, so refused.
    assert_reason(
        verifier().verify(token.as_bytes()),
        licet_core::Reason::LicenseUnknownKey,
    );
}

#[test]
fn unknown_claims_are_kept_and_minor_versions_accepted() {
    let mut json = claims_json();
    json["future_claim"] = serde_json::json!({"x": 1});
    json["lic"]["schema"] = "1.9".into();
    json["lic"]["new_field"] = serde_json::json!([1, 2]);
    let token =
        licet_core::issue::sign_payload(&serde_json::to_vec(&json).unwrap(), &signer(licet_core::Alg::EdDSA)).unwrap();
    let v = verifier().verify(token.as_bytes()).unwrap();
    assert!(v.claims().extra.contains_key("future_claim"));
    assert!(v.claims().lic.extra.contains_key("new_field"));
    assert_eq!(v.claims().lic.schema.minor, 9);
}
