//! The token codec: bytes in, the three JWS parts out; and back. No key and no claim is judged here.
//!
//! Three encodings of one signed object, detected automatically:
//!
//! - **compact** (RFC 7515 §7.1): `BASE64URL(header).BASE64URL(payload).BASE64URL(signature)`;
//! - **flattened JSON** (RFC 7515 §7.2.2): `{"protected": …, "payload": …, "signature": …, "header"?: {…}}`. The
//!   unprotected `header`, if present, may not carry `alg`, `kid`, `crit`, `b64` or a key: anything that decides how
//!   the token is checked must be signed. Other unprotected members are ignored. The general serialization (several
//!   signatures) and any other top-level member are refused;
//! - **armored**: `-----BEGIN LICENSE-----`, the compact token wrapped at 64 columns, `-----END LICENSE-----`.
//!   The body *is* the compact token (base64url text with dots), not a second base64 layer, so a person can copy the
//!   lines between the markers and have the compact form.
//!
//! Rules for all three: the size limit is enforced before anything is parsed; ASCII whitespace (line breaks from
//! pasting) is removed from compact and armored text, and one leading UTF-8 byte order mark (Notepad) from any input;
//! base64url is strict (no padding, no non-canonical trailing
//! bits), so every token has exactly one compact spelling. That spelling, [`Jws::compact`], is what is signed over
//! and what the store keeps; the fingerprint ([`crate::fingerprint`]) names the signature, so one license has the
//! same fingerprint in every encoding.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use serde_json::{Map, Value};

use crate::alg::Alg;
use crate::fingerprint;
use crate::header::{self, EMBEDDED_KEY_PARAMS};
use crate::verify_error::VerifyError;

/// The largest token accepted, in bytes, counted on the raw input before whitespace is removed.
pub const MAX_TOKEN_BYTES: usize = 64 * 1024;

pub const ARMOR_BEGIN: &str = "-----BEGIN LICENSE-----";
pub const ARMOR_END: &str = "-----END LICENSE-----";
const ARMOR_WIDTH: usize = 64;
/// U+FEFF, the UTF-8 byte order mark (EF BB BF).
const BOM: char = '\u{feff}';

/// The three ways a license is written down.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Encoding {
    Compact,
    Json,
    Armored,
}

impl Encoding {
    pub fn as_str(self) -> &'static str {
        match self {
            Encoding::Compact => "compact",
            Encoding::Json => "json",
            Encoding::Armored => "armored",
        }
    }
}

/// A token taken apart and base64-decoded. Not verified: nothing here is trusted yet.
#[derive(Clone, Debug)]
pub struct Jws {
    encoding: Encoding,
    compact: String,
    signing_input_len: usize,
    header: Map<String, Value>,
    payload: Vec<u8>,
    signature: Vec<u8>,
}

impl Jws {
    /// Decodes any of the three encodings. `max_bytes` is checked first, on the raw input.
    pub fn decode(input: &[u8], max_bytes: usize) -> Result<Jws, VerifyError> {
        if input.len() > max_bytes {
            return Err(VerifyError::TooLarge {
                len: input.len(),
                limit: max_bytes,
            });
        }
        let text = std::str::from_utf8(input).map_err(|_| VerifyError::malformed("not UTF-8 text"))?;
        let ws = |c: char| c.is_ascii_whitespace();
        let trimmed = text.trim_matches(ws);
        // Windows Notepad saves UTF-8 with a byte order mark, and a license is a file people open there. One BOM
        // is dropped, with the whitespace around it; a second one is not something any editor writes.
        let trimmed = trimmed.strip_prefix(BOM).map_or(trimmed, |rest| rest.trim_matches(ws));
        if trimmed.starts_with('{') {
            decode_flattened(trimmed)
        } else if let Some(rest) = trimmed.strip_prefix(ARMOR_BEGIN) {
            let body = rest
                .strip_suffix(ARMOR_END)
                .ok_or_else(|| VerifyError::malformed(format!("armored license does not end with {ARMOR_END}")))?;
            decode_compact(body, Encoding::Armored)
        } else {
            decode_compact(trimmed, Encoding::Compact)
        }
    }

    pub fn encoding(&self) -> Encoding {
        self.encoding
    }

    /// The canonical compact serialization, whatever the input encoding was.
    pub fn compact(&self) -> &str {
        &self.compact
    }

    /// `BASE64URL(header) || '.' || BASE64URL(payload)`: the bytes the signature covers.
    pub fn signing_input(&self) -> &[u8] {
        self.compact
            .as_bytes()
            .get(..self.signing_input_len)
            .unwrap_or_default()
    }

    /// The protected header as (strict) JSON, before the header policy.
    pub fn header_json(&self) -> &Map<String, Value> {
        &self.header
    }

    pub fn payload(&self) -> &[u8] {
        &self.payload
    }

    pub fn signature(&self) -> &[u8] {
        &self.signature
    }

    /// The license's fingerprint ([`crate::fingerprint`]) under the header's `alg`. Names a license only once
    /// the token verified.
    pub fn fingerprint(&self) -> String {
        let alg = self.header.get("alg").and_then(Value::as_str).and_then(Alg::from_jose);
        match alg {
            Some(alg) => fingerprint::of_signature(alg, &self.signature),
            // No known alg: the token cannot verify; still give it a stable name for display.
            None => fingerprint::of_signature(Alg::EdDSA, self.compact.as_bytes()),
        }
    }

    /// The same token in another encoding.
    pub fn encode(&self, encoding: Encoding) -> String {
        encode_compact(&self.compact, encoding)
    }
}

/// Re-encodes a compact token. The caller vouches that `compact` has three dot-separated parts (as tokens made by
/// [`crate::issue`] and [`Jws::compact`] do); a malformed one is wrapped as-is.
pub fn encode_compact(compact: &str, encoding: Encoding) -> String {
    match encoding {
        Encoding::Compact => compact.to_owned(),
        Encoding::Armored => {
            let mut out = String::with_capacity(compact.len() + compact.len() / ARMOR_WIDTH + 64);
            out.push_str(ARMOR_BEGIN);
            out.push('\n');
            let mut rest = compact;
            while !rest.is_empty() {
                // base64url and '.' are ASCII, so any byte index is a char boundary.
                let (line, tail) = rest.split_at(rest.len().min(ARMOR_WIDTH));
                out.push_str(line);
                out.push('\n');
                rest = tail;
            }
            out.push_str(ARMOR_END);
            out.push('\n');
            out
        }
        Encoding::Json => {
            let mut parts = compact.splitn(3, '.');
            let mut doc = Map::new();
            for name in ["protected", "payload", "signature"] {
                doc.insert(
                    name.to_owned(),
                    Value::String(parts.next().unwrap_or_default().to_owned()),
                );
            }
            Value::Object(doc).to_string()
        }
    }
}

fn decode_compact(text: &str, encoding: Encoding) -> Result<Jws, VerifyError> {
    let cleaned;
    let compact = if text.bytes().any(|b| b.is_ascii_whitespace()) {
        cleaned = text.chars().filter(|c| !c.is_ascii_whitespace()).collect::<String>();
        cleaned.as_str()
    } else {
        text
    };
    let mut parts = compact.split('.');
    let (Some(h), Some(p), Some(s), None) = (parts.next(), parts.next(), parts.next(), parts.next()) else {
        return Err(VerifyError::malformed(
            "a compact license has exactly three dot-separated parts",
        ));
    };
    from_parts(h, p, s, encoding)
}

fn decode_flattened(text: &str) -> Result<Jws, VerifyError> {
    let envelope = header::parse_object("envelope", text.as_bytes())?;
    let mut protected = None;
    let mut payload = None;
    let mut signature = None;
    for (name, value) in &envelope {
        match (name.as_str(), value) {
            ("protected", Value::String(s)) => protected = Some(s.as_str()),
            ("payload", Value::String(s)) => payload = Some(s.as_str()),
            ("signature", Value::String(s)) => signature = Some(s.as_str()),
            ("header", Value::Object(h)) => check_unprotected(h)?,
            ("signatures", _) => {
                return Err(VerifyError::malformed(
                    "general JWS JSON serialization (several signatures) is not a license",
                ))
            }
            (other, _) => {
                return Err(VerifyError::malformed(format!(
                    "unexpected or mistyped member {other:?}"
                )))
            }
        }
    }
    match (protected, payload, signature) {
        (Some(h), Some(p), Some(s)) => from_parts(h, p, s, Encoding::Json),
        _ => Err(VerifyError::malformed(
            "a JSON license needs protected, payload and signature",
        )),
    }
}

/// What decides how a token is checked must be under the signature.
fn check_unprotected(h: &Map<String, Value>) -> Result<(), VerifyError> {
    if let Some(param) = EMBEDDED_KEY_PARAMS.iter().find(|p| h.contains_key(**p)) {
        return Err(VerifyError::EmbeddedKey {
            param: format!("{param} (unprotected)"),
        });
    }
    if h.contains_key("crit") || h.contains_key("b64") {
        return Err(VerifyError::UnknownCrit {
            detail: "crit or b64 in the unprotected header".to_owned(),
        });
    }
    if let Some(param) = ["alg", "kid"].iter().find(|p| h.contains_key(**p)) {
        return Err(VerifyError::malformed(format!(
            "{param} must be in the protected header"
        )));
    }
    Ok(())
}

fn from_parts(h: &str, p: &str, s: &str, encoding: Encoding) -> Result<Jws, VerifyError> {
    // An empty signature decodes to no bytes and fails later, as the header policy (`alg: none`) or as a bad
    // signature; an empty payload (RFC 7515 detached content) is not a license.
    if p.is_empty() {
        return Err(VerifyError::malformed("the payload is empty"));
    }
    let header_bytes = b64("header", h)?;
    let header = header::parse_object("header", &header_bytes)?;
    let payload = b64("payload", p)?;
    let signature = b64("signature", s)?;
    let mut compact = String::with_capacity(h.len() + p.len() + s.len() + 2);
    compact.push_str(h);
    compact.push('.');
    compact.push_str(p);
    let signing_input_len = compact.len();
    compact.push('.');
    compact.push_str(s);
    Ok(Jws {
        encoding,
        compact,
        signing_input_len,
        header,
        payload,
        signature,
    })
}

fn b64(part: &str, text: &str) -> Result<Vec<u8>, VerifyError> {
    b64url_decode(text).map_err(|e| VerifyError::malformed(format!("{part} is not unpadded base64url: {e}")))
}

/// Strict unpadded base64url: padding and non-canonical trailing bits are errors.
pub(crate) fn b64url_decode(text: &str) -> Result<Vec<u8>, base64::DecodeError> {
    URL_SAFE_NO_PAD.decode(text)
}

/// Encodes bytes as unpadded base64url, the only base64 JOSE uses.
pub fn b64url(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

#[cfg(test)]
mod tests;
