//! The activation request: a file this install signs with its own Ed25519 key (made once, at first start, and kept
//! in the store) so the vendor can tell it came from the install it names. Offline installs carry it to the vendor
//! (`POST /v1/activation`, or `licet vendor activate` on an air-gapped vendor machine) and import the answer.
//! The format is licet-proto's, the one the vendor reads.

use licet_core::{FileSigner, UnixTime};
use licet_proto::{ActivationRequest, Ed25519Jwk};

use crate::service::{ActivationFile, AuditEntry, Identity, ServiceError, StatusView};

fn internal(e: impl std::fmt::Display) -> ServiceError {
    ServiceError::Internal(e.to_string())
}

pub(crate) fn request(
    key: &FileSigner,
    identity: &Identity,
    status: &StatusView,
    now: UnixTime,
) -> Result<ActivationFile, ServiceError> {
    let mut nonce = [0u8; 16];
    rand_core::RngCore::try_fill_bytes(&mut rand_core::OsRng, &mut nonce).map_err(internal)?;
    let request = ActivationRequest {
        v: licet_proto::activation::FORMAT_VERSION,
        install_id: identity.install_id.clone(),
        fingerprint: identity.fingerprint.clone(),
        license_fingerprint: status.license_fingerprint.clone(),
        products: status.products.clone(),
        created_at: now,
        nonce: hex::encode(nonce),
        public_key: Ed25519Jwk::from_public_key(&key.key().public_key()).map_err(internal)?,
    };
    let signed = request.sign(key).map_err(internal)?;
    Ok(ActivationFile {
        filename: format!("licet-activation-{}.txt", identity.install_id),
        content_type: licet_proto::media::ACTIVATION_REQUEST.to_owned(),
        body: signed.armored(),
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
        source: detail("source"),
        outcome: detail("outcome").unwrap_or_else(|| "ok".to_owned()),
        // A refused change keeps its list at the top; an install keeps what the runtime added under `extra`.
        changes: [
            e.details.get("changes"),
            e.details.get("extra").and_then(|x| x.get("changes")),
        ]
        .into_iter()
        .flatten()
        .find_map(|v| serde_json::from_value(v.clone()).ok())
        .unwrap_or_default(),
    }
}
