//! `licet token create`: mint an API token straight in the store, for operators with shell access (e.g. to
//! bootstrap an owner when the first-install token was lost).

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use licet_server::Role;

/// Manage the install-side API tokens.
#[derive(clap::Args)]
pub struct Args {
    #[command(subcommand)]
    command: Command,
}

#[derive(clap::Subcommand)]
enum Command {
    /// Mint a token and print its secret once (only its hash is stored).
    Create(CreateArgs),
}

#[derive(clap::Args)]
struct CreateArgs {
    /// The server's data directory (the embedded SQLite store).
    #[arg(long, env = "LICET_DATA_DIR")]
    data_dir: PathBuf,
    /// PostgreSQL URL instead of the data directory's SQLite store.
    #[arg(long, env = "LICET_DATABASE_URL")]
    database_url: Option<String>,
    /// viewer, admin or owner.
    #[arg(long, value_parser = parse_role)]
    role: Role,
    /// A name for the audit log (who used it).
    #[arg(long)]
    name: String,
}

fn parse_role(s: &str) -> Result<Role, String> {
    Role::parse(s).ok_or_else(|| format!("{s:?} is not a role; use viewer, admin or owner"))
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let Command::Create(a) = args.command;
    let runtime = tokio::runtime::Runtime::new().context("starting the async runtime")?;
    runtime.block_on(async {
        let store = super::serve::open_store(a.database_url.as_deref(), &a.data_dir, &Default::default()).await?;
        let now = crate::clock::now();
        let token = licet_server::mint_token(store.as_ref(), a.name.trim(), a.role, now).await?;
        let change = licet_store::Change::new("cli", now).with_reason(format!(
            "{} token {:?} ({}) minted from the shell",
            a.role.as_str(),
            token.info.name,
            token.info.id
        ));
        store
            .append_audit(licet_store::NewAuditEntry {
                action: "token.created".to_owned(),
                fingerprint: None,
                change,
            })
            .await?;
        eprintln!(
            "licet: {} token {:?} created; it is shown once:",
            a.role.as_str(),
            token.info.name
        );
        println!("{}", token.token);
        store.close().await;
        anyhow::Ok(())
    })?;
    Ok(ExitCode::SUCCESS)
}
