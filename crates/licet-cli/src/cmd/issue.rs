//! `licet issue`: sign a claims file into a license.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{bail, Context};
use licet_core::format::{ClaimMap, Envelope, Field, Implied, Time};
use licet_core::token::encode_compact;
use licet_core::{Claims, Encoding, FileSigner, JwsSigner, Limit, SchemaVersion, SignedDocument, UnixTime};
use serde_json::{Map, Value};

use crate::{clock, formats};

/// Sign a license. `iat` is now unless the claims file sets it; `lic.schema` defaults to the current version; the
/// algorithm follows from the key. An `exp` already past is refused unless `--allow-past-exp` is given. With
/// `--profile`, the claims file is in that profile's own format instead (e.g. JustIAM's `max_users`), read as a
/// product with that profile reads it; members the format does not read are warned about.
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
    /// JWS encoding [default: compact]. A signed-document profile (honeyframe) has one layout and takes none.
    #[arg(long, value_enum)]
    format: Option<Format>,
    /// The claims file is written in this profile's own (its manual's) format, not licet's: it is read with the
    /// profile's mapping before signing, refused if it does not follow the format, and signed in the profile's
    /// envelope (a JWS, or honeyframe's Ed25519-signed document).
    #[arg(long)]
    profile: Option<String>,
    /// Issue a licet-format license with a limit of 0 (grants none). Without it a 0 is refused, because in many
    /// other formats 0 means unlimited; licet's own format says "unlimited".
    #[arg(long)]
    allow_zero_limits: bool,
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
    let signer =
        FileSigner::from_pkcs8_pem(args.kid.clone(), &pem).with_context(|| format!("{}", args.key.display()))?;
    let now = clock::now();
    let object = load_object(&args.claims)?;
    let token = match &args.profile {
        Some(name) => {
            let map = formats::profile_format(name)?;
            let (payload, claims) = mapped_claims(map, object, &args.claims, now, args.exp.as_deref())?;
            let member = map
                .rules
                .iter()
                .find(|r| matches!(r.field, Field::Expires(_)))
                .map_or("exp", |r| r.member);
            check_exp(&args, member, claims.exp, now)?;
            sign_mapped(map, &payload, &signer, &args)?
        }
        None => {
            let claims = licet_claims(object, &args.claims, now, args.exp.as_deref(), args.allow_zero_limits)?;
            check_exp(&args, "exp", claims.exp, now)?;
            licet_core::issue(&claims, &signer, args.format.unwrap_or(Format::Compact).into())?
        }
    };
    match args.out {
        Some(path) => std::fs::write(&path, token.as_bytes()).with_context(|| format!("writing {}", path.display()))?,
        None => println!("{}", token.trim_end()),
    }
    Ok(ExitCode::SUCCESS)
}

/// Refuses an expiry that is not in the future (unless asked for); notes a perpetual license.
/// `member` is the expiry's member in the claims file's format.
fn check_exp(args: &Args, member: &str, exp: Option<UnixTime>, now: UnixTime) -> anyhow::Result<()> {
    if let Some(exp) = exp.filter(|exp| *exp <= now && !args.allow_past_exp) {
        let source = match &args.exp {
            Some(text) => format!("--exp {text:?}"),
            None => format!("{member} in {}", args.claims.display()),
        };
        bail!(
            "{source} is {exp}, which is not in the future (now is {now}): the license would be expired as soon as \
             it is issued; give a later expiry, or --allow-past-exp to issue an already-expired license on purpose"
        );
    }
    if exp.is_none() {
        eprintln!("note: no exp given; this license is perpetual");
    }
    Ok(())
}

/// The claims file as a JSON object: TOML by extension, else JSON, else TOML.
fn load_object(path: &Path) -> anyhow::Result<Map<String, Value>> {
    let text = std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    let is_toml = path.extension().is_some_and(|e| e == "toml");
    let from_toml = |text: &str| -> anyhow::Result<Value> {
        let table: toml::Table = toml::from_str(text)?;
        toml_to_json(toml::Value::Table(table))
    };
    let value = if is_toml {
        from_toml(&text).with_context(|| format!("{} is not TOML", path.display()))?
    } else {
        match serde_json::from_str(&text) {
            Ok(v) => v,
            Err(json_err) => from_toml(&text)
                .map_err(|_| json_err)
                .with_context(|| format!("{} is neither JSON nor TOML", path.display()))?,
        }
    };
    match value {
        Value::Object(object) => Ok(object),
        _ => bail!("{}: claims must be a table/object", path.display()),
    }
}

/// TOML as JSON. A TOML date or date-time becomes its RFC 3339 text, which is how the manuals' formats write
/// dates (`expires = 2026-12-31` in TOML is Honeyframe's `"expires": "2026-12-31"`).
fn toml_to_json(value: toml::Value) -> anyhow::Result<Value> {
    Ok(match value {
        toml::Value::String(s) => Value::String(s),
        toml::Value::Integer(n) => Value::from(n),
        toml::Value::Float(f) => match serde_json::Number::from_f64(f) {
            Some(n) => Value::Number(n),
            None => bail!("{f} is not a finite number"),
        },
        toml::Value::Boolean(b) => Value::Bool(b),
        toml::Value::Datetime(d) => Value::String(d.to_string()),
        toml::Value::Array(items) => Value::Array(items.into_iter().map(toml_to_json).collect::<Result<_, _>>()?),
        toml::Value::Table(table) => Value::Object(
            table
                .into_iter()
                .map(|(k, v)| Ok((k, toml_to_json(v)?)))
                .collect::<anyhow::Result<_>>()?,
        ),
    })
}

/// A claims file in licet's own format, with `iat` (now, unless given), `--exp` and `lic.schema` filled in.
fn licet_claims(
    mut obj: Map<String, Value>,
    path: &Path,
    now: UnixTime,
    exp: Option<&str>,
    allow_zero_limits: bool,
) -> anyhow::Result<Claims> {
    let unread: Vec<String> = obj
        .keys()
        .filter(|k| !formats::LICET_MEMBERS.contains(&k.as_str()))
        .cloned()
        .collect();
    for member in &unread {
        let readers = formats::formats_reading(member);
        match readers.as_slice() {
            [] => eprintln!(
                "warning: {}: top-level member {member:?} is not read by licet's own format: it is signed into \
                 the license but grants nothing",
                path.display()
            ),
            [one, ..] => eprintln!(
                "warning: {}: top-level member {member:?} is not read by licet's own format (it grants nothing \
                 there); the {} format reads it: if the file is written in that format, pass --profile {one}",
                path.display(),
                readers.join(" and ")
            ),
        }
    }
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
    let has_lic = obj.contains_key("lic");
    let claims: Claims = match serde_json::from_value(Value::Object(obj)) {
        Ok(claims) => claims,
        Err(e) => {
            let hint = match (has_lic, likeliest_profile(&unread)) {
                (false, Some(name)) => format!(
                    "; it has no `lic` member and reads like the {name} format: pass --profile {name} if it is \
                     written in that format"
                ),
                _ => String::new(),
            };
            bail!("{}: not valid license claims: {e}{hint}", path.display())
        }
    };
    let zeros = zero_limits(&claims);
    if !zeros.is_empty() && !allow_zero_limits {
        let (them, are) = if zeros.len() == 1 {
            ("it", "is")
        } else {
            ("they", "are")
        };
        bail!(
            "{}: {} {are} 0, which in licet's own format grants none (licet has no number that means unlimited; \
             in some vendors' formats 0 does): if no limit is meant, write \"unlimited\"; if zero is really \
             meant, pass --allow-zero-limits to issue {them} as 0",
            path.display(),
            zeros.join(", ")
        );
    }
    Ok(claims)
}

/// The profile whose format reads most of the members licet's own format does not.
fn likeliest_profile(unread: &[String]) -> Option<&'static str> {
    formats::all_formats()
        .map(|map| {
            let reads = unread
                .iter()
                .filter(|m| map.rules.iter().any(|r| r.member == m.as_str()))
                .count();
            (reads, map.name)
        })
        .filter(|(reads, _)| *reads > 0)
        .max_by_key(|(reads, _)| *reads)
        .map(|(_, name)| name)
}

/// The paths of the limits that are 0 (`lic.limits.users`, `lic.max_orgs`, `lic.orgs[0].limits.seats`).
fn zero_limits(claims: &Claims) -> Vec<String> {
    let zero = |l: &Limit| *l == Limit::Count(0);
    let lic = &claims.lic;
    let mut out: Vec<String> = lic
        .limits
        .iter()
        .filter(|(_, l)| zero(l))
        .map(|(k, _)| format!("lic.limits.{k}"))
        .collect();
    if lic.max_orgs.as_ref().is_some_and(zero) {
        out.push("lic.max_orgs".to_owned());
    }
    for (i, org) in lic.orgs.iter().enumerate() {
        out.extend(
            org.limits
                .iter()
                .filter(|(_, l)| zero(l))
                .map(|(k, _)| format!("lic.orgs[{i}].limits.{k}")),
        );
    }
    out
}

/// A claims file in `map`'s format, with the issue time (now, unless given) and `--exp` written into the
/// format's own members, as the format writes times; checked by reading it as a product would. Returns the
/// payload to sign and what licet reads from it.
fn mapped_claims(
    map: &ClaimMap,
    mut obj: Map<String, Value>,
    path: &Path,
    now: UnixTime,
    exp: Option<&str>,
) -> anyhow::Result<(Map<String, Value>, Claims)> {
    if obj.contains_key("lic") {
        bail!(
            "{}: has a `lic` member, which makes it licet's own format (a product reads it as such, not as the {} \
             format): drop --profile, or write the claims as the {} manual does",
            path.display(),
            map.name,
            map.name
        );
    }
    let mut exp_written = false;
    for rule in map.rules {
        match rule.field {
            Field::IssuedAt(t) if !obj.contains_key(rule.member) => {
                obj.insert(rule.member.to_owned(), time_value(now, t));
            }
            Field::Expires(t) => {
                if let Some(exp) = exp {
                    obj.insert(rule.member.to_owned(), time_value(parse_exp(exp, now)?, t));
                    exp_written = true;
                }
            }
            _ => {}
        }
    }
    if exp.is_some() && !exp_written {
        bail!("--exp: the {} format has no expiry member", map.name);
    }
    let claims = map
        .read(obj.clone(), Implied::default())
        .map_err(|e| formats::mapping_error(map, e))
        .map_err(|e| {
            anyhow::anyhow!(
                "{}: does not follow the {} format: {}: {e}",
                path.display(),
                map.name,
                e.reason().code()
            )
        })?;
    for member in claims.extra.keys() {
        eprintln!(
            "warning: {}: member {member:?} is not part of the {} format: a product reads nothing from it (it is \
             signed into the license but grants nothing)",
            path.display(),
            map.name
        );
    }
    for org in &claims.lic.orgs {
        for member in org.extra.keys() {
            eprintln!(
                "warning: {}: organization {:?}: member {member:?} is not part of the {} format: a product reads \
                 nothing from it",
                path.display(),
                org.id,
                map.name
            );
        }
    }
    Ok((obj, claims))
}

/// A time as `format` writes it.
fn time_value(t: UnixTime, format: Time) -> Value {
    match format {
        Time::UnixSeconds => Value::from(t.seconds()),
        Time::Rfc3339OrDate => Value::String(t.to_rfc3339()),
    }
}

/// Signs a vendor-format payload in its format's envelope.
fn sign_mapped(
    map: &ClaimMap,
    payload: &Map<String, Value>,
    signer: &FileSigner,
    args: &Args,
) -> anyhow::Result<String> {
    match map.envelope {
        Envelope::Jws => {
            let compact = licet_core::issue::sign_payload(&serde_json::to_vec(payload)?, signer)?;
            Ok(encode_compact(&compact, args.format.unwrap_or(Format::Compact).into()))
        }
        Envelope::SignedDocument => {
            if args.format.is_some() {
                bail!(
                    "--format: a {} license is a signed JSON document, not a JWS, and has one layout; leave \
                     --format out",
                    map.name
                );
            }
            if signer.alg() != SignedDocument::ALG {
                bail!(
                    "a {} license is an Ed25519-signed JSON document, and {} is a {} key: sign it with an Ed25519 \
                     key (`licet keygen --alg ed25519`)",
                    map.name,
                    args.key.display(),
                    signer.alg().as_str()
                );
            }
            Ok(SignedDocument::sign(payload, signer)?)
        }
    }
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
