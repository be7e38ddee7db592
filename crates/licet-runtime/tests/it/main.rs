//! Integration tests for licet-runtime: one binary, one module per concern.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

mod ack;
mod common;
mod faults;
mod gate;
mod lifecycle;
mod pg;
mod renewal;
mod spelling;
