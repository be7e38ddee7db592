//! Time as a value. licet-core never reads the clock: every function that needs "now" takes a [`UnixTime`].

use serde::{Deserialize, Deserializer, Serialize};

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

/// A claim's NumericDate as RFC 7519 §2 defines it: seconds since the epoch, *possibly non-integer* (PyJWT writes
/// `"exp": 1798881741.599`). Only the claims parser reads through this; [`UnixTime`] itself stays a plain integer
/// everywhere else (state files, APIs, other documents).
///
/// A fractional value is floored to the whole second that contains it. licet's clock and every comparison are in
/// whole seconds (`now` is the current second, `t >= exp` expires), so a floored `exp` expires the license at or
/// before the stated instant, never after it; a floored `nbf` or `iat` moves them less than a second, well inside
/// any clock skew. Rounding could move an `exp` half a second past what the vendor signed. NaN and infinities
/// cannot be spelled in JSON but are refused anyway, as is anything outside the i64 range.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct NumericDate(pub UnixTime);

/// 2^63 as f64: the exclusive upper bound of values whose floor fits an i64 (i64::MIN = -2^63 is exact).
const TWO_POW_63: f64 = 9_223_372_036_854_775_808.0;

impl NumericDate {
    fn from_f64(v: f64) -> Option<NumericDate> {
        let floored = v.floor();
        if floored.is_finite() && (-TWO_POW_63..TWO_POW_63).contains(&floored) {
            // In range and integral, so `as` is exact here (it would saturate, silently, outside the range).
            Some(NumericDate(UnixTime(floored as i64)))
        } else {
            None
        }
    }
}

impl<'de> Deserialize<'de> for NumericDate {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct NumericDateVisitor;
        impl serde::de::Visitor<'_> for NumericDateVisitor {
            type Value = NumericDate;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a NumericDate (seconds since the epoch, a finite number)")
            }
            fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<NumericDate, E> {
                Ok(NumericDate(UnixTime(v)))
            }
            fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<NumericDate, E> {
                i64::try_from(v)
                    .map(|v| NumericDate(UnixTime(v)))
                    .map_err(|_| E::custom(format_args!("NumericDate {v} is out of range")))
            }
            fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<NumericDate, E> {
                NumericDate::from_f64(v).ok_or_else(|| E::custom(format_args!("NumericDate {v} is out of range")))
            }
        }
        d.deserialize_any(NumericDateVisitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(json: &str) -> Result<UnixTime, serde_json::Error> {
        serde_json::from_str::<NumericDate>(json).map(|d| d.0)
    }

    #[test]
    fn numeric_dates_may_be_fractional_and_are_floored() {
        assert_eq!(parse("1798881741").unwrap(), UnixTime(1_798_881_741));
        assert_eq!(parse("1798881741.599").unwrap(), UnixTime(1_798_881_741));
        assert_eq!(parse("1798881741.0").unwrap(), UnixTime(1_798_881_741));
        assert_eq!(parse("1.798881741e9").unwrap(), UnixTime(1_798_881_741));
        assert_eq!(parse("-0.5").unwrap(), UnixTime(-1));
        assert_eq!(parse("-9223372036854775808").unwrap(), UnixTime(i64::MIN));
        assert_eq!(parse("-9223372036854775808.0").unwrap(), UnixTime(i64::MIN));
    }

    #[test]
    fn numeric_dates_out_of_range_or_not_numbers_are_refused() {
        for bad in [
            "9223372036854775808",
            "9223372036854775808.0",
            "1e19",
            "-1e19",
            "1e300",
            "1e400",
            "NaN",
            "Infinity",
            "\"1798881741\"",
            "null",
            "true",
        ] {
            assert!(parse(bad).is_err(), "{bad}");
        }
        for v in [
            f64::NAN,
            f64::INFINITY,
            f64::NEG_INFINITY,
            TWO_POW_63,
            -TWO_POW_63 * 2.0,
        ] {
            assert_eq!(NumericDate::from_f64(v), None, "{v}");
        }
        assert_eq!(
            NumericDate::from_f64(-TWO_POW_63),
            Some(NumericDate(UnixTime(i64::MIN)))
        );
    }
}
