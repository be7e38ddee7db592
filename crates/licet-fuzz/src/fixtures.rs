//! The fixed test-only keys the `verify` target and the seed generator use: licet-core's own test vectors, so a
//! seed token signed here verifies in the fuzzer. Never use these keys for anything else.

use std::sync::OnceLock;

use licet_core::format::ClaimMap;
use licet_core::{profiles, Alg, FileSigner, KeyError, Keyring, LicenseFormat, TrustedKey, Verifier};

pub const ISS: &str = "https://licenses.vendor.example";
pub const AUD: &str = "liberty";
pub const ALGS: [Alg; 3] = [Alg::EdDSA, Alg::RS256, Alg::ES256];

const KEYS: [(Alg, &str, &str); 3] = [
    (
        Alg::EdDSA,
        include_str!("../../licet-core/tests/vectors/keys/eddsa-a-test-only.public.pem"),
        include_str!("../../licet-core/tests/vectors/keys/eddsa-a-test-only.private.pem"),
    ),
    (
        Alg::RS256,
        include_str!("../../licet-core/tests/vectors/keys/rs256-test-only.public.pem"),
        include_str!("../../licet-core/tests/vectors/keys/rs256-test-only.private.pem"),
    ),
    (
        Alg::ES256,
        include_str!("../../licet-core/tests/vectors/keys/es256-test-only.public.pem"),
        include_str!("../../licet-core/tests/vectors/keys/es256-test-only.private.pem"),
    ),
];

/// The kid licet-core's tests use for the key of `alg` (`eddsa-2025`, …).
pub fn kid(alg: Alg) -> String {
    format!("{}-2025", alg.as_str().to_lowercase())
}

fn pems(alg: Alg) -> (&'static str, &'static str) {
    KEYS.iter()
        .find(|(a, _, _)| *a == alg)
        .map_or(("", ""), |(_, public, private)| (*public, *private))
}

pub fn public_pem(alg: Alg) -> &'static str {
    pems(alg).0
}

pub fn signer(alg: Alg) -> Result<FileSigner, KeyError> {
    FileSigner::from_pkcs8_pem(kid(alg), pems(alg).1)
}

pub fn keyring() -> Result<Keyring, KeyError> {
    let keys = ALGS
        .iter()
        .map(|alg| TrustedKey::from_spki_pem(kid(*alg), *alg, public_pem(*alg)))
        .collect::<Result<Vec<_>, _>>()?;
    Keyring::new(keys)
}

/// Built once: the keys are parsed on the first call only, so every fuzz iteration costs only the verification.
pub fn verifier() -> &'static Verifier {
    static V: OnceLock<Verifier> = OnceLock::new();
    V.get_or_init(|| match keyring() {
        Ok(keyring) => Verifier::new(keyring, ISS, AUD),
        Err(e) => panic!("the checked-in test-only keys do not load: {e}"),
    })
}

/// The vendor-tooling verifier (no iss/aud check) over the same keys.
pub fn vendor_verifier() -> &'static Verifier {
    static V: OnceLock<Verifier> = OnceLock::new();
    V.get_or_init(|| Verifier::for_vendor_tooling(verifier().keyring().clone(), None, None))
}

/// The five profiles' vendor formats.
pub fn formats() -> impl Iterator<Item = &'static ClaimMap> {
    profiles::names()
        .filter_map(profiles::by_name)
        .filter_map(|p| p.format.mapping())
}

/// Per profile format: its product verifier and vendor-tooling verifier over the same keys, built once.
pub fn mapped_verifiers() -> &'static [(&'static ClaimMap, Verifier, Verifier)] {
    static V: OnceLock<Vec<(&'static ClaimMap, Verifier, Verifier)>> = OnceLock::new();
    V.get_or_init(|| {
        formats()
            .map(|map| {
                let format = LicenseFormat::Mapped(map);
                (
                    map,
                    verifier().clone().with_format(format),
                    vendor_verifier().clone().with_format(format),
                )
            })
            .collect()
    })
}
