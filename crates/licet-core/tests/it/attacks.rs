//! The JWT attack catalogue: one test per known attack on signed tokens, each asserting the exact reason code.
//! docs/security.md lists them in a table (attack → reason → test name); keep the two in step.

use base64::engine::general_purpose::{STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD};
use base64::Engine;
use licet_core::issue::{sign_payload, sign_raw};
use licet_core::profiles::LIBERTY;
use licet_core::{
    evaluate, issue, json, Alg, Context, Encoding, FileSigner, HighWater, LicenseInput, PrivateKey, Reason,
    SequenceKey, State, UnixTime, VerifiedLicense, Verifier,
};
use serde_json::{json, Value};

use crate::common::*;

/// Mid-2025: inside the typical license's nbf..exp.
const NOW: UnixTime = UnixTime(1_750_000_000);
const INSTALL: &str = "6f1c1f8e-9a47-4c5e-a0c4-0b8f4f6f2b1d";

fn reason_of(token: impl AsRef<[u8]>) -> Reason {
    match verifier().verify(token.as_ref()) {
        Ok(v) => panic!("attack verified as {:?}", v.claims().sub),
        Err(e) => e.reason(),
    }
}

fn signed(header: Value, claims: &Value, alg: Alg) -> String {
    sign_raw(
        header.to_string().as_bytes(),
        claims.to_string().as_bytes(),
        &signer(alg),
    )
    .unwrap()
}

fn header(alg: Alg) -> Value {
    json!({"alg": alg.as_str(), "kid": kid(alg)})
}

fn licensed(claims: &Value, alg: Alg) -> VerifiedLicense {
    let token = sign_payload(claims.to_string().as_bytes(), &signer(alg)).unwrap();
    verifier().verify(token.as_bytes()).unwrap()
}

fn at_home() -> Context {
    Context {
        install_id: Some(INSTALL.to_owned()),
        domain: Some("portal.acme.example".to_owned()),
        ..Context::default()
    }
}

/// `(reason, state)` of a verified license evaluated under the liberty profile.
fn judge(ctx: &Context, license: &VerifiedLicense, now: UnixTime) -> (Option<Reason>, State) {
    let status = evaluate(&LIBERTY, ctx, LicenseInput::Verified(license), now);
    (status.reason, status.state)
}

#[test]
fn alg_none_in_every_casing() {
    let body = URL_SAFE_NO_PAD.encode(claims_json().to_string());
    for alg in ["none", "None", "NONE", "nOnE"] {
        let h = URL_SAFE_NO_PAD.encode(json!({"alg": alg, "kid": "eddsa-2025"}).to_string());
        assert_eq!(reason_of(format!("{h}.{body}.")), Reason::LicenseAlgForbidden, "{alg}");
        // With a real signature attached it is still refused on the header alone.
        let token = signed(json!({"alg": alg, "kid": "eddsa-2025"}), &claims_json(), Alg::EdDSA);
        assert_eq!(reason_of(&token), Reason::LicenseAlgForbidden, "{alg}");
    }
}

#[test]
fn rs256_to_hs256_confusion_with_the_public_key_pem_as_hmac_secret() {
    let secret = public_pem(Alg::RS256);
    for kid_of in [Some(kid(Alg::RS256)), None] {
        let mut header = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256);
        header.kid = kid_of.clone();
        let key = jsonwebtoken::EncodingKey::from_secret(secret.as_bytes());
        let token = jsonwebtoken::encode(&header, &claims(), &key).unwrap();
        assert_eq!(reason_of(&token), Reason::LicenseAlgForbidden, "kid {kid_of:?}");
        // Also against a product trusting that one RSA key only (no kid needed there).
        let only_rsa = licet_core::Keyring::new(vec![trusted(Alg::RS256)]).unwrap();
        assert_eq!(
            Verifier::new(only_rsa, ISS, AUD)
                .verify(token.as_bytes())
                .unwrap_err()
                .reason(),
            Reason::LicenseAlgForbidden
        );
    }
}

#[test]
fn embedded_jwk_signed_by_the_attackers_key() {
    let attacker = FileSigner::new(
        "eddsa-2025",
        PrivateKey::generate(Alg::EdDSA, &mut rand_core::OsRng).unwrap(),
    )
    .unwrap();
    let jwk = serde_json::to_value(attacker.key().public_key().to_jwk("eddsa-2025")).unwrap();
    let h = json!({"alg": "EdDSA", "kid": "eddsa-2025", "jwk": jwk});
    let token = sign_raw(
        h.to_string().as_bytes(),
        claims_json().to_string().as_bytes(),
        &attacker,
    )
    .unwrap();
    assert_eq!(reason_of(&token), Reason::LicenseEmbeddedKey);
    // The same key in the JSON form's unprotected header.
    let good = issue(&claims(), &signer(Alg::EdDSA), Encoding::Json).unwrap();
    let mut doc: Value = serde_json::from_str(&good).unwrap();
    doc["header"] = json!({ "jwk": jwk });
    assert_eq!(reason_of(doc.to_string()), Reason::LicenseEmbeddedKey);
}

#[test]
fn jku_and_x5u_pointing_anywhere() {
    let targets = [
        "https://evil.example/jwks.json",
        "https://licenses.vendor.example/.well-known/jwks.json", // even the vendor's own URL: no fetching
        "http://169.254.169.254/latest/meta-data/",
        "file:///etc/passwd",
        "",
    ];
    for param in ["jku", "x5u"] {
        for url in targets {
            let mut h = header(Alg::EdDSA);
            h[param] = url.into();
            assert_eq!(
                reason_of(signed(h, &claims_json(), Alg::EdDSA)),
                Reason::LicenseEmbeddedKey,
                "{param} {url}"
            );
        }
    }
}

#[test]
fn x5c_certificate_chain() {
    let der = STANDARD_NO_PAD.encode(b"\x30\x82\x01\x0a not really a certificate");
    for chain in [json!([der]), json!([]), json!("MIIB")] {
        let mut h = header(Alg::ES256);
        h["x5c"] = chain.clone();
        assert_eq!(
            reason_of(signed(h, &claims_json(), Alg::ES256)),
            Reason::LicenseEmbeddedKey,
            "{chain}"
        );
    }
}

#[test]
fn kid_with_path_traversal() {
    for kid in [
        "../../etc/passwd",
        "/dev/zero",
        "..\\..\\windows\\win.ini",
        "%2e%2e%2fetc%2fpasswd",
        "eddsa-2025/../x",
    ] {
        let h = json!({"alg": "EdDSA", "kid": kid});
        assert_eq!(
            reason_of(signed(h, &claims_json(), Alg::EdDSA)),
            Reason::LicenseUnknownKey,
            "{kid}"
        );
    }
}

#[test]
fn kid_with_sql_injection() {
    for kid in [
        "' OR 1=1 --",
        "eddsa-2025' --",
        "eddsa-2025\u{0}",
        "EDDSA-2025",
        "eddsa-2025 ",
        "*",
    ] {
        let h = json!({"alg": "EdDSA", "kid": kid});
        assert_eq!(
            reason_of(signed(h, &claims_json(), Alg::EdDSA)),
            Reason::LicenseUnknownKey,
            "{kid:?}"
        );
    }
}

/// CVE-2022-21449: Java accepted (r, s) = (0, 0) for any message and key.
#[test]
fn ecdsa_psychic_signature_r0_s0() {
    const N: &str = "ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551";
    let n = hex::decode(N).unwrap();
    let zeros = vec![0u8; 64];
    let r0_s_n = [&[0u8; 32][..], &n].concat();
    let r_n_s_n = [&n[..], &n].concat();
    let der_zero = vec![0x30, 0x06, 0x02, 0x01, 0x00, 0x02, 0x01, 0x00];
    let mut edited = claims_json();
    edited["lic"]["limits"]["users"] = "unlimited".into();
    let signing_input = format!(
        "{}.{}",
        URL_SAFE_NO_PAD.encode(header(Alg::ES256).to_string()),
        URL_SAFE_NO_PAD.encode(edited.to_string())
    );
    for (name, sig) in [
        ("0,0", &zeros),
        ("0,n", &r0_s_n),
        ("n,n", &r_n_s_n),
        ("DER 0,0", &der_zero),
    ] {
        let token = format!("{signing_input}.{}", URL_SAFE_NO_PAD.encode(sig));
        assert_eq!(reason_of(&token), Reason::LicenseBadSignature, "{name}");
        // And at the raw signature layer, over an empty message.
        let key = trusted(Alg::ES256);
        assert_eq!(
            key.verify_signature(Alg::ES256, b"", sig).unwrap_err().reason(),
            Reason::LicenseBadSignature
        );
    }
}

#[test]
fn signature_stripping_empty_segment() {
    for alg in ALGS {
        let good = issue(&claims(), &signer(alg), Encoding::Compact).unwrap();
        let (head, _) = good.rsplit_once('.').unwrap();
        assert_eq!(reason_of(format!("{head}.")), Reason::LicenseBadSignature, "{alg}");
        let doc = json!({"protected": head.split_once('.').unwrap().0, "payload": head.split_once('.').unwrap().1,
                         "signature": ""});
        assert_eq!(reason_of(doc.to_string()), Reason::LicenseBadSignature, "{alg} json");
    }
}

#[test]
fn signature_stripping_missing_third_segment() {
    for alg in ALGS {
        let good = issue(&claims(), &signer(alg), Encoding::Compact).unwrap();
        let (head, _) = good.rsplit_once('.').unwrap();
        assert_eq!(reason_of(head), Reason::LicenseMalformed, "{alg}");
        let (h, p) = head.split_once('.').unwrap();
        let doc = json!({"protected": h, "payload": p});
        assert_eq!(reason_of(doc.to_string()), Reason::LicenseMalformed, "{alg} json");
    }
}

#[test]
fn duplicated_claims_top_level() {
    let text = claims_json().to_string();
    // The second `sub` would win under a last-one-wins parser, the first under a first-one-wins parser.
    let twice = text.replacen('{', r#"{"sub":"someone-else","#, 1);
    assert_eq!(
        reason_of(sign_payload(twice.as_bytes(), &signer(Alg::EdDSA)).unwrap()),
        Reason::LicenseDuplicateClaim
    );
    let aud = text.replacen('{', r#"{"aud":"honeyframe","#, 1);
    assert_eq!(
        reason_of(sign_payload(aud.as_bytes(), &signer(Alg::EdDSA)).unwrap()),
        Reason::LicenseDuplicateClaim
    );
}

#[test]
fn duplicated_claims_inside_lic() {
    let text = claims_json().to_string();
    for (from, to) in [
        (
            r#""edition":"enterprise""#,
            r#""edition":"enterprise","edition":"starter""#,
        ),
        (r#""users":500"#, r#""users":500,"users":"unlimited""#),
        (r#""sequence":7"#, r#""sequence":7,"sequence":99"#),
    ] {
        let twice = text.replacen(from, to, 1);
        assert_ne!(twice, text, "{from}");
        let token = sign_payload(twice.as_bytes(), &signer(Alg::EdDSA)).unwrap();
        assert_eq!(reason_of(&token), Reason::LicenseDuplicateClaim, "{from}");
    }
}

#[test]
fn payload_swap_between_two_valid_licenses() {
    let mut other = claims_json();
    other["sub"] = "big-customer".into();
    other["lic"]["limits"]["users"] = "unlimited".into();
    for alg in ALGS {
        let a = sign_payload(claims_json().to_string().as_bytes(), &signer(alg)).unwrap();
        let b = sign_payload(other.to_string().as_bytes(), &signer(alg)).unwrap();
        verifier().verify(a.as_bytes()).unwrap();
        verifier().verify(b.as_bytes()).unwrap();
        let a: Vec<&str> = a.split('.').collect();
        let b: Vec<&str> = b.split('.').collect();
        let swapped = format!("{}.{}.{}", a[0], b[1], a[2]);
        assert_eq!(reason_of(&swapped), Reason::LicenseBadSignature, "{alg}");
    }
}

#[test]
fn token_for_another_audience() {
    let mut json = claims_json();
    json["aud"] = json!(["honeyframe", "liberty-staging"]);
    assert_eq!(
        reason_of(signed(header(Alg::EdDSA), &json, Alg::EdDSA)),
        Reason::LicenseWrongAudience
    );
}

#[test]
fn token_from_another_issuer() {
    let mut json = claims_json();
    json["iss"] = "https://licenses.vendor.example.evil".into();
    assert_eq!(
        reason_of(signed(header(Alg::EdDSA), &json, Alg::EdDSA)),
        Reason::LicenseWrongIssuer
    );
    // Another vendor's key under our kid: its signature does not verify under the key we trust.
    let other_vendor = FileSigner::from_pkcs8_pem("eddsa-2025", &read_vector("keys/eddsa-b-test-only.private.pem"));
    let token = issue(&claims(), &other_vendor.unwrap(), Encoding::Compact).unwrap();
    assert_eq!(reason_of(&token), Reason::LicenseBadSignature);
}

#[test]
fn bound_to_another_install() {
    let license = licensed(&claims_json(), Alg::EdDSA);
    assert_eq!(judge(&at_home(), &license, NOW), (None, State::Active));
    for other in [Some("00000000-0000-4000-8000-000000000000"), Some(""), None] {
        let ctx = Context {
            install_id: other.map(str::to_owned),
            ..at_home()
        };
        assert_eq!(
            judge(&ctx, &license, NOW),
            (Some(Reason::LicenseInstanceMismatch), State::Invalid),
            "{other:?}"
        );
    }
}

#[test]
fn bound_to_another_host() {
    let mut json = claims_json();
    json["lic"]["binding"]["fingerprints"] = json!(["LICET-FP-AAAA-BBBB"]);
    let license = licensed(&json, Alg::ES256);
    let ctx = Context {
        fingerprint: Some("LICET-FP-AAAA-BBBB".into()),
        ..at_home()
    };
    assert_eq!(judge(&ctx, &license, NOW), (None, State::Active));
    for other in [Some("LICET-FP-AAAA-BBBC"), Some("licet-fp-aaaa-bbbb"), None] {
        let ctx = Context {
            fingerprint: other.map(str::to_owned),
            ..at_home()
        };
        assert_eq!(
            judge(&ctx, &license, NOW),
            (Some(Reason::LicenseHostMismatch), State::Invalid),
            "{other:?}"
        );
    }
}

#[test]
fn bound_to_another_domain() {
    let license = licensed(&claims_json(), Alg::RS256);
    for other in [
        "evil.example",
        "acme.example.evil.example",
        "xacme.example",
        "acme.example@evil.example",
        "",
    ] {
        let ctx = Context {
            domain: Some(other.to_owned()),
            ..at_home()
        };
        assert_eq!(
            judge(&ctx, &license, NOW),
            (Some(Reason::LicenseDomainMismatch), State::Invalid),
            "{other}"
        );
    }
}

#[test]
fn replay_of_an_older_license() {
    let older = licensed(&claims_json(), Alg::EdDSA);
    let mut newer_json = claims_json();
    newer_json["lic"]["sequence"] = 8.into();
    let newer = licensed(&newer_json, Alg::EdDSA);
    let mut ctx = at_home();
    let status = evaluate(&LIBERTY, &ctx, LicenseInput::Verified(&newer), NOW);
    assert_eq!(status.state, State::Active);
    ctx.high_water = ctx.high_water.advance(Some(&newer), &status, NOW);
    assert_eq!(
        ctx.high_water.sequences.get(&SequenceKey::instance("cus_8f2a")),
        Some(&8)
    );
    // The older license is genuine and unexpired, and still refused.
    assert_eq!(
        judge(&ctx, &older, NOW),
        (Some(Reason::LicenseRolledBack), State::Invalid)
    );
    assert_eq!(judge(&ctx, &newer, NOW), (None, State::Active));
}

#[test]
fn clock_moved_back() {
    let license = licensed(&claims_json(), Alg::EdDSA);
    let later = UnixTime(NOW.0 + 90 * 86_400);
    let ctx = Context {
        high_water: HighWater {
            last_seen: Some(later),
            ..HighWater::default()
        },
        ..at_home()
    };
    // Within the tolerance of the latest time seen: fine. Beyond it: the clock went back.
    assert_eq!(judge(&ctx, &license, UnixTime(later.0 - 60)), (None, State::Active));
    assert_eq!(
        judge(&ctx, &license, NOW),
        (Some(Reason::ClockRollbackDetected), State::Invalid)
    );
}

#[test]
fn unicode_and_non_canonical_base64() {
    let good = issue(&claims(), &signer(Alg::RS256), Encoding::Compact).unwrap();
    let parts: Vec<&str> = good.split('.').collect();
    let mut cases: Vec<Vec<u8>> = vec![
        good.replacen('.', "é.", 1).into_bytes(),        // non-ASCII inside a segment
        good.replacen('.', "\u{ff0e}", 1).into_bytes(),  // fullwidth full stop as a separator
        good.replacen('.', ".\u{a0}", 1).into_bytes(),   // no-break space is not ASCII whitespace
        good.replacen('.', ".\u{200b}", 1).into_bytes(), // zero-width space
        good.replacen('.', "\u{c0}\u{ae}", 1).into_bytes(),
    ];
    // Overlong UTF-8 for '.' (C0 AE) is not UTF-8 at all.
    cases.push(
        [
            parts[0].as_bytes(),
            b"\xc0\xae",
            parts[1].as_bytes(),
            b".",
            parts[2].as_bytes(),
        ]
        .concat(),
    );
    // Padded segments, as standard base64 writes them.
    for i in 0..3 {
        let mut padded: Vec<String> = parts.iter().map(|p| (*p).to_owned()).collect();
        let bytes = URL_SAFE_NO_PAD.decode(parts[i]).unwrap();
        padded[i] = URL_SAFE.encode(bytes);
        if padded[i] != parts[i] {
            cases.push(padded.join(".").into_bytes());
        }
        padded[i] = format!("{}=", parts[i]);
        cases.push(padded.join(".").into_bytes());
    }
    // The `+/` alphabet: the RSA signature (256 random-looking bytes) contains `-` or `_` in practice.
    let std_alphabet = good.replace('-', "+").replace('_', "/");
    assert_ne!(std_alphabet, good, "the fixture token has no - or _; pick another");
    cases.push(std_alphabet.into_bytes());
    // Non-canonical trailing bits in each segment whose length leaves unused bits.
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut non_canonical = 0;
    for i in 0..3 {
        let unused = match parts[i].len() % 4 {
            2 => 0b1111,
            3 => 0b11,
            _ => continue,
        };
        let last = *parts[i].as_bytes().last().unwrap();
        let idx = ALPHABET.iter().position(|c| *c == last).unwrap();
        let mut p: Vec<String> = parts.iter().map(|p| (*p).to_owned()).collect();
        p[i].pop();
        p[i].push(ALPHABET[(idx & !unused) | (!idx & unused & 1)] as char);
        if p[i] != parts[i] {
            non_canonical += 1;
            cases.push(p.join(".").into_bytes());
        }
    }
    assert!(non_canonical >= 1, "no segment of the fixture has unused trailing bits");
    for case in cases {
        assert_eq!(
            reason_of(&case),
            Reason::LicenseMalformed,
            "{}",
            String::from_utf8_lossy(&case)
        );
    }
}

#[test]
fn ten_megabyte_token() {
    let ten_mb = 10 * 1024 * 1024;
    let good = issue(&claims(), &signer(Alg::EdDSA), Encoding::Compact).unwrap();
    // Valid-looking: a real token with 10 MB of base64url text stuffed into its payload segment.
    let (h, rest) = good.split_once('.').unwrap();
    let stuffed = format!("{h}.{}{rest}", "A".repeat(ten_mb));
    let err = verifier().verify(stuffed.as_bytes()).unwrap_err();
    assert_eq!(err.reason(), Reason::LicenseTooLarge);
    assert!(err.to_string().contains(&stuffed.len().to_string()), "{err}");
    // In the other encodings, and as pure junk that would be a deep JSON document.
    assert_eq!(
        reason_of(format!(
            "{}{}",
            issue(&claims(), &signer(Alg::EdDSA), Encoding::Armored).unwrap(),
            "\n".repeat(ten_mb)
        )),
        Reason::LicenseTooLarge
    );
    assert_eq!(reason_of(vec![b'{'; ten_mb]), Reason::LicenseTooLarge);
    assert_eq!(
        licet_core::read_unverified(&vec![b'['; ten_mb]).unwrap_err().reason(),
        Reason::LicenseTooLarge
    );
}

#[test]
fn deeply_nested_json() {
    let deep = "[".repeat(100_000);
    let deep_object = "{\"a\":".repeat(100_000);
    // The strict parser itself: a syntax error, not a stack overflow.
    assert!(matches!(
        json::parse_strict(deep.as_bytes()),
        Err(json::JsonError::Syntax(_))
    ));
    assert!(matches!(
        json::parse_strict(deep_object.as_bytes()),
        Err(json::JsonError::Syntax(_))
    ));
    // Through the verifier with the size limit raised so the parser is reached: in the header, the signed
    // payload and the JSON envelope.
    let big = Verifier::new(keyring(), ISS, AUD).with_max_bytes(1 << 20);
    let h = URL_SAFE_NO_PAD.encode(&deep);
    let reason = |t: &[u8]| big.verify(t).unwrap_err().reason();
    assert_eq!(reason(format!("{h}.e30.").as_bytes()), Reason::LicenseMalformed);
    let token = sign_payload(deep_object.as_bytes(), &signer(Alg::EdDSA)).unwrap();
    assert_eq!(reason(token.as_bytes()), Reason::LicenseMalformed);
    assert_eq!(
        reason(format!("{{\"protected\":{deep}").as_bytes()),
        Reason::LicenseMalformed
    );
    // Under the default limit the same inputs are simply too large.
    assert_eq!(reason_of(&token), Reason::LicenseTooLarge);
}

#[test]
fn crit_with_unknown_extension() {
    for crit in [
        json!(["http://vendor.example/ext"]),
        json!(["exp"]),
        json!([]),
        json!("b64"),
    ] {
        let mut h = header(Alg::EdDSA);
        h["crit"] = crit.clone();
        h["http://vendor.example/ext"] = true.into();
        assert_eq!(
            reason_of(signed(h, &claims_json(), Alg::EdDSA)),
            Reason::LicenseUnknownCrit,
            "{crit}"
        );
    }
}

#[test]
fn b64_false_header() {
    // RFC 7797 changes what the signature covers; licet refuses it with or without `crit` naming it.
    for with_crit in [true, false] {
        let mut h = header(Alg::EdDSA);
        h["b64"] = false.into();
        if with_crit {
            h["crit"] = json!(["b64"]);
        }
        assert_eq!(
            reason_of(signed(h, &claims_json(), Alg::EdDSA)),
            Reason::LicenseUnknownCrit,
            "crit {with_crit}"
        );
    }
}
