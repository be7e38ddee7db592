//! Writes the fuzz seed corpora from real issued tokens: `licet-fuzz-seeds <dir>` fills `<dir>/<target>/`.
//! Run through `scripts/fuzz-seeds.sh`. The output is deterministic (Ed25519, RSA PKCS#1 v1.5 and RFC 6979 ECDSA
//! signatures are), so re-running it changes no checked-in file.

use std::path::Path;

use licet_core::issue::{sign_payload, sign_raw};
use licet_core::token::b64url;
use licet_core::token::encode_compact;
use licet_core::{issue, Alg, Claims, Encoding, JwsSigner, SignedDocument, UnixTime};
use licet_fuzz::fixtures::{self, ALGS, AUD, ISS};
use licet_proto::activation::{ActivationRequest, JWS_TYP};
use licet_proto::Ed25519Jwk;
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
    activation_requests(out)?;
    uploads(out, &typical())?;
    vendor_formats(out)?;
    println!("seeds written to {} ({})", out.display(), signer.kid());
    Ok(())
}

/// The install's key: the EdDSA test-only key, as the JWK an activation request names.
fn install_jwk() -> Result<Ed25519Jwk, Error> {
    let keyring = fixtures::keyring()?;
    let key = keyring.get(&fixtures::kid(Alg::EdDSA)).ok_or("no EdDSA test key")?;
    let jwk = key.to_jwk();
    Ok(Ed25519Jwk {
        kty: jwk.kty,
        crv: jwk.crv.unwrap_or_default(),
        x: jwk.x.unwrap_or_default(),
    })
}

/// Signed activation requests as an install exports them, mangled as they arrive, and ones the vendor refuses.
fn activation_requests(out: &Path) -> Result<(), Error> {
    const T: &str = "activation_request";
    let signer = fixtures::signer(Alg::EdDSA)?;
    let full = ActivationRequest {
        v: 1,
        install_id: "6f1c1f8e-9a47-4c5e-a0c4-0b8f4f6f2b1d".into(),
        fingerprint: "LICET-FP-7Q2M-X4KD-9BRT".into(),
        license_fingerprint: Some("ab".repeat(32)),
        products: vec!["connector-sap".into(), "reporting".into()],
        created_at: UnixTime(1_735_689_600),
        nonce: "b3f1c0de-5a2e-4c1b-9d7e-2f8a6c4e1b90".into(),
        public_key: install_jwk()?,
    };
    let bare = ActivationRequest {
        license_fingerprint: None,
        products: Vec::new(),
        nonce: "n".into(),
        ..full.clone()
    };
    let signed = full.sign(&signer)?;
    write(out, T, "full-armored", signed.armored().as_bytes())?;
    write(out, T, "full-compact", signed.compact().as_bytes())?;
    write(out, T, "minimal-compact", bare.sign(&signer)?.compact().as_bytes())?;
    let mangled = format!(
        "From: ops@acme.example\r\nSubject: activation\r\n\r\n{}\r\n-- \r\nops",
        signed.armored().replace('\n', "\r\n    ")
    );
    write(out, T, "mangled-armored", mangled.as_bytes())?;
    // Refused: another key named than the one that signed, v 2, RS256, a license's typ, a license file, JSON.
    let other_key = ActivationRequest {
        public_key: Ed25519Jwk {
            x: "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo".into(),
            ..full.public_key.clone()
        },
        ..full.clone()
    };
    write(out, T, "other-key", other_key.sign(&signer)?.compact().as_bytes())?;
    let v2 = ActivationRequest { v: 2, ..full.clone() };
    write(out, T, "v2", v2.sign(&signer)?.compact().as_bytes())?;
    let payload = serde_json::to_vec(&full)?;
    let rs256 = json!({"alg": "RS256", "typ": JWS_TYP});
    let rs256 = sign_raw(&serde_json::to_vec(&rs256)?, &payload, &fixtures::signer(Alg::RS256)?)?;
    write(out, T, "rs256", rs256.as_bytes())?;
    let jwt = sign_raw(br#"{"alg":"EdDSA","typ":"JWT"}"#, &payload, &signer)?;
    write(out, T, "typ-jwt", jwt.as_bytes())?;
    let license = issue(&serde_json::from_value(minimal())?, &signer, Encoding::Armored)?;
    write(out, T, "license-armored", license.as_bytes())?;
    write(
        out,
        T,
        "json-wrapped",
        json!({"request": signed.armored()}).to_string().as_bytes(),
    )?;
    Ok(())
}

/// `POST /v1/license` bodies in the upload target's format: header lines, a blank line, the body.
fn uploads(out: &Path, claims: &Value) -> Result<(), Error> {
    const T: &str = "upload_body";
    let signer = fixtures::signer(Alg::EdDSA)?;
    let claims: Claims = serde_json::from_value(claims.clone())?;
    let compact = issue(&claims, &signer, Encoding::Compact)?;
    let armored = issue(&claims, &signer, Encoding::Armored)?;
    let upload = |name: &str, head: &str, body: &str| write(out, T, name, format!("{head}\n\n{body}").as_bytes());
    upload("raw-jwt", "content-type: application/jwt", &compact)?;
    upload(
        "pasted-text",
        "content-type: text/plain;charset=UTF-8\nx-licet-reason:   renewal 2025  ",
        &format!("\n{armored}\n"),
    )?;
    upload(
        "raw-chunked",
        "content-type: application/octet-stream\nx-fuzz-chunk: 7",
        &compact,
    )?;
    upload(
        "json",
        "content-type: application/json",
        &json!({"license": armored, "reason": "new term"}).to_string(),
    )?;
    let part = |name: &str, file: Option<&str>, value: &str| {
        let file = file
            .map(|f| format!("; filename=\"{f}\"\r\nContent-Type: application/octet-stream"))
            .unwrap_or_default();
        format!("------licetfuzz\r\nContent-Disposition: form-data; name=\"{name}\"{file}\r\n\r\n{value}\r\n")
    };
    let multipart = "content-type: multipart/form-data; boundary=----licetfuzz";
    upload(
        "multipart-license",
        &format!("{multipart}\nx-fuzz-chunk: 13"),
        &format!(
            "{}{}------licetfuzz--\r\n",
            part("license", Some("acme.lic"), &armored),
            part("reason", None, "offline import")
        ),
    )?;
    upload(
        "multipart-file",
        multipart,
        &format!(
            "{}{}------licetfuzz--\r\n",
            part("submit", None, "Install"),
            part("file", Some("license.txt"), &compact)
        ),
    )?;
    upload(
        "too-large",
        "content-type: text/plain",
        &"A".repeat(licet_fuzz::BODY_LIMIT + 1),
    )?;
    upload("no-content-type", "x-licet-reason: x", &compact)?;
    Ok(())
}

/// Each manual's claims, as the five profiles' formats read them (`licet_core::profiles::formats`).
fn manual_claims() -> [(&'static str, Value); 5] {
    [
        (
            "liberty",
            json!({"iss": ISS, "sub": "acme", "exp": 1_767_225_600, "aud": AUD,
                   "connectors": ["connector-sap", "connector-s3"], "iat": 1_735_689_600, "jti": "lib-1"}),
        ),
        (
            "honeyframe",
            json!({"customer": "ACME", "tier": "enterprise", "products": ["gateway", "analytics"],
                   "features": ["sso"], "expires": "2026-12-31", "users_limit": 250,
                   "issued": "2025-01-01T00:00:00Z"}),
        ),
        (
            "sovereign",
            json!({"customerId": "cus_8f2a", "customerName": "ACME", "installId": "6f1c1f8e-9a47-4c5e-a0c4-0b8f4f6f2b1d",
                   "apps": ["crm", "billing"],
                   "organizations": [{"orgId": "org-eu", "plan": "pro", "features": ["sso"], "limits": {"users": 10},
                                      "validFrom": "2025-01-01", "validUntil": "2026-12-31T00:00:00Z", "note": 1}],
                   "validFrom": "2025-01-01", "validUntil": "2026-12-31", "maxOrgs": 5,
                   "renewalUrl": "https://licenses.vendor.example/v1/renew", "sequence": 3, "iss": ISS, "aud": AUD}),
        ),
        (
            "nivq",
            json!({"sub": "acme", "customerName": "ACME", "edition": "enterprise", "features": ["sso", "audit-log"],
                   "maxWorkspaces": 0, "maxAgents": 10, "maxUsers": 50, "hostFingerprint": ["LICET-FP-7Q2M-X4KD"],
                   "domain": "*.acme.example", "sequence": 2, "iat": 1_735_689_600, "exp": 1_767_225_600,
                   "iss": ISS, "aud": [AUD, "other"]}),
        ),
        (
            "justiam",
            json!({"sub": "acme", "instance_id": "", "max_users": -1, "max_tenants": 0,
                   "renewal_url": "https://licenses.vendor.example/renew", "iat": 1_735_689_600,
                   "exp": 1_767_225_600, "max_admins": 3}),
        ),
    ]
}

/// The `mapping`, `verify_mapped` and `document` seeds: the manuals' claims, signed in each format's envelope,
/// and refusals next to the interesting branches.
fn vendor_formats(out: &Path) -> Result<(), Error> {
    let eddsa = fixtures::signer(Alg::EdDSA)?;
    for (name, claims) in manual_claims() {
        write(
            out,
            "mapping",
            &format!("{name}.json"),
            &serde_json::to_vec_pretty(&claims)?,
        )?;
        let object = claims.as_object().cloned().unwrap_or_default();
        if name == "honeyframe" {
            let doc = SignedDocument::sign(&object, &eddsa)?;
            write(out, "verify_mapped", "honeyframe-document", doc.as_bytes())?;
            write(out, "document", "honeyframe-pretty", doc.as_bytes())?;
            let compact: Value = serde_json::from_str(&doc)?;
            write(out, "document", "honeyframe-compact", compact.to_string().as_bytes())?;
            let mut no_kid = compact.clone();
            if let Some(o) = no_kid.as_object_mut() {
                o.remove("kid");
            }
            write(out, "document", "no-kid", no_kid.to_string().as_bytes())?;
            write(out, "verify_mapped", "honeyframe-no-kid", no_kid.to_string().as_bytes())?;
            let tampered = doc.replace("250", "2500");
            write(out, "verify_mapped", "honeyframe-tampered", tampered.as_bytes())?;
            let mut extra = compact.clone();
            if let Some(o) = extra.as_object_mut() {
                o.insert("alg".into(), json!("none"));
            }
            write(out, "document", "extra-member", extra.to_string().as_bytes())?;
            let float = doc.replace("250", "2.5e2");
            write(out, "document", "float", float.as_bytes())?;
        }
        // Every format also comes as a JWS (a document profile accepts one too).
        let compact = sign_payload(&serde_json::to_vec(&object)?, &eddsa)?;
        write(out, "verify_mapped", &format!("{name}-compact"), compact.as_bytes())?;
    }
    let [liberty, _, sovereign, nivq, justiam] = manual_claims();
    let rs = sign_payload(&serde_json::to_vec(&liberty.1)?, &fixtures::signer(Alg::RS256)?)?;
    write(out, "verify_mapped", "liberty-rs256", rs.as_bytes())?;
    let es = sign_payload(&serde_json::to_vec(&nivq.1)?, &fixtures::signer(Alg::ES256)?)?;
    write(
        out,
        "verify_mapped",
        "nivq-es256-armored",
        encode_compact(&es, Encoding::Armored).as_bytes(),
    )?;
    // Refused: the wrong type, a missing org id, another issuer, and a licet-format license (read as licet's).
    let wrong = with(&justiam.1, "max_users", json!("many"));
    write(out, "mapping", "justiam-wrong-type.json", wrong.to_string().as_bytes())?;
    let signed = sign_payload(&serde_json::to_vec(&wrong)?, &eddsa)?;
    write(out, "verify_mapped", "justiam-wrong-type", signed.as_bytes())?;
    let no_org_id = with(&sovereign.1, "organizations", json!([{"plan": "pro"}]));
    write(
        out,
        "mapping",
        "sovereign-no-org-id.json",
        no_org_id.to_string().as_bytes(),
    )?;
    let other_iss = with(&justiam.1, "iss", json!("https://licenses.other.example"));
    let signed = sign_payload(&serde_json::to_vec(&other_iss)?, &eddsa)?;
    write(out, "verify_mapped", "justiam-other-iss", signed.as_bytes())?;
    let own = issue(&serde_json::from_value(typical())?, &eddsa, Encoding::Compact)?;
    write(out, "verify_mapped", "licet-typical", own.as_bytes())?;
    Ok(())
}

/// `object` with `member` set to `value`.
fn with(object: &Value, member: &str, value: Value) -> Value {
    let mut object = object.clone();
    if let Some(o) = object.as_object_mut() {
        o.insert(member.to_owned(), value);
    }
    object
}
