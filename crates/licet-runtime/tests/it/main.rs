//! Integration tests for licet-runtime: one binary, one module per concern.

mod common;
mod gate;
mod lifecycle;
mod pg;
mod renewal;
