//! `licet keygen`: a new signing key pair for a vendor.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{bail, Context};
use licet_core::{Alg, Keyring, PrivateKey, PublicKey, TrustedKey};

/// Generate a signing key: writes <kid>.private.pem (mode 0600), <kid>.public.pem, <kid>.jwk.json, and adds the
/// public key to <out>/jwks.json (the trust set a product embeds).
#[derive(clap::Args)]
pub struct Args {
    /// Signature algorithm.
    #[arg(long, value_enum, default_value_t = KeyAlg::Ed25519)]
    alg: KeyAlg,
    /// Key id, written into every license this key signs (e.g. `vendor-2025`).
    #[arg(long)]
    kid: String,
    /// Directory for the key files (created if missing).
    #[arg(long)]
    out: PathBuf,
}

#[derive(Clone, Copy, clap::ValueEnum)]
pub enum KeyAlg {
    /// EdDSA with Ed25519 (recommended).
    Ed25519,
    /// RSASSA-PKCS1-v1_5 with SHA-256 (3072-bit key).
    Rs256,
    /// ECDSA P-256 with SHA-256.
    Es256,
}

impl From<KeyAlg> for Alg {
    fn from(a: KeyAlg) -> Alg {
        match a {
            KeyAlg::Ed25519 => Alg::EdDSA,
            KeyAlg::Rs256 => Alg::RS256,
            KeyAlg::Es256 => Alg::ES256,
        }
    }
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let kid = licet_core::keys::check_kid(args.kid)?;
    let trusted = PublicKeyFiles::open(&args.out, &kid)?;
    let key = PrivateKey::generate(args.alg.into(), &mut rand_core::OsRng)?;
    write_private(
        &args.out.join(format!("{kid}.private.pem")),
        key.to_pkcs8_pem()?.as_bytes(),
    )?;
    let jwks_path = trusted.write(key.alg(), key.public_key())?;
    println!(
        "{}: {} key {kid:?} written; public keys in {}",
        args.out.display(),
        key.alg(),
        jwks_path.display()
    );
    eprintln!("Keep {kid}.private.pem secret: anyone holding it can issue licenses.");
    Ok(ExitCode::SUCCESS)
}

/// The public half of a new key in `<out>`: `<kid>.public.pem`, `<kid>.jwk.json`, and an entry in `jwks.json` (the
/// trust set a product embeds). Opened before the key is made, so that a kid already in `jwks.json` is refused
/// before anything is generated (in a file or in an HSM).
pub struct PublicKeyFiles {
    out: PathBuf,
    kid: String,
    trusted: Vec<TrustedKey>,
}

impl PublicKeyFiles {
    pub fn open(out: &Path, kid: &str) -> anyhow::Result<PublicKeyFiles> {
        if kid.contains(['/', '\\']) || kid.starts_with('.') {
            bail!("key id {kid:?} cannot be used as a file name");
        }
        std::fs::create_dir_all(out).with_context(|| format!("creating {}", out.display()))?;
        let jwks_path = out.join("jwks.json");
        let trusted = match std::fs::read_to_string(&jwks_path) {
            Ok(text) => Keyring::from_jwks(&text)
                .with_context(|| format!("reading {}", jwks_path.display()))?
                .keys()
                .to_vec(),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Vec::new(),
            Err(e) => return Err(e).with_context(|| format!("reading {}", jwks_path.display())),
        };
        if trusted.iter().any(|k| k.kid() == kid) {
            bail!(
                "{} already has a key {kid:?}; choose a new kid for a new key",
                jwks_path.display()
            );
        }
        Ok(PublicKeyFiles {
            out: out.to_path_buf(),
            kid: kid.to_owned(),
            trusted,
        })
    }

    /// Writes the three files; returns the path of `jwks.json`.
    pub fn write(mut self, alg: Alg, public: PublicKey) -> anyhow::Result<PathBuf> {
        let kid = &self.kid;
        write(
            &self.out.join(format!("{kid}.public.pem")),
            public.to_spki_pem()?.as_bytes(),
        )?;
        let jwk = serde_json::to_string_pretty(&public.to_jwk(kid))? + "\n";
        write(&self.out.join(format!("{kid}.jwk.json")), jwk.as_bytes())?;
        self.trusted.push(TrustedKey::new(kid.clone(), alg, public)?);
        let jwks_path = self.out.join("jwks.json");
        write(&jwks_path, (Keyring::new(self.trusted)?.to_jwks() + "\n").as_bytes())?;
        Ok(jwks_path)
    }
}

fn write_private(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options
        .open(path)
        .with_context(|| format!("creating {} (it must not exist yet)", path.display()))?;
    file.write_all(bytes)
        .and_then(|()| file.sync_all())
        .with_context(|| format!("writing {}", path.display()))
}

fn write(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    std::fs::write(path, bytes).with_context(|| format!("writing {}", path.display()))
}
