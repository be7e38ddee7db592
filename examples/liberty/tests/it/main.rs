//! Liberty end to end: real RS256 licenses from the test-only Nomana-IT key, a manual clock, HTTP through the router.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

mod scenarios;
mod world;
