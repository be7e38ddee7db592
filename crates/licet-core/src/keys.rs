//! Key material: parsing, generating and writing keys for the three algorithms, in PEM (PKCS#8 private, SPKI
//! public) and JWK form. Pure: PEM and JSON go in and out as strings; the CLI does the file writing (and the 0600).
//!
//! Each key type has exactly one licet algorithm (Ed25519 → EdDSA, RSA → RS256, P-256 → ES256), so a parsed key
//! knows its algorithm. RSA keys under 2048 bits are refused in every form; keys made here are 3072 bits.

use std::collections::BTreeMap;

use ed25519_dalek::Signer as _;
use rand_core::CryptoRngCore;
use rsa::pkcs8::{DecodePrivateKey, DecodePublicKey, EncodePrivateKey, EncodePublicKey, LineEnding};
use rsa::traits::PublicKeyParts;
use rsa::BigUint;
use serde::{Deserialize, Serialize};
use sha2::Sha256;
use signature::{RandomizedSigner, SignatureEncoding, Verifier as _};
use zeroize::Zeroizing;

use crate::alg::{Alg, JwsSigner, SignError};
use crate::token::b64url;

/// The smallest RSA modulus accepted, in bits.
pub const RSA_MIN_BITS: usize = 2048;
/// The modulus size `licet keygen --alg rs256` makes.
pub const RSA_GENERATE_BITS: usize = 3072;

type RsaVerifyingKey = rsa::pkcs1v15::VerifyingKey<Sha256>;
type RsaSigningKey = rsa::pkcs1v15::SigningKey<Sha256>;

/// Problems with key material or key configuration (not with a license).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum KeyError {
    #[error("not a usable {what}: expected an Ed25519, P-256 or RSA key ({detail})")]
    Unparsable { what: &'static str, detail: String },
    #[error("RSA key has {bits} bits; licet requires at least {RSA_MIN_BITS}")]
    RsaTooSmall { bits: usize },
    #[error("key {kid:?} is declared for {declared} but is a {actual} key")]
    AlgKeyMismatch { kid: String, declared: String, actual: Alg },
    #[error("JWK {kid:?}: {detail}")]
    Jwk { kid: String, detail: String },
    #[error("JWK {kid:?} contains private key material ({param}); a trust set must hold public keys only")]
    PrivateMaterial { kid: String, param: String },
    #[error("key id {0:?} appears more than once in the keyring")]
    DuplicateKid(String),
    #[error("a key id must be 1 to 128 printable ASCII characters, got {0:?}")]
    BadKid(String),
    #[error("the keyring is empty; trust at least one vendor key")]
    EmptyKeyring,
    #[error("JWKS document: {0}")]
    Jwks(String),
    #[error("key generation failed: {0}")]
    Generate(String),
    #[error("key encoding failed: {0}")]
    Encode(String),
}

/// A public key, parsed once so that verification does no parsing.
#[derive(Clone)]
pub enum PublicKey {
    Ed25519(ed25519_dalek::VerifyingKey),
    Rsa(RsaVerifyingKey),
    P256(p256::ecdsa::VerifyingKey),
}

impl std::fmt::Debug for PublicKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "PublicKey({})", self.alg())
    }
}

impl PublicKey {
    /// The one algorithm this key is used with.
    pub fn alg(&self) -> Alg {
        match self {
            PublicKey::Ed25519(_) => Alg::EdDSA,
            PublicKey::Rsa(_) => Alg::RS256,
            PublicKey::P256(_) => Alg::ES256,
        }
    }

    /// Parses a `-----BEGIN PUBLIC KEY-----` (SPKI) PEM of any of the three types.
    pub fn from_spki_pem(pem: &str) -> Result<PublicKey, KeyError> {
        let der = pem_to_der(pem, "PUBLIC KEY")?;
        PublicKey::from_spki_der(&der)
    }

    /// Parses a DER SubjectPublicKeyInfo of any of the three types.
    pub fn from_spki_der(der: &[u8]) -> Result<PublicKey, KeyError> {
        if let Ok(k) = ed25519_dalek::VerifyingKey::from_public_key_der(der) {
            return PublicKey::from_ed25519(k);
        }
        if let Ok(k) = p256::ecdsa::VerifyingKey::from_public_key_der(der) {
            return Ok(PublicKey::P256(k));
        }
        match rsa::RsaPublicKey::from_public_key_der(der) {
            Ok(k) => PublicKey::from_rsa(k),
            Err(e) => Err(KeyError::Unparsable {
                what: "public key",
                detail: e.to_string(),
            }),
        }
    }

    /// A small-order ("weak") Ed25519 key would let one signature verify for many messages; it is refused once,
    /// here, which is what lets [`PublicKey::verify`] use the plain (cofactorless, non-strict) equation.
    pub fn from_ed25519(k: ed25519_dalek::VerifyingKey) -> Result<PublicKey, KeyError> {
        if k.is_weak() {
            return Err(KeyError::Unparsable {
                what: "public key",
                detail: "Ed25519 key of small order".to_owned(),
            });
        }
        Ok(PublicKey::Ed25519(k))
    }

    fn from_rsa(k: rsa::RsaPublicKey) -> Result<PublicKey, KeyError> {
        let bits = k.n().bits();
        if bits < RSA_MIN_BITS {
            return Err(KeyError::RsaTooSmall { bits });
        }
        Ok(PublicKey::Rsa(RsaVerifyingKey::new(k)))
    }

    pub fn to_spki_pem(&self) -> Result<String, KeyError> {
        let pem = match self {
            PublicKey::Ed25519(k) => k.to_public_key_pem(LineEnding::LF),
            PublicKey::Rsa(k) => k.to_public_key_pem(LineEnding::LF),
            PublicKey::P256(k) => k.to_public_key_pem(LineEnding::LF),
        };
        pem.map_err(|e| KeyError::Encode(e.to_string()))
    }

    /// The JWK (RFC 7517) for this key, with `kid`, `alg` and `use: "sig"`.
    pub fn to_jwk(&self, kid: &str) -> Jwk {
        let mut jwk = Jwk {
            kty: String::new(),
            kid: Some(kid.to_owned()),
            alg: Some(self.alg().as_str().to_owned()),
            use_: Some("sig".to_owned()),
            crv: None,
            x: None,
            y: None,
            n: None,
            e: None,
            other: BTreeMap::new(),
        };
        match self {
            PublicKey::Ed25519(k) => {
                jwk.kty = "OKP".into();
                jwk.crv = Some("Ed25519".into());
                jwk.x = Some(b64url(k.as_bytes()));
            }
            PublicKey::Rsa(k) => {
                let k: &rsa::RsaPublicKey = k.as_ref();
                jwk.kty = "RSA".into();
                jwk.n = Some(b64url(&k.n().to_bytes_be()));
                jwk.e = Some(b64url(&k.e().to_bytes_be()));
            }
            PublicKey::P256(k) => {
                let point = k.to_encoded_point(false);
                jwk.kty = "EC".into();
                jwk.crv = Some("P-256".into());
                jwk.x = point.x().map(|x| b64url(x));
                jwk.y = point.y().map(|y| b64url(y));
            }
        }
        jwk
    }

    /// Reads the key out of a JWK. Does not look at `kid`/`alg` (the keyring does); refuses private members.
    pub fn from_jwk(jwk: &Jwk) -> Result<PublicKey, KeyError> {
        let kid = jwk.kid.clone().unwrap_or_default();
        let err = |detail: &str| KeyError::Jwk {
            kid: kid.clone(),
            detail: detail.to_owned(),
        };
        for param in ["d", "p", "q", "dp", "dq", "qi", "oth", "k"] {
            if jwk.other.contains_key(param) {
                return Err(KeyError::PrivateMaterial {
                    kid: kid.clone(),
                    param: param.to_owned(),
                });
            }
        }
        if jwk.use_.as_deref().is_some_and(|u| u != "sig") {
            return Err(err("use is not \"sig\""));
        }
        let field = |v: &Option<String>, name: &str| -> Result<Vec<u8>, KeyError> {
            let text = v.as_deref().ok_or_else(|| err(&format!("missing {name}")))?;
            crate::token::b64url_decode(text).map_err(|_| err(&format!("{name} is not unpadded base64url")))
        };
        match (jwk.kty.as_str(), jwk.crv.as_deref()) {
            ("OKP", Some("Ed25519")) => {
                let x: [u8; 32] = field(&jwk.x, "x")?.try_into().map_err(|_| err("x is not 32 bytes"))?;
                let key = ed25519_dalek::VerifyingKey::from_bytes(&x).map_err(|_| err("x is not an Ed25519 point"))?;
                PublicKey::from_ed25519(key)
            }
            ("EC", Some("P-256")) => {
                let (x, y) = (field(&jwk.x, "x")?, field(&jwk.y, "y")?);
                if x.len() != 32 || y.len() != 32 {
                    return Err(err("x and y must be 32 bytes each"));
                }
                let point = p256::EncodedPoint::from_affine_coordinates(
                    p256::FieldBytes::from_slice(&x),
                    p256::FieldBytes::from_slice(&y),
                    false,
                );
                p256::ecdsa::VerifyingKey::from_encoded_point(&point)
                    .map(PublicKey::P256)
                    .map_err(|_| err("x, y is not a P-256 point"))
            }
            ("RSA", _) => {
                let n = BigUint::from_bytes_be(&field(&jwk.n, "n")?);
                let e = BigUint::from_bytes_be(&field(&jwk.e, "e")?);
                let key = rsa::RsaPublicKey::new(n, e).map_err(|e| err(&format!("not an RSA public key: {e}")))?;
                PublicKey::from_rsa(key)
            }
            _ => Err(err("kty/crv is not OKP/Ed25519, EC/P-256 or RSA")),
        }
    }

    /// Checks a raw signature over `msg`. Ed25519: S must be canonical and R is compared as the canonical
    /// encoding of the recomputed point, so each (key, message) has one accepted R and S; weak keys never get this
    /// far (refused at load). That is `verify_strict` minus its per-call small-order checks, which cost ~15%;
    /// ES256 takes the 64-byte `r || s`; RS256 takes a signature exactly as long as the modulus.
    pub fn verify(&self, msg: &[u8], sig: &[u8]) -> bool {
        match self {
            PublicKey::Ed25519(k) => ed25519_dalek::Signature::from_slice(sig)
                .map(|s| k.verify(msg, &s).is_ok())
                .unwrap_or(false),
            PublicKey::Rsa(k) => rsa::pkcs1v15::Signature::try_from(sig)
                .map(|s| k.verify(msg, &s).is_ok())
                .unwrap_or(false),
            PublicKey::P256(k) => p256::ecdsa::Signature::from_slice(sig)
                .map(|s| k.verify(msg, &s).is_ok())
                .unwrap_or(false),
        }
    }
}

/// A JSON Web Key as licet reads and writes it. Unknown members are kept in `other` (and private ones refused).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Jwk {
    pub kty: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kid: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alg: Option<String>,
    #[serde(default, rename = "use", skip_serializing_if = "Option::is_none")]
    pub use_: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub crv: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub x: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub y: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub n: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub e: Option<String>,
    #[serde(flatten)]
    pub other: BTreeMap<String, serde_json::Value>,
}

/// A private signing key.
pub enum PrivateKey {
    Ed25519(ed25519_dalek::SigningKey),
    Rsa(Box<RsaSigningKey>),
    P256(p256::ecdsa::SigningKey),
}

impl std::fmt::Debug for PrivateKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "PrivateKey({}, redacted)", self.alg())
    }
}

impl PrivateKey {
    /// A fresh key. The randomness source is a parameter so that this crate reads nothing itself.
    pub fn generate(alg: Alg, rng: &mut impl CryptoRngCore) -> Result<PrivateKey, KeyError> {
        Ok(match alg {
            Alg::EdDSA => PrivateKey::Ed25519(ed25519_dalek::SigningKey::generate(rng)),
            Alg::ES256 => PrivateKey::P256(p256::ecdsa::SigningKey::random(rng)),
            Alg::RS256 => {
                let key =
                    rsa::RsaPrivateKey::new(rng, RSA_GENERATE_BITS).map_err(|e| KeyError::Generate(e.to_string()))?;
                PrivateKey::Rsa(Box::new(RsaSigningKey::new(key)))
            }
        })
    }

    /// Parses a `-----BEGIN PRIVATE KEY-----` (PKCS#8) PEM; the algorithm follows from the key type.
    pub fn from_pkcs8_pem(pem: &str) -> Result<PrivateKey, KeyError> {
        let der = Zeroizing::new(pem_to_der(pem, "PRIVATE KEY")?);
        if let Ok(k) = ed25519_dalek::SigningKey::from_pkcs8_der(&der) {
            return Ok(PrivateKey::Ed25519(k));
        }
        if let Ok(k) = p256::ecdsa::SigningKey::from_pkcs8_der(&der) {
            return Ok(PrivateKey::P256(k));
        }
        let key = rsa::RsaPrivateKey::from_pkcs8_der(&der).map_err(|e| KeyError::Unparsable {
            what: "PKCS#8 private key",
            detail: e.to_string(),
        })?;
        let bits = key.n().bits();
        if bits < RSA_MIN_BITS {
            return Err(KeyError::RsaTooSmall { bits });
        }
        Ok(PrivateKey::Rsa(Box::new(RsaSigningKey::new(key))))
    }

    /// The PKCS#8 PEM, in memory that is wiped on drop. Write it with owner-only permissions.
    ///
    /// Ed25519 keys are written as PKCS#8 v1 (RFC 8410 §7: the seed only, no `[1]` public key), not the v2
    /// (OneAsymmetricKey) form ed25519-dalek writes by default: OpenSSL 3.0's `pkeyutl` refuses v2 Ed25519 keys as
    /// unsupported, and a key `licet keygen` makes must sign in other tools. Both forms are read.
    pub fn to_pkcs8_pem(&self) -> Result<Zeroizing<String>, KeyError> {
        let pem = match self {
            PrivateKey::Ed25519(k) => ed25519_dalek::pkcs8::KeypairBytes {
                secret_key: k.to_bytes(),
                public_key: None,
            }
            .to_pkcs8_pem(LineEnding::LF),
            PrivateKey::Rsa(k) => k.to_pkcs8_pem(LineEnding::LF),
            PrivateKey::P256(k) => k.to_pkcs8_pem(LineEnding::LF),
        };
        pem.map_err(|e| KeyError::Encode(e.to_string()))
    }

    pub fn alg(&self) -> Alg {
        match self {
            PrivateKey::Ed25519(_) => Alg::EdDSA,
            PrivateKey::Rsa(_) => Alg::RS256,
            PrivateKey::P256(_) => Alg::ES256,
        }
    }

    pub fn public_key(&self) -> PublicKey {
        match self {
            PrivateKey::Ed25519(k) => PublicKey::Ed25519(k.verifying_key()),
            PrivateKey::Rsa(k) => PublicKey::Rsa(signature::Keypair::verifying_key(&**k)),
            PrivateKey::P256(k) => PublicKey::P256(*k.verifying_key()),
        }
    }

    /// Signs `msg` and returns the signature in JWS form. RSA signing uses blinding with the OS random source
    /// (the one place this crate touches the OS), since unblinded RSA leaks timing.
    pub fn sign(&self, msg: &[u8]) -> Result<Vec<u8>, String> {
        match self {
            PrivateKey::Ed25519(k) => Ok(k.sign(msg).to_bytes().to_vec()),
            PrivateKey::P256(k) => {
                let sig: p256::ecdsa::Signature = k.try_sign(msg).map_err(|e| e.to_string())?;
                Ok(sig.to_bytes().to_vec())
            }
            PrivateKey::Rsa(k) => k
                .try_sign_with_rng(&mut rand_core::OsRng, msg)
                .map(|s| s.to_vec())
                .map_err(|e| e.to_string()),
        }
    }
}

/// A [`JwsSigner`] over a private key held in memory (read from a PEM file by the caller).
#[derive(Debug)]
pub struct FileSigner {
    kid: String,
    key: PrivateKey,
}

impl FileSigner {
    pub fn new(kid: impl Into<String>, key: PrivateKey) -> Result<FileSigner, KeyError> {
        let kid = check_kid(kid.into())?;
        Ok(FileSigner { kid, key })
    }

    pub fn from_pkcs8_pem(kid: impl Into<String>, pem: &str) -> Result<FileSigner, KeyError> {
        FileSigner::new(kid, PrivateKey::from_pkcs8_pem(pem)?)
    }

    pub fn key(&self) -> &PrivateKey {
        &self.key
    }
}

impl JwsSigner for FileSigner {
    fn alg(&self) -> Alg {
        self.key.alg()
    }

    fn kid(&self) -> &str {
        &self.kid
    }

    fn sign(&self, signing_input: &[u8]) -> Result<Vec<u8>, SignError> {
        self.key.sign(signing_input).map_err(|message| SignError {
            kid: self.kid.clone(),
            message,
        })
    }
}

/// Key ids end up in file names, headers and logs: keep them short and printable.
pub fn check_kid(kid: String) -> Result<String, KeyError> {
    let ok = !kid.is_empty() && kid.len() <= 128 && kid.bytes().all(|b| b.is_ascii_graphic());
    if ok {
        Ok(kid)
    } else {
        Err(KeyError::BadKid(kid))
    }
}

fn pem_to_der(pem: &str, label: &'static str) -> Result<Vec<u8>, KeyError> {
    let what = if label == "PUBLIC KEY" {
        "public key"
    } else {
        "PKCS#8 private key"
    };
    let (found, der) = rsa::pkcs8::der::pem::decode_vec(pem.trim().as_bytes()).map_err(|e| KeyError::Unparsable {
        what,
        detail: e.to_string(),
    })?;
    if found != label {
        return Err(KeyError::Unparsable {
            what,
            detail: format!("PEM label is {found:?}, expected {label:?}"),
        });
    }
    Ok(der)
}

#[cfg(test)]
mod tests;
