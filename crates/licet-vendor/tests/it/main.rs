//! licet-vendor integration tests: one binary (see STYLE.md). The HSM tests run against SoftHSM2.

// clippy.toml allows these in `#[test]` functions only; the fixtures here are test code too.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

mod softhsm;

mod hsm_errors;
mod hsm_sign;
