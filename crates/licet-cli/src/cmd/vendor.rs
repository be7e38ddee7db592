//! `licet vendor serve`: the vendor's control plane (customers, installs, entitlements, renewal, offline exchange).
//! `licet vendor activate`: the offline exchange by files, on the vendor's database directly (an air-gapped
//! vendor machine, or one where the control plane is not served).
//! `licet vendor hsm-keygen`: a signing key pair made inside a PKCS#11 token, its public key exported.
//!
//! The HSM user PIN is read from `LICET_HSM_PIN` only, never from the command line, where any user of the machine
//! can read it (`ps`, `/proc/<pid>/cmdline`, shell history).

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{bail, Context};
use clap::Subcommand;
use licet_core::{Alg, PublicKey};
use licet_vendor::hsm::{HsmConfig, HsmError, HsmToken, TokenSelector};
use licet_vendor::{Db, Keys, SignerSource, Vendor, VendorConfig, VendorError};

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
    /// Answer an install's activation request file with a signed license file, as `POST /v1/activation` would:
    /// the same checks (signature, age, install known, host fingerprint, activation key on record, nonce unused),
    /// recorded and audited in the vendor database. Exits 1 with the code when the request is refused.
    Activate(ActivateArgs),
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

/// What issuing needs, whether served or run once: the database, the signing keys, and what licenses say.
#[derive(clap::Args)]
struct IssuingArgs {
    /// `sqlite://vendor.db` (created if missing by `serve`; every issue synced to disk before it is answered, add
    /// `?synchronous=normal` to trade that for speed) or `postgres://…`.
    #[arg(long, env = "LICET_VENDOR_DATABASE_URL", default_value = "sqlite://vendor.db")]
    database_url: String,
    /// Public base URL of the control plane; licenses name `<public-url>/v1/renew` as their renewal URL
    /// (`serve` defaults it to `http://<listen>`).
    #[arg(long, env = "LICET_VENDOR_PUBLIC_URL")]
    public_url: Option<String>,
    /// `iss` of every license issued.
    #[arg(long, env = "LICET_VENDOR_ISSUER", default_value = "licet-vendor")]
    issuer: String,
    /// `aud` for installs registered without one.
    #[arg(long, env = "LICET_VENDOR_AUDIENCE", default_value = "licet")]
    audience: String,
    #[command(flatten)]
    hsm: HsmArgs,
}

/// Where `pkcs11:` signing keys live; without these only `file:` keys can sign.
#[derive(clap::Args)]
struct HsmArgs {
    /// PKCS#11 module for `pkcs11:` signing keys (e.g. /usr/lib/softhsm/libsofthsm2.so).
    #[arg(long, env = "LICET_HSM_MODULE", requires = "hsm_token")]
    hsm_module: Option<PathBuf>,
    /// Label of the HSM token holding the signing keys.
    #[arg(long, env = "LICET_HSM_TOKEN")]
    hsm_token: Option<String>,
}

#[derive(clap::Args)]
struct ServeArgs {
    #[arg(long, env = "LICET_VENDOR_LISTEN", default_value = "127.0.0.1:8470")]
    listen: SocketAddr,
    /// Bearer token for the admin API and console (at least 16 characters). Never logged.
    #[arg(long, env = "LICET_VENDOR_ADMIN_TOKEN", hide_env_values = true)]
    admin_token: String,
    #[command(flatten)]
    issuing: IssuingArgs,
}

#[derive(clap::Args)]
struct ActivateArgs {
    /// The activation request the install exported (`GET /v1/license/activation-request`), or `-` for stdin.
    #[arg(long)]
    request: String,
    /// Write the armored license file here instead of stdout.
    #[arg(long)]
    out: Option<PathBuf>,
    #[command(flatten)]
    issuing: IssuingArgs,
}

impl IssuingArgs {
    /// The vendor's settings and its signer source. `listen` and `admin_token` matter only to `serve`.
    fn open(self, listen: SocketAddr, admin_token: String) -> anyhow::Result<(VendorConfig, Box<dyn SignerSource>)> {
        let public_url = self.public_url.unwrap_or_else(|| format!("http://{listen}"));
        let config = VendorConfig {
            database_url: self.database_url,
            listen,
            admin_token,
            public_url,
            issuer: self.issuer,
            default_audience: self.audience,
            ..VendorConfig::default()
        };
        Ok((config, self.hsm.keys()?))
    }
}

impl HsmArgs {
    fn keys(self) -> anyhow::Result<Box<dyn SignerSource>> {
        let (Some(module), Some(label)) = (self.hsm_module, self.hsm_token) else {
            return Ok(Box::new(Keys::default()));
        };
        Ok(Box::new(Keys::with_hsm(open_token(
            module,
            TokenSelector::Label(label),
        )?)))
    }
}

fn vendor_err(e: VendorError) -> anyhow::Error {
    anyhow::anyhow!("{}: {e}", e.code())
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    match args.command {
        VendorCommand::Serve(args) => serve(args),
        VendorCommand::Activate(args) => activate(args),
        VendorCommand::HsmKeygen(args) => hsm_keygen(args),
    }
}

fn serve(args: ServeArgs) -> anyhow::Result<ExitCode> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info,tower_http=warn".into()),
        )
        .with_ansi(licet_runtime::log_colour(&std::io::stdout()))
        .init();
    let runtime = tokio::runtime::Runtime::new().context("starting the async runtime")?;
    runtime.block_on(async {
        // Bound first, so that `--listen 127.0.0.1:0` prints (and defaults the public URL to) the real port.
        let listener = tokio::net::TcpListener::bind(args.listen)
            .await
            .with_context(|| format!("listening on {}", args.listen))?;
        let addr = listener.local_addr().context("reading the bound address")?;
        let (config, keys) = args.issuing.open(addr, args.admin_token)?;
        licet_vendor::serve_on(listener, config, keys, |addr| {
            eprintln!("licet vendor: listening on http://{addr} (console at /)");
        })
        .await
        .map_err(vendor_err)
    })?;
    Ok(ExitCode::SUCCESS)
}

fn activate(args: ActivateArgs) -> anyhow::Result<ExitCode> {
    let request = crate::input::read_limited(
        &args.request,
        licet_proto::activation::MAX_REQUEST_BYTES,
        "the activation request",
    )?;
    // Not UTF-8 is not a request; say so in the vendor's words rather than as an I/O error.
    let request = String::from_utf8_lossy(&request).into_owned();
    refuse_missing_sqlite(&args.issuing.database_url)?;
    // No listener and no admin API here: the defaults only fill the config's unused fields.
    let defaults = VendorConfig::default();
    let (config, keys) = args.issuing.open(defaults.listen, defaults.admin_token)?;
    let runtime = tokio::runtime::Runtime::new().context("starting the async runtime")?;
    let answer = runtime.block_on(async {
        let db = Db::connect(&config.database_url).await?;
        let vendor = Vendor::new(db.clone(), config, licet_vendor::system_clock(), keys);
        let answer = vendor.activate(&request).await;
        db.close().await;
        answer
    });
    let license = match answer {
        Ok(license) => license,
        Err(e) if e.status().is_client_error() => {
            eprintln!("{}: {e}", e.code());
            return Ok(ExitCode::from(crate::EXIT_REFUSED));
        }
        Err(e) => return Err(vendor_err(e)),
    };
    let file = licet_vendor::token::armored(&license.token);
    match args.out {
        Some(path) => std::fs::write(&path, file.as_bytes()).with_context(|| format!("writing {}", path.display()))?,
        None => print!("{file}"),
    }
    eprintln!(
        "licet vendor: issued sequence {} for install {} (fingerprint {})",
        license.sequence, license.install_id, license.fingerprint
    );
    Ok(ExitCode::SUCCESS)
}

/// `Db::connect` creates a missing SQLite file (right for `serve`); here it would only hide a wrong path behind
/// `install_not_found`.
fn refuse_missing_sqlite(url: &str) -> anyhow::Result<()> {
    let Some(rest) = url.strip_prefix("sqlite://").or_else(|| url.strip_prefix("sqlite:")) else {
        return Ok(());
    };
    let path = rest.split('?').next().unwrap_or(rest);
    if path.is_empty() || path.contains(":memory:") || Path::new(path).exists() {
        return Ok(());
    }
    bail!("no vendor database at {path}; give --database-url (or LICET_VENDOR_DATABASE_URL)")
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
