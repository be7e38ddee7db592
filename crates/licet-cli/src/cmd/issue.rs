//! `licet issue`: sign a claims file into a license.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{bail, Context};
use licet_core::{Claims, Encoding, FileSigner, SchemaVersion, UnixTime};
use serde_json::Value;

use crate::clock;

/// Sign a license. `iat` is now unless the claims file sets it; `lic.schema` defaults to the current version; the
/// algorithm follows from the key. An `exp` already past is refused unless `--allow-past-exp` is given.
#[derive(clap::Args)]
pub struct Args {
    /// PKCS#8 PEM private key (from `licet keygen`).
    #[arg(long)]
    key: PathBuf,
    /// Key id to put in the header; must match the kid the product trusts for this key.
    #[arg(long)]
    kid: String,
    /// Claims as TOML or JSON (by extension; otherwise JSON is tried first).
    #[arg(long)]
    claims: PathBuf,
    #[arg(long, value_enum, default_value_t = Format::Compact)]
    format: Format,
    /// Expiry: RFC 3339 (`2026-12-31T23:59:59Z`), a date (`2026-12-31`, meaning 00:00 UTC that day: the license
    /// is valid until that day begins), or a duration from now (`365d`, `12h`, `30m`, `90s`). Overrides `exp` in
    /// the claims file; without either the license is perpetual.
    #[arg(long)]
    exp: Option<String>,
    /// Issue even when `exp` (from --exp or the claims file) is already past: a license that is expired from the
    /// start, e.g. to test how a product handles one.
    #[arg(long)]
    allow_past_exp: bool,
    /// Write the license here instead of stdout.
    #[arg(long)]
    out: Option<PathBuf>,
}

#[derive(Clone, Copy, clap::ValueEnum)]
pub enum Format {
    /// `header.payload.signature` on one line.
    Compact,
    /// JWS flattened JSON serialization.
    Json,
    /// `-----BEGIN LICENSE-----` block, for files and e-mail.
    Armored,
}

impl From<Format> for Encoding {
    fn from(f: Format) -> Encoding {
        match f {
            Format::Compact => Encoding::Compact,
            Format::Json => Encoding::Json,
            Format::Armored => Encoding::Armored,
        }
    }
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let pem = zeroize::Zeroizing::new(
        std::fs::read_to_string(&args.key).with_context(|| format!("reading {}", args.key.display()))?,
    );
    let signer = FileSigner::from_pkcs8_pem(args.kid, &pem).with_context(|| format!("{}", args.key.display()))?;
    let now = clock::now();
    let claims = load_claims(&args.claims, now, args.exp.as_deref())?;
    if let Some(exp) = claims.exp.filter(|exp| *exp <= now && !args.allow_past_exp) {
        let source = match &args.exp {
            Some(text) => format!("--exp {text:?}"),
            None => format!("exp in {}", args.claims.display()),
        };
        bail!(
            "{source} is {exp}, which is not in the future (now is {now}): the license would be expired as soon as \
             it is issued; give a later expiry, or --allow-past-exp to issue an already-expired license on purpose"
        );
    }
    if claims.exp.is_none() {
        eprintln!("note: no exp given; this license is perpetual");
    }
    let token = licet_core::issue(&claims, &signer, args.format.into())?;
    match args.out {
        Some(path) => std::fs::write(&path, token.as_bytes()).with_context(|| format!("writing {}", path.display()))?,
        None => println!("{}", token.trim_end()),
    }
    Ok(ExitCode::SUCCESS)
}

fn load_claims(path: &std::path::Path, now: UnixTime, exp: Option<&str>) -> anyhow::Result<Claims> {
    let text = std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    let is_toml = path.extension().is_some_and(|e| e == "toml");
    let mut value: Value = if is_toml {
        toml::from_str(&text).with_context(|| format!("{} is not TOML", path.display()))?
    } else {
        match serde_json::from_str(&text) {
            Ok(v) => v,
            Err(json_err) => toml::from_str(&text)
                .map_err(|_| json_err)
                .with_context(|| format!("{} is neither JSON nor TOML", path.display()))?,
        }
    };
    let Some(obj) = value.as_object_mut() else {
        bail!("{}: claims must be a table/object", path.display())
    };
    // A given iat is kept: re-issuing a license from its own claims (or issuing one dated when it was sold) must
    // not silently change what it says. Its shape is checked with the rest of the claims below.
    if !obj.contains_key("iat") {
        obj.insert("iat".into(), now.0.into());
    }
    if let Some(exp) = exp {
        obj.insert("exp".into(), parse_exp(exp, now)?.0.into());
    }
    if let Some(lic) = obj.get_mut("lic").and_then(Value::as_object_mut) {
        lic.entry("schema")
            .or_insert_with(|| SchemaVersion::CURRENT.to_string().into());
    }
    serde_json::from_value(value).with_context(|| format!("{}: not valid license claims", path.display()))
}

/// `--exp`: RFC 3339, `YYYY-MM-DD` (00:00 UTC), or `<n>d|h|m|s` from `now`.
pub fn parse_exp(text: &str, now: UnixTime) -> anyhow::Result<UnixTime> {
    if let Some(t) = UnixTime::parse_rfc3339(text) {
        return Ok(t);
    }
    let date_format = time::macros::format_description!("[year]-[month]-[day]");
    if let Ok(date) = time::Date::parse(text, &date_format) {
        return Ok(UnixTime(date.midnight().assume_utc().unix_timestamp()));
    }
    let unit = match text.chars().last() {
        Some('d') => 86_400,
        Some('h') => 3_600,
        Some('m') => 60,
        Some('s') => 1,
        _ => bail!("--exp {text:?}: expected RFC 3339, YYYY-MM-DD, or a duration like 365d/12h/30m/90s"),
    };
    let count: i64 = text[..text.len() - 1]
        .parse()
        .ok()
        .filter(|n| *n > 0)
        .with_context(|| format!("--exp {text:?}: the duration must be a positive whole number"))?;
    Ok(now.plus_seconds(count.saturating_mul(unit)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exp_forms() {
        let now = UnixTime(1_700_000_000);
        assert_eq!(parse_exp("365d", now).unwrap(), UnixTime(1_700_000_000 + 365 * 86_400));
        assert_eq!(parse_exp("12h", now).unwrap(), UnixTime(1_700_000_000 + 12 * 3_600));
        assert_eq!(parse_exp("2026-12-31", now).unwrap(), UnixTime(1_798_675_200));
        assert_eq!(parse_exp("2026-12-31T00:00:00Z", now).unwrap(), UnixTime(1_798_675_200));
        for bad in ["", "d", "-5d", "12x", "2026-13-01", "soon"] {
            assert!(parse_exp(bad, now).is_err(), "{bad}");
        }
    }
}
