//! The offline activation request: what an install that cannot reach the vendor exports, so that the vendor can
//! answer it with a license file.
//!
//! The install makes an Ed25519 key on first start and signs every request with it, as a compact JWS (written and taken apart by licet-core's codec) whose payload
//! names the key. The signature proves only that the sender holds that key; the vendor adds the identity check by
//! recording the key the first time an install presents one and demanding the same key afterwards (trust on first
//! use). So a request copied from one install cannot be edited, and another machine cannot speak for an install
//! whose key is already on record.

use licet_core::{Alg, Jws, JwsSigner, UnixTime};
use serde::{Deserialize, Serialize};

use crate::armor;
use crate::error::ProtoError;
use crate::jwk::Ed25519Jwk;

/// The armor label: `-----BEGIN LICET ACTIVATION REQUEST-----`.
pub const ARMOR_LABEL: &str = "LICET ACTIVATION REQUEST";
/// The JWS `typ` of an activation request, so that it can never be mistaken for a license or vice versa.
pub const JWS_TYP: &str = "licet-activation-request+jws";
/// Requests are a few hundred bytes; a compact form past this is refused before decoding.
pub const MAX_REQUEST_BYTES: usize = 16 * 1024;
/// Cap on the text as received (armor, line breaks, mail headers and indentation around it), checked before
/// anything else is done with it. Four times [`MAX_REQUEST_BYTES`], so that the armored form of any request
/// within the limit is accepted, however mangled.
pub const MAX_TEXT_BYTES: usize = 4 * MAX_REQUEST_BYTES;
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
        let header = serde_json::to_vec(&header).map_err(|e| ProtoError::malformed(e.to_string()))?;
        let payload = serde_json::to_vec(self).map_err(|e| ProtoError::malformed(e.to_string()))?;
        let compact = licet_core::issue::sign_raw(&header, &payload, signer).map_err(|e| match e {
            licet_core::IssueError::Sign(e) => ProtoError::Sign(e),
            other => ProtoError::malformed(other.to_string()),
        })?;
        Ok(SignedActivationRequest { compact })
    }
}

/// A signed request as carried in a file or an HTTP body, not yet verified.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SignedActivationRequest {
    compact: String,
}

impl SignedActivationRequest {
    /// Accepts the armored file or the bare compact JWS; whitespace anywhere is ignored. The size limit applies
    /// to the request itself (the compact form), so a request is accepted or refused whatever form it came in.
    pub fn parse(text: &str) -> Result<Self, ProtoError> {
        if text.len() > MAX_TEXT_BYTES {
            return Err(ProtoError::TooLarge { limit: MAX_TEXT_BYTES });
        }
        let compact = match armor::dearmor(ARMOR_LABEL, text) {
            Some(body) => body,
            None if text.contains("-----BEGIN") => {
                return Err(ProtoError::malformed("armored, but not as a LICET ACTIVATION REQUEST"))
            }
            None => text.chars().filter(|c| !c.is_whitespace()).collect(),
        };
        if compact.len() > MAX_REQUEST_BYTES {
            return Err(ProtoError::TooLarge {
                limit: MAX_REQUEST_BYTES,
            });
        }
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
        // licet-core's codec takes the JWS apart (strict JSON: duplicate members are refused); the policy here is
        // the activation request's own: EdDSA, our `typ`, nothing else in the header.
        let jws = Jws::decode(self.compact.as_bytes(), MAX_REQUEST_BYTES)
            .map_err(|e| ProtoError::malformed(e.to_string()))?;
        let header: Header = serde_json::from_value(serde_json::Value::Object(jws.header_json().clone()))
            .map_err(|e| ProtoError::malformed(format!("header: {e}")))?;
        if header.alg != Alg::EdDSA.as_str() {
            return Err(ProtoError::AlgForbidden { alg: header.alg });
        }
        if header.typ != JWS_TYP {
            return Err(ProtoError::malformed(format!(
                "typ is {:?}, not {JWS_TYP:?}",
                header.typ
            )));
        }
        let request: ActivationRequest =
            serde_json::from_slice(jws.payload()).map_err(|e| ProtoError::malformed(format!("payload: {e}")))?;
        if request.v != FORMAT_VERSION {
            return Err(ProtoError::malformed(format!(
                "format version {} is not {FORMAT_VERSION}",
                request.v
            )));
        }
        let key = request.public_key.public_key()?;
        if key.alg() != Alg::EdDSA || !key.verify(jws.signing_input(), jws.signature()) {
            return Err(ProtoError::BadSignature);
        }
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
