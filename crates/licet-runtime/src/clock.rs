//! The one place licet reads the wall clock.
//!
//! Everything else takes `now` from a [`Clock`], so that tests can move through days of a license's life with a
//! [`ManualClock`] instead of sleeping. Timers must honour a manual clock too: a task that waits for "the next change
//! of state" waits on `min(next_change - now, cap)` *and* on [`Clock::changed`], which a manual clock fires whenever
//! it is set or advanced.

use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use licet_core::UnixTime;
use tokio::sync::watch;

/// A source of "now".
pub trait Clock: Send + Sync + 'static {
    fn now(&self) -> UnixTime;

    /// A receiver that is notified whenever this clock jumps (set or advanced by hand). The system clock never
    /// jumps under our control, so it returns `None` and timers rely on real sleeping alone.
    fn changed(&self) -> Option<watch::Receiver<UnixTime>> {
        None
    }
}

/// The real clock.
#[derive(Clone, Copy, Debug, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    #[allow(clippy::disallowed_methods)] // The one sanctioned clock read (see clippy.toml).
    fn now(&self) -> UnixTime {
        let secs = match std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH) {
            Ok(d) => i64::try_from(d.as_secs()).unwrap_or(i64::MAX),
            // A clock before 1970 is a broken clock; report it as such rather than wrap around.
            Err(e) => -i64::try_from(e.duration().as_secs()).unwrap_or(i64::MAX),
        };
        UnixTime(secs)
    }
}

/// A clock that only moves when told to. Cheap to clone; clones share the same time.
#[derive(Clone, Debug)]
pub struct ManualClock {
    inner: Arc<ManualInner>,
}

#[derive(Debug)]
struct ManualInner {
    now: AtomicI64,
    tx: watch::Sender<UnixTime>,
}

impl ManualClock {
    pub fn new(start: UnixTime) -> Self {
        let (tx, _rx) = watch::channel(start);
        ManualClock {
            inner: Arc::new(ManualInner {
                now: AtomicI64::new(start.0),
                tx,
            }),
        }
    }

    pub fn set(&self, now: UnixTime) {
        self.inner.now.store(now.0, Ordering::SeqCst);
        self.inner.tx.send_replace(now);
    }

    pub fn advance(&self, by: Duration) {
        let secs = i64::try_from(by.as_secs()).unwrap_or(i64::MAX);
        let next = UnixTime(self.inner.now.load(Ordering::SeqCst)).plus_seconds(secs);
        self.set(next);
    }

    pub fn advance_days(&self, days: i64) {
        let next = UnixTime(self.inner.now.load(Ordering::SeqCst)).plus_days(days);
        self.set(next);
    }
}

impl Clock for ManualClock {
    fn now(&self) -> UnixTime {
        UnixTime(self.inner.now.load(Ordering::SeqCst))
    }

    fn changed(&self) -> Option<watch::Receiver<UnixTime>> {
        Some(self.inner.tx.subscribe())
    }
}

/// Sleeps until `deadline` by `clock`, but at most `cap` of real time, and returns early if the clock jumps.
/// Callers loop: re-read `now`, decide, sleep again.
pub async fn sleep_until(clock: &dyn Clock, deadline: Option<UnixTime>, cap: Duration) {
    // Subscribe before reading `now`: a jump between the two then still ends the wait (a fresh receiver counts the
    // current time as seen, so only later jumps wake it).
    let jumps = clock.changed();
    let wait = match deadline {
        Some(at) => {
            let secs = at.0.saturating_sub(clock.now().0).max(0);
            Duration::from_secs(u64::try_from(secs).unwrap_or(0)).min(cap)
        }
        None => cap,
    };
    match jumps {
        Some(mut rx) => {
            tokio::select! {
                _ = tokio::time::sleep(wait) => {}
                _ = rx.changed() => {}
            }
        }
        None => tokio::time::sleep(wait).await,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn system_clock_is_after_2024() {
        assert!(SystemClock.now().0 > 1_700_000_000);
    }

    #[test]
    fn manual_clock_moves_only_when_told() {
        let c = ManualClock::new(UnixTime(1000));
        assert_eq!(c.now(), UnixTime(1000));
        c.advance(Duration::from_secs(60));
        assert_eq!(c.now(), UnixTime(1060));
        c.advance_days(1);
        assert_eq!(c.now(), UnixTime(1060 + 86_400));
        let clone = c.clone();
        clone.set(UnixTime(5));
        assert_eq!(c.now(), UnixTime(5));
    }

    #[tokio::test]
    async fn sleep_wakes_when_manual_clock_jumps() {
        let c = ManualClock::new(UnixTime(0));
        let c2 = c.clone();
        let waiter = tokio::spawn(async move {
            // A day-long wait, capped at an hour of real time: only the jump can end it within the test.
            sleep_until(&c2, Some(UnixTime(86_400)), Duration::from_secs(3600)).await;
            c2.now()
        });
        tokio::task::yield_now().await;
        tokio::time::sleep(Duration::from_millis(20)).await;
        c.advance_days(1);
        let woke_at = tokio::time::timeout(Duration::from_secs(5), waiter)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(woke_at, UnixTime(86_400));
    }
}
