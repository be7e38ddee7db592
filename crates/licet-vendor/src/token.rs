//! Token encoding for issued licenses.
//!
//! Interim: licet-core's codec (`licet_core::issue`, `token::encode_compact`) lands with the `trust` work; until
//! then this writes the same form it specifies (header `{"alg","typ":"JWT","kid"}`, compact JWS, SHA-256 hex
//! fingerprint of the compact form, armor at 64 columns) so the vendor can be built and tested against it.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use licet_core::{Claims, JwsSigner};
use sha2::{Digest, Sha256};

use crate::error::VendorError;

pub fn issue_compact(claims: &Claims, signer: &dyn JwsSigner) -> Result<String, VendorError> {
    let header = serde_json::json!({"alg": signer.alg().as_str(), "typ": "JWT", "kid": signer.kid()});
    let payload = serde_json::to_vec(claims).map_err(|e| VendorError::Corrupt(format!("claims: {e}")))?;
    let mut compact = URL_SAFE_NO_PAD.encode(header.to_string());
    compact.push('.');
    compact.push_str(&URL_SAFE_NO_PAD.encode(payload));
    let signature = signer.sign(compact.as_bytes())?;
    compact.push('.');
    compact.push_str(&URL_SAFE_NO_PAD.encode(signature));
    Ok(compact)
}

/// SHA-256 of the compact token, lowercase hex.
pub fn fingerprint(compact: &str) -> String {
    hex::encode(Sha256::digest(compact.as_bytes()))
}

/// The license file: `-----BEGIN LICENSE-----`, the compact token at 64 columns, `-----END LICENSE-----`.
pub fn armored(compact: &str) -> String {
    licet_proto::armor::armor("LICENSE", compact)
}
