//! The `activation_request` target: a signed activation request as the vendor's `POST /v1/activation` receives
//! it (the body as text: armored file, bare compact JWS, or anything else a client posts), then the signature check.
//!
//! Besides "no panic": whatever parses has a whitespace-free three-part compact form that its armored and bare
//! forms both parse back to; whatever verifies is exactly the signed payload, its thumbprint is its key's, and
//! changing one character of the signed payload makes it fail; every refusal has an `activation_request_*` code.

use licet_core::Jws;
use licet_proto::activation::{ActivationRequest, FORMAT_VERSION, MAX_REQUEST_BYTES, MAX_TEXT_BYTES};
use licet_proto::{ProtoError, SignedActivationRequest, VerifiedActivationRequest};

pub fn activation_request(data: &[u8]) {
    // The vendor's handler takes the body as a `String`: axum refuses a body that is not UTF-8 before licet runs.
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let signed = match SignedActivationRequest::parse(text) {
        Ok(signed) => signed,
        Err(e) => {
            check_refusal(&e);
            let bare: usize = text.chars().filter(|c| !c.is_whitespace()).map(char::len_utf8).sum();
            if text.len() > MAX_TEXT_BYTES || (bare > MAX_REQUEST_BYTES && !text.contains("-----BEGIN")) {
                assert!(
                    matches!(e, ProtoError::TooLarge { .. }),
                    "oversized request refused as {e}"
                );
            }
            return;
        }
    };
    let compact = signed.compact();
    assert!(!compact.contains(char::is_whitespace), "compact form keeps whitespace");
    assert_eq!(compact.split('.').count(), 3);
    assert!(
        compact.len() <= MAX_REQUEST_BYTES,
        "accepted a {}-byte request",
        compact.len()
    );
    // The limit counts the request, not its armor: both forms of anything accepted parse back (this target once
    // found a request accepted bare and refused armored; the input is in fuzz/regressions/).
    reparses_to(&signed.armored(), &signed, "armored");
    // A bare compact form that contains `-----BEGIN` is refused as a broken armor; it can only come from inside an
    // armored body (`-` is base64url), so the armored form above is the one that must round-trip.
    if !compact.contains("-----BEGIN") {
        reparses_to(compact, &signed, "compact");
    }
    match signed.verify() {
        Ok(verified) => check_verified(&signed, &verified),
        Err(e) => check_refusal(&e),
    }
}

fn reparses_to(text: &str, signed: &SignedActivationRequest, form: &str) {
    match SignedActivationRequest::parse(text) {
        Ok(again) => assert_eq!(&again, signed, "the {form} form parses to another request"),
        Err(e) => panic!("the {form} form of a parsed request does not parse: {e}"),
    }
}

fn check_refusal(e: &ProtoError) {
    assert!(e.code().starts_with("activation_request_"), "code {}", e.code());
    assert!(!e.to_string().is_empty());
}

fn check_verified(signed: &SignedActivationRequest, verified: &VerifiedActivationRequest) {
    let request = verified.request();
    assert_eq!(request.v, FORMAT_VERSION);
    assert_eq!(verified.key_thumbprint(), request.public_key.thumbprint());
    // The request handed to the vendor is the signed payload, nothing added or lost.
    let jws = match Jws::decode(signed.compact().as_bytes(), MAX_REQUEST_BYTES) {
        Ok(jws) => jws,
        Err(e) => panic!("verified a request the codec refuses: {e}"),
    };
    match serde_json::from_slice::<ActivationRequest>(jws.payload()) {
        Ok(payload) => assert_eq!(&payload, request),
        Err(e) => panic!("verified a payload that does not parse: {e}"),
    }
    // What the vendor records (the key as JSON) reads back as the same key.
    let stored = serde_json::to_string(&request.public_key).unwrap_or_default();
    assert_eq!(serde_json::from_str(&stored).ok().as_ref(), Some(&request.public_key));
    // The same request as an armored file verifies to the same result.
    match SignedActivationRequest::parse(&signed.armored()).map(|s| s.verify()) {
        Ok(Ok(again)) => assert_eq!(&again, verified),
        _ => panic!("the armored form of a verified request does not verify"),
    }
    // One character of the signed payload changed (to another base64url character) must break the signature.
    let mut parts = signed.compact().split('.');
    let (Some(header), Some(payload), Some(signature)) = (parts.next(), parts.next(), parts.next()) else {
        panic!("a verified compact form without three parts");
    };
    let at = payload.len() / 2;
    let tampered: String = payload
        .char_indices()
        .map(|(i, c)| {
            if i == at {
                if c == 'A' {
                    'B'
                } else {
                    'A'
                }
            } else {
                c
            }
        })
        .collect();
    let forged = format!("{header}.{tampered}.{signature}");
    if let Ok(forged) = SignedActivationRequest::parse(&forged) {
        if let Ok(v) = forged.verify() {
            panic!("a request with a changed payload verified: {:?}", v.request());
        }
    }
}
