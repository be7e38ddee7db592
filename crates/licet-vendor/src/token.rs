//! Token encoding for issued licenses: licet-core's codec (compact JWS with header `{"alg","typ":"JWT","kid"}`;
//! fingerprint as licet-core names a license (`licet_core::fingerprint`); the armored `-----BEGIN LICENSE-----`
//! file).

use licet_core::token::encode_compact;
use licet_core::{Claims, Encoding, IssueError, Jws, JwsSigner};

use crate::error::VendorError;

pub fn issue_compact(claims: &Claims, signer: &dyn JwsSigner) -> Result<String, VendorError> {
    licet_core::issue(claims, signer, Encoding::Compact).map_err(|e| match e {
        IssueError::Sign(e) => VendorError::Sign(e),
        other => VendorError::Corrupt(other.to_string()),
    })
}

/// The fingerprint of a token this process just signed: the one every verifier reports for it.
pub fn fingerprint(compact: &str) -> Result<String, VendorError> {
    Jws::decode(compact.as_bytes(), usize::MAX)
        .map(|jws| jws.fingerprint())
        .map_err(|e| VendorError::Corrupt(format!("a token just signed does not decode: {e}")))
}

/// The license file: `-----BEGIN LICENSE-----`, the compact token at 64 columns, `-----END LICENSE-----`. A
/// signed document (a license in Honeyframe's format) is its own file, as it is.
pub fn armored(license: &str) -> String {
    if license.starts_with('{') {
        return license.to_owned();
    }
    encode_compact(license, Encoding::Armored)
}
