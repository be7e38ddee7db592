//! licet-vendor integration tests: one binary (see STYLE.md). The control-plane tests drive the HTTP API through
//! tower `oneshot`, on SQLite always and on PostgreSQL when `LICET_TEST_DATABASE_URL` is set (each test in a fresh
//! schema). The HSM tests run against SoftHSM2.

// clippy.toml allows these in `#[test]` functions only; the fixtures here are test code too.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

mod env;
mod softhsm;

mod activation;
mod api;
mod console;
mod formats;
mod hsm_errors;
mod hsm_sign;
mod issue;
mod openapi;
mod renew;
mod schemathesis_findings;
