//! The five test vendors: test-only keys (committed, named so), issuers and audiences.

use licet_core::{
    issue, Alg, Claims, Encoding, FileSigner, IssueError, KeyError, Keyring, Policy, TrustedKey, UnixTime, Verifier,
};

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
    #[error("the order cannot be translated into a licet license: {0}")]
    Translate(String),
}

/// A seed's vendor: signs licenses with the seed's test-only key.
#[derive(Debug)]
pub struct Vendor {
    seed: Seed,
    signer: FileSigner,
}

impl Vendor {
    pub fn new(seed: Seed) -> Result<Vendor, VendorError> {
        let k = seed.keys();
        Ok(Vendor {
            seed,
            signer: FileSigner::from_pkcs8_pem(k.kid, k.private_pem)?,
        })
    }

    /// A forger: the vendor's kid, issuer and audience, someone else's key. Its licenses are well formed and fail
    /// with `license_bad_signature`.
    pub fn impostor(seed: Seed) -> Result<Vendor, VendorError> {
        let k = seed.keys();
        Ok(Vendor {
            seed,
            signer: FileSigner::from_pkcs8_pem(k.kid, k.impostor_pem)?,
        })
    }

    pub fn seed(&self) -> Seed {
        self.seed
    }

    pub fn verifier(&self) -> Result<Verifier, VendorError> {
        self.seed.verifier()
    }

    /// Signs `claims` as a compact JWS (Liberty's "raw JWT string", nivq's `license.jwt`).
    pub fn sign(&self, claims: &Claims) -> Result<String, VendorError> {
        Ok(issue(claims, &self.signer, Encoding::Compact)?)
    }
}
