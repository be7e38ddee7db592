//! licet-vendor integration tests: the HTTP API through tower `oneshot`, on SQLite always and on PostgreSQL when
//! `LICET_TEST_DATABASE_URL` is set (each test in a fresh schema).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

mod activation;
mod api;
mod env;
mod issue;
mod renew;
