//! Prometheus text exposition (format 0.0.4) of a status. Written by hand: four gauge families do not need a
//! metrics registry, and the status is already a snapshot.

use std::fmt::Write;

use licet_core::Limit;

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

fn limits(out: &mut String, scope: &str, limits: &[LimitView]) {
    for l in limits {
        let _ = writeln!(
            out,
            "licet_license_limit{{scope=\"{}\",kind=\"{}\"}} {}",
            label(scope),
            label(&l.kind),
            limit_value(l.limit)
        );
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

pub fn render(status: &StatusView) -> String {
    let mut out = String::new();
    out.push_str("# HELP licet_license_state Current license state: 1 for the state in force, 0 for the others.\n");
    out.push_str("# TYPE licet_license_state gauge\n");
    for s in StatusView::STATES {
        let v = u8::from(*s == status.state);
        let _ = writeln!(out, "licet_license_state{{state=\"{s}\"}} {v}");
    }
    out.push_str("# HELP licet_license_days_remaining Whole days until the license expires (absent if perpetual).\n");
    out.push_str("# TYPE licet_license_days_remaining gauge\n");
    if let Some(days) = status.days_remaining {
        let _ = writeln!(out, "licet_license_days_remaining {days}");
    }
    out.push_str("# HELP licet_license_limit Quota granted by the license, per kind (+Inf when unlimited).\n");
    out.push_str("# TYPE licet_license_limit gauge\n");
    out.push_str("# HELP licet_license_usage Quota in use now, per kind.\n");
    out.push_str("# TYPE licet_license_usage gauge\n");
    limits(&mut out, "instance", &status.limits);
    for org in &status.orgs {
        limits(&mut out, &format!("org:{}", org.id), &org.limits);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_state_is_set_and_limits_are_rendered() {
        let status = StatusView {
            state: "grace".into(),
            effect: "read_only".into(),
            reason: None,
            sentence: "In grace.".into(),
            customer: None,
            tier: None,
            expires_at: None,
            days_remaining: Some(-3),
            products: vec![],
            features: vec![],
            all_features: false,
            limits: vec![
                LimitView {
                    kind: "users".into(),
                    limit: Limit::Count(10),
                    used: Some(7),
                },
                LimitView {
                    kind: "agents\"x".into(),
                    limit: Limit::Unlimited,
                    used: None,
                },
            ],
            orgs: vec![],
            source: None,
            source_error: None,
            license_fingerprint: None,
            fingerprint: "LICET-FP-X".into(),
            install_id: "i".into(),
            last_refresh: None,
        };
        let text = render(&status);
        assert!(text.contains("licet_license_state{state=\"grace\"} 1\n"));
        assert!(text.contains("licet_license_state{state=\"active\"} 0\n"));
        assert_eq!(text.matches("} 1\n").count(), 1);
        assert!(text.contains("licet_license_days_remaining -3\n"));
        assert!(text.contains("licet_license_limit{scope=\"instance\",kind=\"users\"} 10\n"));
        assert!(text.contains("licet_license_usage{scope=\"instance\",kind=\"users\"} 7\n"));
        assert!(text.contains("kind=\"agents\\\"x\"} +Inf\n"));
    }
}
