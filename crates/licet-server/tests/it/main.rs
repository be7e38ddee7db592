//! licet-server integration tests: one binary, modules per concern.

// Test helpers outside #[test] functions panic on purpose: a failed expectation is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

mod ack;
mod api;
mod api_ops;
mod browser;
mod check;
mod local;
mod metrics_format;
mod openapi;
mod org_refresh;
mod schemathesis_findings;
mod sources;
mod support;
