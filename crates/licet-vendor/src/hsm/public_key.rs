//! Exporting a token's public key as SPKI PEM, the form a product's keyring takes. The SPKI is built by the
//! RustCrypto key types from the raw key material the token gives out; nothing here writes DER by hand.

use cryptoki::object::{Attribute, AttributeType, ObjectHandle};
use cryptoki::session::Session;
use licet_core::Alg;

use super::error::HsmError;
use super::key::{describe, ec_point};
use super::token::unavailable;

/// A public key read from the token, ready to be put into a keyring.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HsmPublicKey {
    pub kid: String,
    pub alg: Alg,
    /// `-----BEGIN PUBLIC KEY-----` (SubjectPublicKeyInfo, RFC 5280), LF line endings.
    pub spki_pem: String,
}

pub(crate) fn read(session: &Session, handle: ObjectHandle, kid: &str) -> Result<HsmPublicKey, HsmError> {
    let alg = describe(session, handle)?.alg;
    let spki_pem = match alg {
        Alg::ES256 => p256_pem(&ec_point_attr(session, handle)?)?,
        Alg::EdDSA => ed25519_pem(&ec_point_attr(session, handle)?)?,
        Alg::RS256 => rsa_pem(session, handle)?,
    };
    Ok(HsmPublicKey {
        kid: kid.to_owned(),
        alg,
        spki_pem,
    })
}

fn invalid(detail: impl std::fmt::Display) -> HsmError {
    HsmError::PublicKeyInvalid {
        detail: detail.to_string(),
    }
}

fn ec_point_attr(session: &Session, handle: ObjectHandle) -> Result<Vec<u8>, HsmError> {
    let attrs = session
        .get_attributes(handle, &[AttributeType::EcPoint])
        .map_err(unavailable)?;
    attrs
        .into_iter()
        .find_map(|a| match a {
            Attribute::EcPoint(p) => Some(p),
            _ => None,
        })
        .ok_or_else(|| invalid("the public key object has no readable CKA_EC_POINT"))
}

fn p256_pem(attr: &[u8]) -> Result<String, HsmError> {
    use p256::pkcs8::{EncodePublicKey, LineEnding};
    // 65 bytes: the uncompressed SEC1 point 0x04 || x || y.
    let point = ec_point(attr, 65)?;
    let key = p256::PublicKey::from_sec1_bytes(point).map_err(|e| invalid(format!("not a P-256 point: {e}")))?;
    key.to_public_key_pem(LineEnding::LF).map_err(invalid)
}

fn ed25519_pem(attr: &[u8]) -> Result<String, HsmError> {
    use ed25519_dalek::pkcs8::{spki::der::pem::LineEnding, EncodePublicKey};
    let point = ec_point(attr, 32)?;
    let bytes: &[u8; 32] = point.try_into().map_err(|_| {
        invalid(format!(
            "an Ed25519 public key is 32 bytes, the token gave {}",
            point.len()
        ))
    })?;
    let key =
        ed25519_dalek::VerifyingKey::from_bytes(bytes).map_err(|e| invalid(format!("not an Ed25519 key: {e}")))?;
    key.to_public_key_pem(LineEnding::LF).map_err(invalid)
}

fn rsa_pem(session: &Session, handle: ObjectHandle) -> Result<String, HsmError> {
    use rsa::pkcs8::{EncodePublicKey, LineEnding};
    let attrs = session
        .get_attributes(handle, &[AttributeType::Modulus, AttributeType::PublicExponent])
        .map_err(unavailable)?;
    let (mut n, mut e) = (None, None);
    for attr in attrs {
        match attr {
            Attribute::Modulus(m) => n = Some(rsa::BigUint::from_bytes_be(&m)),
            Attribute::PublicExponent(x) => e = Some(rsa::BigUint::from_bytes_be(&x)),
            _ => {}
        }
    }
    let (n, e) = n
        .zip(e)
        .ok_or_else(|| invalid("the RSA public key lacks CKA_MODULUS or CKA_PUBLIC_EXPONENT"))?;
    let key = rsa::RsaPublicKey::new(n, e).map_err(|e| invalid(format!("not a usable RSA key: {e}")))?;
    key.to_public_key_pem(LineEnding::LF).map_err(invalid)
}
