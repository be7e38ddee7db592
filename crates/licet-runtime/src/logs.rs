//! Whether log output may carry colour. tracing-subscriber colours by default (unless `NO_COLOR` is set) whatever
//! its writer is, so a log file or journald would be full of escape codes; every binary that sets up its own
//! subscriber (`licet serve`, `licet vendor serve`, the examples) asks here instead.

use std::ffi::OsStr;
use std::io::IsTerminal;

/// True only when `stream` (the one the subscriber writes to: `std::io::stderr()` or `std::io::stdout()`) is a
/// terminal and `NO_COLOR` is unset or empty (<https://no-color.org>). Pass the result to
/// `tracing_subscriber::fmt().with_ansi(…)`.
pub fn log_colour(stream: &impl IsTerminal) -> bool {
    colour(stream.is_terminal(), std::env::var_os("NO_COLOR").as_deref())
}

fn colour(terminal: bool, no_color: Option<&OsStr>) -> bool {
    terminal && no_color.is_none_or(OsStr::is_empty)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn colour_only_on_a_terminal_and_never_under_no_color() {
        assert!(colour(true, None));
        assert!(colour(true, Some(OsStr::new(""))), "an empty NO_COLOR does not count");
        assert!(!colour(true, Some(OsStr::new("1"))));
        assert!(!colour(false, None), "a file, a pipe or journald");
        assert!(!colour(false, Some(OsStr::new("1"))));
    }

    /// A test's stdout is captured by the harness (a pipe), never the terminal.
    #[test]
    fn a_file_is_not_a_terminal() {
        let file = tempfile::tempfile().unwrap();
        assert!(!log_colour(&file));
    }
}
