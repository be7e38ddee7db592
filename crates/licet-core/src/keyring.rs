//! The keys a product trusts, looked up by `kid` so that a vendor can rotate keys: ship the new public key in a
//! release, start signing with it, keep the old one in the keyring until the licenses it signed have lapsed.
//!
//! Each [`TrustedKey`] is pinned to exactly one algorithm; a header naming another one is `license_alg_mismatch`
//! before any signature arithmetic happens.
//!
//! **A token without `kid`** is accepted only when the keyring holds exactly one key, which is then the key it must
//! verify under. With two or more keys it is `license_unknown_key`: guessing, or trying every key, would make the
//! result depend on keyring order and multiply the work an attacker can cause.

use serde::Deserialize;

use crate::alg::Alg;
use crate::keys::{check_kid, Jwk, KeyError, PublicKey};
use crate::verify_error::VerifyError;

/// One trusted public key: its id, its one algorithm, and the key pre-parsed for verification.
#[derive(Clone, Debug)]
pub struct TrustedKey {
    kid: String,
    alg: Alg,
    key: PublicKey,
}

impl TrustedKey {
    /// `alg` must be the algorithm of the key's type (an RSA key cannot be pinned to EdDSA).
    pub fn new(kid: impl Into<String>, alg: Alg, key: PublicKey) -> Result<TrustedKey, KeyError> {
        let kid = check_kid(kid.into())?;
        if key.alg() != alg {
            return Err(KeyError::AlgKeyMismatch {
                kid,
                declared: alg.as_str().to_owned(),
                actual: key.alg(),
            });
        }
        Ok(TrustedKey { kid, alg, key })
    }

    /// From a SPKI PEM, with the kid and alg given alongside (a PEM carries neither).
    pub fn from_spki_pem(kid: impl Into<String>, alg: Alg, pem: &str) -> Result<TrustedKey, KeyError> {
        TrustedKey::new(kid, alg, PublicKey::from_spki_pem(pem)?)
    }

    pub fn from_spki_der(kid: impl Into<String>, alg: Alg, der: &[u8]) -> Result<TrustedKey, KeyError> {
        TrustedKey::new(kid, alg, PublicKey::from_spki_der(der)?)
    }

    /// From a JWK, which must carry a `kid`. `alg` is optional (RFC 7517 §4.4; jwcrypto and PyJWT export keys
    /// without it): each key type has exactly one licet algorithm, so an absent `alg` is the key type's (OKP/Ed25519
    /// → EdDSA, EC/P-256 → ES256, RSA → RS256) and the key is pinned to it just the same. What decides the algorithm
    /// is the trust set, never the token. An `alg` that names another algorithm than the key type's is refused.
    pub fn from_jwk(jwk: &Jwk) -> Result<TrustedKey, KeyError> {
        let kid = jwk.kid.clone().ok_or_else(|| KeyError::Jwk {
            kid: String::new(),
            detail: "a trusted key needs a kid".to_owned(),
        })?;
        let key = PublicKey::from_jwk(jwk)?;
        let alg = match jwk.alg.as_deref() {
            None => key.alg(),
            Some(declared) => Alg::from_jose(declared).ok_or_else(|| KeyError::AlgKeyMismatch {
                kid: kid.clone(),
                declared: declared.to_owned(),
                actual: key.alg(),
            })?,
        };
        TrustedKey::new(kid, alg, key)
    }

    pub fn kid(&self) -> &str {
        &self.kid
    }

    pub fn alg(&self) -> Alg {
        self.alg
    }

    pub fn public_key(&self) -> &PublicKey {
        &self.key
    }

    pub fn to_jwk(&self) -> Jwk {
        self.key.to_jwk(&self.kid)
    }

    /// The raw signature layer: `header_alg` must be this key's pinned alg, then `signature` must verify over
    /// `signing_input`.
    pub fn verify_signature(&self, header_alg: Alg, signing_input: &[u8], signature: &[u8]) -> Result<(), VerifyError> {
        if header_alg != self.alg {
            return Err(VerifyError::AlgMismatch {
                kid: self.kid.clone(),
                header: header_alg,
                pinned: self.alg,
            });
        }
        if self.key.verify(signing_input, signature) {
            Ok(())
        } else {
            Err(VerifyError::BadSignature { kid: self.kid.clone() })
        }
    }
}

/// The set of trusted keys. Never empty; kids are unique.
#[derive(Clone, Debug)]
pub struct Keyring {
    keys: Vec<TrustedKey>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Jwks {
    keys: Vec<Jwk>,
}

impl Keyring {
    pub fn new(keys: Vec<TrustedKey>) -> Result<Keyring, KeyError> {
        if keys.is_empty() {
            return Err(KeyError::EmptyKeyring);
        }
        for (i, k) in keys.iter().enumerate() {
            if keys.iter().skip(i + 1).any(|other| other.kid == k.kid) {
                return Err(KeyError::DuplicateKid(k.kid.clone()));
            }
        }
        Ok(Keyring { keys })
    }

    /// From a JWKS document (`{"keys": [ … ]}`), or a single JWK (`{"kty": …}`, as `licet keygen` writes to
    /// `<kid>.jwk.json`) as a one-key keyring; parsed strictly (duplicate members are an error). Every key needs a
    /// `kid`; see [`TrustedKey::from_jwk`] for `alg`. Private members make the whole document an error.
    pub fn from_jwks(json: &str) -> Result<Keyring, KeyError> {
        let value = crate::json::parse_strict(json.as_bytes()).map_err(|e| KeyError::Jwks(e.to_string()))?;
        let is_single_jwk = value
            .as_object()
            .is_some_and(|o| o.contains_key("kty") && !o.contains_key("keys"));
        let jwks: Vec<Jwk> = if is_single_jwk {
            vec![serde_json::from_value(value).map_err(|e| KeyError::Jwks(format!("single JWK: {e}")))?]
        } else {
            let jwks: Jwks = serde_json::from_value(value).map_err(|e| {
                KeyError::Jwks(format!(
                    "{e} (expected a JWKS {{\"keys\": [...]}} or a single JWK {{\"kty\": ...}})"
                ))
            })?;
            jwks.keys
        };
        let keys = jwks.iter().map(TrustedKey::from_jwk).collect::<Result<Vec<_>, _>>()?;
        Keyring::new(keys)
    }

    /// The JWKS document for these keys, pretty-printed.
    pub fn to_jwks(&self) -> String {
        let keys: Vec<Jwk> = self.keys.iter().map(TrustedKey::to_jwk).collect();
        let doc = serde_json::json!({ "keys": keys });
        serde_json::to_string_pretty(&doc).unwrap_or_default()
    }

    pub fn keys(&self) -> &[TrustedKey] {
        &self.keys
    }

    pub fn get(&self, kid: &str) -> Option<&TrustedKey> {
        self.keys.iter().find(|k| k.kid == kid)
    }

    /// The key a token's `kid` names; see the module note for tokens without one.
    pub fn select(&self, kid: Option<&str>) -> Result<&TrustedKey, VerifyError> {
        let found = match (kid, self.keys.as_slice()) {
            (Some(kid), _) => self.get(kid),
            (None, [only]) => Some(only),
            (None, _) => None,
        };
        found.ok_or_else(|| VerifyError::UnknownKey {
            kid: kid.map(str::to_owned),
            trusted: self.keys.len(),
        })
    }

    /// The raw signature layer over the keyring: select by kid, check the pinned alg, verify. Returns the key used.
    pub fn verify_signature(
        &self,
        kid: Option<&str>,
        header_alg: Alg,
        signing_input: &[u8],
        signature: &[u8],
    ) -> Result<&TrustedKey, VerifyError> {
        let key = self.select(kid)?;
        key.verify_signature(header_alg, signing_input, signature)?;
        Ok(key)
    }
}
