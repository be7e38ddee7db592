//! Matching a license's binding against the install it runs on.
//!
//! Every list the license fills must match; an empty list (or no install id) does not constrain. Checks run in a
//! fixed order (install id, host fingerprint, domain) so that a license bound several ways reports the same reason
//! every time.

use std::net::IpAddr;

use crate::claims::Binding;
use crate::reason::Reason;

/// What the install knows about itself, as the runtime measured it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Install<'a> {
    pub install_id: Option<&'a str>,
    pub fingerprint: Option<&'a str>,
    /// The host the product is served on (e.g. the host of its public URL), without scheme or port.
    pub domain: Option<&'a str>,
}

/// `Ok` if the binding admits this install, else the mismatch reason.
///
/// A license bound to an install id, fingerprints or domains while the install does not know its own (e.g. no
/// domain configured) is a mismatch: an unknown value never satisfies a binding.
pub fn check(binding: &Binding, install: Install<'_>) -> Result<(), Reason> {
    if let Some(want) = binding.install_id.as_deref() {
        if install.install_id != Some(want) {
            return Err(Reason::LicenseInstanceMismatch);
        }
    }
    if !binding.fingerprints.is_empty() {
        let ok = install
            .fingerprint
            .is_some_and(|fp| binding.fingerprints.iter().any(|b| b == fp));
        if !ok {
            return Err(Reason::LicenseHostMismatch);
        }
    }
    if !binding.domains.is_empty() {
        let ok = install
            .domain
            .is_some_and(|d| binding.domains.iter().any(|pattern| domain_matches(pattern, d)));
        if !ok {
            return Err(Reason::LicenseDomainMismatch);
        }
    }
    Ok(())
}

/// Whether `host` is covered by `pattern`.
///
/// - exact names compare case-insensitively, a trailing dot ignored (`API.acme.com.` = `api.acme.com`);
/// - `*.acme.com` covers every subdomain at any depth (`a.acme.com`, `a.b.acme.com`) but not `acme.com` itself;
/// - IP literals (`10.0.0.1`, `::1`, `[::1]`) compare as addresses, exactly, and never match a wildcard;
/// - an empty name, a bare `*` or a `*` anywhere but the first label matches nothing.
pub fn domain_matches(pattern: &str, host: &str) -> bool {
    let host = normalize(host);
    if host.is_empty() {
        return false;
    }
    if let Some(ip) = parse_ip(&host) {
        return parse_ip(&normalize(pattern)) == Some(ip);
    }
    let pattern = normalize(pattern);
    match pattern.strip_prefix("*.") {
        Some(suffix) => {
            if suffix.is_empty() || suffix.contains('*') {
                return false;
            }
            host.strip_suffix(suffix)
                .and_then(|head| head.strip_suffix('.'))
                .is_some_and(|head| !head.is_empty())
        }
        None => !pattern.is_empty() && !pattern.contains('*') && pattern == host,
    }
}

fn normalize(name: &str) -> String {
    let name = name.trim();
    let name = name.strip_suffix('.').unwrap_or(name);
    name.to_ascii_lowercase()
}

fn parse_ip(s: &str) -> Option<IpAddr> {
    let s = s.strip_prefix('[').and_then(|s| s.strip_suffix(']')).unwrap_or(s);
    s.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn domain_table() {
        let cases = [
            ("api.acme.com", "api.acme.com", true),
            ("api.acme.com", "API.Acme.COM", true),
            ("api.acme.com", "api.acme.com.", true),
            ("api.acme.com.", "api.acme.com", true),
            ("api.acme.com", "www.acme.com", false),
            ("api.acme.com", "xapi.acme.com", false),
            ("*.acme.com", "api.acme.com", true),
            ("*.acme.com", "a.b.acme.com", true),
            ("*.ACME.com", "Api.acme.com.", true),
            ("*.acme.com", "acme.com", false),
            ("*.acme.com", "evilacme.com", false),
            ("*.acme.com", ".acme.com", false),
            ("*.acme.com", "acme.com.evil.com", false),
            ("*", "acme.com", false),
            ("*.", "acme.com", false),
            ("a.*.com", "a.b.com", false),
            ("", "", false),
            ("10.0.0.1", "10.0.0.1", true),
            ("10.0.0.1", "10.0.0.2", false),
            ("*.0.0.1", "10.0.0.1", false),
            ("::1", "[::1]", true),
            ("0:0::1", "::1", true),
            ("[::1]", "::2", false),
        ];
        for (pattern, host, want) in cases {
            assert_eq!(domain_matches(pattern, host), want, "{pattern} vs {host}");
        }
    }

    #[test]
    fn binding_order_and_unknowns() {
        let b = Binding {
            install_id: Some("i-1".into()),
            fingerprints: vec!["FP-A".into(), "FP-B".into()],
            domains: vec!["*.acme.com".into()],
        };
        let good = Install {
            install_id: Some("i-1"),
            fingerprint: Some("FP-B"),
            domain: Some("api.acme.com"),
        };
        assert_eq!(check(&b, good), Ok(()));
        let wrong_install = Install {
            install_id: Some("i-2"),
            fingerprint: Some("FP-X"),
            ..good
        };
        assert_eq!(check(&b, wrong_install), Err(Reason::LicenseInstanceMismatch));
        let no_fp = Install {
            fingerprint: None,
            ..good
        };
        assert_eq!(check(&b, no_fp), Err(Reason::LicenseHostMismatch));
        let no_domain = Install { domain: None, ..good };
        assert_eq!(check(&b, no_domain), Err(Reason::LicenseDomainMismatch));
        assert_eq!(check(&Binding::default(), Install::default()), Ok(()));
    }
}
