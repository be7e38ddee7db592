//! Writes the fuzz seed corpora from real issued tokens: `licet-fuzz-seeds <dir>` fills `<dir>/<target>/`.
//! Run through `scripts/fuzz-seeds.sh`. The output is deterministic (Ed25519, RSA PKCS#1 v1.5 and RFC 6979 ECDSA
//! signatures are), so re-running it changes no checked-in file.

use std::path::Path;

use licet_core::issue::{sign_payload, sign_raw};
use licet_core::token::b64url;
use licet_core::{issue, Claims, Encoding, JwsSigner};
use licet_fuzz::fixtures::{self, ALGS, AUD, ISS};
use serde_json::{json, Value};

type Error = Box<dyn std::error::Error>;

fn typical() -> Value {
    json!({
        "iss": ISS, "sub": "acme-corp", "aud": AUD, "iat": 1_735_689_600, "nbf": 1_735_689_600,
        "exp": 1_767_225_600, "jti": "lic-2025-0001",
        "lic": {
            "schema": "1.0",
            "customer": {"id": "cus_8f2a", "name": "ACME Corporation"},
            "binding": {"install_id": "6f1c1f8e-9a47-4c5e-a0c4-0b8f4f6f2b1d", "fingerprints": ["sha256:ab12"],
                        "domains": ["*.acme.example", "acme.example"]},
            "edition": "enterprise",
            "products": ["connector-sap", "reporting"],
            "features": ["sso", "audit-log", "scim"],
            "limits": {"users": 500, "tenants": 10, "workspaces": "unlimited"},
            "orgs": [{"id": "org-eu", "plan": "enterprise", "features": ["sso"], "limits": {"users": 300},
                      "valid_from": 1_735_689_600, "valid_until": 1_767_225_600}],
            "max_orgs": 5,
            "renewal": {"url": "https://licenses.vendor.example/v1/renew"},
            "sequence": 7,
            "x-future": {"kept": [1, 2.5, null, true]}
        }
    })
}

fn minimal() -> Value {
    json!({"iss": ISS, "sub": "s", "aud": [AUD, "other"], "iat": 1,
           "lic": {"schema": "1.3", "customer": {"id": "c", "name": "C"}}})
}

fn write(dir: &Path, target: &str, name: &str, bytes: &[u8]) -> Result<(), Error> {
    let dir = dir.join(target);
    std::fs::create_dir_all(&dir)?;
    std::fs::write(dir.join(name), bytes)?;
    Ok(())
}

/// Tokens are seeds for both the codec and the verifier.
fn write_token(dir: &Path, name: &str, token: &str) -> Result<(), Error> {
    write(dir, "token", name, token.as_bytes())?;
    write(dir, "verify", name, token.as_bytes())
}

fn main() -> Result<(), Error> {
    let out = std::env::args().nth(1).ok_or("usage: licet-fuzz-seeds <output dir>")?;
    let out = Path::new(&out);
    let payloads = [("typical", typical()), ("minimal", minimal())];
    for (name, value) in &payloads {
        write(out, "claims", &format!("{name}.json"), &serde_json::to_vec(value)?)?;
        write(
            out,
            "claims",
            &format!("{name}-pretty.json"),
            &serde_json::to_vec_pretty(value)?,
        )?;
    }
    for alg in ALGS {
        let signer = fixtures::signer(alg)?;
        let a = alg.as_str().to_lowercase();
        for (name, value) in &payloads {
            let claims: Claims = serde_json::from_value(value.clone())?;
            for encoding in [Encoding::Compact, Encoding::Json, Encoding::Armored] {
                let token = issue(&claims, &signer, encoding)?;
                write_token(out, &format!("{a}-{name}-{}", encoding.as_str()), &token)?;
            }
        }
        // Tokens licet must refuse, each signed, so the mutator starts next to the interesting branches.
        let payload = serde_json::to_vec(&minimal())?;
        let headers = [
            ("alg-none", json!({"alg": "none", "kid": fixtures::kid(alg)})),
            ("hs256", json!({"alg": "HS256", "kid": fixtures::kid(alg)})),
            (
                "jwk",
                json!({"alg": alg.as_str(), "kid": fixtures::kid(alg), "jwk": {"kty": "OKP"}}),
            ),
            (
                "crit",
                json!({"alg": alg.as_str(), "kid": fixtures::kid(alg), "crit": ["b64"], "b64": false}),
            ),
            ("no-kid", json!({"alg": alg.as_str()})),
        ];
        for (name, header) in headers {
            let token = sign_raw(&serde_json::to_vec(&header)?, &payload, &signer)?;
            write_token(out, &format!("{a}-{name}"), &token)?;
        }
        let schema2 = json!({"iss": ISS, "sub": "s", "aud": AUD, "iat": 1, "lic": {"schema": "2.0"}});
        write_token(
            out,
            &format!("{a}-schema2"),
            &sign_payload(&serde_json::to_vec(&schema2)?, &signer)?,
        )?;
    }
    // The flattened JSON form with an unprotected header.
    let signer = fixtures::signer(ALGS[0])?;
    let compact = sign_payload(&serde_json::to_vec(&minimal())?, &signer)?;
    let mut parts = compact.split('.');
    let doc = json!({"protected": parts.next(), "payload": parts.next(), "signature": parts.next(),
                     "header": {"note": "unprotected"}});
    write_token(out, "eddsa-json-unprotected", &doc.to_string())?;
    // A header-only oddity: a payload that is not JSON.
    let odd = format!("{}.{}.", b64url(br#"{"alg":"EdDSA"}"#), b64url(b"not json"));
    write_token(out, "not-json-payload", &odd)?;
    // Configuration files: a product's license key source and a `licet serve` config.
    let configs = [
        ("product.toml", "[license]\nkey = \"${LIBERTY_LICENSE_KEY}\"\n"),
        (
            "literal.toml",
            "key = \"$${not a variable}\"\n[license]\nkey = \"ab.cd.ef\"\n",
        ),
        (
            "serve.toml",
            "listen = \"127.0.0.1:8087\"\ndata_dir = \"${DATA:-/var/lib/licet}\"\n\
             database_url = \"postgres://licet:${PGPW}@db/licet\"\nprofile = \"liberty\"\n\
             trust = [\"/etc/licet/vendor.pem\", \"${TRUST}\"]\nissuer = \"https://licenses.vendor.example\"\n\
             audience = \"liberty\"\nlicense_file = \"/run/secrets/license\"\nopen_reads = false\nbody_limit = 65536\n",
        ),
    ];
    for (name, text) in configs {
        write(out, "config", name, text.as_bytes())?;
    }
    println!("seeds written to {} ({})", out.display(), signer.kid());
    Ok(())
}
