//! Interop with `jsonwebtoken` (rust_crypto backend): tokens cross in both directions, for all three algorithms.

use jsonwebtoken::{decode, encode, Algorithm, DecodingKey, EncodingKey, Header, Validation};
use licet_core::{issue, Alg, Claims, Encoding, Reason, UnixTime};

use crate::common::*;

fn jwt_alg(alg: Alg) -> Algorithm {
    match alg {
        Alg::EdDSA => Algorithm::EdDSA,
        Alg::RS256 => Algorithm::RS256,
        Alg::ES256 => Algorithm::ES256,
    }
}

fn encoding_key(alg: Alg) -> EncodingKey {
    let pem = private_pem(alg);
    match alg {
        Alg::EdDSA => EncodingKey::from_ed_pem(pem.as_bytes()),
        Alg::RS256 => EncodingKey::from_rsa_pem(pem.as_bytes()),
        Alg::ES256 => EncodingKey::from_ec_pem(pem.as_bytes()),
    }
    .unwrap()
}

fn decoding_key(alg: Alg) -> DecodingKey {
    let pem = public_pem(alg);
    match alg {
        Alg::EdDSA => DecodingKey::from_ed_pem(pem.as_bytes()),
        Alg::RS256 => DecodingKey::from_rsa_pem(pem.as_bytes()),
        Alg::ES256 => DecodingKey::from_ec_pem(pem.as_bytes()),
    }
    .unwrap()
}

#[test]
fn a_jsonwebtoken_token_verifies_with_licet() {
    for alg in ALGS {
        let mut header = Header::new(jwt_alg(alg));
        header.kid = Some(kid(alg));
        let token = encode(&header, &claims(), &encoding_key(alg)).unwrap();
        let v = verifier()
            .verify(token.as_bytes())
            .unwrap_or_else(|e| panic!("{alg}: {e}"));
        assert_eq!(v.claims(), &claims());
    }
}

#[test]
fn a_licet_token_verifies_with_jsonwebtoken() {
    for alg in ALGS {
        let token = issue(&claims(), &signer(alg), Encoding::Compact).unwrap();
        let mut validation = Validation::new(jwt_alg(alg));
        validation.set_audience(&[AUD]);
        validation.set_issuer(&[ISS]);
        validation.validate_exp = false; // the fixture's exp is fixed in time; time is not the point here
        let data = decode::<Claims>(&token, &decoding_key(alg), &validation).unwrap_or_else(|e| panic!("{alg}: {e}"));
        assert_eq!(data.claims, claims());
        assert_eq!(data.header.kid.as_deref(), Some(kid(alg).as_str()));
    }
}

/// PyJWT writes `"exp": 1798881741.599`; RFC 7519 §2 allows a non-integer NumericDate. licet floors it.
#[test]
fn a_jsonwebtoken_token_with_fractional_numeric_dates_verifies_and_is_floored() {
    let mut claims = claims_json();
    claims["iat"] = serde_json::json!(1_735_689_600.25);
    claims["nbf"] = serde_json::json!(1_735_689_600.999);
    claims["exp"] = serde_json::json!(1_798_881_741.599);
    for alg in ALGS {
        let mut header = Header::new(jwt_alg(alg));
        header.kid = Some(kid(alg));
        let token = encode(&header, &claims, &encoding_key(alg)).unwrap();
        let payload = token.split('.').nth(1).unwrap();
        let payload = base64::Engine::decode(&base64::engine::general_purpose::URL_SAFE_NO_PAD, payload).unwrap();
        assert!(String::from_utf8(payload).unwrap().contains("1798881741.599"));
        let v = verifier()
            .verify(token.as_bytes())
            .unwrap_or_else(|e| panic!("{alg}: {e}"));
        let c = v.claims();
        assert_eq!(
            (c.iat, c.nbf, c.exp),
            (
                UnixTime(1_735_689_600),
                Some(UnixTime(1_735_689_600)),
                Some(UnixTime(1_798_881_741))
            )
        );
    }
    // Out of range is still invalid claims, not a time in the far future.
    claims["exp"] = serde_json::json!(1e300);
    let mut header = Header::new(Algorithm::EdDSA);
    header.kid = Some(kid(Alg::EdDSA));
    let token = encode(&header, &claims, &encoding_key(Alg::EdDSA)).unwrap();
    assert_reason(verifier().verify(token.as_bytes()), Reason::LicenseInvalidClaims);
}
