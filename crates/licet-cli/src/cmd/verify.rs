//! `licet verify`: check a license against trusted public keys, as a product would (minus time and binding).

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{bail, Context};
use licet_core::{Keyring, LicenseFormat, PublicKey, TrustedKey, Verifier};

use crate::{formats, input};

/// Verify a license's signature, header and claims format (and issuer/audience when given). Prints the claims
/// JSON and exits 0, or prints the reason code and sentence on stderr and exits 1. Time and binding are judged
/// by the product, not here.
#[derive(clap::Args)]
pub struct Args {
    /// Trusted key: a JWKS (`jwks.json`), a single JWK (`<kid>.jwk.json`) or a SPKI public key PEM; repeatable. A
    /// PEM's kid is `--kid`; else, when it is the only --trust, the license's own kid (the one key must still verify
    /// it); else the file name without `.public.pem`/`.pem`. Its algorithm follows from the key type.
    #[arg(long, required = true)]
    trust: Vec<PathBuf>,
    /// Key id for a PEM given with --trust (only with a single PEM).
    #[arg(long)]
    kid: Option<String>,
    /// Expected audience (product). Not checked when absent.
    #[arg(long)]
    aud: Option<String>,
    /// Expected issuer (vendor). Not checked when absent.
    #[arg(long)]
    iss: Option<String>,
    /// Verify as a product with this profile does: a license in the profile's own format (its manual's: a JWS,
    /// or honeyframe's signed document) is read with the profile's mapping; licet's own format is always read.
    #[arg(long)]
    profile: Option<String>,
    /// The license: token text, a file, or `-` for stdin.
    token: String,
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let format = match args.profile.as_deref() {
        Some(name) => LicenseFormat::Mapped(formats::profile_format(name)?),
        None => LicenseFormat::Licet,
    };
    let bytes = input::read_token(&args.token)?;
    let keyring = load_trust(&args.trust, args.kid.as_deref(), unverified_kid(&bytes).as_deref())?;
    if args.iss.is_none() || args.aud.is_none() {
        eprintln!("note: issuer and/or audience not checked (give --iss and --aud to check them as a product does)");
    }
    let verifier = Verifier::for_vendor_tooling(keyring, args.iss, args.aud).with_format(format);
    match verifier.verify(&bytes) {
        Ok(license) => {
            // The verified bytes, decoded again only to show them as written: stdout stays what licet reads (the
            // claims JSON scripts parse), the license as written goes beside it on stderr.
            if let Ok(payload) = formats::read_unverified(&bytes).and_then(|w| w.payload) {
                eprintln!(
                    "license as written ({} format):\n{}",
                    if payload.contains_key("lic") {
                        "licet"
                    } else {
                        format.name()
                    },
                    serde_json::to_string_pretty(&payload)?
                );
                eprintln!("licet reads (stdout):");
            }
            println!("{}", serde_json::to_string_pretty(license.claims())?);
            eprintln!("verified: kid {} fingerprint {}", license.kid(), license.fingerprint());
            Ok(ExitCode::SUCCESS)
        }
        Err(e) => {
            eprintln!("{}: {e}", e.reason().code());
            Ok(ExitCode::from(crate::EXIT_REFUSED))
        }
    }
}

/// The `kid` the license names (a JWS header's, or a signed document's), read without verifying anything: it
/// only names the one PEM key the license is then verified under. `None` when the license does not decode
/// (verification reports why) or names none.
pub(crate) fn unverified_kid(token: &[u8]) -> Option<String> {
    formats::read_unverified(token).ok()?.kid
}

/// The keyring from the --trust files. `token_kid` (the license's unverified kid) names a PEM when it is the only
/// --trust and no --kid is given: a PEM carries no kid, and a file name like `key.pem` is rarely the vendor's kid.
/// Nothing is trusted more for it: the keyring still holds exactly that one key, which must verify the signature.
pub(crate) fn load_trust(paths: &[PathBuf], kid: Option<&str>, token_kid: Option<&str>) -> anyhow::Result<Keyring> {
    if kid.is_some() && paths.len() != 1 {
        bail!("--kid names the key of a single --trust PEM");
    }
    let only_one = paths.len() == 1;
    let mut keys = Vec::new();
    for path in paths {
        let text = std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
        if text.trim_start().starts_with('{') {
            let ring = Keyring::from_jwks(&text).with_context(|| format!("{}", path.display()))?;
            keys.extend(ring.keys().iter().cloned());
        } else {
            let key = PublicKey::from_spki_pem(&text).with_context(|| format!("{}", path.display()))?;
            let kid = match (kid, token_kid) {
                (Some(k), _) => k.to_owned(),
                (None, Some(k)) if only_one => k.to_owned(),
                (None, _) => kid_from_file_name(path)?,
            };
            keys.push(TrustedKey::new(kid, key.alg(), key)?);
        }
    }
    Ok(Keyring::new(keys)?)
}

fn kid_from_file_name(path: &std::path::Path) -> anyhow::Result<String> {
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or_default();
    let kid = name
        .strip_suffix(".public.pem")
        .or_else(|| name.strip_suffix(".pem"))
        .unwrap_or(name);
    if kid.is_empty() {
        bail!("cannot derive a kid from {}; pass --kid", path.display());
    }
    Ok(kid.to_owned())
}
