//! `licet vendor serve`: the vendor's control plane (customers, installs, entitlements, renewal, offline exchange).
//! `licet vendor activate`: the offline exchange by files, on the vendor's database directly (an air-gapped
//! vendor machine, or one where the control plane is not served).

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{bail, Context};
use clap::Subcommand;
use licet_vendor::hsm::{HsmConfig, HsmToken, TokenSelector};
use licet_vendor::{Db, Keys, SignerSource, Vendor, VendorConfig, VendorError};

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
}

/// What issuing needs, whether served or run once: the database, the signing keys, and what licenses say.
#[derive(clap::Args)]
struct IssuingArgs {
    /// `sqlite://vendor.db` (created if missing by `serve`) or `postgres://…`.
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
    /// User PIN of the HSM token. Read from the environment in production; never logged.
    #[arg(long, env = "LICET_HSM_PIN", hide_env_values = true)]
    hsm_pin: Option<String>,
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
        let pin = self
            .hsm_pin
            .context("--hsm-pin (or LICET_HSM_PIN) is required with --hsm-module")?;
        let token = HsmToken::open(HsmConfig {
            module,
            token: TokenSelector::Label(label),
            pin: pin.into(),
        })
        .map_err(|e| anyhow::anyhow!("{}: {e}", e.code()))?;
        Ok(Box::new(Keys::with_hsm(token)))
    }
}

fn vendor_err(e: VendorError) -> anyhow::Error {
    anyhow::anyhow!("{}: {e}", e.code())
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    match args.command {
        VendorCommand::Serve(args) => serve(args),
        VendorCommand::Activate(args) => activate(args),
    }
}

fn serve(args: ServeArgs) -> anyhow::Result<ExitCode> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info,tower_http=warn".into()),
        )
        .init();
    let (config, keys) = args.issuing.open(args.listen, args.admin_token)?;
    let runtime = tokio::runtime::Runtime::new().context("starting the async runtime")?;
    eprintln!("licet vendor: listening on http://{} (console at /)", config.listen);
    runtime
        .block_on(licet_vendor::serve_with(config, keys))
        .map_err(vendor_err)?;
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
