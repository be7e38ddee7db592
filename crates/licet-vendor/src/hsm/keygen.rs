//! Generating a signing key pair inside the token. The private half is created sensitive and non-extractable, so
//! it can never be read out, only used.

use cryptoki::error::{Error as CkError, RvError};
use cryptoki::mechanism::Mechanism;
use cryptoki::object::{Attribute, ObjectClass};
use cryptoki::session::Session;
use der::asn1::PrintableStringRef;
use der::Encode;
use licet_core::Alg;

use super::config::KeyLookup;
use super::error::HsmError;
use super::key::{self, ED25519_CURVE_NAME, ED25519_OID, P256_OID};
use super::public_key::{self, HsmPublicKey};
use super::token::{sign_mechanism_type, HsmToken};

/// Size of the RSA keys licet generates: above RS256's 2048-bit floor, as current guidance asks for keys that
/// outlive 2030.
pub const RSA_KEYGEN_BITS: u64 = 3072;

impl HsmToken {
    /// Generates a key pair for `alg` whose private and public objects both carry `kid` as `CKA_LABEL` and as
    /// `CKA_ID`, and returns the public key as SPKI PEM for the product's keyring.
    ///
    /// Refuses a kid that is already on the token (as a label or an id), so that a kid always names one key.
    /// Errors: `hsm_keygen_failed`, `hsm_mechanism_unsupported`, `hsm_unavailable`.
    pub fn generate_key_pair(&self, alg: Alg, kid: &str) -> Result<HsmPublicKey, HsmError> {
        if kid.is_empty() {
            return Err(HsmError::KeygenFailed {
                detail: "the kid is empty".into(),
            });
        }
        if !self.supported_algs()?.contains(&alg) {
            return Err(HsmError::MechanismUnsupported {
                detail: format!("the token does not offer {:?} for {alg}", sign_mechanism_type(alg)),
            });
        }
        let session = self.session(true)?;
        for lookup in [KeyLookup::Label, KeyLookup::Id] {
            if !session
                .find_objects(&[lookup.attribute(kid)])
                .map_err(keygen_error)?
                .is_empty()
            {
                return Err(HsmError::KeygenFailed {
                    detail: format!("an object with {} {kid:?} already exists on the token", lookup.name()),
                });
            }
        }
        let public = generate(&session, alg, kid)?;
        tracing::info!(kid, %alg, token = %self.label(), "generated key pair in HSM");
        public_key::read(&session, public, kid)
    }
}

fn generate(session: &Session, alg: Alg, kid: &str) -> Result<cryptoki::object::ObjectHandle, HsmError> {
    let named = |class| {
        vec![
            Attribute::Class(class),
            Attribute::Token(true),
            Attribute::Label(kid.as_bytes().to_vec()),
            Attribute::Id(kid.as_bytes().to_vec()),
        ]
    };
    let mut private = named(ObjectClass::PRIVATE_KEY);
    private.extend([
        Attribute::Private(true),
        Attribute::Sensitive(true),
        Attribute::Extractable(false),
        Attribute::Sign(true),
    ]);
    let mut public = named(ObjectClass::PUBLIC_KEY);
    public.extend([Attribute::Private(false), Attribute::Verify(true)]);

    let der = |e: der::Error| HsmError::KeygenFailed {
        detail: format!("encoding curve parameters: {e}"),
    };
    let generated = match alg {
        Alg::ES256 => {
            public.push(Attribute::EcParams(P256_OID.to_der().map_err(der)?));
            session.generate_key_pair(&Mechanism::EccKeyPairGen, &public, &private)
        }
        Alg::EdDSA => {
            // PKCS#11 3.0 allows the RFC 8410 OID or the curve name; tokens differ in which they take, so the OID
            // first and the name as fallback.
            let mut by_oid = public.clone();
            by_oid.push(Attribute::EcParams(ED25519_OID.to_der().map_err(der)?));
            match session.generate_key_pair(&Mechanism::EccEdwardsKeyPairGen, &by_oid, &private) {
                Err(CkError::Pkcs11(
                    RvError::AttributeValueInvalid | RvError::TemplateInconsistent | RvError::CurveNotSupported,
                    _,
                )) => {
                    let name = PrintableStringRef::new(ED25519_CURVE_NAME).map_err(der)?;
                    public.push(Attribute::EcParams(name.to_der().map_err(der)?));
                    session.generate_key_pair(&Mechanism::EccEdwardsKeyPairGen, &public, &private)
                }
                other => other,
            }
        }
        Alg::RS256 => {
            public.extend([
                Attribute::ModulusBits(RSA_KEYGEN_BITS.into()),
                Attribute::PublicExponent(vec![0x01, 0x00, 0x01]),
            ]);
            session.generate_key_pair(&Mechanism::RsaPkcsKeyPairGen, &public, &private)
        }
    };
    let (public, private) = generated.map_err(keygen_error)?;
    // Both halves must describe the same algorithm; a token that disagrees would produce unverifiable licenses.
    let described = key::describe(session, private)?.alg;
    if described != alg {
        return Err(HsmError::KeygenFailed {
            detail: format!("asked for {alg}, the token made a {described} key"),
        });
    }
    Ok(public)
}

fn keygen_error(e: CkError) -> HsmError {
    HsmError::KeygenFailed { detail: e.to_string() }
}
