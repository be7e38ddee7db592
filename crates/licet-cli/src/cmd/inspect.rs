//! `licet inspect`: show what a token says, without verifying it.

use std::process::ExitCode;

use serde_json::Value;

use crate::input;

/// Show a license's header and claims. Nothing is verified: use `licet verify` to check a license.
#[derive(clap::Args)]
pub struct Args {
    /// The license: token text, a file, or `-` for stdin.
    token: String,
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let bytes = input::read_token(&args.token)?;
    let view = licet_core::read_unverified(&bytes).map_err(|e| anyhow::anyhow!("{}: {e}", e.reason().code()))?;
    println!("UNVERIFIED: the signature was NOT checked; do not trust what follows (use `licet verify`).");
    println!("encoding:    {}", view.encoding.as_str());
    println!("fingerprint: {}", view.fingerprint);
    println!("header:\n{}", serde_json::to_string_pretty(&view.header)?);
    match &view.payload {
        Ok(claims) => {
            println!("claims:\n{}", serde_json::to_string_pretty(claims)?);
            for name in ["iat", "nbf", "exp"] {
                if let Some(t) = claims.get(name).and_then(Value::as_i64) {
                    println!("{name}: {}", licet_core::UnixTime(t));
                }
            }
        }
        Err(e) => println!("claims: not readable ({}: {e})", e.reason().code()),
    }
    Ok(ExitCode::SUCCESS)
}
