//! nivq end to end: real licences from the test-only Nivorbit key, a manual clock, HTTP through the router.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

mod scenarios;
