//! `licet serve`: the install-side license server and its Settings → License page.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::{bail, Context};
use licet_core::Verifier;
use licet_server::{Actor, AppState, LicenseService, RuntimeService, Scope, ServeConfig};

/// Run the install-side license server: the JSON API under /v1/license, /metrics, /healthz and the web page.
/// Settings come from --config (TOML; `${VAR}` is substituted), then LICET_* environment variables, then flags.
#[derive(clap::Args)]
#[command(after_help = AFTER_HELP)]
pub struct Args {
    /// TOML configuration file.
    #[arg(long, env = "LICET_CONFIG")]
    config: Option<PathBuf>,
    /// Directory for the embedded SQLite store and this install's own key (created if missing).
    #[arg(long)]
    data_dir: Option<PathBuf>,
    /// Address to listen on, e.g. 127.0.0.1:8087 (port 0 picks a free one).
    #[arg(long)]
    listen: Option<SocketAddr>,
    /// Policy profile: standard (the default), liberty, honeyframe, sovereign, nivq or justiam.
    #[arg(long)]
    profile: Option<String>,
    /// Trusted vendor key: a JWKS (`jwks.json`), a single JWK or a SPKI public key PEM; repeatable.
    #[arg(long)]
    trust: Vec<PathBuf>,
    /// Expected license issuer (the vendor): the `iss` its licenses carry. Required.
    #[arg(long)]
    issuer: Option<String>,
    /// Expected license audience (this product): a value of the licenses' `aud`. Required.
    #[arg(long)]
    audience: Option<String>,
    /// A license file to install on first start when the store holds none.
    #[arg(long)]
    license_file: Option<PathBuf>,
}

const AFTER_HELP: &str = "\
Without --profile the server runs the `standard` profile: active, expiring soon (30 days), grace (14 days), then
read-only; licenses are uploaded through the API or the page, and the first upload is open to anyone who can
reach the server (its answer carries the owner token, shown once).

Example:
  licet serve --data-dir /var/lib/licet --trust vendor-jwks.json \\
    --issuer https://licenses.vendor.example --audience my-product --listen 127.0.0.1:8087

  # install the license (raw body: application/jwt or text/plain; curl's default form encoding is refused)
  curl -X POST --data-binary @license.jwt -H 'content-type: application/jwt' http://127.0.0.1:8087/v1/license
  # or as a file upload
  curl -F license=@license.jwt http://127.0.0.1:8087/v1/license
  curl http://127.0.0.1:8087/v1/license/status

`licet inspect license.jwt` shows the `iss` and `aud` a license carries.";

fn config(args: Args) -> anyhow::Result<ServeConfig> {
    let env = |k: &str| std::env::var(k).ok();
    let mut c = ServeConfig::load(args.config.as_deref(), &env)?;
    if let Some(v) = args.data_dir {
        c.data_dir = v;
    }
    if let Some(v) = args.listen {
        c.listen = v;
    }
    if let Some(v) = args.profile {
        c.profile = v;
    }
    if !args.trust.is_empty() {
        c.trust = args.trust;
    }
    if args.issuer.is_some() {
        c.issuer = args.issuer;
    }
    if args.audience.is_some() {
        c.audience = args.audience;
    }
    if args.license_file.is_some() {
        c.license_file = args.license_file;
    }
    Ok(c)
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let config = config(args)?;
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info,tower_http=warn".into()),
        )
        .with_writer(std::io::stderr)
        .with_ansi(licet_runtime::log_colour(&std::io::stderr()))
        .init();
    let runtime = tokio::runtime::Runtime::new().context("starting the async runtime")?;
    runtime.block_on(serve(config))?;
    Ok(ExitCode::SUCCESS)
}

pub(crate) async fn open_store(
    database_url: Option<&str>,
    data_dir: &std::path::Path,
    options: &licet_store::StoreOptions,
) -> anyhow::Result<Arc<dyn licet_store::Store>> {
    match database_url {
        Some(url) => Ok(licet_store::open_with_options(url, options).await?),
        None => {
            std::fs::create_dir_all(data_dir).with_context(|| format!("creating {}", data_dir.display()))?;
            Ok(licet_store::open_in_data_dir_with_options(data_dir, options).await?)
        }
    }
}

async fn serve(config: ServeConfig) -> anyhow::Result<()> {
    let Some(policy) = licet_core::profiles::by_name(&config.profile) else {
        let known: Vec<&str> = licet_core::profiles::names().collect();
        bail!(
            "unknown profile {:?}; known profiles: {}",
            config.profile,
            known.join(", ")
        );
    };
    if config.trust.is_empty() {
        bail!("no trusted vendor key: give --trust (a JWKS or a public key PEM) or `trust` in the config file");
    }
    let missing: Vec<&str> = [
        (config.issuer.is_none(), "--issuer (the vendor's `iss`)"),
        (config.audience.is_none(), "--audience (this product's `aud`)"),
    ]
    .into_iter()
    .filter_map(|(absent, flag)| absent.then_some(flag))
    .collect();
    let (Some(issuer), Some(audience)) = (config.issuer.clone(), config.audience.clone()) else {
        bail!(
            "licenses are checked against an expected issuer and audience, and none was given: add {} \
             (or `issuer` / `audience` in the config file, LICET_ISSUER / LICET_AUDIENCE); \
             `licet inspect LICENSE` shows what a license carries",
            missing.join(" and ")
        );
    };
    let keyring = super::verify::load_trust(&config.trust, None, None)?;
    let verifier = Verifier::new(keyring, issuer, audience);
    let store_options = config.store_options().map_err(anyhow::Error::msg)?;
    let store = open_store(config.database_url.as_deref(), &config.data_dir, &store_options).await?;
    let mut builder =
        licet_runtime::Runtime::builder(policy.clone(), verifier, store).clock(Arc::new(licet_runtime::SystemClock));
    if let Some(path) = &config.license_file {
        builder = builder.license_file(path);
    }
    let runtime = builder.build().await?;
    let service = Arc::new(RuntimeService::new(runtime).await?);

    // Profiles whose sources do not seed from a file still get the operator's --license-file once, through the
    // same verified, audited install path as an upload.
    if let Some(path) = &config.license_file {
        if !service.status().await?.has_license() {
            let bytes = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
            let actor = Actor("system".to_owned());
            match service
                .install(
                    Scope::Instance,
                    bytes,
                    "file",
                    actor,
                    Some("seeded from license file".into()),
                )
                .await
            {
                Ok(s) => eprintln!("licet: installed {} ({})", path.display(), s.state),
                Err(e) => {
                    let why = licet_server::ApiError::from(e).body();
                    eprintln!(
                        "licet: {} was not installed: {}: {}",
                        path.display(),
                        why.code,
                        why.message
                    );
                }
            }
        }
    }

    let listener = tokio::net::TcpListener::bind(config.listen)
        .await
        .with_context(|| format!("listening on {}", config.listen))?;
    let app = licet_server::router(AppState::new(service, config.server_options()));
    licet_server::serve(
        listener,
        app,
        |addr| {
            println!("licet: license server listening; open http://{addr}/settings/license");
        },
        licet_server::shutdown_signal(),
    )
    .await?;
    Ok(())
}
