//! Connected renewal: fetch the license's renewal URL on a schedule and install what comes back if it is newer.
//!
//! The vendor answers `GET <renewal.url>` (bearer: the install credential) with the freshest license as plain text.
//! The answer is verified like any upload; it is installed only if it is newer than the license in force (higher
//! sequence, or the same sequence and a later expiry). Any failure keeps the current license; the last attempt and
//! its result are recorded in the store for the license page. Failures back off exponentially (capped), and every
//! delay carries jitter so that a fleet does not call the vendor in lockstep.

use std::sync::Weak;
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
    /// Replaces the license's own renewal URL (tests, proxies).
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

/// Attempts are due by the runtime's clock, like the state timer: a [`crate::ManualClock`] moved an hour ahead
/// makes the next attempt due at once, so tests walk through hourly renewals without sleeping. The first attempt
/// is due one interval after `start` (the build), each next one a delay after the previous attempt began.
pub(crate) async fn schedule(weak: Weak<Inner>, start: UnixTime) {
    let mut failures = 0u32;
    let mut due = None;
    let mut from = start;
    loop {
        let Some(inner) = weak.upgrade() else { return };
        let clock = inner.clock.clone();
        let at = *due.get_or_insert_with(|| {
            from.plus_seconds(whole_seconds(inner.renewal.jittered(inner.renewal.delay(failures))))
        });
        let now = clock.now();
        if now < at {
            let cap = inner.renewal.interval.max(inner.renewal.backoff_max);
            drop(inner);
            sleep_until(&*clock, Some(at), cap).await;
            continue;
        }
        // Anchored before the attempt: whoever sees its outcome and moves the clock is already past this point.
        (from, due) = (now, None);
        match refresh(&inner).await {
            Ok(_) => failures = 0,
            Err(e) => {
                failures = failures.saturating_add(1);
                tracing::warn!(
                    code = e.code(),
                    failures,
                    "license renewal failed; keeping the current license: {e}"
                );
            }
        }
    }
}

/// At least one second, so that a zero delay cannot spin.
fn whole_seconds(d: Duration) -> i64 {
    i64::try_from(d.as_secs()).unwrap_or(i64::MAX).max(1)
}

pub(crate) async fn refresh(inner: &Inner) -> Result<RefreshOutcome, Error> {
    if !inner.policy.sources.renewal {
        return Err(Error::Renewal {
            message: format!("the {} profile does not use connected renewal", inner.policy.name),
        });
    }
    let current = inner.snapshot.load().instance.license.clone();
    let url = inner.renewal.url_override.clone().or_else(|| {
        current
            .as_ref()
            .and_then(|l| l.claims().lic.renewal.as_ref().map(|r| r.url.clone()))
    });
    let Some(url) = url else {
        return Ok(RefreshOutcome::NoRenewalUrl);
    };
    let result = fetch_and_install(inner, &url, current.as_deref()).await;
    let at = inner.clock.now();
    let outcome = match &result {
        Ok(_) => Ok(()),
        Err(e) => Err(RenewalError {
            code: e.code().to_owned(),
            message: e.to_string(),
        }),
    };
    if let Err(e) = inner.store.record_renewal(&Scope::Instance, at, outcome).await {
        tracing::error!("could not record the renewal attempt: {e}");
    }
    result
}

async fn fetch_and_install(
    inner: &Inner,
    url: &str,
    current: Option<&licet_core::VerifiedLicense>,
) -> Result<RefreshOutcome, Error> {
    let token = fetch(&inner.renewal, url).await?;
    let candidate = inner
        .verifier
        .verify(token.as_bytes())
        .map_err(|e| Error::refused(e.reason()))?;
    if let Some(cur) = current {
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
            Scope::Instance,
            "renewal",
        )
        .await?;
    tracing::info!(sequence, "renewed license installed");
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

async fn fetch(cfg: &RenewalConfig, url: &str) -> Result<String, Error> {
    let fail = |message: String| Error::Renewal { message };
    let client = reqwest::Client::builder()
        .timeout(cfg.timeout)
        .build()
        .map_err(|e| fail(format!("cannot build the HTTP client: {e}")))?;
    let mut req = client.get(url).header(reqwest::header::ACCEPT, "text/plain");
    if let Some(c) = &cfg.credential {
        req = req.bearer_auth(c);
    }
    let mut resp = req.send().await.map_err(|e| fail(format!("cannot reach {url}: {e}")))?;
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
