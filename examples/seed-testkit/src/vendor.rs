//! The five test vendors: test-only keys (committed, named so), issuers and audiences.
//!
//! A vendor signs the way the seed product's own vendor would, with a JOSE/crypto implementation that is not
//! licet's: JWS formats with the `jsonwebtoken` crate, Honeyframe's signed document with `ed25519-dalek` over
//! `serde_jcs`'s RFC 8785 form. So every example test that installs a license also proves that a license made
//! outside licet, in the manual's format, is accepted unchanged.

use base64::Engine;
use ed25519_dalek::pkcs8::DecodePrivateKey;
use ed25519_dalek::Signer;
use licet_core::{
    issue, Alg, Claims, Encoding, FileSigner, IssueError, KeyError, Keyring, Policy, TrustedKey, UnixTime, Verifier,
};
use serde_json::{json, Value};

/// 2026-01-01T00:00:00Z: the day every scenario's first license is issued.
pub const T0: UnixTime = UnixTime(1_767_225_600);

/// One of the five seed products.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Seed {
    Liberty,
    Honeyframe,
    Sovereign,
    Nivq,
    Justiam,
}

struct SeedKeys {
    alg: Alg,
    kid: &'static str,
    issuer: &'static str,
    audience: &'static str,
    private_pem: &'static str,
    public_pem: &'static str,
    impostor_pem: &'static str,
}

const RS_IMPOSTOR: &str = include_str!("../keys/impostor-rs256-test-only.private.pem");
const ED_IMPOSTOR: &str = include_str!("../keys/impostor-eddsa-test-only.private.pem");

impl Seed {
    pub const ALL: [Seed; 5] = [
        Seed::Liberty,
        Seed::Honeyframe,
        Seed::Sovereign,
        Seed::Nivq,
        Seed::Justiam,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Seed::Liberty => "liberty",
            Seed::Honeyframe => "honeyframe",
            Seed::Sovereign => "sovereign",
            Seed::Nivq => "nivq",
            Seed::Justiam => "justiam",
        }
    }

    /// The reference profile that reproduces this seed.
    pub fn policy(self) -> &'static Policy {
        match self {
            Seed::Liberty => &licet_core::profiles::LIBERTY,
            Seed::Honeyframe => &licet_core::profiles::HONEYFRAME,
            Seed::Sovereign => &licet_core::profiles::SOVEREIGN,
            Seed::Nivq => &licet_core::profiles::NIVQ,
            Seed::Justiam => &licet_core::profiles::JUSTIAM,
        }
    }

    fn keys(self) -> SeedKeys {
        match self {
            // "The license itself is an RS256-signed JWT from the vendor (Nomana-IT)."
            Seed::Liberty => SeedKeys {
                alg: Alg::RS256,
                kid: "nomana-it-2026",
                issuer: "https://licenses.nomana-it.example",
                audience: "liberty-next",
                private_pem: include_str!("../keys/liberty-rs256-test-only.private.pem"),
                public_pem: include_str!("../keys/liberty-rs256-test-only.public.pem"),
                impostor_pem: RS_IMPOSTOR,
            },
            // "a vendor-issued, Ed25519-signed JSON document"
            Seed::Honeyframe => SeedKeys {
                alg: Alg::EdDSA,
                kid: "honeyframe-2026",
                issuer: "https://vendor.honeyframe.example",
                audience: "honeyframe",
                private_pem: include_str!("../keys/honeyframe-eddsa-test-only.private.pem"),
                public_pem: include_str!("../keys/honeyframe-eddsa-test-only.public.pem"),
                impostor_pem: ED_IMPOSTOR,
            },
            Seed::Sovereign => SeedKeys {
                alg: Alg::EdDSA,
                kid: "novantra-release-2026",
                issuer: "https://control.novantra.example",
                audience: "sovereign",
                private_pem: include_str!("../keys/sovereign-eddsa-test-only.private.pem"),
                public_pem: include_str!("../keys/sovereign-eddsa-test-only.public.pem"),
                impostor_pem: ED_IMPOSTOR,
            },
            Seed::Nivq => SeedKeys {
                alg: Alg::EdDSA,
                kid: "nivorbit-hsm-2026",
                issuer: "https://licensing.nivorbit.example",
                audience: "nivq",
                private_pem: include_str!("../keys/nivq-eddsa-test-only.private.pem"),
                public_pem: include_str!("../keys/nivq-eddsa-test-only.public.pem"),
                impostor_pem: ED_IMPOSTOR,
            },
            Seed::Justiam => SeedKeys {
                alg: Alg::EdDSA,
                kid: "justiam-2026",
                issuer: "https://licensing.justiam.example",
                audience: "justiam",
                private_pem: include_str!("../keys/justiam-eddsa-test-only.private.pem"),
                public_pem: include_str!("../keys/justiam-eddsa-test-only.public.pem"),
                impostor_pem: ED_IMPOSTOR,
            },
        }
    }

    pub fn issuer(self) -> &'static str {
        self.keys().issuer
    }

    pub fn audience(self) -> &'static str {
        self.keys().audience
    }

    /// The key id the vendor signs under (the JWS `kid`).
    pub fn kid(self) -> &'static str {
        self.keys().kid
    }

    /// The vendor's **test-only** private key (PKCS#8 PEM), for tests that run a real control plane
    /// (licet-vendor) signing as this seed's vendor.
    pub fn test_only_private_pem(self) -> &'static str {
        self.keys().private_pem
    }

    /// The SPKI PEM of the vendor's (test-only) public key: what the product build embeds.
    pub fn public_pem(self) -> &'static str {
        self.keys().public_pem
    }

    /// The verifier the product embeds: the vendor's public key, issuer and audience, reading the profile's
    /// license format (the manual's own, and licet's).
    pub fn verifier(self) -> Result<Verifier, VendorError> {
        let k = self.keys();
        let key = TrustedKey::from_spki_pem(k.kid, k.alg, k.public_pem)?;
        Ok(Verifier::new(Keyring::new(vec![key])?, k.issuer, k.audience).with_format(self.policy().format))
    }
}

#[derive(Debug, thiserror::Error)]
pub enum VendorError {
    #[error(transparent)]
    Key(#[from] KeyError),
    #[error(transparent)]
    Issue(#[from] IssueError),
    #[error("signing the license failed: {0}")]
    Sign(String),
}

/// A seed's vendor: signs licenses with the seed's test-only key.
#[derive(Debug)]
pub struct Vendor {
    seed: Seed,
    private_pem: &'static str,
    signer: FileSigner,
}

impl Vendor {
    pub fn new(seed: Seed) -> Result<Vendor, VendorError> {
        Vendor::with_key(seed, seed.keys().private_pem)
    }

    /// A forger: the vendor's kid, issuer and audience, someone else's key. Its licenses are well formed and fail
    /// with `license_bad_signature`.
    pub fn impostor(seed: Seed) -> Result<Vendor, VendorError> {
        Vendor::with_key(seed, seed.keys().impostor_pem)
    }

    fn with_key(seed: Seed, private_pem: &'static str) -> Result<Vendor, VendorError> {
        Ok(Vendor {
            seed,
            private_pem,
            signer: FileSigner::from_pkcs8_pem(seed.keys().kid, private_pem)?,
        })
    }

    pub fn seed(&self) -> Seed {
        self.seed
    }

    pub fn verifier(&self) -> Result<Verifier, VendorError> {
        self.seed.verifier()
    }

    /// Signs a license written in the seed manual's own format (`translate::*::claims()`), as that product's
    /// vendor ships it: a compact JWS (Liberty's "raw JWT string", nivq's `license.jwt`, JustIAM's key,
    /// Sovereign's license) or, for Honeyframe, the signed JSON document.
    pub fn sign(&self, claims: &Value) -> Result<String, VendorError> {
        match self.seed {
            Seed::Honeyframe => self.sign_document(claims),
            _ => self.sign_jwt(claims),
        }
    }

    fn sign_jwt(&self, claims: &Value) -> Result<String, VendorError> {
        use jsonwebtoken::{Algorithm, EncodingKey, Header};
        let pem = self.private_pem.as_bytes();
        let (alg, key) = match self.seed.keys().alg {
            Alg::RS256 => (Algorithm::RS256, EncodingKey::from_rsa_pem(pem)),
            Alg::ES256 => (Algorithm::ES256, EncodingKey::from_ec_pem(pem)),
            Alg::EdDSA => (Algorithm::EdDSA, EncodingKey::from_ed_pem(pem)),
        };
        let key = key.map_err(|e| VendorError::Sign(e.to_string()))?;
        let mut header = Header::new(alg);
        header.kid = Some(self.seed.kid().to_owned());
        jsonwebtoken::encode(&header, claims, &key).map_err(|e| VendorError::Sign(e.to_string()))
    }

    /// `{"payload", "signature", "kid"}`: Ed25519 over the RFC 8785 form of the payload (docs/profiles.md).
    fn sign_document(&self, payload: &Value) -> Result<String, VendorError> {
        let key = ed25519_dalek::SigningKey::from_pkcs8_pem(self.private_pem)
            .map_err(|e| VendorError::Sign(e.to_string()))?;
        let canonical = serde_jcs::to_vec(payload).map_err(|e| VendorError::Sign(e.to_string()))?;
        let signature = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(key.sign(&canonical).to_bytes());
        let doc = json!({"payload": payload, "signature": signature, "kid": self.seed.kid()});
        serde_json::to_string_pretty(&doc).map_err(|e| VendorError::Sign(e.to_string()))
    }

    /// Signs licet's own claims with licet's issue path (for tests about licet's format under a seed profile).
    pub fn sign_licet(&self, claims: &Claims) -> Result<String, VendorError> {
        Ok(issue(claims, &self.signer, Encoding::Compact)?)
    }
}
