//! What the vendor keeps: customers, their installs, each install's entitlements, signing keys, issued licenses
//! and the audit log. These are the JSON API's bodies too.

use std::collections::BTreeMap;

use licet_core::{Alg, Limit, OrgEntitlement, UnixTime};
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Customer {
    pub id: String,
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    pub created_at: UnixTime,
}

/// One deployment of the product at a customer.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Install {
    /// The install's own id (the UUID it made on first start), bound into every license issued for it.
    pub id: String,
    pub customer_id: String,
    /// The `aud` its licenses carry: the product (family) it runs.
    pub audience: String,
    /// Host fingerprints the license is bound to; empty means not bound to a host.
    pub fingerprints: Vec<String>,
    /// Domains the license is bound to; empty means not bound to a domain.
    pub domains: Vec<String>,
    /// Whether a connected-renewal credential is set (the credential itself is shown once and stored hashed).
    pub has_credential: bool,
    /// RFC 7638 thumbprint of the install's activation key, recorded the first time it sent a request.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub activation_key_thumbprint: Option<String>,
    /// The `lic.sequence` of the last license issued; 0 before the first.
    pub sequence: u64,
    /// Bumped by every change that alters the claims an issue would make (binding, entitlements, orgs).
    pub revision: u64,
    /// Last successful `GET /v1/renew`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_refresh_at: Option<UnixTime>,
    pub created_at: UnixTime,
}

/// What an install is entitled to; every license issued for it is built from this.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Entitlements {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub edition: Option<String>,
    #[serde(default)]
    pub products: Vec<String>,
    #[serde(default)]
    pub features: Vec<String>,
    #[serde(default)]
    pub limits: BTreeMap<String, Limit>,
    /// Per-org (tenant, workspace) entitlements. For a multi-tenant install, every tenant is listed here and
    /// the one license carries them all (fan-out happens on the install side).
    #[serde(default)]
    pub orgs: Vec<OrgEntitlement>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_orgs: Option<Limit>,
    /// Days from issue to `exp`; absent means a perpetual license.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub validity_days: Option<u32>,
    /// Overrides the renewal URL put in licenses; by default this server's `/v1/renew`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub renewal_url: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SigningKey {
    pub kid: String,
    pub alg: Alg,
    /// SPKI PEM of the public key: what products compile in.
    pub public_pem: String,
    /// Where the private key is: `file:<path>` (PKCS#8 PEM) or `pkcs11:<label>` (a key in an HSM).
    pub private_ref: String,
    /// Exactly one key is active: it signs new licenses. Older keys stay listed for verification.
    pub active: bool,
    pub created_at: UnixTime,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retired_at: Option<UnixTime>,
}

/// An issued license as the vendor recorded it (the token included).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LicenseRecord {
    pub install_id: String,
    pub sequence: u64,
    /// The install's revision the claims were built from.
    pub revision: u64,
    pub kid: String,
    pub fingerprint: String,
    pub issued_at: UnixTime,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exp: Option<UnixTime>,
    pub token: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEntry {
    pub id: i64,
    pub at: UnixTime,
    /// `admin`, `renewal`, `activation`, …
    pub actor: String,
    pub action: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub install_id: Option<String>,
    pub detail: String,
}
