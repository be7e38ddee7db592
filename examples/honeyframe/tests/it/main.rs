//! Honeyframe end to end: real Ed25519 licenses from the test-only key, a manual clock, HTTP through the router.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

mod scenarios;
