//! What the vendor answers when it issues a license.

use licet_core::UnixTime;
use serde::{Deserialize, Serialize};

/// Install credentials (the bearer secret an install presents to `GET /v1/renew`) start with this, so that a
/// leaked one is recognisable to secret scanners and to people.
pub const INSTALL_CREDENTIAL_PREFIX: &str = "licet_ic_";

/// One issued license, as the vendor's JSON API reports it. The offline exchange and connected renewal answer the
/// license text alone (`text/plain`); this is the same license with what the vendor recorded about it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct IssuedLicense {
    pub install_id: String,
    /// The license's `lic.sequence`: strictly increasing per install.
    pub sequence: u64,
    /// SHA-256 (lowercase hex) of `token`, the name audit logs and activation requests use.
    pub fingerprint: String,
    pub issued_at: UnixTime,
    /// `None` for a perpetual license.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exp: Option<UnixTime>,
    /// The compact JWS.
    pub token: String,
    /// The same license as an armored file, ready to save.
    pub armored: String,
}
