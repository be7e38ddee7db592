//! The CLI's one clock read: `iat` for `licet issue` and the base of `--exp 365d`.

use licet_core::UnixTime;

#[allow(clippy::disallowed_methods)] // the one place the CLI reads the clock
pub fn now() -> UnixTime {
    UnixTime(time::OffsetDateTime::now_utc().unix_timestamp())
}
