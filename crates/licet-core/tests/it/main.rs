//! licet-core integration tests: one binary, one module per concern.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

mod common;
mod formats;

mod attacks;
mod codec;
mod interop;
mod rejections;
mod rfc8037;
mod rotation;
mod roundtrip;
mod wycheproof;
