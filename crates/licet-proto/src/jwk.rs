//! The install's activation key as a JWK (RFC 8037 `OKP`/`Ed25519`), and its RFC 7638 thumbprint.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use licet_core::{Jwk, PublicKey};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::error::ProtoError;

/// An Ed25519 public key in JWK form. Only this one key type exists here: an activation request signed with
/// anything else is not representable.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Ed25519Jwk {
    /// Always `"OKP"`.
    pub kty: String,
    /// Always `"Ed25519"`.
    pub crv: String,
    /// The 32-byte public key, base64url without padding.
    pub x: String,
}

impl Ed25519Jwk {
    pub fn from_public_key_bytes(bytes: &[u8; 32]) -> Self {
        Ed25519Jwk {
            kty: "OKP".into(),
            crv: "Ed25519".into(),
            x: URL_SAFE_NO_PAD.encode(bytes),
        }
    }

    /// The JWK of an Ed25519 public key (the install's activation key); any other key type is refused, since a
    /// request signed with it could not be verified.
    pub fn from_public_key(key: &PublicKey) -> Result<Self, ProtoError> {
        let jwk = key.to_jwk("");
        match (jwk.kty.as_str(), jwk.crv, jwk.x) {
            ("OKP", Some(crv), Some(x)) if crv == "Ed25519" => Ok(Ed25519Jwk { kty: jwk.kty, crv, x }),
            _ => Err(ProtoError::AlgForbidden {
                alg: key.alg().to_string(),
            }),
        }
    }

    /// The key, if this JWK is a well-formed Ed25519 public key (a valid curve point). Parsed by licet-core, so
    /// the install side's keys and the vendor's are read by one implementation.
    pub fn public_key(&self) -> Result<PublicKey, ProtoError> {
        if self.kty != "OKP" || self.crv != "Ed25519" {
            return Err(ProtoError::malformed(format!(
                "public_key is {}/{}, not OKP/Ed25519",
                self.kty, self.crv
            )));
        }
        let jwk = Jwk {
            kty: self.kty.clone(),
            kid: None,
            alg: None,
            use_: None,
            crv: Some(self.crv.clone()),
            x: Some(self.x.clone()),
            y: None,
            n: None,
            e: None,
            other: Default::default(),
        };
        PublicKey::from_jwk(&jwk).map_err(|e| ProtoError::malformed(format!("public_key: {e}")))
    }

    /// RFC 7638 thumbprint (SHA-256 over the canonical members, base64url): a stable name for the key, what the
    /// vendor records on first use and compares afterwards.
    pub fn thumbprint(&self) -> String {
        // Canonical JSON per RFC 7638 §3.2: required members only, in lexicographic order, no whitespace. Written
        // out rather than through a map so that a `preserve_order` feature elsewhere cannot reorder it.
        let s = |v: &str| serde_json::Value::String(v.to_owned()).to_string();
        let canonical = format!(
            r#"{{"crv":{},"kty":{},"x":{}}}"#,
            s(&self.crv),
            s(&self.kty),
            s(&self.x)
        );
        URL_SAFE_NO_PAD.encode(Sha256::digest(canonical.as_bytes()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc8037_appendix_a_thumbprint() {
        // RFC 8037 A.3: the thumbprint of the example Ed25519 key.
        let jwk = Ed25519Jwk {
            kty: "OKP".into(),
            crv: "Ed25519".into(),
            x: "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo".into(),
        };
        assert_eq!(jwk.thumbprint(), "kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k");
        assert!(jwk.public_key().is_ok());
    }

    #[test]
    fn rejects_other_key_types_and_bad_lengths() {
        let mut jwk = Ed25519Jwk::from_public_key_bytes(&[7; 32]);
        jwk.crv = "X25519".into();
        assert!(jwk.public_key().is_err());
        let short = Ed25519Jwk {
            x: URL_SAFE_NO_PAD.encode([1u8; 31]),
            ..Ed25519Jwk::from_public_key_bytes(&[0; 32])
        };
        assert!(short.public_key().is_err());
    }

    #[test]
    fn from_public_key_round_trips_ed25519_and_refuses_others() {
        let seed = ed25519_dalek::SigningKey::from_bytes(&[9; 32]).verifying_key();
        let ed = PublicKey::from_ed25519(seed).unwrap();
        let jwk = Ed25519Jwk::from_public_key(&ed).unwrap();
        assert_eq!(jwk, Ed25519Jwk::from_public_key_bytes(seed.as_bytes()));
        // RFC 7517 A.1's P-256 key: a valid key, but not one an activation request may be signed with.
        let ec = Jwk {
            kty: "EC".into(),
            kid: None,
            alg: None,
            use_: None,
            crv: Some("P-256".into()),
            x: Some("MKBCTNIcKUSDii11ySs3526iDZ8AiTo7Tu6KPAqv7D4".into()),
            y: Some("4Etl6SRW2YiLUrN5vfvVHuhp7x8PxltmWWlbbM4IFyM".into()),
            n: None,
            e: None,
            other: Default::default(),
        };
        let err = Ed25519Jwk::from_public_key(&PublicKey::from_jwk(&ec).unwrap()).unwrap_err();
        assert_eq!(err.code(), "activation_request_alg_forbidden");
    }
}
