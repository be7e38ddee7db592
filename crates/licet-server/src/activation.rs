//! The activation request: a file this install signs with its own Ed25519 key (made at first start) so the vendor
//! can tell it came from the install it names. Offline installs carry it to the vendor and import the answer.
//!
//! Wire format: licet-proto's `ActivationRequest` (vendor branch): an armored (`LICET ACTIVATION REQUEST`) compact
//! JWS with header `{"alg":"EdDSA","typ":"licet-activation-request+jws"}` and payload `{v, install_id,
//! fingerprint, license_fingerprint?, products?, created_at, nonce, public_key: {kty, crv, x}}`. Written here with
//! licet-core's signer until licet-proto is on main; then `request` becomes `ActivationRequest { … }.sign(key)?
//! .armored()`.

use licet_core::{FileSigner, JwsSigner, UnixTime};
use serde_json::{json, Map, Value};

use crate::service::{ActivationFile, AuditEntry, Identity, ServiceError, StatusView};

pub const LABEL: &str = "LICET ACTIVATION REQUEST";
pub const JWS_TYP: &str = "licet-activation-request+jws";

fn internal(e: impl std::fmt::Display) -> ServiceError {
    ServiceError::Internal(e.to_string())
}

pub(crate) fn request(
    key: &FileSigner,
    identity: &Identity,
    status: &StatusView,
    now: UnixTime,
) -> Result<ActivationFile, ServiceError> {
    let jwk = key.key().public_key().to_jwk(key.kid());
    let mut nonce = [0u8; 16];
    rand_core::RngCore::try_fill_bytes(&mut rand_core::OsRng, &mut nonce).map_err(internal)?;
    let mut payload = Map::new();
    payload.insert("v".into(), json!(1));
    payload.insert("install_id".into(), json!(identity.install_id));
    payload.insert("fingerprint".into(), json!(identity.fingerprint));
    if let Some(fp) = &status.license_fingerprint {
        payload.insert("license_fingerprint".into(), json!(fp));
    }
    if !status.products.is_empty() {
        payload.insert("products".into(), json!(status.products));
    }
    payload.insert("created_at".into(), json!(now));
    payload.insert("nonce".into(), json!(hex::encode(nonce)));
    payload.insert("public_key".into(), json!({"kty": jwk.kty, "crv": jwk.crv, "x": jwk.x}));
    let header = json!({"alg": key.alg().as_str(), "typ": JWS_TYP}).to_string();
    let body = serde_json::to_vec(&Value::Object(payload)).map_err(internal)?;
    let compact = licet_core::issue::sign_raw(header.as_bytes(), &body, key as &dyn JwsSigner).map_err(internal)?;
    let mut file = format!("-----BEGIN {LABEL}-----\n");
    let chars: Vec<char> = compact.chars().collect();
    for line in chars.chunks(64) {
        file.extend(line);
        file.push('\n');
    }
    file.push_str(&format!("-----END {LABEL}-----\n"));
    Ok(ActivationFile {
        filename: format!("licet-activation-{}.txt", identity.install_id),
        content_type: "text/plain; charset=utf-8".into(),
        body: file,
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
