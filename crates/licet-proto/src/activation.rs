//! The offline activation request: what an install that cannot reach the vendor exports, so that the vendor can
//! answer it with a license file.
//!
//! The install makes an Ed25519 key on first start and signs every request with it, as a compact JWS whose payload
//! names the key. The signature proves only that the sender holds that key; the vendor adds the identity check by
//! recording the key the first time an install presents one and demanding the same key afterwards (trust on first
//! use). So a request copied from one install cannot be edited, and another machine cannot speak for an install
//! whose key is already on record.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use ed25519_dalek::Signature;
use licet_core::{Alg, JwsSigner, UnixTime};
use serde::{Deserialize, Serialize};

use crate::armor;
use crate::error::ProtoError;
use crate::jwk::Ed25519Jwk;

/// The armor label: `-----BEGIN LICET ACTIVATION REQUEST-----`.
pub const ARMOR_LABEL: &str = "LICET ACTIVATION REQUEST";
/// The JWS `typ` of an activation request, so that it can never be mistaken for a license or vice versa.
pub const JWS_TYP: &str = "licet-activation-request+jws";
/// Requests are a few hundred bytes; anything past this is refused before decoding.
pub const MAX_REQUEST_BYTES: usize = 16 * 1024;
/// The payload format version this build writes and reads.
pub const FORMAT_VERSION: u32 = 1;

/// What an install asks the vendor for. Signed by the key in `public_key`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActivationRequest {
    /// Payload format version ([`FORMAT_VERSION`]).
    pub v: u32,
    /// The install id (UUID made on first start).
    pub install_id: String,
    /// The host fingerprint (`LICET-FP-…`) of the machine that made the request.
    pub fingerprint: String,
    /// SHA-256 (hex) of the license the install holds now, if any: lets the vendor see what it is replacing.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub license_fingerprint: Option<String>,
    /// Products (modules, connectors, apps) the install runs, for the vendor's information.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub products: Vec<String>,
    pub created_at: UnixTime,
    /// Random, unique per request: the vendor answers each nonce once.
    pub nonce: String,
    /// The install's activation public key.
    pub public_key: Ed25519Jwk,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Header {
    alg: String,
    typ: String,
}

impl ActivationRequest {
    /// Signs the request as a compact JWS. `signer` must be the Ed25519 key whose public half is `public_key`
    /// (the vendor rejects the request otherwise).
    pub fn sign(&self, signer: &dyn JwsSigner) -> Result<SignedActivationRequest, ProtoError> {
        if signer.alg() != Alg::EdDSA {
            return Err(ProtoError::AlgForbidden {
                alg: signer.alg().to_string(),
            });
        }
        let header = Header {
            alg: Alg::EdDSA.as_str().into(),
            typ: JWS_TYP.into(),
        };
        let signing_input = format!("{}.{}", b64_json(&header)?, b64_json(self)?);
        let signature = signer.sign(signing_input.as_bytes())?;
        Ok(SignedActivationRequest {
            compact: format!("{signing_input}.{}", URL_SAFE_NO_PAD.encode(signature)),
        })
    }
}

fn b64_json<T: Serialize>(value: &T) -> Result<String, ProtoError> {
    let json = serde_json::to_vec(value).map_err(|e| ProtoError::malformed(e.to_string()))?;
    Ok(URL_SAFE_NO_PAD.encode(json))
}

/// A signed request as carried in a file or an HTTP body, not yet verified.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SignedActivationRequest {
    compact: String,
}

impl SignedActivationRequest {
    /// Accepts the armored file or the bare compact JWS; whitespace anywhere is ignored.
    pub fn parse(text: &str) -> Result<Self, ProtoError> {
        if text.len() > MAX_REQUEST_BYTES {
            return Err(ProtoError::TooLarge {
                limit: MAX_REQUEST_BYTES,
            });
        }
        let compact = match armor::dearmor(ARMOR_LABEL, text) {
            Some(body) => body,
            None if text.contains("-----BEGIN") => {
                return Err(ProtoError::malformed("armored, but not as a LICET ACTIVATION REQUEST"))
            }
            None => text.chars().filter(|c| !c.is_whitespace()).collect(),
        };
        if compact.split('.').count() != 3 {
            return Err(ProtoError::malformed("not a compact JWS (three dot-separated parts)"));
        }
        Ok(SignedActivationRequest { compact })
    }

    pub fn compact(&self) -> &str {
        &self.compact
    }

    /// The file form an operator carries to the vendor.
    pub fn armored(&self) -> String {
        armor::armor(ARMOR_LABEL, &self.compact)
    }

    /// Checks the header and that the signature verifies with the key the payload names. Says nothing about
    /// whether that key belongs to the install: the vendor compares it with the key on record.
    pub fn verify(&self) -> Result<VerifiedActivationRequest, ProtoError> {
        let mut parts = self.compact.split('.');
        let (Some(h64), Some(p64), Some(s64), None) = (parts.next(), parts.next(), parts.next(), parts.next()) else {
            return Err(ProtoError::malformed("not a compact JWS (three dot-separated parts)"));
        };
        let b64 = |part: &str, what: &str| {
            URL_SAFE_NO_PAD
                .decode(part)
                .map_err(|_| ProtoError::malformed(format!("{what} is not base64url")))
        };
        let header: Header =
            serde_json::from_slice(&b64(h64, "header")?).map_err(|e| ProtoError::malformed(format!("header: {e}")))?;
        if header.alg != Alg::EdDSA.as_str() {
            return Err(ProtoError::AlgForbidden { alg: header.alg });
        }
        if header.typ != JWS_TYP {
            return Err(ProtoError::malformed(format!(
                "typ is {:?}, not {JWS_TYP:?}",
                header.typ
            )));
        }
        let request: ActivationRequest = serde_json::from_slice(&b64(p64, "payload")?)
            .map_err(|e| ProtoError::malformed(format!("payload: {e}")))?;
        if request.v != FORMAT_VERSION {
            return Err(ProtoError::malformed(format!(
                "format version {} is not {FORMAT_VERSION}",
                request.v
            )));
        }
        let key = request.public_key.verifying_key()?;
        let signature = Signature::from_slice(&b64(s64, "signature")?).map_err(|_| ProtoError::BadSignature)?;
        let signing_input_len = h64.len() + 1 + p64.len();
        let signing_input = self.compact.get(..signing_input_len).ok_or(ProtoError::BadSignature)?;
        key.verify_strict(signing_input.as_bytes(), &signature)
            .map_err(|_| ProtoError::BadSignature)?;
        let key_thumbprint = request.public_key.thumbprint();
        Ok(VerifiedActivationRequest {
            request,
            key_thumbprint,
        })
    }
}

/// A request whose signature verified with the key it names. Only [`SignedActivationRequest::verify`] makes one.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VerifiedActivationRequest {
    request: ActivationRequest,
    key_thumbprint: String,
}

impl VerifiedActivationRequest {
    pub fn request(&self) -> &ActivationRequest {
        &self.request
    }

    /// RFC 7638 thumbprint of the key that signed: what the vendor records and compares.
    pub fn key_thumbprint(&self) -> &str {
        &self.key_thumbprint
    }
}

#[cfg(test)]
mod tests;
