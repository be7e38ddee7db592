//! licet CLI tests: the real binary, run in a temporary directory.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

mod serve;
mod vendor_flow;
