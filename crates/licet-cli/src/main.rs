//! `licet`: a thin dispatcher. Each command lives in `cmd/<name>.rs` with its own clap `Args` and `run`.
//!
//! Exit codes: 0 success; 1 the license was refused (the reason code and sentence are on stderr); 2 usage or
//! operational error (bad flags, unreadable files, bad key material).

mod clock;
mod cmd;
mod formats;
mod input;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// licet: issue, inspect and verify signed licenses for self-hosted software.
#[derive(Parser)]
#[command(name = "licet", version)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    Keygen(cmd::keygen::Args),
    Issue(cmd::issue::Args),
    Inspect(cmd::inspect::Args),
    Install(cmd::install::Args),
    Verify(cmd::verify::Args),
    Serve(cmd::serve::Args),
    Status(cmd::status::Args),
    Token(cmd::token::Args),
    /// Vendor control plane commands.
    Vendor(cmd::vendor::Args),
}

/// The license was refused.
pub const EXIT_REFUSED: u8 = 1;
/// Usage or operational error.
pub const EXIT_ERROR: u8 = 2;

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Keygen(args) => cmd::keygen::run(args),
        Command::Issue(args) => cmd::issue::run(args),
        Command::Inspect(args) => cmd::inspect::run(args),
        Command::Install(args) => cmd::install::run(args),
        Command::Verify(args) => cmd::verify::run(args),
        Command::Serve(args) => cmd::serve::run(args),
        Command::Status(args) => cmd::status::run(args),
        Command::Token(args) => cmd::token::run(args),
        Command::Vendor(args) => cmd::vendor::run(args),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("licet: error: {e:#}");
            ExitCode::from(EXIT_ERROR)
        }
    }
}
