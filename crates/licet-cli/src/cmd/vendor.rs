//! `licet vendor serve`: the vendor's control plane (customers, installs, entitlements, renewal, offline exchange).

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::Subcommand;
use licet_vendor::hsm::{HsmConfig, HsmToken, TokenSelector};
use licet_vendor::{Keys, SignerSource, VendorConfig};

#[derive(clap::Args)]
pub struct Args {
    #[command(subcommand)]
    command: VendorCommand,
}

#[derive(Subcommand)]
enum VendorCommand {
    /// Run the vendor control plane (JSON API under /v1, console page at /).
    Serve(ServeArgs),
}

#[derive(clap::Args)]
struct ServeArgs {
    /// `sqlite://vendor.db` (created if missing) or `postgres://…`.
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
    /// User PIN of the HSM token. Read from the environment in production; never logged.
    #[arg(long, env = "LICET_HSM_PIN", hide_env_values = true)]
    hsm_pin: Option<String>,
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let VendorCommand::Serve(args) = args.command;
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
        (Some(module), Some(label)) => {
            let pin = args
                .hsm_pin
                .context("--hsm-pin (or LICET_HSM_PIN) is required with --hsm-module")?;
            let token = HsmToken::open(HsmConfig {
                module,
                token: TokenSelector::Label(label),
                pin: pin.into(),
            })
            .map_err(|e| anyhow::anyhow!("{}: {e}", e.code()))?;
            Box::new(Keys::with_hsm(token))
        }
        _ => Box::new(Keys::default()),
    };
    let runtime = tokio::runtime::Runtime::new().context("starting the async runtime")?;
    eprintln!("licet vendor: listening on http://{} (console at /)", config.listen);
    runtime
        .block_on(licet_vendor::serve_with(config, keys))
        .map_err(|e| anyhow::anyhow!("{}: {e}", e.code()))?;
    Ok(ExitCode::SUCCESS)
}
