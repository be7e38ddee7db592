//! The license formats the CLI reads and writes: licet's own, and the profiles' (their manuals') formats.
//!
//! `issue`, `inspect` and `verify` share this so that what `licet inspect` says licet reads is what a product
//! with that profile would read, and what `licet issue` warns about is what such a product would ignore.

use anyhow::bail;
use licet_core::format::{ClaimMap, Envelope, Implied};
use licet_core::json::JsonError;
use licet_core::{profiles, Claims, Jws, SignedDocument, VerifyError, MAX_TOKEN_BYTES};
use serde_json::{Map, Value};

/// The top-level members licet's own format reads; anything else lands in `extra`.
pub const LICET_MEMBERS: [&str; 8] = ["iss", "sub", "aud", "iat", "nbf", "exp", "jti", "lic"];

/// The vendor format of profile `name`.
pub fn profile_format(name: &str) -> anyhow::Result<&'static ClaimMap> {
    let Some(policy) = profiles::by_name(name) else {
        let known: Vec<&str> = profiles::names().collect();
        bail!("no profile {name:?}; the profiles are {}", known.join(", "))
    };
    match policy.format.mapping() {
        Some(map) => Ok(map),
        None => bail!("profile {name:?} reads licet's own format only; drop --profile"),
    }
}

/// Every profile's vendor format, in the profiles' order.
pub fn all_formats() -> impl Iterator<Item = &'static ClaimMap> {
    profiles::names()
        .filter_map(profiles::by_name)
        .filter_map(|p| p.format.mapping())
}

/// The profiles whose format reads top-level `member`, for "did you mean --profile …".
pub fn formats_reading(member: &str) -> Vec<&'static str> {
    all_formats()
        .filter(|map| map.rules.iter().any(|r| r.member == member))
        .map(|map| map.name)
        .collect()
}

/// A mapping error as the verifier reports it: stable code and sentence, naming the format and member.
pub fn mapping_error(map: &ClaimMap, e: licet_core::format::MapError) -> VerifyError {
    match e {
        licet_core::format::MapError::Missing { member } => VerifyError::ClaimMissing {
            format: map.name,
            member,
        },
        licet_core::format::MapError::WrongType { member, expected } => VerifyError::ClaimWrongType {
            format: map.name,
            member,
            expected,
        },
    }
}

/// A payload read as the verifier reads it: licet's own claims when it has a `lic` member, else `map`'s format.
/// Nothing is verified here.
pub fn read_payload(
    payload: &Map<String, Value>,
    map: Option<&ClaimMap>,
    implied: Implied<'_>,
) -> Result<Claims, VerifyError> {
    match map {
        Some(map) if !payload.contains_key("lic") => {
            map.read(payload.clone(), implied).map_err(|e| mapping_error(map, e))
        }
        _ => serde_json::from_value(Value::Object(payload.clone()))
            .map_err(|e| VerifyError::InvalidClaims { detail: e.to_string() }),
    }
}

/// A license as written, decoded but NOT verified.
pub struct Written {
    /// `signed document`, or the JWS encoding (`compact`, `json`, `armored`).
    pub envelope: String,
    /// The JWS protected header; a signed document has none (its `kid` is beside the payload).
    pub header: Option<Map<String, Value>>,
    pub kid: Option<String>,
    pub fingerprint: String,
    /// The payload as strict JSON, or why it is not.
    pub payload: Result<Map<String, Value>, VerifyError>,
}

impl Written {
    pub fn is_document(&self) -> bool {
        self.header.is_none()
    }
}

/// Decodes a license without verifying it: a signed document when the input is a JSON object whose `payload` is
/// an object (as the verifier decides), otherwise a JWS in any encoding.
pub fn read_unverified(input: &[u8]) -> Result<Written, VerifyError> {
    let trimmed = input.trim_ascii();
    if trimmed.starts_with(b"{") {
        if let Ok(object) = licet_core::json::parse_strict_object(trimmed) {
            if SignedDocument::is_document(&object) {
                let doc = SignedDocument::decode(trimmed, MAX_TOKEN_BYTES)?;
                return Ok(Written {
                    envelope: "signed document".to_owned(),
                    header: None,
                    kid: doc.kid().map(str::to_owned),
                    fingerprint: doc.fingerprint(),
                    payload: Ok(doc.into_payload()),
                });
            }
        }
    }
    let jws = Jws::decode(input, MAX_TOKEN_BYTES)?;
    let header = jws.header_json().clone();
    Ok(Written {
        envelope: jws.encoding().as_str().to_owned(),
        kid: header.get("kid").and_then(Value::as_str).map(str::to_owned),
        header: Some(header),
        fingerprint: jws.fingerprint(),
        payload: strict_object("claims", jws.payload()),
    })
}

/// Strict JSON (no repeated member) as the verifier parses each part, with its error codes.
fn strict_object(part: &'static str, bytes: &[u8]) -> Result<Map<String, Value>, VerifyError> {
    licet_core::json::parse_strict_object(bytes).map_err(|e| match e {
        JsonError::DuplicateKey(name) => VerifyError::DuplicateMember { part, name },
        JsonError::Syntax(detail) => VerifyError::Malformed {
            detail: format!("{part}: {detail}"),
        },
    })
}

/// The formats that could have written `payload` in `written`'s envelope: licet's own when it has `lic`, else
/// `chosen`, else every profile format with that envelope (a JWS profile never reads a signed document).
pub fn candidate_formats(
    payload: &Map<String, Value>,
    document: bool,
    chosen: Option<&'static ClaimMap>,
) -> Vec<Option<&'static ClaimMap>> {
    if payload.contains_key("lic") {
        return vec![None];
    }
    if let Some(map) = chosen {
        return vec![Some(map)];
    }
    all_formats()
        .filter(|map| !document || map.envelope == Envelope::SignedDocument)
        .map(Some)
        .collect()
}
