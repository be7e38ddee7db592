//! Signed JSON documents: Honeyframe's "Ed25519-signed JSON document", with the byte layout licet defines for it
//! (the manual names the idea, not the bytes):
//!
//! ```json
//! {"payload": {"customer": "ACME", "tier": "enterprise", …}, "signature": "<base64url>", "kid": "honeyframe-2026"}
//! ```
//!
//! `signature` is the Ed25519 signature (64 bytes, base64url without padding) over the RFC 8785 (JCS) canonical
//! serialization of `payload`; `kid` names the key and may be left out when the product trusts one key. Member
//! order and whitespace are free, because the signature covers the canonical form, not the spelling.
//!
//! Refused as ambiguous, before any signature work: a repeated member name anywhere (strict JSON); a top-level
//! member other than the three (so there is no second signature, and no `alg` to negotiate: the key's pinned
//! algorithm must be EdDSA); a payload that is not an object; a number that JCS might not reproduce exactly (only
//! integers within ±(2^53 − 1) are allowed: no fraction, no exponent, no `-0`); a signature in any other encoding.

use serde_json::{Map, Value};

use crate::alg::{Alg, JwsSigner};
use crate::header;
use crate::issue::IssueError;
use crate::token::{b64url, b64url_decode};
use crate::verify_error::VerifyError;

/// The largest integer JCS (ECMAScript numbers) represents exactly.
const MAX_SAFE_INTEGER: u64 = (1 << 53) - 1;

const MEMBERS: [&str; 3] = ["payload", "signature", "kid"];

/// A decoded, not yet verified, signed document.
#[derive(Clone, Debug)]
pub struct SignedDocument {
    payload: Map<String, Value>,
    canonical: Vec<u8>,
    signature: Vec<u8>,
    kid: Option<String>,
    normalized: String,
}

impl SignedDocument {
    /// Whether a JSON object is shaped as a signed document (an object `payload`) rather than a flattened JWS
    /// (a string `payload`).
    pub fn is_document(object: &Map<String, Value>) -> bool {
        matches!(object.get("payload"), Some(Value::Object(_)))
    }

    /// Decodes document bytes: size limit first, then strict JSON, then the layout rules.
    pub fn decode(input: &[u8], max_bytes: usize) -> Result<SignedDocument, VerifyError> {
        if input.len() > max_bytes {
            return Err(VerifyError::TooLarge {
                len: input.len(),
                limit: max_bytes,
            });
        }
        SignedDocument::from_object(header::parse_object("document", input)?)
    }

    /// The layout rules on an already strictly parsed object.
    pub fn from_object(mut object: Map<String, Value>) -> Result<SignedDocument, VerifyError> {
        if let Some(other) = object.keys().find(|k| !MEMBERS.contains(&k.as_str())) {
            return Err(VerifyError::malformed(format!(
                "signed document has a member {other:?}; only payload, signature and kid are allowed"
            )));
        }
        let payload = match object.remove("payload") {
            Some(Value::Object(payload)) => payload,
            _ => return Err(VerifyError::malformed("signed document: payload must be a JSON object")),
        };
        let signature = match object.remove("signature") {
            Some(Value::String(s)) => b64url_decode(&s).map_err(|e| {
                VerifyError::malformed(format!(
                    "signed document: signature is not base64url without padding: {e}"
                ))
            })?,
            _ => {
                return Err(VerifyError::malformed(
                    "signed document: signature must be a base64url string",
                ))
            }
        };
        let kid = match object.remove("kid") {
            None => None,
            Some(Value::String(kid)) => Some(kid),
            Some(_) => return Err(VerifyError::malformed("signed document: kid must be a string")),
        };
        check_payload_numbers(&payload)?;
        let canonical = canonical(&payload).map_err(VerifyError::malformed)?;
        let mut whole = Map::new();
        whole.insert("payload".into(), Value::Object(payload.clone()));
        whole.insert("signature".into(), Value::String(b64url(&signature)));
        if let Some(kid) = &kid {
            whole.insert("kid".into(), Value::String(kid.clone()));
        }
        let normalized = serde_json_canonicalizer::to_string(&whole)
            .map_err(|e| VerifyError::malformed(format!("signed document cannot be canonicalized: {e}")))?;
        Ok(SignedDocument {
            payload,
            canonical,
            signature,
            kid,
            normalized,
        })
    }

    pub fn payload(&self) -> &Map<String, Value> {
        &self.payload
    }

    pub fn into_payload(self) -> Map<String, Value> {
        self.payload
    }

    /// The bytes the signature covers: the RFC 8785 form of the payload.
    pub fn signing_input(&self) -> &[u8] {
        &self.canonical
    }

    pub fn signature(&self) -> &[u8] {
        &self.signature
    }

    pub fn kid(&self) -> Option<&str> {
        self.kid.as_deref()
    }

    /// The document in its one normal spelling: the RFC 8785 form of the whole object. What a store keeps, so
    /// that every spelling of one document is one license in history and audit.
    pub fn normalized(&self) -> &str {
        &self.normalized
    }

    /// The license's fingerprint ([`crate::fingerprint`]): names the signature, so it is the same for every
    /// spelling of the same document. Names a license only once the document verified.
    pub fn fingerprint(&self) -> String {
        crate::fingerprint::of_signature(Self::ALG, self.signature())
    }

    /// The one algorithm a document is signed with.
    pub const ALG: Alg = Alg::EdDSA;

    /// Signs `payload` as a document (pretty-printed, as a file an operator may open). The signer must be Ed25519.
    pub fn sign(payload: &Map<String, Value>, signer: &dyn JwsSigner) -> Result<String, IssueError> {
        if signer.alg() != Self::ALG {
            return Err(IssueError::Claims(format!(
                "a signed document is signed with EdDSA (Ed25519); key {:?} is {}",
                signer.kid(),
                signer.alg().as_str()
            )));
        }
        check_payload_numbers(payload).map_err(|e| IssueError::Claims(e.to_string()))?;
        let canonical = canonical(payload).map_err(IssueError::Claims)?;
        let signature = signer.sign(&canonical)?;
        let mut doc = Map::new();
        doc.insert("payload".into(), Value::Object(payload.clone()));
        doc.insert("signature".into(), Value::String(b64url(&signature)));
        doc.insert("kid".into(), Value::String(signer.kid().to_owned()));
        serde_json::to_string_pretty(&Value::Object(doc)).map_err(|e| IssueError::Claims(e.to_string()))
    }
}

fn canonical(payload: &Map<String, Value>) -> Result<Vec<u8>, String> {
    serde_json_canonicalizer::to_vec(payload)
        .map_err(|e| format!("signed document: payload cannot be canonicalized: {e}"))
}

fn check_payload_numbers(payload: &Map<String, Value>) -> Result<(), VerifyError> {
    payload
        .iter()
        .try_for_each(|(k, v)| check_numbers(&format!("payload.{k}"), v))
}

/// Only integers JCS writes back exactly; the path names the first offending member.
fn check_numbers(path: &str, value: &Value) -> Result<(), VerifyError> {
    match value {
        Value::Number(n) => {
            let magnitude = n.as_u64().or_else(|| n.as_i64().map(i64::unsigned_abs));
            if magnitude.is_some_and(|m| m <= MAX_SAFE_INTEGER) {
                Ok(())
            } else {
                Err(VerifyError::malformed(format!(
                    "signed document: {path} is {n}; numbers must be integers within ±(2^53 − 1), with no fraction or exponent"
                )))
            }
        }
        Value::Array(items) => items
            .iter()
            .enumerate()
            .try_for_each(|(i, v)| check_numbers(&format!("{path}[{i}]"), v)),
        Value::Object(members) => members
            .iter()
            .try_for_each(|(k, v)| check_numbers(&format!("{path}.{k}"), v)),
        Value::Null | Value::Bool(_) | Value::String(_) => Ok(()),
    }
}

#[cfg(test)]
mod tests;
