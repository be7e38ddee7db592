//! Finding a key object by kid and telling which licet algorithm it is for, from the token's own attributes.

use cryptoki::object::{Attribute, AttributeType, KeyType, ObjectClass, ObjectHandle};
use cryptoki::session::Session;
use der::asn1::{ObjectIdentifier, OctetStringRef, PrintableStringRef};
use der::Decode;
use licet_core::Alg;
use rsa::BigUint;

use super::config::KeyLookup;
use super::error::HsmError;
use super::token::unavailable;

/// secp256r1 / P-256 (RFC 5480).
pub(crate) const P256_OID: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.3.1.7");
/// id-Ed25519 (RFC 8410).
pub(crate) const ED25519_OID: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.101.112");
/// PKCS#11 3.0 also allows naming the Edwards curve by a PrintableString; SoftHSM2 and OpenSC use this form.
pub(crate) const ED25519_CURVE_NAME: &str = "edwards25519";

/// RS256 keys below this size are refused, as licet-core refuses them.
pub(crate) const MIN_RSA_BITS: usize = 2048;

/// A key object and what signing with it means.
#[derive(Clone, Copy, Debug)]
pub(crate) struct KeyObject {
    pub handle: ObjectHandle,
    pub alg: Alg,
    /// The length of a signature in JWS form: 64 for EdDSA and ES256, the modulus length for RS256.
    pub signature_len: usize,
}

/// The one object of `class` whose label or id is `kid`.
pub(crate) fn find(
    session: &Session,
    class: ObjectClass,
    kid: &str,
    lookup: KeyLookup,
) -> Result<ObjectHandle, HsmError> {
    let template = [Attribute::Class(class), lookup.attribute(kid)];
    let mut found = session.find_objects(&template).map_err(unavailable)?;
    let count = found.len();
    match found.pop() {
        Some(handle) if count == 1 => Ok(handle),
        Some(_) => Err(HsmError::KeyAmbiguous {
            kid: kid.to_owned(),
            count,
        }),
        None => Err(HsmError::KeyNotFound {
            kid: kid.to_owned(),
            by: lookup.name(),
        }),
    }
}

/// Reads the key type and its parameters (curve, modulus) and maps them to a licet algorithm.
pub(crate) fn describe(session: &Session, handle: ObjectHandle) -> Result<KeyObject, HsmError> {
    let attrs = session
        .get_attributes(
            handle,
            &[AttributeType::KeyType, AttributeType::EcParams, AttributeType::Modulus],
        )
        .map_err(unavailable)?;
    let mut key_type = None;
    let mut ec_params = None;
    let mut modulus = None;
    for attr in attrs {
        match attr {
            Attribute::KeyType(t) => key_type = Some(t),
            Attribute::EcParams(p) => ec_params = Some(p),
            Attribute::Modulus(m) => modulus = Some(m),
            _ => {}
        }
    }
    let unsupported = |detail: String| HsmError::MechanismUnsupported { detail };
    let (alg, signature_len) = match key_type {
        Some(KeyType::EC) => match ec_params.as_deref().map(curve) {
            Some(Curve::P256) => (Alg::ES256, 64),
            other => {
                return Err(unsupported(format!(
                    "EC key on {other:?}; licet signs ES256 only with P-256"
                )))
            }
        },
        Some(KeyType::EC_EDWARDS) => match ec_params.as_deref().map(curve) {
            Some(Curve::Ed25519) => (Alg::EdDSA, 64),
            other => {
                return Err(unsupported(format!(
                    "Edwards key on {other:?}; licet signs EdDSA only with Ed25519"
                )))
            }
        },
        Some(KeyType::RSA) => {
            let modulus = modulus.ok_or_else(|| unsupported("RSA key without a readable CKA_MODULUS".into()))?;
            let bits = BigUint::from_bytes_be(&modulus).bits();
            if bits < MIN_RSA_BITS {
                return Err(unsupported(format!(
                    "RSA key of {bits} bits; RS256 needs {MIN_RSA_BITS} or more"
                )));
            }
            (Alg::RS256, bits.div_ceil(8))
        }
        other => return Err(unsupported(format!("key type {other:?} is not Ed25519, P-256 or RSA"))),
    };
    Ok(KeyObject {
        handle,
        alg,
        signature_len,
    })
}

#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Curve {
    P256,
    Ed25519,
    Other(String),
}

/// `CKA_EC_PARAMS` is DER: an OID, or for Edwards curves possibly a PrintableString curve name.
pub(crate) fn curve(params: &[u8]) -> Curve {
    if let Ok(oid) = ObjectIdentifier::from_der(params) {
        return match oid {
            P256_OID => Curve::P256,
            ED25519_OID => Curve::Ed25519,
            other => Curve::Other(other.to_string()),
        };
    }
    match PrintableStringRef::from_der(params) {
        Ok(name) if name.as_str() == ED25519_CURVE_NAME => Curve::Ed25519,
        Ok(name) => Curve::Other(name.as_str().to_owned()),
        Err(_) => Curve::Other(format!("unparsable parameters of {} bytes", params.len())),
    }
}

/// `CKA_EC_POINT` is specified as a DER OCTET STRING around the point, but some tokens return the bare point. The
/// two cannot be confused: the wrapped form is always two bytes longer than `bare_len`.
pub(crate) fn ec_point(attr: &[u8], bare_len: usize) -> Result<&[u8], HsmError> {
    if attr.len() == bare_len {
        return Ok(attr);
    }
    OctetStringRef::from_der(attr)
        .map(|os| os.as_bytes())
        .map_err(|e| HsmError::PublicKeyInvalid {
            detail: format!("CKA_EC_POINT is not a DER OCTET STRING: {e}"),
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use der::Encode;

    #[test]
    fn curves_are_recognised_in_both_encodings() {
        assert_eq!(curve(&P256_OID.to_der().unwrap()), Curve::P256);
        assert_eq!(curve(&ED25519_OID.to_der().unwrap()), Curve::Ed25519);
        let name = PrintableStringRef::new(ED25519_CURVE_NAME).unwrap().to_der().unwrap();
        assert_eq!(curve(&name), Curve::Ed25519);
        // secp384r1 is an EC curve licet does not sign with.
        let p384 = ObjectIdentifier::new_unwrap("1.3.132.0.34").to_der().unwrap();
        assert_eq!(curve(&p384), Curve::Other("1.3.132.0.34".into()));
        assert!(matches!(curve(&[0xff, 0x00]), Curve::Other(_)));
    }

    #[test]
    fn ec_point_unwraps_der_and_accepts_the_bare_point() {
        let bare = [0x04u8; 65];
        let wrapped = OctetStringRef::new(&bare).unwrap().to_der().unwrap();
        assert_eq!(wrapped.len(), 67);
        assert_eq!(ec_point(&wrapped, 65).unwrap(), &bare[..]);
        assert_eq!(ec_point(&bare, 65).unwrap(), &bare[..]);
        // A bare Ed25519 point that happens to start like an OCTET STRING header is still taken as bare.
        let mut ed = [7u8; 32];
        ed[0] = 0x04;
        ed[1] = 0x1e;
        assert_eq!(ec_point(&ed, 32).unwrap(), &ed[..]);
        assert_eq!(
            ec_point(&[0x04, 0x05, 1], 32).unwrap_err().code(),
            "hsm_public_key_invalid"
        );
    }
}
