//! Every rejection reason of the verifier, each asserted exactly.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use licet_core::issue::{sign_payload, sign_raw};
use licet_core::{issue, Alg, Encoding, FileSigner, PrivateKey, Reason, Verifier, MAX_TOKEN_BYTES};

use crate::common::*;

fn ed() -> FileSigner {
    signer(Alg::EdDSA)
}

fn payload() -> Vec<u8> {
    serde_json::to_vec(&claims_json()).unwrap()
}

fn with_header(header: &str) -> String {
    sign_raw(header.as_bytes(), &payload(), &ed()).unwrap()
}

fn reason_of(token: &str) -> Reason {
    verifier().verify(token.as_bytes()).unwrap_err().reason()
}

#[test]
fn too_large_is_judged_before_parsing() {
    let junk = vec![b'{'; MAX_TOKEN_BYTES + 1];
    assert_reason(verifier().verify(&junk), Reason::LicenseTooLarge);
    let good = issue(&claims(), &ed(), Encoding::Compact).unwrap();
    assert_reason(
        verifier().with_max_bytes(100).verify(good.as_bytes()),
        Reason::LicenseTooLarge,
    );
    // Exactly at the limit is not too large (it is merely not a license).
    assert_reason(
        verifier().verify(&vec![b'a'; MAX_TOKEN_BYTES]),
        Reason::LicenseMalformed,
    );
}

#[test]
fn malformed_tokens() {
    let good = issue(&claims(), &ed(), Encoding::Compact).unwrap();
    let (h, rest) = good.split_once('.').unwrap();
    let cases = [
        String::new(),
        "abc".to_owned(),
        "a.b".to_owned(),
        format!("{good}.x"),
        format!("{h}..{}", rest.rsplit_once('.').unwrap().1),
        format!("{h}=.{rest}"),
        good.replacen('.', "+", 1),
        format!("{}.{rest}", URL_SAFE_NO_PAD.encode(b"not json")),
        format!("{}.{rest}", URL_SAFE_NO_PAD.encode(b"[\"alg\"]")),
        "-----BEGIN LICENSE-----\nabc.def.ghi\n".to_owned(),
        r#"{"protected":"a","payload":"b"}"#.to_owned(),
        r#"{"signatures":[],"payload":"b"}"#.to_owned(),
    ];
    for case in cases {
        assert_eq!(reason_of(&case), Reason::LicenseMalformed, "{case:?}");
    }
    assert_reason(verifier().verify(b"\xff\xfe.a.b"), Reason::LicenseMalformed);
    // Signed, but the payload is not JSON.
    assert_eq!(
        reason_of(&sign_payload(b"hello", &ed()).unwrap()),
        Reason::LicenseMalformed
    );
}

#[test]
fn non_canonical_base64_is_malformed() {
    let good = issue(&claims(), &ed(), Encoding::Compact).unwrap();
    let sig = good.rsplit_once('.').unwrap().1;
    // A 64-byte signature is 86 base64url chars; the last carries 2 unused bits. Setting one gives the same bytes
    // under a lenient decoder, so it must be refused to keep one spelling per token.
    let last = sig.chars().last().unwrap();
    let idx = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
        .find(last)
        .unwrap();
    let twin = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".as_bytes()[idx | 1] as char;
    if twin != last {
        let forged = format!("{}{twin}", &good[..good.len() - 1]);
        assert_eq!(reason_of(&forged), Reason::LicenseMalformed);
    }
    assert_eq!(reason_of(&format!("{good}==")), Reason::LicenseMalformed);
}

#[test]
fn duplicate_members_in_header_and_claims() {
    assert_eq!(
        reason_of(&with_header(r#"{"alg":"EdDSA","kid":"x","kid":"eddsa-2025"}"#)),
        Reason::LicenseDuplicateClaim
    );
    let text = String::from_utf8(payload()).unwrap();
    let top = text.replacen("{", r#"{"sub":"someone-else","#, 1);
    assert_eq!(
        reason_of(&sign_payload(top.as_bytes(), &ed()).unwrap()),
        Reason::LicenseDuplicateClaim
    );
    let nested = text.replacen(
        r#""edition":"enterprise""#,
        r#""edition":"enterprise","edition":"starter""#,
        1,
    );
    assert_ne!(nested, text);
    assert_eq!(
        reason_of(&sign_payload(nested.as_bytes(), &ed()).unwrap()),
        Reason::LicenseDuplicateClaim
    );
}

#[test]
fn forbidden_algorithms() {
    let body = URL_SAFE_NO_PAD.encode(payload());
    for alg in ["none", "None", "NONE", "nOnE"] {
        let h = URL_SAFE_NO_PAD.encode(format!(r#"{{"alg":"{alg}","kid":"eddsa-2025"}}"#));
        assert_eq!(reason_of(&format!("{h}.{body}.")), Reason::LicenseAlgForbidden, "{alg}");
    }
    // The classic confusion: HMAC keyed with the vendor's *public* key, made with a real JWT library.
    let mut header = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256);
    header.kid = Some(kid(Alg::EdDSA));
    let hs = jsonwebtoken::encode(
        &header,
        &claims(),
        &jsonwebtoken::EncodingKey::from_secret(public_pem(Alg::EdDSA).as_bytes()),
    )
    .unwrap();
    assert_eq!(reason_of(&hs), Reason::LicenseAlgForbidden);
    for alg in ["HS384", "HS512", "PS256", "ES384", "RS512", "Ed25519"] {
        assert_eq!(
            reason_of(&with_header(&format!(r#"{{"alg":"{alg}"}}"#))),
            Reason::LicenseAlgForbidden
        );
    }
}

#[test]
fn algorithm_must_be_the_one_the_key_is_pinned_to() {
    // Signed by the ES256 key, but naming the EdDSA key's kid with alg ES256.
    let es = signer(Alg::ES256);
    let token = sign_raw(br#"{"alg":"ES256","kid":"eddsa-2025"}"#, &payload(), &es).unwrap();
    assert_eq!(reason_of(&token), Reason::LicenseAlgMismatch);
    let token = sign_raw(
        br#"{"alg":"RS256","kid":"eddsa-2025"}"#,
        &payload(),
        &signer(Alg::RS256),
    )
    .unwrap();
    assert_eq!(reason_of(&token), Reason::LicenseAlgMismatch);
}

#[test]
fn unknown_keys() {
    assert_eq!(
        reason_of(&with_header(r#"{"alg":"EdDSA","kid":"retired-2019"}"#)),
        Reason::LicenseUnknownKey
    );
    // No kid, several trusted keys: refused rather than tried one by one.
    assert_eq!(reason_of(&with_header(r#"{"alg":"EdDSA"}"#)), Reason::LicenseUnknownKey);
}

#[test]
fn keys_brought_by_the_token_are_refused() {
    // An attacker's own key, embedded and used to sign.
    let attacker = FileSigner::new(
        "eddsa-2025",
        PrivateKey::generate(Alg::EdDSA, &mut rand_core::OsRng).unwrap(),
    )
    .unwrap();
    let jwk = serde_json::to_string(&attacker.key().public_key().to_jwk("eddsa-2025")).unwrap();
    let token = sign_raw(
        format!(r#"{{"alg":"EdDSA","kid":"eddsa-2025","jwk":{jwk}}}"#).as_bytes(),
        &payload(),
        &attacker,
    )
    .unwrap();
    assert_eq!(reason_of(&token), Reason::LicenseEmbeddedKey);
    for p in ["jku", "x5u"] {
        let h = format!(r#"{{"alg":"EdDSA","kid":"eddsa-2025","{p}":"https://evil.example/k"}}"#);
        assert_eq!(reason_of(&with_header(&h)), Reason::LicenseEmbeddedKey, "{p}");
    }
    let h = r#"{"alg":"EdDSA","kid":"eddsa-2025","x5c":["MIIB"]}"#;
    assert_eq!(reason_of(&with_header(h)), Reason::LicenseEmbeddedKey);
    // Unprotected header of the JSON form.
    let good = issue(&claims(), &ed(), Encoding::Json).unwrap();
    let mut doc: serde_json::Value = serde_json::from_str(&good).unwrap();
    doc["header"] = serde_json::json!({ "jwk": serde_json::from_str::<serde_json::Value>(&jwk).unwrap() });
    assert_eq!(reason_of(&doc.to_string()), Reason::LicenseEmbeddedKey);
}

#[test]
fn unprotected_header_may_not_decide_anything() {
    let good = issue(&claims(), &ed(), Encoding::Json).unwrap();
    let mut doc: serde_json::Value = serde_json::from_str(&good).unwrap();
    doc["header"] = serde_json::json!({"note": "harmless"});
    verifier().verify(doc.to_string().as_bytes()).unwrap();
    for (member, reason) in [
        ("alg", Reason::LicenseMalformed),
        ("kid", Reason::LicenseMalformed),
        ("crit", Reason::LicenseUnknownCrit),
    ] {
        doc["header"] = serde_json::json!({ member: "x" });
        assert_eq!(reason_of(&doc.to_string()), reason, "{member}");
    }
}

#[test]
fn unknown_critical_extensions() {
    let h = r#"{"alg":"EdDSA","kid":"eddsa-2025","crit":["http://vendor.example/x"],"http://vendor.example/x":1}"#;
    assert_eq!(reason_of(&with_header(h)), Reason::LicenseUnknownCrit);
}

#[test]
fn bad_signatures() {
    for alg in ALGS {
        let good = issue(&claims(), &signer(alg), Encoding::Compact).unwrap();
        let (head, sig) = good.rsplit_once('.').unwrap();
        let mut sig_bytes = URL_SAFE_NO_PAD.decode(sig).unwrap();
        sig_bytes[3] ^= 0x40;
        let tampered = format!("{head}.{}", URL_SAFE_NO_PAD.encode(&sig_bytes));
        assert_eq!(reason_of(&tampered), Reason::LicenseBadSignature, "{alg}");
        // Edited claims under the original signature.
        let (h, _) = head.split_once('.').unwrap();
        let mut json = claims_json();
        json["lic"]["limits"]["users"] = 5000.into();
        let edited = format!(
            "{h}.{}.{sig}",
            URL_SAFE_NO_PAD.encode(serde_json::to_vec(&json).unwrap())
        );
        assert_eq!(reason_of(&edited), Reason::LicenseBadSignature, "{alg}");
        // Truncated signature and empty signature.
        let short = URL_SAFE_NO_PAD.encode(&sig_bytes[..sig_bytes.len() - 1]);
        assert_eq!(
            reason_of(&format!("{head}.{short}")),
            Reason::LicenseBadSignature,
            "{alg}"
        );
        assert_eq!(reason_of(&format!("{head}.")), Reason::LicenseBadSignature, "{alg}");
    }
}

#[test]
fn issuer_and_audience_come_from_configuration() {
    let token = issue(&claims(), &ed(), Encoding::Compact).unwrap();
    assert_reason(
        Verifier::new(keyring(), "https://other-vendor.example", AUD).verify(token.as_bytes()),
        Reason::LicenseWrongIssuer,
    );
    assert_reason(
        Verifier::new(keyring(), ISS, "honeyframe").verify(token.as_bytes()),
        Reason::LicenseWrongAudience,
    );
    let mut json = claims_json();
    json["aud"] = serde_json::json!(["honeyframe", AUD]);
    let multi = sign_payload(&serde_json::to_vec(&json).unwrap(), &ed()).unwrap();
    verifier().verify(multi.as_bytes()).unwrap();
    // Vendor tooling may skip the checks, but only when asked.
    Verifier::for_vendor_tooling(keyring(), None, None)
        .verify(token.as_bytes())
        .unwrap();
    assert_reason(
        Verifier::for_vendor_tooling(keyring(), None, Some("honeyframe".into())).verify(token.as_bytes()),
        Reason::LicenseWrongAudience,
    );
}

#[test]
fn newer_schema_major_is_unsupported_even_if_the_rest_changed() {
    let mut json = claims_json();
    json["lic"]["schema"] = "2.0".into();
    let token = sign_payload(&serde_json::to_vec(&json).unwrap(), &ed()).unwrap();
    assert_eq!(reason_of(&token), Reason::LicenseUnsupportedSchema);
    json["lic"] = serde_json::json!({"schema": "2.3", "entirely": "different"});
    let token = sign_payload(&serde_json::to_vec(&json).unwrap(), &ed()).unwrap();
    let err = verifier().verify(token.as_bytes()).unwrap_err();
    assert_eq!(err.reason(), Reason::LicenseUnsupportedSchema);
    assert!(err.to_string().contains("2.3"), "{err}");
}

#[test]
fn signed_json_that_is_not_the_claims_schema_is_invalid_claims() {
    let mut cases = Vec::new();
    let mut missing_sub = claims_json();
    missing_sub.as_object_mut().unwrap().remove("sub");
    cases.push(missing_sub);
    let mut magic = claims_json();
    magic["lic"]["limits"]["users"] = (-1).into();
    cases.push(magic);
    let mut bad_schema = claims_json();
    bad_schema["lic"]["schema"] = "one".into();
    cases.push(bad_schema);
    let mut iat_text = claims_json();
    iat_text["iat"] = "yesterday".into();
    cases.push(iat_text);
    for json in cases {
        let token = sign_payload(&serde_json::to_vec(&json).unwrap(), &ed()).unwrap();
        assert_eq!(reason_of(&token), Reason::LicenseInvalidClaims, "{json}");
    }
    // Valid JSON, but an array: not the claims schema.
    assert_eq!(
        reason_of(&sign_payload(b"[1,2]", &ed()).unwrap()),
        Reason::LicenseInvalidClaims
    );
}
