use super::*;

const RSA_1024_PUB: &str = include_str!("../../tests/vectors/keys/rsa1024-too-small-test-only.public.pem");
const RSA_1024_PRIV: &str = include_str!("../../tests/vectors/keys/rsa1024-too-small-test-only.private.pem");
const RSA_2048_PRIV: &str = include_str!("../../tests/vectors/keys/rs256-test-only.private.pem");

fn keys() -> Vec<PrivateKey> {
    vec![
        PrivateKey::generate(Alg::EdDSA, &mut rand_core::OsRng).unwrap(),
        PrivateKey::generate(Alg::ES256, &mut rand_core::OsRng).unwrap(),
        PrivateKey::from_pkcs8_pem(RSA_2048_PRIV).unwrap(),
    ]
}

#[test]
fn pem_and_jwk_round_trip_for_every_alg() {
    for key in keys() {
        let alg = key.alg();
        let again = PrivateKey::from_pkcs8_pem(&key.to_pkcs8_pem().unwrap()).unwrap();
        assert_eq!(again.alg(), alg);
        let public = key.public_key();
        let pem = public.to_spki_pem().unwrap();
        assert!(pem.starts_with("-----BEGIN PUBLIC KEY-----"));
        let from_pem = PublicKey::from_spki_pem(&pem).unwrap();
        let jwk = public.to_jwk("k1");
        assert_eq!(
            (jwk.kid.as_deref(), jwk.alg.as_deref(), jwk.use_.as_deref()),
            (Some("k1"), Some(alg.as_str()), Some("sig"))
        );
        let from_jwk = PublicKey::from_jwk(&jwk).unwrap();
        let sig = again.sign(b"msg").unwrap();
        for k in [&public, &from_pem, &from_jwk] {
            assert!(k.verify(b"msg", &sig), "{alg}");
            assert!(!k.verify(b"msG", &sig), "{alg}");
        }
        assert_eq!(from_jwk.to_jwk("k1"), jwk);
    }
}

#[test]
fn small_rsa_keys_are_refused_in_every_form() {
    assert!(matches!(
        PublicKey::from_spki_pem(RSA_1024_PUB),
        Err(KeyError::RsaTooSmall { bits: 1024 })
    ));
    assert!(matches!(
        PrivateKey::from_pkcs8_pem(RSA_1024_PRIV),
        Err(KeyError::RsaTooSmall { bits: 1024 })
    ));
    let big = PrivateKey::from_pkcs8_pem(RSA_2048_PRIV)
        .unwrap()
        .public_key()
        .to_jwk("k");
    let small_n = crate::token::b64url(&[0xc5; 128]);
    let jwk = Jwk {
        n: Some(small_n),
        ..big
    };
    assert!(matches!(PublicKey::from_jwk(&jwk), Err(KeyError::RsaTooSmall { .. })));
}

#[test]
fn jwk_with_private_material_or_wrong_use_is_refused() {
    let key = PrivateKey::generate(Alg::EdDSA, &mut rand_core::OsRng).unwrap();
    let mut jwk = key.public_key().to_jwk("k");
    jwk.other.insert("d".into(), "AAAA".into());
    assert!(matches!(
        PublicKey::from_jwk(&jwk),
        Err(KeyError::PrivateMaterial { .. })
    ));
    let mut jwk = key.public_key().to_jwk("k");
    jwk.use_ = Some("enc".into());
    assert!(matches!(PublicKey::from_jwk(&jwk), Err(KeyError::Jwk { .. })));
}

#[test]
fn a_trusted_key_is_pinned_to_its_own_type() {
    let ed = PrivateKey::generate(Alg::EdDSA, &mut rand_core::OsRng)
        .unwrap()
        .public_key();
    assert!(matches!(
        crate::keyring::TrustedKey::new("k", Alg::RS256, ed.clone()),
        Err(KeyError::AlgKeyMismatch { .. })
    ));
    let mut jwk = ed.to_jwk("k");
    jwk.alg = Some("HS256".into());
    assert!(crate::keyring::TrustedKey::from_jwk(&jwk).is_err());
    // An alg of another key type is a contradiction, not a hint: refused.
    jwk.alg = Some("RS256".into());
    assert!(matches!(
        crate::keyring::TrustedKey::from_jwk(&jwk),
        Err(KeyError::AlgKeyMismatch { .. })
    ));
}

#[test]
fn a_jwk_without_alg_is_pinned_to_its_key_types_one_alg() {
    use crate::keyring::TrustedKey;
    for key in keys() {
        let mut jwk = key.public_key().to_jwk("k");
        jwk.alg = None;
        let trusted = TrustedKey::from_jwk(&jwk).unwrap();
        assert_eq!(trusted.alg(), key.alg());
        // Pinned as if stated: a header naming another of licet's algorithms is refused before any arithmetic.
        let sig = key.sign(b"input").unwrap();
        assert!(trusted.verify_signature(key.alg(), b"input", &sig).is_ok());
        for other in [Alg::EdDSA, Alg::RS256, Alg::ES256]
            .into_iter()
            .filter(|a| *a != key.alg())
        {
            assert!(matches!(
                trusted.verify_signature(other, b"input", &sig),
                Err(crate::VerifyError::AlgMismatch { .. })
            ));
        }
    }
}

#[test]
fn a_keyring_reads_a_single_jwk_and_a_jwks_whose_keys_have_no_alg() {
    use crate::keyring::Keyring;
    let [ed, ec, rsa] = <[PrivateKey; 3]>::try_from(keys()).unwrap();
    // What `licet keygen` writes to `<kid>.jwk.json`.
    let single = serde_json::to_string_pretty(&ed.public_key().to_jwk("vendor-2025")).unwrap();
    let ring = Keyring::from_jwks(&single).unwrap();
    assert_eq!(ring.keys().len(), 1);
    assert_eq!(
        (ring.keys()[0].kid(), ring.keys()[0].alg()),
        ("vendor-2025", Alg::EdDSA)
    );

    // A JWKS as jwcrypto and PyJWT export it: no alg (nor use) on any key.
    let strip = |jwk: Jwk| Jwk {
        alg: None,
        use_: None,
        ..jwk
    };
    let keys = [
        strip(ed.public_key().to_jwk("ed")),
        strip(ec.public_key().to_jwk("ec")),
        strip(rsa.public_key().to_jwk("rsa")),
    ];
    let jwks = serde_json::json!({ "keys": keys }).to_string();
    assert!(!jwks.contains("\"alg\""));
    let ring = Keyring::from_jwks(&jwks).unwrap();
    let pinned: Vec<(&str, Alg)> = ring.keys().iter().map(|k| (k.kid(), k.alg())).collect();
    assert_eq!(pinned, [("ed", Alg::EdDSA), ("ec", Alg::ES256), ("rsa", Alg::RS256)]);

    // A single JWK is read as strictly as a JWKS: private members, contradicting alg, duplicates, no kid.
    let mut private = ed.public_key().to_jwk("k");
    private.other.insert("d".into(), "AAAA".into());
    let private = serde_json::to_string(&private).unwrap();
    assert!(matches!(
        Keyring::from_jwks(&private),
        Err(KeyError::PrivateMaterial { .. })
    ));
    let contradicting = Jwk {
        alg: Some("ES256".into()),
        ..ed.public_key().to_jwk("k")
    };
    let contradicting = serde_json::to_string(&contradicting).unwrap();
    assert!(matches!(
        Keyring::from_jwks(&contradicting),
        Err(KeyError::AlgKeyMismatch { .. })
    ));
    let dup = single.replacen("\"kty\"", "\"kty\": \"OKP\", \"kty\"", 1);
    assert!(matches!(Keyring::from_jwks(&dup), Err(KeyError::Jwks(_))));
    let no_kid = Jwk {
        kid: None,
        ..ed.public_key().to_jwk("k")
    };
    assert!(Keyring::from_jwks(&serde_json::to_string(&no_kid).unwrap()).is_err());
    // Neither shape: the error says what was expected.
    let neither = Keyring::from_jwks(r#"{"kid": "k"}"#).unwrap_err().to_string();
    assert!(neither.contains("single JWK"), "{neither}");
    assert!(Keyring::from_jwks(r#"{"keys": [], "kty": "OKP"}"#).is_err());
}

#[test]
fn kids_are_short_and_printable() {
    assert!(check_kid("vendor-2025".into()).is_ok());
    for bad in ["", "has space", "new\nline", &"x".repeat(129)] {
        assert!(check_kid(bad.to_owned()).is_err(), "{bad:?}");
    }
}

#[test]
fn a_public_pem_is_not_a_private_key_and_vice_versa() {
    let key = PrivateKey::generate(Alg::EdDSA, &mut rand_core::OsRng).unwrap();
    let public = key.public_key().to_spki_pem().unwrap();
    assert!(PrivateKey::from_pkcs8_pem(&public).is_err());
    assert!(PublicKey::from_spki_pem(&key.to_pkcs8_pem().unwrap()).is_err());
}

#[test]
fn small_order_ed25519_keys_are_refused() {
    let mut identity = [0u8; 32];
    identity[0] = 1; // the neutral element: every signature with R = identity, S = 0 would "verify"
    let jwk = Jwk {
        kty: "OKP".into(),
        kid: Some("weak".into()),
        alg: Some("EdDSA".into()),
        use_: None,
        crv: Some("Ed25519".into()),
        x: Some(crate::token::b64url(&identity)),
        y: None,
        n: None,
        e: None,
        other: BTreeMap::new(),
    };
    assert!(PublicKey::from_jwk(&jwk).is_err());
}

/// RFC 8410 §7's example layout: SEQUENCE { INTEGER 0 (v1), AlgorithmIdentifier { 1.3.101.112 }, OCTET STRING {
/// OCTET STRING (32-byte seed) } }, 48 bytes, no `[1]` public key. OpenSSL 3.0's `pkeyutl` refuses the v2 form.
#[test]
fn ed25519_private_keys_are_written_as_pkcs8_v1_and_both_versions_are_read() {
    const V1_PREFIX: [u8; 16] = [
        0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20,
    ];
    let key = PrivateKey::generate(Alg::EdDSA, &mut rand_core::OsRng).unwrap();
    let pem = key.to_pkcs8_pem().unwrap();
    let der = pem_to_der(&pem, "PRIVATE KEY").unwrap();
    assert_eq!(der.len(), 48, "{}", hex::encode(&der));
    assert_eq!(der.get(..16), Some(&V1_PREFIX[..]));
    let PrivateKey::Ed25519(inner) = &key else {
        unreachable!()
    };
    assert_eq!(der.get(16..), Some(&inner.to_bytes()[..]));

    // ed25519-dalek's own encoder writes v2 (public key in [1]); such keys, e.g. from older licet, still load.
    let v2 = inner.to_pkcs8_pem(LineEnding::LF).unwrap();
    assert!(pem_to_der(&v2, "PRIVATE KEY").unwrap().len() > 48);
    for text in [pem.as_str(), v2.as_str()] {
        let again = PrivateKey::from_pkcs8_pem(text).unwrap();
        assert_eq!(again.sign(b"m").unwrap(), key.sign(b"m").unwrap());
    }
}
