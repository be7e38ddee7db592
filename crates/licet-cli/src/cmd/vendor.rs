//! `licet vendor serve`: the vendor's control plane (customers, installs, entitlements, renewal, offline exchange).
//! `licet vendor hsm-keygen`: a signing key pair made inside a PKCS#11 token, its public key exported.
//!
//! The HSM user PIN is read from `LICET_HSM_PIN` only, never from the command line, where any user of the machine
//! can read it (`ps`, `/proc/<pid>/cmdline`, shell history).

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::Subcommand;
use licet_core::{Alg, PublicKey};
use licet_vendor::hsm::{HsmConfig, HsmError, HsmToken, TokenSelector};
use licet_vendor::{Keys, SignerSource, VendorConfig};

use super::keygen::{KeyAlg, PublicKeyFiles};

/// The environment variable holding the HSM user PIN.
const PIN_ENV: &str = "LICET_HSM_PIN";

#[derive(clap::Args)]
pub struct Args {
    #[command(subcommand)]
    command: VendorCommand,
}

#[derive(Subcommand)]
enum VendorCommand {
    /// Run the vendor control plane (JSON API under /v1, console page at /).
    Serve(ServeArgs),
    /// Generate a signing key pair inside a PKCS#11 token (HSM) and print its public key for products' keyrings.
    /// The private key is made non-extractable and never leaves the token. The user PIN is read from
    /// LICET_HSM_PIN, never from the command line.
    HsmKeygen(HsmKeygenArgs),
}

#[derive(clap::Args)]
struct HsmKeygenArgs {
    /// PKCS#11 module (e.g. /usr/lib/softhsm/libsofthsm2.so).
    #[arg(long, env = "LICET_HSM_MODULE")]
    hsm_module: PathBuf,
    /// Label of the token to generate the key on.
    #[arg(long, env = "LICET_HSM_TOKEN", required_unless_present = "hsm_slot")]
    hsm_token: Option<String>,
    /// Slot id of the token, instead of its label (wins over it; slot ids can change when tokens are added, labels
    /// do not).
    #[arg(long)]
    hsm_slot: Option<u64>,
    /// Key id: the key object's CKA_LABEL and CKA_ID on the token, and the `kid` of every license it signs.
    #[arg(long)]
    kid: String,
    /// Signature algorithm. Default: ed25519 when the token offers CKM_EDDSA, otherwise es256.
    #[arg(long, value_enum)]
    alg: Option<KeyAlg>,
    /// Also write <kid>.public.pem and <kid>.jwk.json into this directory and add the key to its jwks.json.
    #[arg(long)]
    out: Option<PathBuf>,
    /// What to print on standard output.
    #[arg(long, value_enum, default_value_t = PublicFormat::Pem)]
    format: PublicFormat,
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum PublicFormat {
    /// SubjectPublicKeyInfo PEM (`-----BEGIN PUBLIC KEY-----`).
    Pem,
    /// A JSON Web Key with `kid`, `alg` and `use`.
    Jwk,
}

#[derive(clap::Args)]
struct ServeArgs {
    /// `sqlite://vendor.db` (created if missing; every issue synced to disk before it is answered, add
    /// `?synchronous=normal` to trade that for speed) or `postgres://…`.
    #[arg(long, env = "LICET_VENDOR_DATABASE_URL", default_value = "sqlite://vendor.db")]
    database_url: String,
    #[arg(long, env = "LICET_VENDOR_LISTEN", default_value = "127.0.0.1:8470")]
    listen: SocketAddr,
    /// Bearer token for the admin API and console (at least 16 characters). Never logged.
    #[arg(long, env = "LICET_VENDOR_ADMIN_TOKEN", hide_env_values = true)]
    admin_token: String,
    /// Public base URL of this server; licenses name `<public-url>/v1/renew` as their renewal URL.
    #[arg(long, env = "LICET_VENDOR_PUBLIC_URL")]
    public_url: Option<String>,
    /// `iss` of every license issued.
    #[arg(long, env = "LICET_VENDOR_ISSUER", default_value = "licet-vendor")]
    issuer: String,
    /// `aud` for installs registered without one.
    #[arg(long, env = "LICET_VENDOR_AUDIENCE", default_value = "licet")]
    audience: String,
    /// PKCS#11 module for `pkcs11:` signing keys (e.g. /usr/lib/softhsm/libsofthsm2.so).
    #[arg(long, env = "LICET_HSM_MODULE", requires = "hsm_token")]
    hsm_module: Option<PathBuf>,
    /// Label of the HSM token holding the signing keys.
    #[arg(long, env = "LICET_HSM_TOKEN")]
    hsm_token: Option<String>,
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    match args.command {
        VendorCommand::Serve(args) => serve(args),
        VendorCommand::HsmKeygen(args) => hsm_keygen(args),
    }
}

fn serve(args: ServeArgs) -> anyhow::Result<ExitCode> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info,tower_http=warn".into()),
        )
        .init();
    let defaults = VendorConfig::default();
    let public_url = args.public_url.unwrap_or_else(|| format!("http://{}", args.listen));
    let config = VendorConfig {
        database_url: args.database_url,
        listen: args.listen,
        admin_token: args.admin_token,
        public_url,
        issuer: args.issuer,
        default_audience: args.audience,
        ..defaults
    };
    let keys: Box<dyn SignerSource> = match (args.hsm_module, args.hsm_token) {
        (Some(module), Some(label)) => Box::new(Keys::with_hsm(open_token(module, TokenSelector::Label(label))?)),
        _ => Box::new(Keys::default()),
    };
    let runtime = tokio::runtime::Runtime::new().context("starting the async runtime")?;
    eprintln!("licet vendor: listening on http://{} (console at /)", config.listen);
    runtime
        .block_on(licet_vendor::serve_with(config, keys))
        .map_err(|e| anyhow::anyhow!("{}: {e}", e.code()))?;
    Ok(ExitCode::SUCCESS)
}

fn hsm_keygen(args: HsmKeygenArgs) -> anyhow::Result<ExitCode> {
    let kid = licet_core::keys::check_kid(args.kid)?;
    // Before the token: a kid already in the jwks.json is refused before a key is made that nothing would trust.
    let files = args
        .out
        .as_deref()
        .map(|out| PublicKeyFiles::open(out, &kid))
        .transpose()?;
    let selector = match (args.hsm_token, args.hsm_slot) {
        (_, Some(slot)) => TokenSelector::Slot(slot),
        (Some(label), None) => TokenSelector::Label(label),
        (None, None) => anyhow::bail!("give the token: --hsm-token LABEL or --hsm-slot ID"),
    };
    let token = open_token(args.hsm_module, selector)?;
    let alg = match args.alg {
        Some(alg) => alg.into(),
        None => {
            let offered = token.supported_algs().map_err(hsm)?;
            [Alg::EdDSA, Alg::ES256]
                .into_iter()
                .find(|alg| offered.contains(alg))
                .with_context(|| {
                    format!(
                        "hsm_mechanism_unsupported: token {:?} offers neither CKM_EDDSA nor CKM_ECDSA; pick --alg rs256 \
                         if it signs RSA",
                        token.label()
                    )
                })?
        }
    };
    let generated = token.generate_key_pair(alg, &kid).map_err(hsm)?;
    let public = PublicKey::from_spki_pem(&generated.spki_pem)?;
    match args.format {
        PublicFormat::Pem => print!("{}", generated.spki_pem),
        PublicFormat::Jwk => println!("{}", serde_json::to_string_pretty(&public.to_jwk(&kid))?),
    }
    if let Some(files) = files {
        let jwks = files.write(alg, public)?;
        eprintln!("Public key written; {} lists it.", jwks.display());
    }
    eprintln!(
        "Generated {alg} key {kid:?} on token {:?} (slot {}); the private key cannot leave the token.\n\
         Register it with the vendor server: POST /v1/keys {{\"kid\": \"{kid}\", \"private_ref\": \"pkcs11:{kid}\"}}.",
        token.label(),
        token.slot_id()
    );
    Ok(ExitCode::SUCCESS)
}

/// Opens the token and logs in with the PIN from [`PIN_ENV`].
fn open_token(module: PathBuf, token: TokenSelector) -> anyhow::Result<HsmToken> {
    let pin = std::env::var(PIN_ENV).map_err(|_| {
        anyhow::anyhow!(
            "set {PIN_ENV} to the token's user PIN; it is never taken from the command line, where other users \
             of the machine can read it"
        )
    })?;
    HsmToken::open(HsmConfig {
        module,
        token,
        pin: pin.into(),
    })
    .map_err(hsm)
}

/// An HSM error with its stable code first, as the other commands print refusals.
fn hsm(e: HsmError) -> anyhow::Error {
    anyhow::anyhow!("{}: {e}", e.code())
}
