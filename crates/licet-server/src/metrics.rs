//! Prometheus text exposition (format 0.0.4) of a status. Written by hand: four gauge families do not need a
//! metrics registry, and the status is already a snapshot.
//!
//! The format wants each family's samples together, directly after its own `# HELP` and `# TYPE`: a sample
//! under another family's header is read by strict parsers (prometheus_client) as an untyped family of its own.
//! So each family is written whole before the next begins. Durations are in seconds, Prometheus's base unit
//! (`promtool check metrics` refuses days).

use std::fmt::Write;

use licet_core::{Limit, UnixTime};

use crate::service::{LimitView, StatusView};

pub const CONTENT_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";

/// Label values are ours or the vendor's signed claims, but escape them anyway (`\`, `"`, newline).
fn label(v: &str) -> String {
    v.replace('\\', "\\\\").replace('"', "\\\"").replace('\n', "\\n")
}

fn limit_value(l: Limit) -> String {
    match l {
        Limit::Count(n) => n.to_string(),
        Limit::Unlimited => "+Inf".to_owned(),
    }
}

fn family(out: &mut String, name: &str, help: &str) {
    let _ = writeln!(out, "# HELP {name} {help}");
    let _ = writeln!(out, "# TYPE {name} gauge");
}

/// Every scope's limits, instance first: `(scope label, limits)`.
fn scopes(status: &StatusView) -> Vec<(String, &[LimitView])> {
    std::iter::once(("instance".to_owned(), status.limits.as_slice()))
        .chain(
            status
                .orgs
                .iter()
                .map(|o| (format!("org:{}", o.id), o.limits.as_slice())),
        )
        .collect()
}

/// Seconds from the evaluation to expiry, negative once past; `None` for a perpetual license (or no license).
fn remaining_seconds(status: &StatusView) -> Option<i64> {
    let exp = UnixTime::parse_rfc3339(status.expires_at.as_deref()?)?;
    let at = UnixTime::parse_rfc3339(&status.evaluated_at)?;
    Some(exp.seconds().saturating_sub(at.seconds()))
}

pub fn render(status: &StatusView) -> String {
    let mut out = String::new();
    family(
        &mut out,
        "licet_license_state",
        "Current license state: 1 for the state in force, 0 for the others.",
    );
    for s in StatusView::STATES {
        let v = u8::from(*s == status.state);
        let _ = writeln!(out, "licet_license_state{{state=\"{s}\"}} {v}");
    }
    family(
        &mut out,
        "licet_license_remaining_seconds",
        "Seconds until the license expires, negative once past (absent if perpetual).",
    );
    if let Some(seconds) = remaining_seconds(status) {
        let _ = writeln!(out, "licet_license_remaining_seconds {seconds}");
    }
    let scopes = scopes(status);
    family(
        &mut out,
        "licet_license_limit",
        "Quota granted by the license, per scope and kind (+Inf when unlimited).",
    );
    for (scope, limits) in &scopes {
        for l in *limits {
            let _ = writeln!(
                out,
                "licet_license_limit{{scope=\"{}\",kind=\"{}\"}} {}",
                label(scope),
                label(&l.kind),
                limit_value(l.limit)
            );
        }
    }
    family(&mut out, "licet_license_usage", "Quota in use now, per scope and kind.");
    for (scope, limits) in &scopes {
        for l in *limits {
            if let Some(used) = l.used {
                let _ = writeln!(
                    out,
                    "licet_license_usage{{scope=\"{}\",kind=\"{}\"}} {used}",
                    label(scope),
                    label(&l.kind)
                );
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::service::OrgView;

    fn limit(kind: &str, limit: Limit, used: Option<u64>) -> LimitView {
        LimitView {
            kind: kind.into(),
            limit,
            used,
        }
    }

    /// Expired three and a half days ago, with instance and org quotas (what interleaves families if written per
    /// scope).
    fn sample() -> StatusView {
        StatusView {
            state: "grace".into(),
            effect: "read_only".into(),
            reason: None,
            sentence: "In grace.".into(),
            customer: None,
            tier: None,
            expires_at: Some("2030-01-01T00:00:00Z".into()),
            days_remaining: Some(-3),
            evaluated_at: "2030-01-04T12:00:00Z".into(),
            products: vec![],
            features: vec![],
            all_features: false,
            limits: vec![
                limit("users", Limit::Count(10), Some(7)),
                limit("agents\"x", Limit::Unlimited, None),
            ],
            orgs: vec![OrgView {
                id: "acme".into(),
                state: "active".into(),
                plan: None,
                valid_from: None,
                valid_until: None,
                features: vec![],
                limits: vec![limit("users", Limit::Count(5), Some(2))],
                own_license: true,
                last_refresh: None,
            }],
            source: None,
            source_error: None,
            license_fingerprint: None,
            fingerprint: "LICET-FP-X".into(),
            install_id: "i".into(),
            last_refresh: None,
        }
    }

    #[test]
    fn one_state_is_set_and_limits_are_rendered() {
        let text = render(&sample());
        assert!(text.contains("licet_license_state{state=\"grace\"} 1\n"));
        assert!(text.contains("licet_license_state{state=\"active\"} 0\n"));
        assert_eq!(text.matches("} 1\n").count(), 1);
        assert!(text.contains("licet_license_remaining_seconds -302400\n"), "{text}");
        assert!(!text.contains("days"), "{text}");
        assert!(text.contains("licet_license_limit{scope=\"instance\",kind=\"users\"} 10\n"));
        assert!(text.contains("licet_license_usage{scope=\"instance\",kind=\"users\"} 7\n"));
        assert!(text.contains("licet_license_limit{scope=\"org:acme\",kind=\"users\"} 5\n"));
        assert!(text.contains("licet_license_usage{scope=\"org:acme\",kind=\"users\"} 2\n"));
        assert!(text.contains("kind=\"agents\\\"x\"} +Inf\n"));
    }

    #[test]
    fn a_perpetual_license_has_no_remaining_seconds_sample() {
        let mut status = sample();
        status.expires_at = None;
        status.days_remaining = None;
        let text = render(&status);
        assert!(!text.contains("\nlicet_license_remaining_seconds "), "{text}");
        assert!(text.contains("# TYPE licet_license_remaining_seconds gauge\n"));
    }

    /// The text format's grouping rule, checked line by line: every family is `# HELP`, then `# TYPE`, then all of
    /// its samples and nothing else, and no family appears twice. (tests/it/metrics_format.rs also runs promtool
    /// and prometheus_client over a live `/metrics`.)
    #[test]
    fn each_family_is_help_type_then_only_its_own_samples() {
        let text = render(&sample());
        let mut seen: Vec<&str> = Vec::new();
        let mut current: Option<&str> = None;
        let mut lines = text.lines().peekable();
        while let Some(line) = lines.next() {
            if let Some(rest) = line.strip_prefix("# HELP ") {
                let name = rest.split(' ').next().unwrap();
                assert!(!seen.contains(&name), "{name} appears twice:\n{text}");
                let ty = lines.next().unwrap_or_default();
                assert_eq!(
                    ty,
                    format!("# TYPE {name} gauge"),
                    "HELP {name} not directly followed by its TYPE"
                );
                seen.push(name);
                current = Some(name);
                continue;
            }
            assert!(!line.starts_with('#'), "stray comment {line:?}:\n{text}");
            let name = line.split(['{', ' ']).next().unwrap();
            assert_eq!(
                Some(name),
                current,
                "sample {line:?} sits under another family's header:\n{text}"
            );
        }
        assert_eq!(
            seen,
            [
                "licet_license_state",
                "licet_license_remaining_seconds",
                "licet_license_limit",
                "licet_license_usage"
            ]
        );
    }
}
