//! Connected renewal: fetch the license's renewal URL on a schedule and install what comes back if it is newer.
//!
//! The vendor answers `GET <renewal.url>` (bearer: the install credential) with the freshest license as plain text.
//! The answer is verified like any upload; it is installed only if it is newer than the license in force (higher
//! sequence, or the same sequence and a later expiry). Any failure keeps the current license; the last attempt and
//! its result are recorded in the store for the license page. Failures back off exponentially (capped), and every
//! delay carries jitter so that a fleet does not call the vendor in lockstep.
//!
//! A renewal must be for the customer whose license it renews. Each scope renews on its own: the instance-wide
//! license, and every org's own license that names a renewal URL (an org's renewal goes to that URL only;
//! `url_override` is the instance's). Each keeps its own backoff and its own record in the store, so one org's
//! failing vendor endpoint neither hurries nor delays the others.

use std::collections::BTreeMap;
use std::sync::{Arc, Weak};
use std::time::Duration;

use licet_core::{Reason, UnixTime};
use licet_store::{RenewalError, Scope};
use rand::Rng;

use crate::clock::sleep_until;
use crate::error::Error;
use crate::runtime::Inner;
use crate::source::MAX_LICENSE_BYTES;

#[derive(Clone, Debug)]
pub struct RenewalConfig {
    /// Whether the scheduler runs (the profile must also allow renewal). `refresh_now` works either way.
    pub enabled: bool,
    pub interval: Duration,
    /// Fraction of each delay added or removed at random (0.1 = ±10 %).
    pub jitter: f64,
    pub backoff_base: Duration,
    pub backoff_max: Duration,
    /// The install credential sent as `Authorization: Bearer …`.
    pub credential: Option<String>,
    /// Replaces the instance license's own renewal URL (tests, proxies). Org licenses always use their own.
    pub url_override: Option<String>,
    pub timeout: Duration,
}

impl Default for RenewalConfig {
    fn default() -> Self {
        RenewalConfig {
            enabled: true,
            interval: Duration::from_secs(3600),
            jitter: 0.1,
            backoff_base: Duration::from_secs(30),
            backoff_max: Duration::from_secs(3600),
            credential: None,
            url_override: None,
            timeout: Duration::from_secs(30),
        }
    }
}

impl RenewalConfig {
    /// The delay before the next attempt after `failures` consecutive failures, before jitter.
    pub fn delay(&self, failures: u32) -> Duration {
        if failures == 0 {
            return self.interval;
        }
        let factor = 2u32.saturating_pow(failures.saturating_sub(1).min(20));
        self.backoff_base.saturating_mul(factor).min(self.backoff_max)
    }

    fn jittered(&self, d: Duration) -> Duration {
        let j = self.jitter.clamp(0.0, 1.0);
        if j == 0.0 {
            return d;
        }
        let f = rand::thread_rng().gen_range((1.0 - j)..=(1.0 + j));
        d.mul_f64(f)
    }

    /// When the attempt after one begun at `from` is due, after `failures` consecutive failures; at least a second
    /// later, so that a zero delay cannot spin.
    fn next_after(&self, from: UnixTime, failures: u32) -> UnixTime {
        let secs = self.jittered(self.delay(failures)).as_secs();
        from.plus_seconds(i64::try_from(secs).unwrap_or(i64::MAX).max(1))
    }
}

/// What one refresh did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RefreshOutcome {
    /// A newer license was installed.
    Installed {
        sequence: u64,
        expires_at: Option<UnixTime>,
    },
    /// The vendor's answer verified but is not newer than the license in force; nothing changed.
    NotNewer,
    /// The license in force has no renewal URL (and none is configured).
    NoRenewalUrl,
}

/// One scope's place in the schedule.
struct Due {
    failures: u32,
    at: UnixTime,
}

/// Attempts are due by the runtime's clock, like the state timer: a [`crate::ManualClock`] moved an hour ahead
/// makes the next attempt due at once, so tests walk through hourly renewals without sleeping. A scope's first
/// attempt is due one interval after it joined the schedule (the build, for the scopes there at start), each next
/// one a delay after the previous attempt began.
pub(crate) async fn schedule(weak: Weak<Inner>, start: UnixTime) {
    let mut due: BTreeMap<Scope, Due> = BTreeMap::new();
    let mut joined = Some(start);
    loop {
        let Some(inner) = weak.upgrade() else { return };
        let clock = inner.clock.clone();
        let now = clock.now();
        let from = joined.take().unwrap_or(now);
        let scopes = renewable(&inner).await;
        due.retain(|scope, _| scopes.contains(scope));
        for scope in scopes {
            due.entry(scope).or_insert_with(|| Due {
                failures: 0,
                at: inner.renewal.next_after(from, 0),
            });
        }
        let next = due.values().map(|d| d.at).min();
        if next.is_none_or(|at| now < at) {
            // Wake at least once per interval (real time), so that an org license installed meanwhile joins.
            let cap = inner.renewal.interval;
            drop(inner);
            sleep_until(&*clock, next, cap).await;
            continue;
        }
        for (scope, d) in due.iter_mut().filter(|(_, d)| d.at <= now) {
            // Anchored before the attempt: whoever sees its outcome and moves the clock is already past this point.
            let began = clock.now();
            match refresh(&inner, scope).await {
                Ok(_) => d.failures = 0,
                Err(e) => {
                    d.failures = d.failures.saturating_add(1);
                    tracing::warn!(
                        scope = %scope.key(),
                        code = e.code(),
                        failures = d.failures,
                        "license renewal failed; keeping the current license: {e}"
                    );
                }
            }
            d.at = inner.renewal.next_after(began, d.failures);
        }
    }
}

/// The instance, and every org whose own license names a renewal URL.
async fn renewable(inner: &Inner) -> Vec<Scope> {
    let loaded = inner.loaded.lock().await;
    let orgs = loaded.orgs.iter().filter_map(|(id, token)| {
        let license = token.verified.as_ref().ok()?;
        license.claims().lic.renewal.as_ref()?;
        Scope::org(id.as_str()).ok()
    });
    std::iter::once(Scope::Instance).chain(orgs).collect()
}

/// The license in force for `scope` and the URL it renews from. For an org, only its own license counts (an org
/// named in the instance license renews with the instance).
async fn current(inner: &Inner, scope: &Scope) -> (Option<Arc<licet_core::VerifiedLicense>>, Option<String>) {
    let own_url = |l: &Arc<licet_core::VerifiedLicense>| l.claims().lic.renewal.as_ref().map(|r| r.url.clone());
    match scope {
        Scope::Instance => {
            let license = inner.snapshot.load().instance.license.clone();
            let url = inner
                .renewal
                .url_override
                .clone()
                .or_else(|| license.as_ref().and_then(own_url));
            (license, url)
        }
        Scope::Org(id) => {
            let loaded = inner.loaded.lock().await;
            let license = loaded
                .orgs
                .get(id.as_str())
                .and_then(|t| t.verified.as_ref().ok().cloned());
            let url = license.as_ref().and_then(own_url);
            (license, url)
        }
    }
}

pub(crate) async fn refresh(inner: &Inner, scope: &Scope) -> Result<RefreshOutcome, Error> {
    if !inner.policy.sources.renewal {
        return Err(Error::Renewal {
            message: format!("the {} profile does not use connected renewal", inner.policy.name),
        });
    }
    let (current, url) = current(inner, scope).await;
    let Some(url) = url else {
        return Ok(RefreshOutcome::NoRenewalUrl);
    };
    // The attempt is dated when it starts: a slow fetch that a clock move overtakes must not pass for a later
    // attempt (it fetched what the vendor had before).
    let at = inner.clock.now();
    let result = fetch_and_install(inner, &url, current.as_deref(), scope).await;
    let outcome = match &result {
        Ok(_) => Ok(()),
        Err(e) => Err(RenewalError {
            code: e.code().to_owned(),
            message: e.to_string(),
        }),
    };
    if let Err(e) = inner.store.record_renewal(scope, at, outcome).await {
        tracing::error!(scope = %scope.key(), "could not record the renewal attempt: {e}");
    }
    inner
        .renewal_attempts
        .fetch_add(1, std::sync::atomic::Ordering::Release);
    result
}

async fn fetch_and_install(
    inner: &Inner,
    url: &str,
    current: Option<&licet_core::VerifiedLicense>,
    scope: &Scope,
) -> Result<RefreshOutcome, Error> {
    let token = fetch(&inner.renewal, url).await?;
    let candidate = inner.verifier.verify(token.as_bytes()).map_err(Error::from)?;
    if let Some(cur) = current {
        // A renewal is the same license, fresher; sequences of different customers do not compare.
        let (theirs, ours) = (&candidate.claims().lic.customer.id, &cur.claims().lic.customer.id);
        if theirs != ours {
            return Err(Error::Renewal {
                message: format!("{url} answered a license for customer {theirs:?}, but {ours:?} holds this scope"),
            });
        }
        if !is_newer(candidate.claims(), cur.claims()) {
            return Ok(RefreshOutcome::NotNewer);
        }
    }
    let lic = &candidate.claims().lic;
    let (sequence, expires_at) = (lic.sequence, candidate.claims().exp);
    inner
        .install(
            token.as_bytes(),
            "renewal",
            Some("connected renewal"),
            scope.clone(),
            "renewal",
            // A renewal that takes something away waits for an operator: nobody is there to acknowledge it.
            false,
        )
        .await?;
    tracing::info!(scope = %scope.key(), sequence, "renewed license installed");
    Ok(RefreshOutcome::Installed { sequence, expires_at })
}

/// Higher sequence, or the same sequence and a later expiry (no expiry counts as latest).
pub fn is_newer(candidate: &licet_core::Claims, current: &licet_core::Claims) -> bool {
    let (a, b) = (candidate.lic.sequence, current.lic.sequence);
    if a != b {
        return a > b;
    }
    match (candidate.exp, current.exp) {
        (None, Some(_)) => true,
        (Some(x), Some(y)) => x > y,
        _ => false,
    }
}

/// Whether `url` is one a renewal may be fetched from: https anywhere, plain http only to a loopback host (a
/// local vendor stub or proxy). The license that comes back is signed, but the request carries the install's
/// bearer credential, and a network in the middle could also withhold renewals or answer stale ones.
pub fn check_renewal_url(url: &str) -> Result<reqwest::Url, Error> {
    let refuse = |why: String| Error::RenewalUrlRefused { why };
    let parsed = reqwest::Url::parse(url).map_err(|e| refuse(format!("the renewal URL {url:?} is not a URL ({e})")))?;
    match parsed.scheme() {
        "https" => Ok(parsed),
        "http" if is_loopback(&parsed) => Ok(parsed),
        "http" => Err(refuse(format!(
            "the renewal URL {url} is plain http to a host that is not loopback"
        ))),
        other => Err(refuse(format!("the renewal URL {url} uses {other}, not https"))),
    }
}

/// 127.0.0.0/8, ::1 and the name `localhost` (any case); `localhost.example.com` or `127.0.0.1.nip.io` are names
/// like any other, and an IPv4-mapped address is not `::1`.
fn is_loopback(url: &reqwest::Url) -> bool {
    let Some(host) = url.host_str() else { return false };
    if host.eq_ignore_ascii_case("localhost") {
        return true;
    }
    let bare = host.strip_prefix('[').and_then(|h| h.strip_suffix(']')).unwrap_or(host);
    bare.parse::<std::net::IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

async fn fetch(cfg: &RenewalConfig, url: &str) -> Result<String, Error> {
    let fail = |message: String| Error::Renewal { message };
    let url = check_renewal_url(url)?;
    // A redirect is held to the same rule as the URL itself, so an https URL cannot hand the credential to http.
    // The refused target is kept aside: reqwest's error does not say which hop it was.
    let refused: Arc<std::sync::Mutex<Option<String>>> = Arc::default();
    let seen = refused.clone();
    let redirects = reqwest::redirect::Policy::custom(move |attempt| {
        if attempt.previous().len() >= 10 {
            attempt.error("too many redirects")
        } else if check_renewal_url(attempt.url().as_str()).is_err() {
            if let Ok(mut to) = seen.lock() {
                *to = Some(attempt.url().to_string());
            }
            attempt.error("redirected to a URL licet does not renew from")
        } else {
            attempt.follow()
        }
    });
    let client = reqwest::Client::builder()
        .timeout(cfg.timeout)
        .redirect(redirects)
        .build()
        .map_err(|e| fail(format!("cannot build the HTTP client: {e}")))?;
    let mut req = client.get(url.clone()).header(reqwest::header::ACCEPT, "text/plain");
    if let Some(c) = &cfg.credential {
        req = req.bearer_auth(c);
    }
    let mut resp = req
        .send()
        .await
        .map_err(|e| match refused.lock().ok().and_then(|mut to| to.take()) {
            Some(to) => Error::RenewalUrlRefused {
                why: format!("{url} redirected to {to}, which licet does not renew from"),
            },
            None => fail(format!("cannot reach {url}: {e}")),
        })?;
    let status = resp.status();
    if !status.is_success() {
        return Err(fail(format!("{url} answered {status}")));
    }
    let mut body = Vec::new();
    while let Some(chunk) = resp.chunk().await.map_err(|e| fail(format!("reading {url}: {e}")))? {
        body.extend_from_slice(&chunk);
        if u64::try_from(body.len()).unwrap_or(u64::MAX) > MAX_LICENSE_BYTES {
            return Err(Error::refused(Reason::LicenseTooLarge));
        }
    }
    String::from_utf8(body).map_err(|_| Error::refused(Reason::LicenseMalformed))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renewal_urls_are_https_or_loopback_http() {
        for ok in [
            "https://licenses.vendor.example/v1/renew",
            "https://10.0.0.5:8443/renew",
            "http://127.0.0.1:8080/renew",
            "http://127.45.6.7/renew",
            "http://[::1]:9000/renew",
            "http://localhost/renew",
            "http://LocalHost:3000/renew",
        ] {
            assert!(check_renewal_url(ok).is_ok(), "{ok}");
        }
        for refused in [
            "http://licenses.vendor.example/v1/renew",
            "http://10.0.0.5/renew",
            "http://128.0.0.1/renew",
            "http://localhost.vendor.example/renew",
            "http://127.0.0.1.nip.io/renew",
            "http://[::ffff:127.0.0.1]/renew",
            "ftp://licenses.vendor.example/renew",
            "file:///etc/licet/license.jwt",
            "licenses.vendor.example/renew",
            "",
        ] {
            let e = check_renewal_url(refused).unwrap_err();
            assert_eq!(e.code(), "renewal_url_insecure", "{refused}");
            assert!(e.to_string().contains("https"), "{e}");
        }
    }

    #[test]
    fn backoff_doubles_and_caps() {
        let c = RenewalConfig::default();
        assert_eq!(c.delay(0), Duration::from_secs(3600));
        assert_eq!(c.delay(1), Duration::from_secs(30));
        assert_eq!(c.delay(2), Duration::from_secs(60));
        assert_eq!(c.delay(4), Duration::from_secs(240));
        assert_eq!(c.delay(10), Duration::from_secs(3600));
        assert_eq!(c.delay(u32::MAX), Duration::from_secs(3600));
    }

    #[test]
    fn jitter_stays_within_bounds() {
        let c = RenewalConfig::default();
        for _ in 0..200 {
            let d = c.jittered(Duration::from_secs(1000));
            assert!(d >= Duration::from_secs(900) && d <= Duration::from_secs(1100), "{d:?}");
        }
    }
}
