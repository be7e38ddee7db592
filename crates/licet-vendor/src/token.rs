//! Token encoding for issued licenses: licet-core's codec (compact JWS with header `{"alg","typ":"JWT","kid"}`;
//! fingerprint = SHA-256 hex of the compact form; the armored `-----BEGIN LICENSE-----` file).

use licet_core::token::{encode_compact, fingerprint_of_compact};
use licet_core::{Claims, Encoding, IssueError, JwsSigner};

use crate::error::VendorError;

pub fn issue_compact(claims: &Claims, signer: &dyn JwsSigner) -> Result<String, VendorError> {
    licet_core::issue(claims, signer, Encoding::Compact).map_err(|e| match e {
        IssueError::Sign(e) => VendorError::Sign(e),
        other => VendorError::Corrupt(other.to_string()),
    })
}

/// SHA-256 of the compact token, lowercase hex.
pub fn fingerprint(compact: &str) -> String {
    fingerprint_of_compact(compact)
}

/// The license file: `-----BEGIN LICENSE-----`, the compact token at 64 columns, `-----END LICENSE-----`. A
/// signed document (a license in Honeyframe's format) is its own file, as it is.
pub fn armored(license: &str) -> String {
    if license.starts_with('{') {
        return license.to_owned();
    }
    encode_compact(license, Encoding::Armored)
}
