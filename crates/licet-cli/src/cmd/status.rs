//! `licet status`: what a product running under a reference profile would make of a license, at a given instant.

use std::fmt::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::bail;
use licet_core::{evaluate, profiles, Context, FeatureSet, LicenseInput, OrgRule, State, Status, UnixTime, Verifier};

use crate::cmd::verify::{load_trust, unverified_kid};
use crate::input;

/// Verify a license and evaluate it under a profile (state, reason, effect, entitlements, next change). Exits 0
/// when a license is in force (even expired: the status says what that means), 1 when it was refused (the status
/// is still printed, in state `invalid` with the reason), 2 on usage errors.
#[derive(clap::Args)]
pub struct Args {
    /// Trusted key: a JWKS (`jwks.json`), a single JWK or a SPKI public key PEM; repeatable (as for `licet verify`).
    #[arg(long, required = true)]
    trust: Vec<PathBuf>,
    /// Key id for a PEM given with --trust (only with a single PEM).
    #[arg(long)]
    kid: Option<String>,
    /// Reference profile whose policy judges the license: liberty, honeyframe, sovereign, nivq or justiam.
    #[arg(long)]
    profile: String,
    /// Expected issuer (vendor). Not checked when absent.
    #[arg(long)]
    iss: Option<String>,
    /// Expected audience (product). Not checked when absent.
    #[arg(long)]
    aud: Option<String>,
    /// Evaluate at this instant instead of now: RFC 3339 (`2026-01-31T12:00:00Z`) or a date (`2026-01-31`, 00:00 UTC).
    #[arg(long)]
    at: Option<String>,
    /// The install's id, for licenses bound to one.
    #[arg(long)]
    install_id: Option<String>,
    /// The host fingerprint (`LICET-FP-…`), for licenses bound to hosts.
    #[arg(long)]
    fingerprint: Option<String>,
    /// The domain the product is served on, for licenses bound to domains.
    #[arg(long)]
    domain: Option<String>,
    /// Print the status as JSON (the same document the runtime and `/license/status` serve).
    #[arg(long)]
    json: bool,
    /// The license: token text, a file, or `-` for stdin.
    token: String,
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let Some(policy) = profiles::by_name(&args.profile) else {
        let known: Vec<&str> = profiles::names().collect();
        bail!(
            "unknown profile {:?}; the profiles are: {}",
            args.profile,
            known.join(", ")
        );
    };
    let now = match &args.at {
        Some(at) => parse_at(at)?,
        None => crate::clock::now(),
    };
    let bytes = input::read_token(&args.token)?;
    let keyring = load_trust(&args.trust, args.kid.as_deref(), unverified_kid(&bytes).as_deref())?;
    let verifier = Verifier::for_vendor_tooling(keyring, args.iss, args.aud);
    let ctx = Context {
        install_id: args.install_id,
        fingerprint: args.fingerprint,
        domain: args.domain,
        ..Context::default()
    };
    let verified = verifier.verify(&bytes);
    let status = match &verified {
        Ok(license) => evaluate(policy, &ctx, LicenseInput::Verified(license), now),
        Err(e) => {
            eprintln!("{}: {e}", e.reason().code());
            evaluate(policy, &ctx, LicenseInput::Rejected(e.reason()), now)
        }
    };
    if args.json {
        println!("{}", serde_json::to_string_pretty(&status)?);
    } else {
        print!("{}", render(&status, now));
    }
    // Refused (by verification, binding or rollback) is exit 1; a license in force in any time state is 0.
    if verified.is_err() || status.state == State::Invalid {
        Ok(ExitCode::from(crate::EXIT_REFUSED))
    } else {
        Ok(ExitCode::SUCCESS)
    }
}

/// `--at`: RFC 3339, or `YYYY-MM-DD` meaning 00:00 UTC that day.
fn parse_at(text: &str) -> anyhow::Result<UnixTime> {
    if let Some(t) = UnixTime::parse_rfc3339(text) {
        return Ok(t);
    }
    let date_format = time::macros::format_description!("[year]-[month]-[day]");
    match time::Date::parse(text, &date_format) {
        Ok(date) => Ok(UnixTime(date.midnight().assume_utc().unix_timestamp())),
        Err(_) => bail!("--at {text:?}: expected RFC 3339 (2026-01-31T12:00:00Z) or a date (2026-01-31)"),
    }
}

/// The status as aligned `label: value` lines, for people.
fn render(status: &Status, now: UnixTime) -> String {
    let mut out = String::new();
    let mut line = |label: &str, value: &str| {
        let _ = writeln!(out, "{:<12} {value}", format!("{label}:"));
    };
    line("state", status.state.code());
    line(
        "reason",
        if status.reason.is_some() {
            status.reason_code()
        } else {
            "-"
        },
    );
    line("summary", &status.sentence);
    if let Some(c) = &status.customer {
        line("customer", &format!("{} ({})", c.name, c.id));
    }
    if let Some(e) = &status.edition {
        line("edition", e);
    }
    if status.license.is_some() {
        let expires = match status.expires_at {
            Some(exp) => exp.to_rfc3339(),
            None => "never (perpetual)".to_owned(),
        };
        line("expires", &expires);
        if let Some(days) = status.days_remaining {
            line("days left", &days.to_string());
        }
        if let (Some(end), Some(exp)) = (status.grace_ends_at, status.expires_at) {
            if end != exp {
                line("grace ends", &end.to_rfc3339());
            }
        }
    }
    line("effect", status.effect().code());
    let ent = &status.entitlements;
    line("products", &list(ent.products.iter()));
    let features = match &ent.features {
        FeatureSet::All => "all".to_owned(),
        FeatureSet::Listed(set) => list(set.iter()),
    };
    line("features", &features);
    line("limits", &list(ent.limits.iter().map(|(k, v)| format!("{k}={v}"))));
    if let Some(max) = ent.max_orgs {
        line("max orgs", &max.to_string());
    }
    if let OrgRule::Named(ids) = &ent.orgs {
        line("org ids", &list(ids.iter()));
    }
    for org in &status.orgs {
        let mut text = format!("{} {}", org.id, org.state.code());
        if let Some(plan) = &org.plan {
            let _ = write!(text, ", plan {plan}");
        }
        if let Some(until) = org.valid_until {
            let _ = write!(text, ", until {until}");
        }
        if let Some(days) = org.days_remaining {
            let _ = write!(text, " ({days} days)");
        }
        line("org", &text);
    }
    match status.next_change {
        Some(change) => line(
            "next change",
            &format!(
                "{} at {} (in {})",
                change.to.code(),
                change.at,
                span(change.at.0 - now.0)
            ),
        ),
        None => line("next change", "none"),
    }
    if let Some(l) = &status.license {
        line(
            "license",
            &format!("kid {}, sequence {}, fingerprint {}", l.kid, l.sequence, l.fingerprint),
        );
    }
    line(
        "profile",
        &format!("{}, evaluated at {}", status.policy, status.evaluated_at),
    );
    out
}

fn list<T: AsRef<str>>(items: impl Iterator<Item = T>) -> String {
    let all: Vec<T> = items.collect();
    if all.is_empty() {
        return "none".to_owned();
    }
    all.iter().map(AsRef::as_ref).collect::<Vec<_>>().join(", ")
}

/// A duration for people: the largest whole unit.
fn span(seconds: i64) -> String {
    match seconds {
        s if s >= 2 * 86_400 => format!("{} days", s / 86_400),
        s if s >= 2 * 3_600 => format!("{} hours", s / 3_600),
        s if s >= 120 => format!("{} minutes", s / 60),
        s => format!("{s} seconds"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn at_accepts_rfc3339_and_dates_only() {
        assert_eq!(parse_at("1970-01-02").unwrap(), UnixTime(86_400));
        assert_eq!(parse_at("1970-01-01T00:01:00Z").unwrap(), UnixTime(60));
        assert!(parse_at("10d").is_err());
        assert!(parse_at("yesterday").is_err());
    }

    /// Every line is `label: value`: a reader (or a `grep '^state:'` script) can split each one at its first colon.
    #[test]
    fn every_line_has_a_label() {
        let policy = profiles::by_name("sovereign").unwrap();
        let now = UnixTime(1_700_000_000);
        let status = evaluate(policy, &Context::default(), LicenseInput::None, now);
        let text = render(&status, now);
        for l in text.lines() {
            let (label, value) = l.split_once(':').unwrap();
            assert!(
                !label.trim().is_empty() && label == label.trim_start(),
                "{l:?} in\n{text}"
            );
            assert!(!value.trim().is_empty(), "{l:?} in\n{text}");
        }
        assert!(text.contains(&format!("summary:     {}\n", status.sentence)), "{text}");
    }

    #[test]
    fn spans_use_the_largest_whole_unit() {
        assert_eq!(span(10 * 86_400 + 5), "10 days");
        assert_eq!(span(86_400), "24 hours");
        assert_eq!(span(90), "90 seconds");
        assert_eq!(list(Vec::<String>::new().into_iter()), "none");
        assert_eq!(list(["a", "b"].into_iter()), "a, b");
    }
}
