//! Time as a value. licet-core never reads the clock: every function that needs "now" takes a [`UnixTime`].

use serde::{Deserialize, Serialize};

/// Seconds since the Unix epoch, as JWT NumericDate (RFC 7519 §2) carries it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct UnixTime(pub i64);

impl UnixTime {
    pub const SECONDS_PER_DAY: i64 = 86_400;

    pub fn seconds(self) -> i64 {
        self.0
    }

    /// Saturating add, so that hostile claims (e.g. `exp = i64::MAX`) can never overflow.
    pub fn plus_seconds(self, seconds: i64) -> Self {
        UnixTime(self.0.saturating_add(seconds))
    }

    pub fn plus_days(self, days: i64) -> Self {
        self.plus_seconds(days.saturating_mul(Self::SECONDS_PER_DAY))
    }

    /// RFC 3339 form for people and JSON APIs; out-of-range values print as the raw number.
    pub fn to_rfc3339(self) -> String {
        time::OffsetDateTime::from_unix_timestamp(self.0)
            .ok()
            .and_then(|t| t.format(&time::format_description::well_known::Rfc3339).ok())
            .unwrap_or_else(|| self.0.to_string())
    }

    pub fn parse_rfc3339(s: &str) -> Option<Self> {
        time::OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339)
            .ok()
            .map(|t| UnixTime(t.unix_timestamp()))
    }
}

impl std::fmt::Display for UnixTime {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.to_rfc3339())
    }
}
