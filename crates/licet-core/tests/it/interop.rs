//! Interop with `jsonwebtoken` (rust_crypto backend): tokens cross in both directions, for all three algorithms.

use jsonwebtoken::{decode, encode, Algorithm, DecodingKey, EncodingKey, Header, Validation};
use licet_core::{issue, Alg, Claims, Encoding};

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
