//! The activation request: a file this install signs with its own key (made at first start) so the vendor can
//! tell it came from the install it names. Offline installs send it to the vendor and import the answer.
//!
//! Format: an armored compact JWS (EdDSA) whose payload names the install id, host fingerprint, current license
//! fingerprint and products, and carries the install's public key as a JWK so the vendor can check the signature
//! and pin the key for later requests.

use licet_core::{FileSigner, JwsSigner, UnixTime};
use serde_json::json;

use crate::service::{ActivationFile, AuditEntry, Identity, ServiceError, StatusView};

pub const BEGIN: &str = "-----BEGIN LICET ACTIVATION REQUEST-----";
pub const END: &str = "-----END LICET ACTIVATION REQUEST-----";

pub(crate) fn request(
    key: &FileSigner,
    identity: &Identity,
    status: &StatusView,
    now: UnixTime,
) -> Result<ActivationFile, ServiceError> {
    let payload = json!({
        "typ": "licet-activation-request",
        "v": 1,
        "install_id": identity.install_id,
        "fingerprint": identity.fingerprint,
        "license_fingerprint": status.license_fingerprint,
        "customer_id": status.customer.as_ref().map(|c| c.id.clone()),
        "products": status.products,
        "iat": now,
        "install_key": key.key().public_key().to_jwk(key.kid()),
    });
    let bytes = serde_json::to_vec(&payload).map_err(|e| ServiceError::Internal(e.to_string()))?;
    let jws = licet_core::issue::sign_payload(&bytes, key as &dyn JwsSigner)
        .map_err(|e| ServiceError::Internal(e.to_string()))?;
    let mut body = String::from(BEGIN);
    body.push('\n');
    let chars: Vec<char> = jws.chars().collect();
    for line in chars.chunks(64) {
        body.extend(line);
        body.push('\n');
    }
    body.push_str(END);
    body.push('\n');
    Ok(ActivationFile {
        filename: format!("licet-activation-{}.txt", identity.install_id),
        content_type: "text/plain; charset=utf-8".into(),
        body,
    })
}

/// A store audit entry as the API shows it.
pub(crate) fn audit_entry(e: licet_store::AuditEntry) -> AuditEntry {
    let detail = |k: &str| e.details.get(k).and_then(|v| v.as_str()).map(str::to_owned);
    AuditEntry {
        id: e.id,
        at: e.at.to_rfc3339(),
        actor: e.actor.clone(),
        action: e.action.clone(),
        scope: detail("scope").unwrap_or_else(|| "instance".to_owned()),
        reason: e.reason.clone(),
        license_fingerprint: e.fingerprint.clone(),
        outcome: detail("outcome").unwrap_or_else(|| "ok".to_owned()),
    }
}
