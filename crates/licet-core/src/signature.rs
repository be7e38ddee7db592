//! Verification: the only place a [`VerifiedLicense`] is made.
//!
//! The order is fixed and each step refuses before the next one runs:
//! 1. size limit, on the raw bytes;
//! 2. codec (compact / flattened JSON / armored), strict base64url, strict header JSON;
//! 3. header policy (alg, embedded keys, crit);
//! 4. key selection by `kid`, alg pinned to the key;
//! 5. signature over the canonical signing input;
//! 6. only now the payload is read: strict JSON, `lic.schema` major, the claims schema;
//! 7. issuer and audience against the verifier's configuration.
//!
//! Time (`nbf`/`exp`) and binding are not judged here; the lifecycle does that with a [`VerifiedLicense`]. A
//! failed verification returns no claims. To *look* at a token without trusting it, use [`read_unverified`].

use serde_json::{Map, Value};

use crate::claims::{Claims, SchemaVersion, SCHEMA_MAJOR};
use crate::format::{ClaimMap, Envelope, Implied, LicenseFormat, SignedDocument};
use crate::header::{self, Header};
use crate::json::{self, JsonError, StrictError};
use crate::keyring::Keyring;
use crate::token::{Encoding, Jws, MAX_TOKEN_BYTES};
use crate::verify_error::VerifyError;

/// A license whose signature checked out against a trusted key, whose header passed the policy, and whose
/// issuer and audience match the verifier's configuration. Time and binding are *not* judged here: that is the
/// lifecycle's job. There is no public constructor: the only way to get one is to verify.
#[derive(Clone, Debug, PartialEq)]
pub struct VerifiedLicense {
    claims: Claims,
    kid: String,
    fingerprint: String,
}

impl VerifiedLicense {
    /// Only verification (and this crate's own tests) may call this.
    pub(crate) fn new(claims: Claims, kid: String, fingerprint: String) -> Self {
        VerifiedLicense {
            claims,
            kid,
            fingerprint,
        }
    }

    pub fn claims(&self) -> &Claims {
        &self.claims
    }

    /// The `kid` of the trusted key that verified the signature.
    pub fn kid(&self) -> &str {
        &self.kid
    }

    /// The license's fingerprint ([`crate::fingerprint`]): the same whichever encoding or spelling was verified;
    /// what status, history, audit logs and activation requests name.
    pub fn fingerprint(&self) -> &str {
        &self.fingerprint
    }
}

#[derive(Clone, Debug)]
enum Expected {
    Exactly(String),
    NotChecked,
}

impl Expected {
    fn as_deref(&self) -> Option<&str> {
        match self {
            Expected::Exactly(v) => Some(v),
            Expected::NotChecked => None,
        }
    }
}

/// Verifies licenses against one vendor's keys, for one product. Build it once; `verify` parses no keys.
#[derive(Clone, Debug)]
pub struct Verifier {
    keyring: Keyring,
    issuer: Expected,
    audience: Expected,
    max_bytes: usize,
    format: LicenseFormat,
}

impl Verifier {
    /// A product's verifier: the license's `iss` must equal `issuer` and its `aud` must contain `audience`.
    pub fn new(keyring: Keyring, issuer: impl Into<String>, audience: impl Into<String>) -> Verifier {
        Verifier {
            keyring,
            issuer: Expected::Exactly(issuer.into()),
            audience: Expected::Exactly(audience.into()),
            max_bytes: MAX_TOKEN_BYTES,
            format: LicenseFormat::Licet,
        }
    }

    /// Vendor tooling only (`licet verify` without `--iss`/`--aud`): checks the signature and the format but
    /// accepts any issuer and audience. A product must use [`Verifier::new`].
    pub fn for_vendor_tooling(keyring: Keyring, issuer: Option<String>, audience: Option<String>) -> Verifier {
        let expect = |v: Option<String>| v.map_or(Expected::NotChecked, Expected::Exactly);
        Verifier {
            keyring,
            issuer: expect(issuer),
            audience: expect(audience),
            max_bytes: MAX_TOKEN_BYTES,
            format: LicenseFormat::Licet,
        }
    }

    /// Lowers (or raises) the size limit from [`MAX_TOKEN_BYTES`].
    pub fn with_max_bytes(mut self, max_bytes: usize) -> Verifier {
        self.max_bytes = max_bytes;
        self
    }

    /// Also reads licenses in a vendor's own format (the profile's [`LicenseFormat`]); licet's own format is
    /// always read. The format is part of the product build, like the keys.
    pub fn with_format(mut self, format: LicenseFormat) -> Verifier {
        self.format = format;
        self
    }

    pub fn format(&self) -> LicenseFormat {
        self.format
    }

    pub fn keyring(&self) -> &Keyring {
        &self.keyring
    }

    /// Verifies a license in any of the three JWS encodings, or, if the format's envelope is a signed document,
    /// as one.
    pub fn verify(&self, input: &[u8]) -> Result<VerifiedLicense, VerifyError> {
        let Some(map) = self.format.mapping() else {
            let jws = Jws::decode(input, self.max_bytes)?;
            let key = self.check_jws_signature(&jws)?;
            let claims = parse_claims(jws.payload())?;
            return self.accept(claims, key.kid(), jws.fingerprint());
        };
        if map.envelope == Envelope::SignedDocument {
            if let Some(doc) = self.signed_document(input)? {
                let key = self.keyring.verify_signature(
                    doc.kid(),
                    SignedDocument::ALG,
                    doc.signing_input(),
                    doc.signature(),
                )?;
                let (kid, fingerprint) = (key.kid().to_owned(), doc.fingerprint());
                let claims = self.read_claims(map, doc.into_payload())?;
                return self.accept(claims, &kid, fingerprint);
            }
        }
        let jws = Jws::decode(input, self.max_bytes)?;
        let key = self.check_jws_signature(&jws)?;
        let claims = self.read_claims(map, header::parse_object("claims", jws.payload())?)?;
        self.accept(claims, key.kid(), jws.fingerprint())
    }

    fn check_jws_signature(&self, jws: &Jws) -> Result<&crate::keyring::TrustedKey, VerifyError> {
        let header = Header::from_map(jws.header_json())?;
        self.keyring
            .verify_signature(header.kid.as_deref(), header.alg, jws.signing_input(), jws.signature())
    }

    /// The input as a signed document, if it is shaped as one (a JSON object whose `payload` is an object);
    /// `None` for anything else, which is then read as a JWS.
    fn signed_document(&self, input: &[u8]) -> Result<Option<SignedDocument>, VerifyError> {
        if input.len() > self.max_bytes {
            return Err(VerifyError::TooLarge {
                len: input.len(),
                limit: self.max_bytes,
            });
        }
        let trimmed = input.trim_ascii();
        if !trimmed.starts_with(b"{") {
            return Ok(None);
        }
        let object = header::parse_object("document", trimmed)?;
        if !SignedDocument::is_document(&object) {
            return Ok(None);
        }
        SignedDocument::from_object(object).map(Some)
    }

    /// A verified payload object as claims: licet's own format when it has a `lic` member, else the vendor's.
    fn read_claims(&self, map: &'static ClaimMap, object: Map<String, Value>) -> Result<Claims, VerifyError> {
        if object.contains_key("lic") {
            let claims: Claims = serde_json::from_value(Value::Object(object))
                .map_err(|e| VerifyError::InvalidClaims { detail: e.to_string() })?;
            check_schema_major(claims.lic.schema)?;
            return Ok(claims);
        }
        let implied = Implied {
            issuer: self.issuer.as_deref(),
            audience: self.audience.as_deref(),
        };
        map.read(object, implied).map_err(|e| VerifyError::mapping(map.name, e))
    }

    /// Issuer and audience against the configuration; the claims become a [`VerifiedLicense`].
    fn accept(&self, claims: Claims, kid: &str, fingerprint: String) -> Result<VerifiedLicense, VerifyError> {
        if let Expected::Exactly(expected) = &self.issuer {
            if claims.iss != *expected {
                return Err(VerifyError::WrongIssuer {
                    expected: expected.clone(),
                    found: claims.iss,
                });
            }
        }
        if let Expected::Exactly(expected) = &self.audience {
            if !claims.aud.contains(expected) {
                return Err(VerifyError::WrongAudience {
                    expected: expected.clone(),
                    found: claims.aud.0,
                });
            }
        }
        Ok(VerifiedLicense::new(claims, kid.to_owned(), fingerprint))
    }
}

/// Payload bytes → claims: strict JSON straight into the typed claims (no intermediate tree), then the schema
/// major. A newer major may have changed anything, so when the typed parse fails the schema version is looked up
/// on its own: an unknown major is then reported as such, not as invalid claims.
fn parse_claims(payload: &[u8]) -> Result<Claims, VerifyError> {
    match json::from_slice_strict::<Claims>(payload) {
        Ok(claims) => {
            check_schema_major(claims.lic.schema)?;
            Ok(claims)
        }
        Err(StrictError::Json(JsonError::DuplicateKey(name))) => {
            Err(VerifyError::DuplicateMember { part: "claims", name })
        }
        Err(StrictError::Json(JsonError::Syntax(detail))) => Err(VerifyError::malformed(format!("claims: {detail}"))),
        Err(StrictError::Shape(detail)) => {
            if let Ok(only) = serde_json::from_slice::<OnlySchema>(payload) {
                if let Ok(version) = only.lic.schema.parse::<SchemaVersion>() {
                    check_schema_major(version)?;
                }
            }
            Err(VerifyError::InvalidClaims { detail })
        }
    }
}

#[derive(serde::Deserialize)]
struct OnlySchema {
    lic: OnlySchemaLic,
}

#[derive(serde::Deserialize)]
struct OnlySchemaLic {
    schema: String,
}

fn check_schema_major(version: SchemaVersion) -> Result<(), VerifyError> {
    if version.is_supported() {
        Ok(())
    } else {
        Err(VerifyError::UnsupportedSchema {
            found: version.to_string(),
            supported: SCHEMA_MAJOR,
        })
    }
}

/// What a token says about itself, NOT verified: no signature was checked, nothing here may be trusted or acted
/// on. For `licet inspect` and for showing an operator what they pasted.
#[derive(Clone, Debug)]
pub struct UnverifiedToken {
    pub encoding: Encoding,
    /// The protected header, as JSON, before the header policy.
    pub header: Map<String, Value>,
    /// The payload as strict JSON, or why it is not JSON.
    pub payload: Result<Value, VerifyError>,
    /// What the fingerprint would be if the token verified.
    pub fingerprint: String,
}

/// Decodes a token without verifying it. The name says it: the result is not a license.
pub fn read_unverified(input: &[u8]) -> Result<UnverifiedToken, VerifyError> {
    let jws = Jws::decode(input, MAX_TOKEN_BYTES)?;
    let payload = header::parse_object("claims", jws.payload()).map(Value::Object);
    Ok(UnverifiedToken {
        encoding: jws.encoding(),
        header: jws.header_json().clone(),
        payload,
        fingerprint: jws.fingerprint(),
    })
}
