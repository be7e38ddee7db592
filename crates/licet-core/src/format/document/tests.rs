use serde_json::json;

use super::*;
use crate::alg::Alg;
use crate::keys::{FileSigner, PrivateKey};
use crate::reason::Reason;

fn signer(alg: Alg) -> FileSigner {
    let key = PrivateKey::generate(alg, &mut rand_core::OsRng).unwrap();
    FileSigner::new("hf-1", key).unwrap()
}

fn payload() -> Map<String, Value> {
    match json!({"customer": "ACME", "tier": "enterprise", "products": ["hub_platform"], "users_limit": 25,
                 "expires": "2026-12-31", "note": "é ✓"})
    {
        Value::Object(m) => m,
        _ => Map::new(),
    }
}

fn reason(text: &str) -> Reason {
    SignedDocument::decode(text.as_bytes(), 65_536).unwrap_err().reason()
}

#[test]
fn signs_over_the_canonical_payload_and_reads_back() {
    let s = signer(Alg::EdDSA);
    let text = SignedDocument::sign(&payload(), &s).unwrap();
    let doc = SignedDocument::decode(text.as_bytes(), 65_536).unwrap();
    assert_eq!(doc.payload(), &payload());
    assert_eq!(doc.kid(), Some("hf-1"));
    assert!(s.key().public_key().verify(doc.signing_input(), doc.signature()));
    // Canonical: sorted members, no whitespace, non-ASCII as UTF-8.
    let canonical = std::str::from_utf8(doc.signing_input()).unwrap();
    assert!(canonical.starts_with(r#"{"customer":"ACME","expires":"2026-12-31","note":"é ✓","products""#));
}

#[test]
fn spelling_does_not_change_the_fingerprint() {
    let text = SignedDocument::sign(&payload(), &signer(Alg::EdDSA)).unwrap();
    let one = SignedDocument::decode(text.as_bytes(), 65_536).unwrap();
    let compact: Value = serde_json::from_str(&text).unwrap();
    let respelled = serde_json::to_string(&compact)
        .unwrap()
        .replace("\"ACME\"", "\"\\u0041CME\"");
    let two = SignedDocument::decode(respelled.as_bytes(), 65_536).unwrap();
    assert_eq!(one.fingerprint(), two.fingerprint());
    assert_eq!(one.signing_input(), two.signing_input());
}

#[test]
fn only_ed25519_signs_documents() {
    assert!(SignedDocument::sign(&payload(), &signer(Alg::ES256)).is_err());
}

#[test]
fn ambiguities_are_refused() {
    let sig = "A".repeat(86);
    let doc = |payload: &str, rest: &str| format!(r#"{{"payload":{payload},"signature":"{sig}"{rest}}}"#);
    // A repeated member, at the top or inside the payload.
    assert_eq!(
        reason(&format!(r#"{{"payload":{{}},"payload":{{}},"signature":"{sig}"}}"#)),
        Reason::LicenseDuplicateClaim
    );
    assert_eq!(reason(&doc(r#"{"a":1,"a":2}"#, "")), Reason::LicenseDuplicateClaim);
    // A second signature, in any spelling, or any other member.
    for extra in [
        r#","signatures":["x"]"#,
        r#","signature2":"x""#,
        r#","alg":"none""#,
        r#","protected":"x""#,
    ] {
        assert_eq!(reason(&doc("{}", extra)), Reason::LicenseMalformed, "{extra}");
    }
    // Numbers JCS may not reproduce exactly.
    for n in [
        "1.0",
        "1e3",
        "1.5",
        "9007199254740992",
        "-9007199254740992",
        "[0.1]",
        r#"{"x":2E0}"#,
    ] {
        assert_eq!(
            reason(&doc(&format!(r#"{{"n":{n}}}"#), "")),
            Reason::LicenseMalformed,
            "{n}"
        );
    }
    assert!(SignedDocument::decode(
        doc(r#"{"n":9007199254740991,"m":-9007199254740991,"z":0}"#, "").as_bytes(),
        65_536
    )
    .is_ok());
    // Payload shape, signature encoding, kid type.
    assert_eq!(reason(&doc(r#""e30""#, "")), Reason::LicenseMalformed);
    assert_eq!(
        reason(&format!(r#"{{"payload":{{}},"signature":"{sig}=="}}"#)),
        Reason::LicenseMalformed
    );
    assert_eq!(reason(r#"{"payload":{},"signature":"a+b/"}"#), Reason::LicenseMalformed);
    assert_eq!(reason(r#"{"payload":{}}"#), Reason::LicenseMalformed);
    assert_eq!(reason(&doc("{}", r#","kid":7"#)), Reason::LicenseMalformed);
    // Size first.
    let big = doc(&format!(r#"{{"x":"{}"}}"#, "a".repeat(70_000)), "");
    assert_eq!(reason(&big), Reason::LicenseTooLarge);
}
