use clap::Parser;

/// licet: issue, inspect and verify signed licenses for self-hosted software.
#[derive(Parser)]
#[command(name = "licet", version)]
struct Cli {}

fn main() {
    let _ = Cli::parse();
}
