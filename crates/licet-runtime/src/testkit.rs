//! A throwaway vendor for tests, examples and benchmarks: a fresh Ed25519 key (test-only, never persisted) that
//! issues licenses through licet-core's real `issue`, and the matching `Verifier`. Nothing here weakens a product:
//! a product trusts only the keys it is built with, and this key exists only in the process that made it.

use std::collections::BTreeMap;

use licet_core::{
    issue, Alg, Audience, Claims, Customer, Encoding, FileSigner, Keyring, License, Limit, PrivateKey, TrustedKey,
    UnixTime, Verifier,
};

pub const ISSUER: &str = "https://vendor.test";
pub const AUDIENCE: &str = "test-product";

/// An in-memory vendor with one Ed25519 key.
#[derive(Debug)]
pub struct TestVendor {
    signer: FileSigner,
    keyring: Keyring,
}

impl TestVendor {
    /// A fresh key with kid `test-only-1`.
    pub fn new() -> Result<Self, licet_core::KeyError> {
        let key = PrivateKey::generate(Alg::EdDSA, &mut rand_core::OsRng)?;
        let public = key.public_key();
        let signer = FileSigner::new("test-only-1", key)?;
        let keyring = Keyring::new(vec![TrustedKey::new("test-only-1", Alg::EdDSA, public)?])?;
        Ok(TestVendor { signer, keyring })
    }

    pub fn verifier(&self) -> Verifier {
        Verifier::new(self.keyring.clone(), ISSUER, AUDIENCE)
    }

    /// Claims for customer `acme`, issued at `iat`, expiring at `exp`, with sequence 1 and nothing granted.
    pub fn claims(&self, iat: UnixTime, exp: Option<UnixTime>) -> Claims {
        Claims {
            iss: ISSUER.into(),
            sub: "acme".into(),
            aud: Audience::one(AUDIENCE),
            iat,
            nbf: None,
            exp,
            jti: None,
            lic: License::new(
                Customer {
                    id: "acme".into(),
                    name: "Acme Corp".into(),
                },
                1,
            ),
            extra: BTreeMap::new(),
        }
    }

    /// Claims granting `products`, `features` and `limits`.
    pub fn claims_granting(
        &self,
        iat: UnixTime,
        exp: Option<UnixTime>,
        products: &[&str],
        features: &[&str],
        limits: &[(&str, Limit)],
    ) -> Claims {
        let mut c = self.claims(iat, exp);
        c.lic.products = products.iter().map(|s| s.to_string()).collect();
        c.lic.features = features.iter().map(|s| s.to_string()).collect();
        c.lic.limits = limits.iter().map(|(k, v)| (k.to_string(), *v)).collect();
        c
    }

    /// Signs `claims` as a compact JWS.
    pub fn issue(&self, claims: &Claims) -> Result<String, licet_core::IssueError> {
        issue(claims, &self.signer, Encoding::Compact)
    }
}
