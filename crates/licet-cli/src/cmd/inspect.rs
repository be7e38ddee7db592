//! `licet inspect`: show what a license says, and what licet reads from it, without verifying it.

use std::process::ExitCode;

use licet_core::format::Implied;
use serde_json::{Map, Value};

use crate::{formats, input};

/// Show a license as written (header and payload, or a signed document's payload) and what licet reads from it.
/// Nothing is verified: use `licet verify` to check a license.
#[derive(clap::Args)]
pub struct Args {
    /// Read a payload not in licet's own format as this profile's format. Without it, every profile format that
    /// could have written the license is tried.
    #[arg(long)]
    profile: Option<String>,
    /// The license: token text, a file, or `-` for stdin.
    token: String,
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let chosen = args.profile.as_deref().map(formats::profile_format).transpose()?;
    let bytes = input::read_token(&args.token)?;
    let written = formats::read_unverified(&bytes).map_err(|e| anyhow::anyhow!("{}: {e}", e.reason().code()))?;
    println!("UNVERIFIED: the signature was NOT checked; do not trust what follows (use `licet verify`).");
    println!("encoding:    {}", written.envelope);
    if let Some(kid) = &written.kid {
        println!("kid:         {kid}");
    }
    println!("fingerprint: {}", written.fingerprint);
    if let Some(header) = &written.header {
        println!("header:\n{}", serde_json::to_string_pretty(header)?);
    }
    match &written.payload {
        Ok(payload) => {
            println!("license as written:\n{}", serde_json::to_string_pretty(payload)?);
            for name in ["iat", "nbf", "exp"] {
                if let Some(t) = payload.get(name).and_then(Value::as_i64) {
                    println!("{name}: {}", licet_core::UnixTime(t));
                }
            }
            print_reads(payload, written.is_document(), chosen)?;
        }
        Err(e) => println!("claims: not readable ({}: {e})", e.reason().code()),
    }
    Ok(ExitCode::SUCCESS)
}

/// "licet reads:" for the formats that could have written the payload and read it; when none reads it, why each
/// refuses it.
fn print_reads(
    payload: &Map<String, Value>,
    document: bool,
    chosen: Option<&'static licet_core::ClaimMap>,
) -> anyhow::Result<()> {
    let reads: Vec<_> = formats::candidate_formats(payload, document, chosen)
        .into_iter()
        .map(|map| (map, formats::read_payload(payload, map, Implied::default())))
        .collect();
    let any_read = reads.iter().any(|(_, r)| r.is_ok());
    for (map, read) in reads {
        let name = map.map_or("licet", |m| m.name);
        match read {
            Ok(claims) => {
                println!(
                    "licet reads ({name} format):\n{}",
                    serde_json::to_string_pretty(&claims)?
                );
                if map.is_some_and(|m| !m.reads_issuer() || !m.reads_audience()) {
                    println!(
                        "(an iss or aud the {name} format does not carry is the one the product expects: its key \
                         vouches for it)"
                    );
                }
            }
            Err(e) if !any_read => println!("licet reads ({name} format): nothing ({}: {e})", e.reason().code()),
            Err(_) => {}
        }
    }
    Ok(())
}
