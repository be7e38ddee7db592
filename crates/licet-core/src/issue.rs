//! Issuing: claims + a [`JwsSigner`] → a signed token in one of the three encodings.
//!
//! The header written is `{"alg": <signer's alg>, "typ": "JWT", "kid": <signer's kid>}`: the kid is always set, so
//! verifiers with a rotated (multi-key) keyring can find the key.

use serde_json::{Map, Value};

use crate::alg::{JwsSigner, SignError};
use crate::claims::Claims;
use crate::token::{b64url, encode_compact, Encoding};

#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum IssueError {
    #[error(transparent)]
    Sign(#[from] SignError),
    #[error("the claims cannot be issued: {0}")]
    Claims(String),
}

/// Signs `claims` and writes the token in `encoding`. Refuses claims this build could not itself verify
/// (a schema major it does not know).
pub fn issue(claims: &Claims, signer: &dyn JwsSigner, encoding: Encoding) -> Result<String, IssueError> {
    if !claims.lic.schema.is_supported() {
        return Err(IssueError::Claims(format!(
            "lic.schema {} is not a schema this build reads",
            claims.lic.schema
        )));
    }
    let payload = serde_json::to_vec(claims).map_err(|e| IssueError::Claims(e.to_string()))?;
    let compact = sign_payload(&payload, signer)?;
    Ok(encode_compact(&compact, encoding))
}

/// The standard licet header for `signer`.
pub fn header_for(signer: &dyn JwsSigner) -> Map<String, Value> {
    let mut h = Map::new();
    h.insert("alg".into(), Value::String(signer.alg().as_str().to_owned()));
    h.insert("typ".into(), Value::String("JWT".to_owned()));
    h.insert("kid".into(), Value::String(signer.kid().to_owned()));
    h
}

/// Signs arbitrary payload bytes under the standard header; returns the compact form. [`issue`] is the way to
/// make a license; this is for tooling and tests that need a payload `Claims` cannot express.
pub fn sign_payload(payload: &[u8], signer: &dyn JwsSigner) -> Result<String, IssueError> {
    let header = Value::Object(header_for(signer)).to_string();
    sign_raw(header.as_bytes(), payload, signer)
}

/// Signs exactly the given header and payload bytes; returns the compact form. No policy is applied, so this can
/// make tokens licet refuses (tests use it to prove that). Never use it to issue licenses.
pub fn sign_raw(header_json: &[u8], payload: &[u8], signer: &dyn JwsSigner) -> Result<String, IssueError> {
    let mut compact = b64url(header_json);
    compact.push('.');
    compact.push_str(&b64url(payload));
    let signature = signer.sign(compact.as_bytes())?;
    compact.push('.');
    compact.push_str(&b64url(&signature));
    Ok(compact)
}
