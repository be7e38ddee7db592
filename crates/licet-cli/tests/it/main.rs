//! licet CLI tests: the real binary, run in a temporary directory.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

mod hsm;
mod install;
mod interop;
mod offline_exchange;
mod profile_formats;
mod serve;
mod status;
mod support;
mod vendor_flow;
mod vendor_serve;
