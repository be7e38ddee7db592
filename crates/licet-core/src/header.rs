//! The JOSE header policy. Everything the header can say that would let the token choose how it is checked is
//! refused here, before any key is looked at:
//!
//! - `alg` must be one of licet's three asymmetric algorithms, spelled exactly (`none` in any casing, `HS*` and
//!   anything unknown are `license_alg_forbidden`);
//! - `jwk`, `jku`, `x5u`, `x5c` (a key or a pointer to one) are `license_embedded_key`: keys come from the keyring;
//! - `crit` is `license_unknown_crit`: licet implements no JWS extensions, so any critical one is unknown. `b64`
//!   (RFC 7797, which changes what is signed) counts as such an extension even when `crit` does not list it.
//!
//! Other members (`typ`, `cty`, private ones) are allowed and ignored.

use serde_json::{Map, Value};

use crate::alg::Alg;
use crate::json::{self, JsonError};
use crate::verify_error::VerifyError;

/// Header members that carry or point at a key.
pub const EMBEDDED_KEY_PARAMS: [&str; 4] = ["jwk", "jku", "x5u", "x5c"];

/// A protected header that passed the policy.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Header {
    pub alg: Alg,
    pub kid: Option<String>,
    pub typ: Option<String>,
}

impl Header {
    /// Parses the decoded protected header and applies the policy.
    pub fn parse(bytes: &[u8]) -> Result<Header, VerifyError> {
        let map = parse_object("header", bytes)?;
        Header::from_map(&map)
    }

    pub(crate) fn from_map(map: &Map<String, Value>) -> Result<Header, VerifyError> {
        let alg = match map.get("alg") {
            Some(Value::String(s)) => Alg::from_jose(s).ok_or_else(|| VerifyError::AlgForbidden { alg: s.clone() })?,
            Some(_) => return Err(VerifyError::malformed("header alg is not a string")),
            None => return Err(VerifyError::malformed("header has no alg")),
        };
        if let Some(param) = EMBEDDED_KEY_PARAMS.iter().find(|p| map.contains_key(**p)) {
            return Err(VerifyError::EmbeddedKey {
                param: (*param).to_owned(),
            });
        }
        if let Some(crit) = map.get("crit") {
            return Err(VerifyError::UnknownCrit {
                detail: format!("crit {crit}"),
            });
        }
        if map.contains_key("b64") {
            return Err(VerifyError::UnknownCrit {
                detail: "b64 (RFC 7797 unencoded payload)".to_owned(),
            });
        }
        Ok(Header {
            alg,
            kid: optional_string(map, "kid")?,
            typ: optional_string(map, "typ")?,
        })
    }
}

fn optional_string(map: &Map<String, Value>, name: &str) -> Result<Option<String>, VerifyError> {
    match map.get(name) {
        None => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(_) => Err(VerifyError::malformed(format!("header {name} is not a string"))),
    }
}

/// Strict-parses a JSON object that is one part of a token (`header`, `claims`, `envelope`).
pub(crate) fn parse_object(part: &'static str, bytes: &[u8]) -> Result<Map<String, Value>, VerifyError> {
    json::parse_strict_object(bytes).map_err(|e| match e {
        JsonError::DuplicateKey(name) => VerifyError::DuplicateMember { part, name },
        JsonError::Syntax(detail) => VerifyError::malformed(format!("{part}: {detail}")),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::reason::Reason;

    fn reason(json: &str) -> Reason {
        Header::parse(json.as_bytes()).unwrap_err().reason()
    }

    #[test]
    fn accepts_the_three_algs_with_kid_and_typ() {
        for alg in [Alg::EdDSA, Alg::RS256, Alg::ES256] {
            let h = Header::parse(format!(r#"{{"alg":"{alg}","kid":"k1","typ":"JWT","x-own":1}}"#).as_bytes()).unwrap();
            assert_eq!(h.alg, alg);
            assert_eq!(h.kid.as_deref(), Some("k1"));
        }
    }

    #[test]
    fn forbidden_algs() {
        for alg in [
            "none", "None", "NONE", "nOnE", "HS256", "HS384", "HS512", "PS256", "ES512", "eddsa", "rs256", "",
        ] {
            assert_eq!(
                reason(&format!(r#"{{"alg":"{alg}"}}"#)),
                Reason::LicenseAlgForbidden,
                "{alg}"
            );
        }
    }

    #[test]
    fn embedded_keys_crit_and_shape() {
        for p in EMBEDDED_KEY_PARAMS {
            assert_eq!(
                reason(&format!(r#"{{"alg":"EdDSA","{p}":{{}}}}"#)),
                Reason::LicenseEmbeddedKey,
                "{p}"
            );
        }
        assert_eq!(
            reason(r#"{"alg":"EdDSA","crit":["exp"],"exp":1}"#),
            Reason::LicenseUnknownCrit
        );
        assert_eq!(reason(r#"{"alg":"EdDSA","b64":false}"#), Reason::LicenseUnknownCrit);
        assert_eq!(reason(r#"{"kid":"k"}"#), Reason::LicenseMalformed);
        assert_eq!(reason(r#"{"alg":1}"#), Reason::LicenseMalformed);
        assert_eq!(reason(r#"{"alg":"EdDSA","kid":7}"#), Reason::LicenseMalformed);
        assert_eq!(
            reason(r#"{"alg":"EdDSA","alg":"EdDSA"}"#),
            Reason::LicenseDuplicateClaim
        );
        assert_eq!(reason(r#"["alg"]"#), Reason::LicenseMalformed);
    }
}
