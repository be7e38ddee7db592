//! The vendor formats: the signed-document codec, the five manuals' claim mappings, and verification with each
//! profile's format.
//!
//! Invariants:
//! - a decoded signed document, written again (any member order, pretty or not), decodes to the same signing
//!   input, signature, kid and fingerprint;
//! - a mapping reads the same object the same way twice; what it reads survives licet's own serialize/parse round
//!   trip; exactly the members no rule reads land in `extra`; a refusal names a member the format has;
//! - a license that verifies with a profile's format is what the codec decodes (same fingerprint), carries the
//!   product's issuer and audience, and reads back through the mapping to the same claims.

use licet_core::format::{ClaimMap, Envelope, Implied, MapError};
use licet_core::json::{from_slice_strict, parse_strict_object};
use licet_core::token::b64url;
use licet_core::{Claims, Jws, SignedDocument, MAX_TOKEN_BYTES};
use serde_json::{Map, Value};

use crate::fixtures::{self, AUD, ISS};

/// `SignedDocument::decode`, and its re-encoding.
pub fn document(data: &[u8]) {
    let Ok(doc) = SignedDocument::decode(data, MAX_TOKEN_BYTES) else {
        return;
    };
    assert_eq!(doc.fingerprint().len(), 64);
    // The member order and spacing are free: the signature covers the canonical payload only.
    let mut members = vec![
        ("signature", Value::String(b64url(doc.signature()))),
        ("payload", Value::Object(doc.payload().clone())),
    ];
    if let Some(kid) = doc.kid() {
        members.push(("kid", Value::String(kid.to_owned())));
    }
    for (reverse, pretty) in [(false, false), (true, true)] {
        if reverse {
            members.reverse();
        }
        let object: Map<String, Value> = members.iter().map(|(k, v)| ((*k).to_owned(), v.clone())).collect();
        let text = match if pretty {
            serde_json::to_vec_pretty(&object)
        } else {
            serde_json::to_vec(&object)
        } {
            Ok(text) => text,
            Err(e) => panic!("a decoded document does not serialize: {e}"),
        };
        let again = match SignedDocument::decode(&text, usize::MAX) {
            Ok(again) => again,
            Err(e) => panic!("a decoded document, written again, does not decode: {e}"),
        };
        assert_eq!(
            again.signing_input(),
            doc.signing_input(),
            "the canonical payload changed"
        );
        assert_eq!(again.signature(), doc.signature());
        assert_eq!(again.kid(), doc.kid());
        assert_eq!(again.fingerprint(), doc.fingerprint());
    }
    // The verifier decides "document or JWS" by shape; what decodes as a document must never be read as a JWS.
    assert!(
        Jws::decode(data, MAX_TOKEN_BYTES).is_err(),
        "the same bytes decode as a signed document and as a JWS"
    );
}

/// The top-level members of licet's own claims.
const LICET_MEMBERS: [&str; 8] = ["iss", "sub", "aud", "iat", "nbf", "exp", "jti", "lic"];

const IMPLIED: Implied<'static> = Implied {
    issuer: Some(ISS),
    audience: Some(AUD),
};

/// `ClaimMap::read` of each of the five formats over a strict-parsed JSON object.
pub fn mapping(data: &[u8]) {
    let Ok(object) = parse_strict_object(data) else {
        return;
    };
    for map in fixtures::formats() {
        read_one(map, &object);
    }
}

fn read_one(map: &ClaimMap, object: &Map<String, Value>) {
    let first = map.read(object.clone(), IMPLIED);
    let second = map.read(object.clone(), IMPLIED);
    assert_eq!(first, second, "{}: the same object read two ways", map.name);
    match first {
        Ok(claims) => {
            // A member the format does not read but licet's own claims name (`exp` in a Honeyframe document) is
            // kept in `extra` and would be written twice; the round trip is checked where it cannot be.
            if claims.extra.keys().any(|k| LICET_MEMBERS.contains(&k.as_str())) {
                return;
            }
            let text = match serde_json::to_vec(&claims) {
                Ok(text) => text,
                Err(e) => panic!("{}: mapped claims do not serialize: {e}", map.name),
            };
            match from_slice_strict::<Claims>(&text) {
                Ok(again) => assert_eq!(again, claims, "{}: mapped claims changed in a round trip", map.name),
                Err(e) => panic!("{}: mapped claims do not parse as licet's own: {e}", map.name),
            }
            let read = |k: &str| map.rules.iter().any(|r| r.member == k);
            let mut unread: Vec<&String> = object.keys().filter(|k| !read(k)).collect();
            unread.sort();
            let extra: Vec<&String> = claims.extra.keys().collect();
            assert_eq!(extra, unread, "{}: extra is not exactly the unread members", map.name);
            if !map.reads_issuer() {
                assert_eq!(claims.iss, ISS, "{}: no issuer of its own, so the product's", map.name);
            }
            for (kind, limit) in map.fixed_limits {
                assert_eq!(
                    claims.lic.limits.get(*kind),
                    Some(limit),
                    "{}: fixed limit {kind}",
                    map.name
                );
            }
        }
        Err(e) => {
            let member = e.member();
            let top = member.split(['[', '.']).next().unwrap_or_default();
            // A member the format reads, or one of licet's own claim names it does not read (refused on purpose).
            assert!(
                map.rules.iter().any(|r| r.member == top)
                    || (licet_core::format::mapping::RESERVED.contains(&top)
                        && !map.rules.iter().any(|r| r.member == top)),
                "{}: refused over member {member:?}, which the format does not have",
                map.name
            );
            if let MapError::Missing { .. } = e {
                assert!(
                    member != top || !matches!(object.get(top), Some(v) if !v.is_null()),
                    "{}: {member:?} is there, yet reported missing",
                    map.name
                );
            }
        }
    }
}

/// `Verifier::verify` with each profile's format, against the fixed test-only keyring.
pub fn verify_mapped(data: &[u8]) {
    for (map, verifier, vendor) in fixtures::mapped_verifiers() {
        let result = verifier.verify(data);
        let by_vendor = vendor.verify(data);
        match result {
            Ok(license) => {
                assert!(verifier.keyring().get(license.kid()).is_some());
                assert_eq!(license.claims().iss, ISS);
                assert!(license.claims().aud.contains(AUD));
                let (fingerprint, payload) = decoded(map, data);
                assert_eq!(license.fingerprint(), fingerprint, "{}: fingerprint", map.name);
                // What verified reads the same through the unverified path (mapping or licet's own claims).
                let reread = if payload.contains_key("lic") {
                    serde_json::from_value::<Claims>(Value::Object(payload)).ok()
                } else {
                    map.read(payload, IMPLIED).ok()
                };
                assert_eq!(reread.as_ref(), Some(license.claims()), "{}: read two ways", map.name);
                // Vendor tooling expects no issuer or audience, so a format without them reads them empty there.
                match by_vendor {
                    Ok(v) => {
                        assert_eq!((v.kid(), v.fingerprint()), (license.kid(), license.fingerprint()));
                        assert_eq!(
                            v.claims().lic,
                            license.claims().lic,
                            "{}: vendor tooling disagrees",
                            map.name
                        );
                    }
                    Err(e) => panic!("{}: vendor tooling refused what the product accepted: {e}", map.name),
                }
            }
            Err(e) => {
                assert!(!e.reason().code().is_empty());
                assert!(!e.to_string().is_empty());
                if let Ok(v) = by_vendor {
                    let iss_or_aud = v.claims().iss != ISS || !v.claims().aud.contains(AUD);
                    assert!(
                        iss_or_aud,
                        "{}: vendor tooling accepted what the product refused for {e}",
                        map.name
                    );
                }
            }
        }
    }
}

/// The fingerprint and payload of verified input, decoded as the verifier must have decoded it.
fn decoded(map: &ClaimMap, data: &[u8]) -> (String, Map<String, Value>) {
    if map.envelope == Envelope::SignedDocument {
        if let Ok(doc) = SignedDocument::decode(data.trim_ascii(), MAX_TOKEN_BYTES) {
            return (doc.fingerprint(), doc.into_payload());
        }
    }
    match Jws::decode(data, MAX_TOKEN_BYTES) {
        Ok(jws) => match parse_strict_object(jws.payload()) {
            Ok(payload) => (jws.fingerprint(), payload),
            Err(e) => panic!("{}: verified a payload that is not strict JSON: {e}", map.name),
        },
        Err(e) => panic!("{}: verified input neither codec decodes: {e}", map.name),
    }
}
