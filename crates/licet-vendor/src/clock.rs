//! The one place the vendor reads the clock. Everything else takes `now` from [`Clock`], so tests can set it.

use std::sync::Arc;

use licet_core::UnixTime;

pub type Clock = Arc<dyn Fn() -> UnixTime + Send + Sync>;

#[allow(clippy::disallowed_methods)] // this is the vendor's clock module
pub fn system_clock() -> Clock {
    Arc::new(|| {
        let secs = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(0);
        UnixTime(i64::try_from(secs).unwrap_or(i64::MAX))
    })
}

/// A clock that always says `at` (tests, benchmarks).
pub fn fixed_clock(at: UnixTime) -> Clock {
    Arc::new(move || at)
}
